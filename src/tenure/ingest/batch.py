"""Loading an in-memory batch of records (from the REST API) with the importer's own rules.

A batch is one table's rows as a list of JSON-like dicts (or an Arrow table). It goes through exactly
the path a dataset file takes — :func:`tenure.ingest.validation.build_typed` and
:func:`~tenure.ingest.validation.check` for every rule of :mod:`tenure.schema`, then
:func:`tenure.ingest.loader.write` for the all-or-nothing upsert — so the API and the importer can
never disagree about what is valid. A problem's ``row`` is the record's 1-based position in the batch.

Examples
--------
>>> from tenure.ingest.batch import load_records                                    # doctest: +SKIP
>>> load_records(store, "events", [{"customer_id": "c1", "event_type": "login",
...                                 "occurred_at": "2025-01-01T09:00:00Z"}])        # doctest: +SKIP
BatchResult(table='events', received=1, inserted=1, updated=0, unchanged=0)
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from tenure.errors import ConfigurationError, ImportValidationError
from tenure.ingest import _known_keys, _typed_rows
from tenure.ingest.files import DatasetFile
from tenure.ingest.loader import TableCounts, write
from tenure.ingest.validation import MAX_SHOWN, Problem, build_typed, check
from tenure.schema import TABLES
from tenure.store import Store

_ATTRIBUTE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]{0,63}")

MAX_BATCH = 10_000
"""Most records accepted in one batch."""


@dataclass(frozen=True)
class BatchResult:
    """What loading one batch did."""

    table: str
    received: int
    inserted: int
    updated: int
    unchanged: int


def _text(value: Any) -> str | None:
    """The text a file would hold for ``value``: how a JSON value becomes a raw importer value."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            return str(value)
        return repr(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def records_to_raw(table: str, records: list[dict[str, Any]]) -> tuple[pa.Table, list[Problem]]:
    """The raw (all-text) Arrow table of ``records``, with ``_row``, and problems found on the way.

    Every column of the canonical table is present (empty when no record has it), so a value missing
    from a record is reported on that record, e.g. ``events row 1, column 'customer_id'``.
    """
    spec = TABLES[table]
    names: list[str] = list(spec.column_names)
    seen = set(names)
    problems: list[Problem] = []
    folded = {n.casefold() for n in names}
    for i, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            problems.append(Problem(table, i, "", _text(record), "a JSON object", f"row {i}"))
            continue
        for k in record:
            if k in seen:
                continue
            if not _ATTRIBUTE_NAME.fullmatch(k) or k.casefold() in folded:
                problems.append(
                    Problem(
                        table,
                        i,
                        k,
                        None,
                        "a field name of letters, digits, '_', '-' or '.' (1-64), unique regardless of case",
                    )
                )
                seen.add(k)
                continue
            seen.add(k)
            folded.add(k.casefold())
            names.append(k)
    columns: dict[str, list[str | None]] = {n: [] for n in names}
    for i, record in enumerate(records, start=1):
        rec = record if isinstance(record, dict) else {}
        for n in names:
            if n not in rec and n not in spec.column_names:
                columns[n].append(None)
                continue
            value = _text(rec.get(n))
            if value is not None and "\x00" in value:
                problems.append(Problem(table, i, n, value.replace("\x00", "\\0"), "text without NUL characters"))
                value = None
            columns[n].append(value)
    data = {"_row": pa.array(range(1, len(records) + 1), pa.int64())}
    for n in names:
        if n.startswith("_"):
            continue
        data[n] = pa.array(columns[n], pa.string())
    return pa.table(data), problems


def load_records(store: Store, table: str, records: list[dict[str, Any]], source: str = "api") -> BatchResult:
    """Validate ``records`` as rows of ``table`` and upsert them into ``store``, all or nothing.

    Parameters
    ----------
    store
        The store to load into.
    table
        A canonical table name (``customers``, ``events``, ...).
    records
        Up to :data:`MAX_BATCH` dicts keyed by column name; values as JSON gives them (text, numbers,
        ``null``; ``properties`` may be an object). Extra keys on ``customers`` become attributes.
    source
        Recorded in the store's import log.

    Raises
    ------
    ImportValidationError
        Some records are invalid; nothing was written. ``.problems`` name the record (``row``, from 1)
        and the column.

    Examples
    --------
    >>> load_records(store, "customers", [{"customer_id": "c1", "name": "Ann"}])  # doctest: +SKIP
    BatchResult(table='customers', received=1, inserted=1, updated=0, unchanged=0)
    """
    if table not in TABLES:
        raise ConfigurationError(f"no table {table!r}; expected one of {', '.join(TABLES)}")
    if len(records) > MAX_BATCH:
        raise ImportValidationError(
            f"{table}: {len(records):,} records in one batch; send at most {MAX_BATCH:,} per request"
        )
    if not records:
        return BatchResult(table, 0, 0, 0, 0)
    raw, problems = records_to_raw(table, records)
    if problems:
        raise ImportValidationError(_message(table, problems, len(problems)), problems)
    with store.lock:
        return _load(store, table, records, raw, source)


def _load(store: Store, table: str, records: list[dict[str, Any]], raw: pa.Table, source: str) -> BatchResult:
    f = DatasetFile(table, Path(table), "api")
    con = store.duckdb()
    try:
        con.register("_batch", raw)
        con.execute(f"CREATE OR REPLACE TEMP TABLE raw_{table} AS SELECT * FROM _batch")
        con.unregister("_batch")
        columns = [c for c in raw.column_names if c != "_row"]
        _, present, _warnings = build_typed(con, f, columns)
        refs = {
            col: _known_keys(con, target, set(), False)
            for col, target in TABLES[table].references.items()
            if col in present
        }
        result = check(con, f, present, refs)
        if result.problem_count:
            raise ImportValidationError(_message(table, result.problems, result.problem_count), result.problems)
        rows = _typed_rows(con, table, store.settings.reporting_currency)
    finally:
        con.close()
    if table == "events":
        inserted = _append_events(store, rows, source)
        return BatchResult(table, len(records), inserted, 0, len(records) - inserted)
    counts: dict[str, TableCounts] = {table: TableCounts(read=len(records))}
    write(store, {table: rows}, source, counts)
    c = counts[table]
    return BatchResult(table, len(records), c.inserted, c.updated, c.unchanged)


def _append_events(store: Store, rows: pa.Table, source: str) -> int:
    """Insert new events (identical events are one: ``ON CONFLICT DO NOTHING``); returns how many.

    The general loader counts the whole table before and after to report insertions, which costs
    seconds on a table of millions of events; for events the database's own change count is exact.
    """
    import datetime as dt

    from tenure.store.analytics_copy import bump_version_sql
    from tenure.store.tables import CANONICAL, store_key

    columns = ", ".join(f'"{c.name}"' for c in CANONICAL["events"].columns)
    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    conn = store.adbc()
    try:
        cur = conn.cursor()
        cur.execute("DROP TABLE IF EXISTS _stage_events")
        cur.adbc_ingest("_stage_events", rows, mode="create", temporary=True)
        where = "WHERE true " if store.dialect == "sqlite" else ""
        keys = ", ".join(f'"{k}"' for k in store_key("events"))
        cur.execute(
            f"INSERT INTO events AS t ({columns}) SELECT {columns} FROM _stage_events {where}"
            f"ORDER BY {keys} ON CONFLICT ({keys}) DO NOTHING"
        )
        inserted = cur.rowcount
        if inserted is None or inserted < 0:
            cur.execute("SELECT changes()")
            inserted = int(cur.fetchone()[0])
        cur.execute("DROP TABLE _stage_events")
        if inserted:
            cur.execute(bump_version_sql(store.dialect, "events"))
        finished = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        summary = json.dumps({"events": {"read": rows.num_rows, "inserted": inserted}})
        if store.dialect == "sqlite":
            cur.execute(
                "INSERT INTO imports (source, started_at, finished_at, status, rows) VALUES (?, ?, ?, ?, ?)",
                (
                    source,
                    started.strftime("%Y-%m-%dT%H:%M:%S.%f"),
                    finished.strftime("%Y-%m-%dT%H:%M:%S.%f"),
                    "committed",
                    summary,
                ),
            )
        else:
            cur.execute(
                "INSERT INTO imports (source, started_at, finished_at, status, rows) VALUES ($1, $2, $3, $4, $5)",
                (source, started, finished, "committed", summary),
            )
        conn.commit()
    except Exception as exc:
        conn.rollback()
        from tenure.errors import StoreError

        raise StoreError(f"the store refused the events from {source}; nothing was changed: {exc}") from exc
    finally:
        conn.close()
    return int(inserted)


def _message(table: str, problems: list[Problem], total: int) -> str:
    shown = problems[:MAX_SHOWN]
    lines = [f"{table}: {total:,} problem{'s' if total != 1 else ''} found; nothing was loaded."]
    lines += [f"  {p}" for p in shown]
    if total > len(shown):
        lines.append(f"  … and {total - len(shown):,} more")
    return "\n".join(lines)


def preview_folder(store: Store, folder: str | Path) -> Any:
    """Validate a dataset folder exactly as :func:`tenure.ingest.import_folder` would, writing nothing.

    Returns an :class:`tenure.ingest.ImportReport` whose ``tables`` hold rows read and rows rejected,
    and whose ``problems`` list what is wrong (empty when the import would succeed).

    Raises
    ------
    ImportValidationError
        A file cannot be read at all (not a table, wrong format, missing required column).

    Examples
    --------
    >>> report = preview_folder(store, "dataset")    # doctest: +SKIP
    >>> report.problem_count                          # doctest: +SKIP
    0
    """
    from tenure.ingest import ImportReport
    from tenure.ingest.files import find_files

    files, ignored = find_files(folder)
    report = ImportReport(source=str(Path(folder).resolve()), ignored=ignored)
    if not files:
        raise ImportValidationError(
            f"{Path(folder).name}: no dataset files found; expected files named by table, e.g. customers.csv"
        )
    names = {f.table for f in files}
    stored = store.counts()
    for required in ("customers", "subscriptions"):
        if required not in names and not stored[required]:
            raise ImportValidationError(
                f"no {required} file, and the store has no {required} yet; a first import needs {required}.csv"
            )
    with store.lock:
        _preview(store, files, names, report)
    return report


def _preview(store: Store, files: list, names: set[str], report: Any) -> None:
    from tenure.ingest.files import read_raw

    con = store.duckdb()
    try:
        for f in files:
            columns = read_raw(con, f)
            _, present, warnings = build_typed(con, f, columns)
            report.warnings.extend(warnings)
            refs = {
                col: _known_keys(con, target, names, False)
                for col, target in TABLES[f.table].references.items()
                if col in present
            }
            result = check(con, f, present, refs)
            report.problems.extend(result.problems)
            report.problem_count += result.problem_count
            report.tables[f.table] = TableCounts(read=result.rows, rejected=result.bad_rows)
    finally:
        con.close()


__all__ = ["MAX_BATCH", "BatchResult", "load_records", "preview_folder", "records_to_raw"]
