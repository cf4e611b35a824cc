"""Write a simulated business to a folder in the canonical format.

One file per table, ``<table>.parquet`` or ``<table>.csv``, at the folder's top level; the ground
truth goes to ``ground_truth/`` in the same format, plus ``effects.json`` and ``README.md``.
Dictionary-encoded columns are decoded to plain strings batch by batch, so the files hold ordinary
string columns. CSV times are ISO 8601 in UTC with a ``Z`` (``2025-01-31T09:30:00Z``); Parquet times
are UTC timestamps.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from tenure.errors import ConfigurationError

FORMATS = ("parquet", "csv")
BATCH_ROWS = 2_000_000


def _plain(batch: pa.RecordBatch, csv: bool) -> pa.RecordBatch:
    columns, fields = [], []
    for f, col in zip(batch.schema, batch.columns, strict=True):
        if pa.types.is_dictionary(f.type):
            col = col.dictionary_decode()
        if csv and pa.types.is_timestamp(col.type):
            seconds = pc.cast(col, pa.timestamp("s", tz="UTC"), safe=False)
            col = pc.strftime(seconds, format="%Y-%m-%dT%H:%M:%SZ")
        columns.append(col)
        fields.append(pa.field(f.name, col.type))
    return pa.RecordBatch.from_arrays(columns, schema=pa.schema(fields))


def _batches(table: pa.Table, csv: bool) -> Iterator[pa.RecordBatch]:
    for batch in table.to_batches(max_chunksize=BATCH_ROWS):
        yield _plain(batch, csv)


def write_table(table: pa.Table, path: Path, fmt: str) -> None:
    """Write one table to ``path`` as Parquet (zstd) or CSV, decoding dictionaries batch by batch."""
    csv = fmt == "csv"
    empty = pa.RecordBatch.from_pylist([], schema=table.schema)
    schema = _plain(empty, csv).schema
    if csv:
        with pacsv.CSVWriter(path, schema) as out:
            for batch in _batches(table, csv=True):
                out.write_batch(batch)
    else:
        with pq.ParquetWriter(path, schema, compression="zstd") as out:
            for batch in _batches(table, csv=False):
                out.write_batch(batch, row_group_size=BATCH_ROWS)
            if table.num_rows == 0:
                out.write_table(pa.Table.from_batches([], schema=schema))


def write_business(
    tables: dict[str, pa.Table],
    truth: dict[str, pa.Table],
    effects: dict[str, Any],
    readme: str,
    directory: str | Path,
    fmt: str = "parquet",
    progress: Callable[[str], None] | None = None,
) -> list[Path]:
    """Write every table and the ground truth to ``directory`` (created if missing).

    Parameters
    ----------
    tables
        Canonical tables by name.
    truth
        Ground-truth tables by file stem.
    effects
        JSON-ready effects and summary, written to ``ground_truth/effects.json``.
    readme
        Text of ``ground_truth/README.md``.
    directory
        Target folder.
    fmt
        ``parquet`` or ``csv``.
    progress
        Called with each table name before it is written.

    Returns
    -------
    list of Path
        The files written.
    """
    if fmt not in FORMATS:
        raise ConfigurationError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    root = Path(directory)
    if root.exists() and not root.is_dir():
        raise ConfigurationError(f"{root} exists and is not a folder; choose a new or existing folder")
    gt = root / "ground_truth"
    gt.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in {**tables, **{f"ground_truth/{k}": v for k, v in truth.items()}}.items():
        if progress is not None:
            progress(name)
        path = root / f"{name}.{fmt}"
        write_table(table, path, fmt)
        written.append(path)
    (gt / "effects.json").write_text(json.dumps(effects, indent=2, sort_keys=True) + "\n")
    (gt / "README.md").write_text(readme)
    written += [gt / "effects.json", gt / "README.md"]
    return written
