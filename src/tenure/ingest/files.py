"""Dataset files: finding a folder's tables and reading each into DuckDB as text, row by row.

Every file is read into a DuckDB table ``raw_<table>`` with a ``_row`` column (the data row number,
1-based, header not counted) and one VARCHAR column per input column, so validation sees exactly
what the file holds and can point at the row. Parquet keeps its own types until validation casts
them; JSON Lines are parsed line by line so a malformed line is reported, not fatal.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from tenure.errors import ConfigurationError, ImportValidationError
from tenure.schema import FILE_SUFFIXES, TABLES


@dataclass(frozen=True)
class DatasetFile:
    """One input file: which table it holds and in which format."""

    table: str
    path: Path
    format: str

    @property
    def name(self) -> str:
        return self.path.name

    def describe_row(self, row: int) -> str:
        """How to point a user at a record: data rows count from 1 after the header; JSON Lines by line."""
        if self.format == "jsonl":
            return f"line {row:,}"
        return f"row {row:,}"


def find_files(folder: str | Path) -> tuple[list[DatasetFile], list[Path]]:
    """The dataset files in ``folder``, in load order, and the files that were ignored.

    Raises
    ------
    ConfigurationError
        The folder does not exist, or holds two files for one table.
    """
    root = Path(folder)
    if not root.is_dir():
        raise ConfigurationError(f"{root}: no such folder; expected a folder of dataset files named by table")
    found: dict[str, DatasetFile] = {}
    ignored: list[Path] = []
    for path in sorted(root.iterdir()):
        if not path.is_file():
            continue
        fmt = FILE_SUFFIXES.get(path.suffix.lower())
        table = path.name[: -len(path.suffix)]
        if fmt is None or table not in TABLES:
            ignored.append(path)
            continue
        if table in found:
            raise ConfigurationError(
                f"{root}: two files for table {table!r} ({found[table].name} and {path.name}); keep one"
            )
        found[table] = DatasetFile(table, path, fmt)
    ordered = [found[name] for name in TABLES if name in found]
    return ordered, ignored


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def read_raw(con: duckdb.DuckDBPyConnection, f: DatasetFile) -> list[str]:
    """Load ``f`` into ``raw_<table>`` (text, or Parquet's own types, plus ``_row``); return its column names."""
    target = f"raw_{f.table}"
    path = str(f.path).replace("'", "''")
    try:
        if f.format == "csv":
            _read_csv(con, f, target, path)
        elif f.format == "parquet":
            described = con.execute(f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall()
            nested = ("STRUCT", "MAP", "LIST", "JSON", "UNION")
            casts = ", ".join(
                f"CAST(to_json({_quote(c[0])}) AS VARCHAR) AS {_quote(c[0])}"
                if c[1].startswith(nested) or c[1].endswith("]")
                else _quote(c[0])
                for c in described
            )
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {target} AS SELECT file_row_number + 1 AS _row, {casts} "
                f"FROM read_parquet('{path}', file_row_number=true)"
            )
        else:
            _read_jsonl(con, f, target, path)
    except duckdb.Error as exc:
        message = str(exc).splitlines()[0]
        raise ImportValidationError(
            f"{f.name}: could not be read as {f.format.upper()}: {message}. "
            "Check the file's format, encoding (UTF-8) and header row."
        ) from exc
    columns = [r[0] for r in con.execute(f"DESCRIBE {target}").fetchall() if r[0] not in ("_row", "_ragged")]
    return columns


def _read_csv(con: duckdb.DuckDBPyConnection, f: DatasetFile, target: str, path: str) -> None:
    """CSV with a header row, every value as text.

    DuckDB reads the file in parallel, keeping file order, so a row's number is its position. A file
    with ragged rows (too many or too few fields) is read again by Python's csv module, which reports
    the exact rows; those rows become problems and the rest keep their true numbers.
    """
    with f.path.open(newline="", encoding="utf-8-sig") as handle:
        header = next(csv.reader(handle), None)
    if not header:
        raise ImportValidationError(f"{f.name}: the file is empty; expected a header row naming the columns")
    names = [h.strip() for h in header]
    blank = [i + 1 for i, h in enumerate(names) if not h]
    if blank:
        raise ImportValidationError(f"{f.name}: header column {blank[0]} has no name; name every column")
    dupes = sorted({h for h in names if names.count(h) > 1})
    if dupes:
        raise ImportValidationError(f"{f.name}: header names column {dupes[0]!r} twice; keep one")
    columns = "{" + ", ".join(f"'{n.replace(chr(39), chr(39) * 2)}': 'VARCHAR'" for n in names) + "}"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {target} AS SELECT * FROM read_csv('{path}', header=true, "
        f"columns={columns}, auto_detect=false, delim=',', quote='\"', escape='\"', "
        "store_rejects=true, rejects_table='_csv_rejects', rejects_scan='_csv_reject_scans')"
    )
    rejected = con.execute("SELECT count(*) FROM _csv_rejects").fetchone()[0]  # type: ignore[index]
    if rejected:
        table = _read_csv_exactly(f, names)
        con.register("_csv_exact", table)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {target} AS SELECT * FROM _csv_exact")
        con.unregister("_csv_exact")
    else:
        con.execute(f"ALTER TABLE {target} ADD COLUMN _row BIGINT")
        con.execute(f"UPDATE {target} SET _row = rowid + 1")


def _read_csv_exactly(f: DatasetFile, names: list[str]) -> pa.Table:
    """Read a CSV with Python's csv module, keeping row numbers; ragged rows get ``_ragged`` set."""
    rows: list[list[str | None]] = []
    numbers: list[int] = []
    ragged: list[str | None] = []
    with f.path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        next(reader)
        for number, record in enumerate(reader, start=1):
            if not record:
                continue
            numbers.append(number)
            if len(record) != len(names):
                ragged.append(f"{len(record)} fields, expected {len(names)}")
                record = (record + [""] * len(names))[: len(names)]
            else:
                ragged.append(None)
            rows.append([v if v != "" else None for v in record])
    data: dict[str, pa.Array] = {"_row": pa.array(numbers, pa.int64())}
    for i, name in enumerate(names):
        data[name] = pa.array([r[i] for r in rows], pa.string())
    data["_ragged"] = pa.array(ragged, pa.string())
    return pa.table(data)


def _read_jsonl(con: duckdb.DuckDBPyConnection, f: DatasetFile, target: str, path: str) -> None:
    """JSON Lines: one object per line; blank lines skipped; malformed lines kept for the report."""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _lines AS SELECT row_number() OVER () AS _row, line "
        f"FROM read_csv('{path}', columns={{'line': 'VARCHAR'}}, header=false, delim=chr(1), quote='', "
        "escape='', auto_detect=false, strict_mode=false)"
    )
    con.execute("DELETE FROM _lines WHERE line IS NULL OR trim(line) = ''")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _malformed AS SELECT _row, line FROM _lines "
        "WHERE NOT coalesce(json_valid(line), false) OR json_type(line) <> 'OBJECT'"
    )
    bad = con.execute("SELECT _row, line FROM _malformed ORDER BY _row LIMIT 50").fetchall()
    if bad:
        total = con.execute("SELECT count(*) FROM _malformed").fetchone()[0]  # type: ignore[index]
        lines = "\n".join(f"  {f.name} line {r:,}: expected a JSON object, got {_clip(text)!r}" for r, text in bad)
        more = f"\n  … and {total - len(bad):,} more" if total > len(bad) else ""
        raise ImportValidationError(
            f"{f.name}: {total:,} line(s) are not valid JSON objects; nothing was imported.\n{lines}{more}"
        )
    keys = [r[0] for r in con.execute("SELECT DISTINCT unnest(json_keys(line)) AS k FROM _lines ORDER BY k").fetchall()]
    if not keys:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {target} AS SELECT _row FROM _lines")
        return
    selects = ", ".join(
        f"CASE WHEN json_type(line, {_json_path(k)}) IN ('OBJECT', 'ARRAY') "
        f"THEN json_extract(line, {_json_path(k)})::VARCHAR "
        f"ELSE json_extract_string(line, {_json_path(k)}) END AS {_quote(k)}"
        for k in keys
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE {target} AS SELECT _row, {selects} FROM _lines")


def _json_path(key: str) -> str:
    escaped = key.replace("\\", "\\\\").replace('"', '\\"').replace("'", "''")
    return f"'$.\"{escaped}\"'"


def _clip(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
