"""Writing validated rows into the store: one transaction, bulk-loaded, upserted by key.

Rows travel as Arrow through ADBC: bulk-ingested into temporary staging tables (SQLite's native
bulk path, PostgreSQL's COPY), then merged into the store with ``INSERT ... ON CONFLICT`` so that
re-importing a file changes nothing and a corrected row updates in place. Everything (every table
and the import's log row) commits together or not at all, so an import killed half-way leaves the
store as it was.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass

import pyarrow as pa

from tenure.errors import StoreError
from tenure.store import Store
from tenure.store.analytics_copy import bump_version_sql
from tenure.store.tables import CANONICAL, store_key


@dataclass
class TableCounts:
    """What an import did to one table."""

    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0


def _store_columns(table: str) -> list[str]:
    return [c.name for c in CANONICAL[table].columns]


def _same_row_sql(dialect: str, columns: list[str]) -> str:
    if dialect == "postgresql":
        left = ", ".join(f't."{c}"' for c in columns)
        right = ", ".join(f'excluded."{c}"' for c in columns)
        return f"ROW({left}) IS NOT DISTINCT FROM ROW({right})"
    return " AND ".join(f't."{c}" IS excluded."{c}"' for c in columns)


def _same_staged_sql(dialect: str, columns: list[str]) -> str:
    if dialect == "postgresql":
        left = ", ".join(f't."{c}"' for c in columns)
        right = ", ".join(f's."{c}"' for c in columns)
        return f"ROW({left}) IS NOT DISTINCT FROM ROW({right})"
    return " AND ".join(f't."{c}" IS s."{c}"' for c in columns)


def write(
    store: Store,
    batches: dict[str, pa.Table],
    source: str,
    counts: dict[str, TableCounts],
    progress: Callable[[str], None] | None = None,
) -> None:
    """Upsert every table of ``batches`` into ``store`` in one transaction, filling ``counts``.

    Raises
    ------
    StoreError
        The database refused the write; nothing was changed.
    """
    dialect = store.dialect
    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    conn = store.adbc()
    try:
        cur = conn.cursor()
        for table, data in batches.items():
            if progress:
                progress(table)
            c = counts.setdefault(table, TableCounts())
            if data.num_rows == 0:
                continue
            stage = f"_stage_{table}"
            cur.execute(f"DROP TABLE IF EXISTS {stage}")
            cur.adbc_ingest(stage, data, mode="create", temporary=True)
            keys = list(store_key(table))
            columns = _store_columns(table)
            values = [col for col in columns if col not in keys]
            key_list = ", ".join(f'"{k}"' for k in keys)
            col_list = ", ".join(f'"{col}"' for col in columns)
            join = " AND ".join(f't."{k}" = s."{k}"' for k in keys)
            if table == "events":
                changed = 0
                conflict = "DO NOTHING"
            else:
                cur.execute(
                    f'SELECT count(*) FROM {stage} s JOIN "{table}" t ON {join} '
                    f"WHERE NOT ({_same_staged_sql(dialect, values)})"
                )
                changed = cur.fetchone()[0]  # type: ignore[index]
                updates = ", ".join(f'"{col}" = excluded."{col}"' for col in values)
                conflict = f"DO UPDATE SET {updates} WHERE NOT ({_same_row_sql(dialect, values)})"
            cur.execute(
                f'INSERT INTO "{table}" AS t ({col_list}) SELECT {col_list} FROM {stage} '
                f"{'WHERE true ' if dialect == 'sqlite' else ''}ORDER BY {key_list} "
                f"ON CONFLICT ({key_list}) {conflict}"
            )
            written = _changed_rows(cur)
            cur.execute(f"DROP TABLE {stage}")
            c.inserted = written - changed
            c.updated = changed
            c.unchanged = data.num_rows - c.inserted - c.updated
            if c.inserted or c.updated:
                cur.execute(bump_version_sql(dialect, table))
        summary = {t: vars(c) for t, c in counts.items()}
        cur.execute(
            "INSERT INTO imports (source, started_at, finished_at, status, rows) VALUES (?, ?, ?, ?, ?)"
            if dialect == "sqlite"
            else "INSERT INTO imports (source, started_at, finished_at, status, rows) VALUES ($1, $2, $3, $4, $5)",
            (
                source,
                _ts(started, dialect),
                _ts(dt.datetime.now(dt.UTC).replace(tzinfo=None), dialect),
                "committed",
                json.dumps(summary),
            ),
        )
        conn.commit()
    except Exception as exc:
        conn.rollback()
        if isinstance(exc, StoreError):
            raise
        raise StoreError(f"the store refused the import from {source}; nothing was changed: {exc}") from exc
    finally:
        conn.close()


def _changed_rows(cur) -> int:  # type: ignore[no-untyped-def]
    """Rows the last statement inserted or updated (the database's own count, not a table scan)."""
    if cur.rowcount is not None and cur.rowcount >= 0:
        return int(cur.rowcount)
    cur.execute("SELECT changes()")
    return int(cur.fetchone()[0])


def _ts(value: dt.datetime, dialect: str) -> object:
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f") if dialect == "sqlite" else value
