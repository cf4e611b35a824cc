"""Options shared by several commands, as ``Annotated`` aliases so signatures read as prose."""

from __future__ import annotations

from typing import Annotated

import typer

from tenure.store import Store

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Store URL (sqlite:///FILE or postgresql+psycopg://...). Default: TENURE_DATABASE_URL or ./tenure.db.",
        show_default=False,
    ),
]


def open_store(db: str | None) -> Store:
    """Open (and migrate) the store named by ``--db``."""
    return Store.open(db)
