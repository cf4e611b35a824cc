"""A columnar copy of a SQLite store's events, so analytics need not scan them row by row.

DuckDB reads a SQLite table through SQLite itself, row by row: about 2 million events a second here,
so a query touching 38 million events spends most of its time reading. The same events in Parquet
are read in a fraction of a second. Each write of events bumps a counter (``events_version`` in
``app_settings``) in its own transaction; the copy is named after the version it holds, and
:meth:`tenure.store.Store.duckdb` uses it only when its version is the current one, so the copy can
be stale but never wrong. ``tenure import`` refreshes it after loading events.

The copy lives beside the database file, in ``<database>-analytics/``; PostgreSQL stores have none.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

from tenure.store.database import sqlite_path

if TYPE_CHECKING:
    import duckdb

    from tenure.store import Store

VERSION_SETTING = "events_version"


def bump_version_sql(dialect: str) -> str:
    """SQL that increments the events version, run in the same transaction as the write."""
    return (
        f"INSERT INTO app_settings (name, value) VALUES ('{VERSION_SETTING}', '1') "
        "ON CONFLICT (name) DO UPDATE SET value = CAST(CAST(app_settings.value AS BIGINT) + 1 AS TEXT)"
    )


def cache_dir(store: Store) -> Path | None:
    """Where the copy lives, or None for stores that keep none."""
    if store.dialect != "sqlite":
        return None
    db = sqlite_path(store.url)
    return db.with_name(db.name + "-analytics")


def _version(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute(f"SELECT value FROM store.app_settings WHERE name = '{VERSION_SETTING}'").fetchone()
    return int(row[0]) if row else 0


def current_copy(store: Store, con: duckdb.DuckDBPyConnection) -> Path | None:
    """The Parquet copy of the events if it holds the current version, else None."""
    folder = cache_dir(store)
    if folder is None:
        return None
    path = folder / f"events-v{_version(con)}.parquet"
    return path if path.exists() else None


def refresh(store: Store) -> Path | None:
    """Write the copy for the current version (if it isn't there yet) and remove older ones.

    A write that lands while the copy is being made changes the version; the copy is then dropped
    rather than kept under a version it doesn't match.
    """
    folder = cache_dir(store)
    if folder is None:
        return None
    con = store.duckdb()
    try:
        before = _version(con)
        target = folder / f"events-v{before}.parquet"
        if not target.exists():
            folder.mkdir(exist_ok=True)
            partial = folder / f".events-v{before}.{os.getpid()}.parquet"
            escaped = str(partial).replace("'", "''")
            con.execute(
                f"COPY (SELECT * FROM store.events ORDER BY customer_id, occurred_at) TO '{escaped}' "
                "(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1000000)"
            )
            if _version(con) != before:
                partial.unlink(missing_ok=True)
                return None
            os.replace(partial, target)
    finally:
        con.close()
    for old in folder.glob("events-v*.parquet"):
        if old != target:
            with contextlib.suppress(OSError):
                old.unlink()
    return target
