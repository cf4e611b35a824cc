"""Schema migrations with Alembic, run automatically on first use of a store."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).with_name("migrations")


def _config(connection: sa.Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The newest migration this version of Tenure knows."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: sa.Engine) -> str | None:
    """The migration the database is at, or None for an empty database."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: sa.Engine) -> None:
    """Bring the database to the newest schema (a no-op when it is there already)."""
    if current_revision(engine) == head_revision():
        return
    with engine.begin() as conn:
        command.upgrade(_config(conn), "head")


def new_revision(message: str, url: str) -> None:
    """Write a new migration by comparing ``tables.py`` with a database at ``url`` (developers only)."""
    engine = sa.create_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        command.revision(_config(conn), message=message, autogenerate=True)
