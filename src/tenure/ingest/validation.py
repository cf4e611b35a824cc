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


def _typed_expr(col: Column, present: bool) -> str:
    """SQL turning the raw text of ``col`` into its typed value (NULL when empty or unparsable)."""
    if not present:
        return f"CAST(NULL AS {DUCKDB_TYPES[col.kind]})"
    raw = f"nullif(trim(r.{q(col.name)}), '')"
    if col.kind == "id":
        return raw
    if col.kind == "text":
        return f"nullif(r.{q(col.name)}, '')"
    if col.kind == "datetime":
        ts = f"(try_cast({raw} AS TIMESTAMPTZ) AT TIME ZONE 'UTC')"
        return f"CASE WHEN year({ts}) BETWEEN {EARLIEST_YEAR} AND {LATEST_YEAR} THEN {ts} END"
    if col.kind in ("money", "number"):
        d = f"try_cast({raw} AS DOUBLE)"
        return f"CASE WHEN isfinite({d}) THEN {d} END"
    if col.kind == "integer":
        d = f"try_cast({raw} AS DOUBLE)"
        return f"CASE WHEN isfinite({d}) AND {d} = trunc({d}) AND abs({d}) < 9e15 THEN CAST({d} AS BIGINT) END"
    if col.kind == "currency":
        return f"upper({raw})"
    if col.kind == "enum":
        return f"lower({raw})"
    if col.kind == "json":
        return f"CASE WHEN json_valid({raw}) AND json_type({raw}) = 'OBJECT' THEN {raw} END"
    raise AssertionError(col.kind)


def _column_rules(col: Column) -> list[Rule]:
    raw = f"r.{q(col.name)}"
    empty = f"nullif(trim({raw}), '') IS NULL"
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


def rules_for(table: Table, present: set[str], reference_tables: dict[str, str]) -> list[Rule]:
    """Every rule for ``table`` given the columns present and, per reference, the temp table of known keys."""
    rules: list[Rule] = []
    if "_ragged" in present:
        rules.append(Rule("", _lit("a row with one field per header column"), "r._ragged IS NOT NULL", "r._ragged"))
    for col in table.columns:
        if col.name in present:
            rules.extend(_column_rules(col))
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
    if table.name == "responses" and {"survey", "score"} <= present:
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
                + f" || CAST(min(_row) OVER (PARTITION BY {partition}) AS VARCHAR) || ')'",
                f"row_number() OVER (PARTITION BY {partition} ORDER BY _row) > 1",
                "concat_ws(', ', " + ", ".join(f"r.{q(k)}" for k in key_cols) + ")",
            )
        )
    return rules


def build_typed(con: duckdb.DuckDBPyConnection, f: DatasetFile, columns: list[str]) -> tuple[str, set[str], list[str]]:
    """Create ``typed_<table>``: the raw columns plus ``t_<name>`` typed columns for schema columns.

    Returns the table name, the schema columns present, and warnings about ignored columns.
    """
    table = TABLES[f.table]
    present = {c for c in columns if c in table.column_names}
    if "_ragged" in [r[0] for r in con.execute(f"DESCRIBE raw_{f.table}").fetchall()]:
        present.add("_ragged")
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
    typed = ", ".join(f"{_typed_expr(c, c.name in present)} AS t_{c.name}" for c in table.columns)
    name = f"typed_{f.table}"
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT r.*, {typed} FROM raw_{f.table} r")
    return name, present, warnings


def check(
    con: duckdb.DuckDBPyConnection,
    f: DatasetFile,
    present: set[str],
    reference_tables: dict[str, str],
) -> TableCheck:
    """Run every rule over ``typed_<table>``; mark bad rows in ``bad_<table>`` (row, reasons)."""
    table = TABLES[f.table]
    typed = f"typed_{f.table}"
    rules = rules_for(table, present, reference_tables)
    problems: list[Problem] = []
    total = 0
    reason_parts = []
    for i, rule in enumerate(rules):
        flagged = (
            f"SELECT _row, CAST({rule.value} AS VARCHAR) AS value, {rule.expected} AS expected, "
            f"{rule.bad_when} AS bad FROM {typed} r"
        )
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _flag_{i} AS SELECT _row, value, expected FROM ({flagged}) WHERE bad"
        )
        count = con.execute(f"SELECT count(*) FROM _flag_{i}").fetchone()[0]  # type: ignore[index]
        if not count:
            con.execute(f"DROP TABLE _flag_{i}")
            continue
        total += count
        for row, value, expected in con.execute(
            f"SELECT _row, value, expected FROM _flag_{i} ORDER BY _row LIMIT {MAX_SHOWN}"
        ).fetchall():
            problems.append(Problem(f.name, row, rule.column, value, expected, f.describe_row(row)))
        column = f"column '{rule.column}': " if rule.column else ""
        reason_parts.append(
            f"SELECT _row, '{column.replace(chr(39), chr(39) * 2)}expected ' || expected || ', got ' || "
            f"coalesce('''' || value || '''', 'nothing') AS reason FROM _flag_{i}"
        )
    if reason_parts:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE bad_{f.table} AS SELECT _row, string_agg(reason, '; ') AS reasons "
            f"FROM ({' UNION ALL '.join(reason_parts)}) GROUP BY _row"
        )
    else:
        con.execute(f"CREATE OR REPLACE TEMP TABLE bad_{f.table} (_row BIGINT, reasons VARCHAR)")
    rows = con.execute(f"SELECT count(*) FROM {typed}").fetchone()[0]  # type: ignore[index]
    bad_rows = con.execute(f"SELECT count(*) FROM bad_{f.table}").fetchone()[0]  # type: ignore[index]
    problems.sort()
    return TableCheck(f, problems, total, rows, bad_rows, [])
