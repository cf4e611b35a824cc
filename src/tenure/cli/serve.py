"""``tenure serve``: the web app and REST API."""

from __future__ import annotations

from typing import Annotated

import typer

from tenure.cli import app
from tenure.cli.options import DbOption, open_store


@app.command("serve")
def serve_command(
    db: DbOption = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo/--no-demo",
            help="When the store is empty, generate and import the demo business (in the background).",
        ),
    ] = True,
) -> None:
    """Serve the web app and the REST API.

    On an empty store this loads the demo business, precomputes the metrics, trains and scores the
    models, and creates a first admin account whose email and password are printed once. Long work
    runs in the background; the pages show its progress. The playbooks' scheduler runs in the same
    process (``tenure.jobs``) and stops with the server.
    """
    import uvicorn

    from tenure.jobs.scheduler import start_embedded
    from tenure.web import auth, create_app

    store = open_store(db)
    login = None
    if not auth.has_users(store):
        password = auth.generate_password()
        auth.create_user(store, "admin@tenure.local", password, "admin")
        login = ("admin@tenure.local", password)
    web = create_app(store, background=True, demo=demo)
    shown = "localhost" if host in ("0.0.0.0", "::") else host
    print(f"Tenure is serving {store!r} at http://{shown}:{port}/", flush=True)
    if login:
        print(f"First login (shown once): email {login[0]}  password {login[1]}", flush=True)
    print(
        f"API docs: http://{shown}:{port}/api/v1/docs  (keys: tenure apikeys create --scopes ingest,read)",
        flush=True,
    )
    scheduler = start_embedded(store.url)
    try:
        uvicorn.run(web, host=host, port=port, log_level="warning", access_log=False)
    finally:
        scheduler.stop()
