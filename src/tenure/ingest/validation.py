"""Validation of dataset files: every rule of :mod:`tenure.schema`, with exact locations.

Rules run as vectorised SQL in DuckDB over the raw text of a file (see :mod:`tenure.ingest.files`).
Each value is parsed once into a typed column ``t_<name>``; a rule is a predicate over the raw and
typed columns. A problem names the file, row, column, value and what was expected:

    subscriptions.csv row 2, column 'mrr': expected a number (major currency unit, e.g. 19.99) ≥ 0, got 'N/A'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import duckdb
import pycountry

from tenure.ingest.files import DatasetFile
from tenure.schema import SURVEY_SCORE_RANGES, TABLES, Column, Table

MAX_SHOWN = 50
"""Problems listed in a report; the rest are counted."""

EARLIEST_YEAR, LATEST_YEAR = 1900, 2200

DUCKDB_TYPES = {
    "id": "VARCHAR",
    "text": "VARCHAR",
    "datetime": "TIMESTAMP",
    "money": "DOUBLE",
    "number": "DOUBLE",
    "integer": "BIGINT",
    "currency": "VARCHAR",
    "json": "VARCHAR",
    "enum": "VARCHAR",
}


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one value (or one row, or one file)."""

    file: str
    row: int
    column: str
    value: str | None
    expected: str
    where: str = field(default="", compare=False)

    def __str__(self) -> str:
        place = f"{self.file} {self.where}" if self.where else self.file
        if self.column:
            place += f", column '{self.column}'"
        got = "nothing" if self.value is None else repr(self.value)
        return f"{place}: expected {self.expected}, got {got}"


@dataclass
class Rule:
    """A predicate that is true on bad rows, with the column and value to show.

    ``expected`` is a SQL expression (usually a literal) saying what a good value looks like.
    """

    column: str
    expected: str
    bad_when: str
    value: str
    extra: str | None = None
    """A value computed over the whole table (e.g. a window), available to ``expected`` as ``{x}``."""


@dataclass
class TableCheck:
    """The outcome of validating one file: problems (capped per rule), counts and the typed rows."""

    file: DatasetFile
    problems: list[Problem]
    problem_count: int
    rows: int
    bad_rows: int
    warnings: list[str]


@cache
def currency_codes() -> frozenset[str]:
    """Active ISO 4217 codes."""
    return frozenset(c.alpha_3 for c in pycountry.currencies)


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _is_text(raw_type: str) -> bool:
    return raw_type == "VARCHAR"


def _empty(col: str, raw_type: str) -> str:
    """SQL true when the raw value of ``col`` is missing (NULL, or blank text)."""
    if _is_text(raw_type):
        return f"nullif(trim(r.{q(col)}), '') IS NULL"
    return f"r.{q(col)} IS NULL"


def _typed_expr(col: Column, raw_type: str | None) -> str:
    """SQL turning the raw value of ``col`` into its typed value (NULL when empty or unparsable).

    Text (CSV, JSON Lines) is parsed; Parquet's own types are used as they are where they fit.
    """
    if raw_type is None:
        return f"CAST(NULL AS {DUCKDB_TYPES[col.kind]})"
    value = f"r.{q(col.name)}"
    text = value if _is_text(raw_type) else f"CAST({value} AS VARCHAR)"
    raw = f"nullif(trim({text}), '')"
    if col.kind == "id":
        return raw
    if col.kind == "text":
        return f"nullif({text}, '')"
    if col.kind == "datetime":
        if raw_type == "TIMESTAMP WITH TIME ZONE":
            ts = f"({value} AT TIME ZONE 'UTC')"
        elif raw_type.startswith("TIMESTAMP") or raw_type == "DATE":
            ts = f"CAST({value} AS TIMESTAMP)"
        else:
            ts = f"(try_cast({raw} AS TIMESTAMPTZ) AT TIME ZONE 'UTC')"
        return f"CASE WHEN year({ts}) BETWEEN {EARLIEST_YEAR} AND {LATEST_YEAR} THEN {ts} END"
    numeric = raw_type in (
        "DOUBLE",
        "FLOAT",
        "BIGINT",
        "INTEGER",
        "SMALLINT",
        "TINYINT",
        "HUGEINT",
        "UBIGINT",
        "UINTEGER",
        "USMALLINT",
        "UTINYINT",
    ) or raw_type.startswith("DECIMAL")
    d = f"CAST({value} AS DOUBLE)" if numeric else f"try_cast({raw} AS DOUBLE)"
    if col.kind in ("money", "number"):
        return f"CASE WHEN isfinite({d}) THEN {d} END"
    if col.kind == "integer":
        return f"CASE WHEN isfinite({d}) AND {d} = trunc({d}) AND abs({d}) < 9e15 THEN CAST({d} AS BIGINT) END"
    if col.kind == "currency":
        return f"upper({raw})"
    if col.kind == "enum":
        return f"lower({raw})"
    if col.kind == "json":
        return f"CASE WHEN json_valid({raw}) AND json_type({raw}) = 'OBJECT' THEN {raw} END"
    raise AssertionError(col.kind)


