"""Columnar copies of a SQLite store's tables, so analytics need not scan them row by row.

DuckDB reads a SQLite table through SQLite itself, row by row and parsing every timestamp from text:
about 2 million events a second here, and about 0.5 s for the 200,000 subscription rows of the
100,000-customer demo, every time a report reads them. The same rows in Parquet are read in a
fraction of that. So a SQLite store keeps, in ``<database>-analytics/``, a Parquet copy of each
canonical table and the :mod:`~tenure.store.rollups` of the events. The events' copy is in time
order: a query over a few weeks (scoring churn at one date reads the last 85 days) reads only the
row groups of those weeks, their ``occurred_at`` range being in the file's statistics.

Each write of a table (by the importers, file and API, and by playbook runs, which write ``touches``)
bumps its counter (``<table>_version`` in ``app_settings``) in the same
transaction; a copy is named after the version it holds (``subscriptions-v3.parquet``; rollups after
the events version) and :meth:`tenure.store.Store.duckdb` uses it only when that version is the
current one, so a copy can be stale but never wrong. ``tenure import`` refreshes the copies of the
tables it changed; until the next import, tables written otherwise are read from the store.
PostgreSQL stores have no copies: DuckDB reads them in place, and the ``postgres`` engine runs
inside them.

Examples
--------
>>> version_setting("subscriptions")
'subscriptions_version'
>>> "ON CONFLICT (name) DO UPDATE" in bump_version_sql("sqlite", "events")
True
"""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from tenure.store.database import sqlite_path
from tenure.store.rollups import ROLLUPS
from tenure.store.tables import CANONICAL, app_settings

if TYPE_CHECKING:
    import duckdb

    from tenure.store import Store

COPIED: tuple[str, ...] = tuple(CANONICAL)
"""The tables with a columnar copy: every canonical table. Whatever writes one bumps its version."""

DERIVED = "derived-"
"""Prefix of the files that analytics derive from the copies and keep beside them (the metrics'
customer spans, :mod:`tenure.metrics.spans`), each named after the copies it was computed from. A
refresh that writes a copy removes them all."""


def version_setting(table: str) -> str:
    """The ``app_settings`` name of a table's write counter."""
    return f"{table}_version"


def bump_version_sql(dialect: str, table: str) -> str:
    """SQL that increments ``table``'s version, run in the same transaction as the write."""
    return (
        f"INSERT INTO app_settings (name, value) VALUES ('{version_setting(table)}', '1') "
        "ON CONFLICT (name) DO UPDATE SET value = CAST(CAST(app_settings.value AS BIGINT) + 1 AS TEXT)"
    )


def cache_dir(store: Store) -> Path | None:
    """Where the copies live, or None for stores that keep none."""
    if store.dialect != "sqlite":
        return None
    db = sqlite_path(store.url)
    return db.with_name(db.name + "-analytics")


def versions(store: Store) -> dict[str, int]:
    """Every copied table's current version (0: never written)."""
    names = {version_setting(t): t for t in COPIED}
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(app_settings.c.name, app_settings.c.value).where(app_settings.c.name.in_(names)))
        found = {names[name]: int(value) for name, value in rows}
    return {t: found.get(t, 0) for t in COPIED}


def _file(folder: Path, name: str, version: int) -> Path:
    return folder / f"{name}-v{version}.parquet"


def _source_version(name: str, current: dict[str, int]) -> int:
    """A rollup holds the events' version; a table its own."""
    return current["events"] if name in ROLLUPS else current[name]


def current_copies(store: Store) -> dict[str, Path]:
    """The copies (tables and rollups) that hold their table's current version, by name."""
    folder = cache_dir(store)
    if folder is None or not folder.exists():
        return {}
    current = versions(store)
    out = {}
    for name in (*COPIED, *ROLLUPS):
        path = _file(folder, name, _source_version(name, current))
        if path.exists():
            out[name] = path
    return out


def refresh(store: Store) -> dict[str, Path]:
    """Write the copy of every table (and rollup) whose current version has none yet; remove older ones.

    A write that lands while a copy is being made changes the version; that copy is then dropped
    rather than kept under a version it doesn't match. Returns the current copies.
    """
    folder = cache_dir(store)
    if folder is None:
        return {}
    before = versions(store)
    missing = [t for t in COPIED if not _file(folder, t, before[t]).exists()]
    if missing:
        folder.mkdir(exist_ok=True)
        con = store.duckdb()
        try:
            for table in missing:
                order = " ORDER BY occurred_at, customer_id" if table == "events" else ""
                write_copy(con, f'SELECT * FROM store."{table}"{order}', _file(folder, table, before[table]))
        finally:
            con.close()
    if versions(store) != before:
        for table in missing:
            _file(folder, table, before[table]).unlink(missing_ok=True)
        return current_copies(store)
    _refresh_rollups(folder, before["events"])
    keep = {_file(folder, name, _source_version(name, before)) for name in (*COPIED, *ROLLUPS)}
    stale = [old for old in folder.glob("*-v*.parquet") if old not in keep]
    if missing:
        stale.extend(folder.glob(f"{DERIVED}*.parquet"))
    for old in stale:
        with contextlib.suppress(OSError):
            old.unlink()
    return current_copies(store)


def _refresh_rollups(folder: Path, events_version: int) -> None:
    """Compute the rollups of events copy ``events_version`` that are missing, from that copy."""
    import duckdb
    import ibis

    paths = {name: _file(folder, name, events_version) for name in ("events", *ROLLUPS)}
    if all(p.exists() for p in paths.values()) or not paths["events"].exists():
        return
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute(f"CREATE VIEW events AS SELECT * FROM read_parquet('{_quoted(paths['events'])}')")
        backend = ibis.duckdb.from_connection(con)
        for name, (source, define) in ROLLUPS.items():
            if not paths[name].exists():
                sql = backend.compile(define(backend.table(source)))
                write_copy(con, str(sql), paths[name])
            con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet('{_quoted(paths[name])}')")
    finally:
        con.close()


def write_copy(con: duckdb.DuckDBPyConnection, query: str, target: Path) -> None:
    """Write ``query``'s rows to the Parquet file ``target`` through a temporary file, so a copy is
    there whole or not at all."""
    partial = target.with_name(f".{target.stem}.{os.getpid()}.{threading.get_ident()}.parquet")
    con.execute(f"COPY ({query}) TO '{_quoted(partial)}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1000000)")
    os.replace(partial, target)


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")
