"""``tenure users create`` and ``tenure apikeys create``: accounts for the web app and the API."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from tenure.cli import app
from tenure.cli.options import DbOption, open_store

users_app = typer.Typer(help="People who sign in to the web app.", no_args_is_help=True)
apikeys_app = typer.Typer(help="Keys for the REST API.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(apikeys_app, name="apikeys")
console = Console(stderr=True)


@users_app.command("create")
def create_user_command(
    email: Annotated[str, typer.Option("--email", help="Sign-in email.")],
    password: Annotated[str, typer.Option("--password", help="At least 10 characters.", prompt=True, hide_input=True)],
    role: Annotated[str, typer.Option("--role", help="admin, analyst or viewer.")] = "analyst",
    db: DbOption = None,
) -> None:
    """Add a user who can sign in to the web app."""
    from tenure.web import auth

    user = auth.create_user(open_store(db), email, password, role)
    Console().print(f"created {user.role} {user.email}")


@users_app.command("list")
def list_users_command(db: DbOption = None) -> None:
    """List the users."""
    from tenure.web import auth

    for u in auth.list_users(open_store(db)):
        Console().print(f"{u['email']}\t{u['role']}")


@apikeys_app.command("create")
def create_apikey_command(
    scopes: Annotated[str, typer.Option("--scopes", help="Comma-separated: ingest, read.")] = "read",
    name: Annotated[str | None, typer.Option("--name", help="What the key is for.")] = None,
    db: DbOption = None,
) -> None:
    """Create an API key and print it (it is stored hashed and cannot be shown again)."""
    from tenure.web import auth

    key = auth.create_api_key(open_store(db), scopes, name=name, created_by="cli")
    console.print(f"API key with scopes {scopes} (shown once; send as 'Authorization: Bearer KEY'):")
    print(key)
