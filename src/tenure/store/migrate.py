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


def head_revisions() -> set[str]:
    """The newest migrations this version of Tenure knows.

    Each area of the app (web, churn models, playbooks, ...) keeps its tables on its own branch of
    migrations from the canonical tables, so there may be several heads.
    """
    return set(ScriptDirectory.from_config(_config()).get_heads())


def current_revisions(engine: sa.Engine) -> set[str]:
    """The migrations the database is at (empty for an empty database)."""
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def upgrade(engine: sa.Engine) -> None:
    """Bring the database to the newest schema (a no-op when it is there already)."""
    if current_revisions(engine) == head_revisions():
        return
    with engine.begin() as conn:
        command.upgrade(_config(conn), "heads")


def new_revision(message: str, rev_id: str, head: str = "0001") -> None:
    """Write an empty migration file on top of ``head`` (developers only; fill in its operations)."""
    command.revision(_config(), message=message, rev_id=rev_id, head=head, splice=True)