def _column_rules(col: Column, raw_type: str) -> list[Rule]:
    raw = f"r.{q(col.name)}"
    empty = _empty(col.name, raw_type)
    t = f"t_{col.name}"
    rules: list[Rule] = []
    if col.required:
        rules.append(Rule(col.name, _lit("a value (the column is required)"), empty, raw))
    if col.kind == "datetime":
        expected = col.expectation + f", in the years {EARLIEST_YEAR}–{LATEST_YEAR}"
        rules.append(Rule(col.name, _lit(expected), f"NOT {empty} AND {t} IS NULL", raw))
    elif col.kind == "currency":
        codes = ", ".join(_lit(c) for c in sorted(currency_codes()))
        rules.append(Rule(col.name, _lit(col.expectation), f"NOT {empty} AND {t} NOT IN ({codes})", raw))
    elif col.kind == "enum":
        choices = ", ".join(_lit(c) for c in col.choices)
        rules.append(Rule(col.name, _lit(col.expectation), f"NOT {empty} AND {t} NOT IN ({choices})", raw))
    elif col.kind in ("money", "number", "integer", "json"):
        rules.append(Rule(col.name, _lit(col.expectation), f"NOT {empty} AND {t} IS NULL", raw))
        if col.minimum is not None:
            op = "<=" if col.exclusive_minimum else "<"
            cond = f"{t} {op} {col.minimum}"
            if col.maximum is not None:
                cond = f"({cond} OR {t} > {col.maximum})"
            rules.append(Rule(col.name, _lit(col.expectation), f"{t} IS NOT NULL AND {cond}", raw))
    return rules


def rules_for(table: Table, present: dict[str, str], reference_tables: dict[str, str]) -> list[Rule]:
    """Every rule for ``table``, given the columns present (name → raw DuckDB type) and, per reference,
    the temp table of known keys."""
    rules: list[Rule] = []
    if "_ragged" in present:
        rules.append(Rule("", _lit("a row with one field per header column"), "r._ragged IS NOT NULL", "r._ragged"))
    for col in table.columns:
        if col.name in present:
            rules.extend(_column_rules(col, present[col.name]))
    for later, earlier, message in table.checks:
        if later in present and earlier in present:
            rules.append(
                Rule(
                    later,
                    _lit(f"{message} ({earlier} is ") + f" || strftime(t_{earlier}, '%Y-%m-%d %H:%M:%S') || ')'",
                    f"t_{later} < t_{earlier}",
                    f"r.{q(later)}",
                )
            )
    if table.name == "responses" and {"survey", "score"} <= present.keys():
        for survey, (low, high) in SURVEY_SCORE_RANGES.items():
            rules.append(
                Rule(
                    "score",
                    _lit(f"a score from {low} to {high} for the {survey} survey"),
                    f"lower(t_survey) = '{survey}' AND t_score IS NOT NULL AND (t_score < {low} OR t_score > {high})",
                    "r.score",
                )
            )
    for column, known in reference_tables.items():
        target = TABLES[table.name].references[column]
        rules.append(
            Rule(
                column,
                _lit(f"a {TABLES[target].key[0]} present in {target} (in this import or already stored)"),
                f"t_{column} IS NOT NULL AND t_{column} NOT IN (SELECT k FROM {known})",
                f"r.{q(column)}",
            )
        )
    if table.name != "events" and all(k in present for k in table.key if TABLES[table.name].column(k).required):
        key_cols = [k for k in table.key if k in present]
        partition = ", ".join(f"t_{k}" for k in key_cols)
        rules.append(
            Rule(
                key_cols[0] if len(key_cols) == 1 else ", ".join(key_cols),
                _lit("a unique " + " + ".join(key_cols) + " (the same key is on row ")
                + " || CAST({x} AS VARCHAR) || ')'",
                f"row_number() OVER (PARTITION BY {partition} ORDER BY _row) > 1",
                "concat_ws(', ', " + ", ".join(f"r.{q(k)}" for k in key_cols) + ")",
                extra=f"min(_row) OVER (PARTITION BY {partition})",
            )
        )
    return rules


