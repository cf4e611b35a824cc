"""Database URLs and engines: where the store lives and how Tenure connects to it."""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from tenure.errors import ConfigurationError
from tenure.settings import DEFAULT_DATABASE_FILE, Settings


def resolve_url(url: str | None, settings: Settings | None = None) -> str:
    """The SQLAlchemy URL of the store.

    ``None`` means ``TENURE_DATABASE_URL`` or else ``tenure.db`` in the working directory. A plain
    file path means a SQLite file; ``postgresql://`` and ``postgres://`` mean psycopg 3.

    Examples
    --------
    >>> resolve_url("data/shop.db")
    'sqlite:///data/shop.db'
    >>> resolve_url("postgresql://localhost/shop")
    'postgresql+psycopg://localhost/shop'
    """
    if url is None:
        url = (settings or Settings()).database_url or f"sqlite:///{DEFAULT_DATABASE_FILE}"
    if "://" not in url:
        return f"sqlite:///{url}"
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    try:
        parsed = make_url(url)
    except sa.exc.ArgumentError as exc:
        raise ConfigurationError(f"database URL {url!r} is not valid: {exc}") from exc
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigurationError(
            f"database URL {url!r}: expected sqlite:///FILE or postgresql+psycopg://HOST/DB, "
            f"got the {parsed.get_backend_name()!r} backend"
        )
    return url


def sqlite_path(url: str) -> Path:
    """The file behind a SQLite URL."""
    database = make_url(url).database
    if not database or database == ":memory:":
        raise ConfigurationError(
            f"database URL {url!r}: an in-memory SQLite database can't be shared between Tenure's "
            "loader and its analytics engine; use a file, e.g. sqlite:///tenure.db"
        )
    return Path(database)


def libpq_url(url: str) -> str:
    """The libpq form (``postgresql://...``) of a SQLAlchemy PostgreSQL URL, for ADBC and DuckDB."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def create_engine(url: str) -> sa.Engine:
    """A SQLAlchemy engine; SQLite gets WAL, full sync and a generous busy timeout."""
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        if path.parent and not path.parent.exists():
            raise ConfigurationError(
                f"database file {path}: folder {path.parent} does not exist; create it or choose another path"
            )
        # No pool: a SQLite connection is held only while used. Tenure's DuckDB and ADBC paths carry
        # their own copies of the SQLite library, and POSIX file locks belong to the process, so one
        # copy closing the file drops the locks another copy holds; idle pooled connections would
        # widen that window (see Store.duckdb).
        engine = sa.create_engine(url, connect_args={"timeout": 60}, poolclass=sa.pool.NullPool)

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_connection.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA busy_timeout=60000")
            cur.close()

        return engine
    return sa.create_engine(url, pool_pre_ping=True)


def display_url(url: str) -> str:
    """The URL with any password hidden, for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)


def default_database_path() -> str:
    return os.path.abspath(DEFAULT_DATABASE_FILE)
