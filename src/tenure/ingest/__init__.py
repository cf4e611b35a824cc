"""Importing a dataset folder into the store: read, validate everything, then write all or nothing.

>>> import tenure
>>> store = tenure.connect("sqlite:///shop.db")           # doctest: +SKIP
>>> report = store.import_folder("my-dataset")             # doctest: +SKIP
>>> report.tables["customers"].inserted                    # doctest: +SKIP
1204
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from tenure.errors import ImportValidationError
from tenure.ingest.files import DatasetFile, find_files, read_raw
from tenure.ingest.loader import TableCounts, write
from tenure.ingest.validation import MAX_SHOWN, Problem, build_typed, check, q
from tenure.schema import TABLES
from tenure.store import Store, analytics_copy

Progress = Callable[[str, str], None]
"""Called with (step, table) as an import proceeds: step is ``read``, ``validate`` or ``write``."""


@dataclass
class ImportReport:
    """What an import did: per-table counts, warnings, ignored files and where rejects went."""

    source: str
    tables: dict[str, TableCounts] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    ignored: list[Path] = field(default_factory=list)
    rejects: dict[str, Path] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0

    @property
    def changed(self) -> bool:
        return any(c.inserted or c.updated for c in self.tables.values())


def import_folder(
    store: Store, folder: str | Path, skip_invalid: bool = False, progress: Progress | None = None
) -> ImportReport:
    """Validate every file of ``folder`` and load it into ``store`` in one transaction.

    Parameters
    ----------
    store
        The store to load into.
    folder
        A folder of files named by table (``customers.csv``, ``events.parquet``, ``tickets.jsonl``).
    skip_invalid
        Load the good rows and write the bad ones, with reasons, to ``<table>.rejects.csv`` next to
        the input. By default any problem stops the import and nothing is written.
    progress
        Called as each file is read, validated and written.

    Raises
    ------
    ImportValidationError
        Some rows are invalid (and ``skip_invalid`` is off). ``.problems`` lists every problem
        found (up to 50 per rule), each naming file, row, column, value and what was expected.

    Examples
    --------
    >>> report = import_folder(store, "dataset")           # doctest: +SKIP
    """
    files, ignored = find_files(folder)
    report = ImportReport(source=str(Path(folder).resolve()), ignored=ignored)
    if not files:
        raise ImportValidationError(
            f"{folder}: no dataset files found; expected files named by table, e.g. customers.csv and "
            f"subscriptions.csv (tables: {', '.join(TABLES)}; formats: .csv, .parquet, .jsonl)"
        )
    names = {f.table for f in files}
    stored = store.counts()
    for required in ("customers", "subscriptions"):
        if required not in names and not stored[required]:
            raise ImportValidationError(
                f"{folder}: no {required} file, and the store has no {required} yet; "
                f"a first import needs {required}.csv (or .parquet, .jsonl)"
            )
    con = store.duckdb()
    try:
        problems: list[Problem] = []
        total = 0
        for f in files:
            if progress:
                progress("read", f.table)
            columns = read_raw(con, f)
            _, present, warnings = build_typed(con, f, columns)
            report.warnings.extend(warnings)
            if progress:
                progress("validate", f.table)
            refs = {
                col: _known_keys(con, target, names, skip_invalid)
                for col, target in TABLES[f.table].references.items()
                if col in present
            }
            result = check(con, f, present, refs)
            problems.extend(result.problems)
            total += result.problem_count
            report.tables[f.table] = TableCounts(read=result.rows, rejected=result.bad_rows)
        if total and not skip_invalid:
            raise ImportValidationError(_failure_message(folder, problems, total), problems)
        report.problems, report.problem_count = problems, total
        batches: dict[str, pa.Table] = {}
        for f in files:
            if skip_invalid and report.tables[f.table].rejected:
                report.rejects[f.table] = _write_rejects(con, f)
            batches[f.table] = _typed_rows(con, f.table, store.settings.reporting_currency)
    finally:
        con.close()

    def on_write(table: str) -> None:
        if progress:
            progress("write", table)

    write(store, batches, report.source, report.tables, on_write)
    if any(c.inserted or c.updated for c in report.tables.values()) and store.dialect == "sqlite":
        if progress:
            progress("write", "columnar copies")
        analytics_copy.refresh(store)
    return report


def _known_keys(con: duckdb.DuckDBPyConnection, target: str, importing: set[str], good_only: bool) -> str:
    """A temp table ``known_<target>(k)`` of keys in the store or in this import's ``target`` file."""
    name = f"known_{target}"
    key = TABLES[target].key[0]
    parts = [f"SELECT {q(key)} AS k FROM store.{q(target)}"]
    if target in importing:
        where = f"WHERE _row NOT IN (SELECT _row FROM bad_{target})" if good_only else ""
        parts.append(f"SELECT t_{key} FROM typed_{target} {where}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {' UNION '.join(parts)}")
    return name