def build_typed(
    con: duckdb.DuckDBPyConnection, f: DatasetFile, columns: list[str]
) -> tuple[str, dict[str, str], list[str]]:
    """Create ``typed_<table>``: the raw columns plus ``t_<name>`` typed columns for schema columns.

    Returns the table name, the schema columns present (with their raw DuckDB types), and warnings
    about ignored columns.
    """
    table = TABLES[f.table]
    raw_types = {r[0]: r[1] for r in con.execute(f"DESCRIBE raw_{f.table}").fetchall()}
    present = {c: raw_types[c] for c in columns if c in table.column_names}
    if "_ragged" in raw_types:
        present["_ragged"] = raw_types["_ragged"]
    missing = [c for c in table.required if c not in present]
    if missing:
        from tenure.errors import ImportValidationError

        raise ImportValidationError(
            f"{f.name}: required column{'s' if len(missing) > 1 else ''} "
            + ", ".join(repr(m) for m in missing)
            + f" missing; the file has {', '.join(repr(c) for c in columns) or 'no columns'}. "
            f"The {f.table} table needs {', '.join(table.required)}."
        )
    warnings = []
    extra = [c for c in columns if c not in table.column_names]
    if extra and not table.keeps_extra_columns:
        warnings.append(
            f"{f.name}: column{'s' if len(extra) > 1 else ''} {', '.join(repr(c) for c in extra)} "
            f"not part of the {f.table} table; ignored"
        )
    typed = ", ".join(f"{_typed_expr(c, present.get(c.name))} AS t_{c.name}" for c in table.columns)
    name = f"typed_{f.table}"
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT r.*, {typed} FROM raw_{f.table} r")
    return name, present, warnings


def check(
    con: duckdb.DuckDBPyConnection,
    f: DatasetFile,
    present: dict[str, str],
    reference_tables: dict[str, str],
) -> TableCheck:
    """Run every rule over ``typed_<table>`` in one pass; mark bad rows in ``bad_<table>`` (row, reasons).

    The pass keeps only flagged rows (usually few); values and messages are then read for those alone.
    """
    table = TABLES[f.table]
    typed = f"typed_{f.table}"
    rules = rules_for(table, present, reference_tables)
    rows = con.execute(f"SELECT count(*) FROM {typed}").fetchone()[0]  # type: ignore[index]
    if not rules:
        con.execute(f"CREATE OR REPLACE TEMP TABLE bad_{f.table} (_row BIGINT, reasons VARCHAR)")
        return TableCheck(f, [], 0, rows, 0, [])
    flags = ", ".join(f"coalesce({rule.bad_when}, false) AS b{i}" for i, rule in enumerate(rules))
    extras = "".join(f", {rule.extra} AS x{i}" for i, rule in enumerate(rules) if rule.extra)
    any_flag = " OR ".join(f"b{i}" for i in range(len(rules)))
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _flags AS SELECT * FROM (SELECT _row, {flags}{extras} FROM {typed} r) "
        f"WHERE {any_flag}"
    )
    counts = con.execute(
        "SELECT " + ", ".join(f"coalesce(count_if(b{i}), 0)" for i in range(len(rules))) + " FROM _flags"
    ).fetchone()
    assert counts is not None
    problems: list[Problem] = []
    reason_parts = []
    for i, (rule, count) in enumerate(zip(rules, counts, strict=True)):
        if not count:
            continue
        expected = rule.expected.replace("{x}", f"f.x{i}")
        source = f"FROM _flags f JOIN {typed} r USING (_row) WHERE f.b{i}"
        for row, value, text in con.execute(
            f"SELECT _row, CAST({rule.value} AS VARCHAR), {expected} {source} ORDER BY _row LIMIT {MAX_SHOWN}"
        ).fetchall():
            problems.append(Problem(f.name, row, rule.column, value, text, f.describe_row(row)))
        column = _lit(f"column '{rule.column}': " if rule.column else "")
        reason_parts.append(
            f"SELECT _row, {column} || 'expected ' || {expected} || ', got ' || "
            f"coalesce('''' || CAST({rule.value} AS VARCHAR) || '''', 'nothing') AS reason {source}"
        )
    total = sum(counts)
    if reason_parts:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE bad_{f.table} AS SELECT _row, string_agg(reason, '; ') AS reasons "
            f"FROM ({' UNION ALL '.join(reason_parts)}) GROUP BY _row"
        )
    else:
        con.execute(f"CREATE OR REPLACE TEMP TABLE bad_{f.table} (_row BIGINT, reasons VARCHAR)")
    bad_rows = con.execute(f"SELECT count(*) FROM bad_{f.table}").fetchone()[0]  # type: ignore[index]
    problems.sort()
    return TableCheck(f, problems, total, rows, bad_rows, [])