def _failure_message(folder: str | Path, problems: list[Problem], total: int) -> str:
    shown = problems[:MAX_SHOWN]
    lines = [f"{folder}: {total:,} problem{'s' if total != 1 else ''} found; nothing was imported."]
    lines += [f"  {p}" for p in shown]
    if total > len(shown):
        lines.append(f"  … and {total - len(shown):,} more")
    lines.append(
        "Fix the files and import again, or use --skip-invalid to load the good rows and write the "
        "bad ones, with reasons, to <table>.rejects.csv."
    )
    return "\n".join(lines)


def _typed_rows(con: duckdb.DuckDBPyConnection, table: str, currency: str) -> pa.Table:
    """The good rows of ``typed_<table>`` shaped as the store's table."""
    spec = TABLES[table]
    columns = [r[0] for r in con.execute(f"DESCRIBE typed_{table}").fetchall()]
    selects = []
    if spec.hashed_key:
        parts = ", ".join(f"coalesce(CAST(t_{k} AS VARCHAR), chr(0))" for k in spec.key)
        selects.append(f"CAST(md5_number(concat_ws(chr(31), {parts})) >> 65 AS BIGINT) AS row_key")
    for col in spec.columns:
        value = f"t_{col.name}"
        if col.kind == "currency":
            value = f"coalesce({value}, '{currency}')"
        elif col.default is not None:
            value = f"coalesce({value}, {col.default!r})"
        selects.append(f"{value} AS {q(col.name)}")
    if spec.keeps_extra_columns:
        extra = [c for c in columns if c not in spec.column_names and not c.startswith(("t_", "_"))]
        if extra:
            pairs = ", ".join(f"'{c.replace(chr(39), chr(39) * 2)}', r.{q(c)}" for c in extra)
            selects.append(f"CAST(json_object({pairs}) AS VARCHAR) AS attributes")
        else:
            selects.append("CAST(NULL AS VARCHAR) AS attributes")
    sql = f"SELECT {', '.join(selects)} FROM typed_{table} r WHERE _row NOT IN (SELECT _row FROM bad_{table})"
    if spec.hashed_key and table == "events":
        sql = f"SELECT DISTINCT ON (row_key) * FROM ({sql})"
    return con.execute(sql).fetch_arrow_table()


def _write_rejects(con: duckdb.DuckDBPyConnection, f: DatasetFile) -> Path:
    """Write the bad rows of ``f`` with their reasons to ``<table>.rejects.csv`` beside it."""
    out = f.path.with_name(f"{f.table}.rejects.csv")
    raw_columns = [r[0] for r in con.execute(f"DESCRIBE raw_{f.table}").fetchall() if r[0] not in ("_row", "_ragged")]
    select = ", ".join(f"r.{q(c)}" for c in raw_columns)
    rows = con.execute(
        f"SELECT r._row, b.reasons, {select} FROM raw_{f.table} r JOIN bad_{f.table} b USING (_row) ORDER BY r._row"
    ).fetchall()
    with out.open("w", newline="", encoding="utf-8") as handle:
        w = csv.writer(handle)
        w.writerow(["row", "reasons", *raw_columns])
        w.writerows(rows)
    return out


__all__ = ["ImportReport", "Problem", "TableCounts", "import_folder"]
