"""Factories for test data: small dataset folders written as CSV, Parquet or JSON Lines."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq


def write_table(
    folder: Path, table: str, header: Sequence[str], rows: Iterable[Sequence[object]], fmt: str = "csv"
) -> Path:
    """Write one table of a dataset folder; ``None`` and ``""`` are written as empty values."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = [list(r) for r in rows]
    if fmt == "csv":
        path = folder / f"{table}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            w = csv.writer(handle)
            w.writerow(header)
            w.writerows([["" if v is None else v for v in r] for r in rows])
    elif fmt == "jsonl":
        path = folder / f"{table}.jsonl"
        with path.open("w", encoding="utf-8") as handle:
            for r in rows:
                handle.write(json.dumps({k: v for k, v in zip(header, r, strict=True) if v not in (None, "")}) + "\n")
    elif fmt == "parquet":
        path = folder / f"{table}.parquet"
        columns = {h: [None if r[i] == "" else r[i] for r in rows] for i, h in enumerate(header)}
        pq.write_table(
            pa.table(
                {h: pa.array([None if v is None else str(v) for v in col], pa.string()) for h, col in columns.items()}
            ),
            path,
        )
    else:
        raise ValueError(fmt)
    return path


def small_business(folder: Path, fmt: str = "csv") -> Path:
    """Three customers, four subscription rows, a few events: the smallest valid dataset with history."""
    write_table(
        folder,
        "customers",
        ["customer_id", "name", "email", "created_at", "segment", "plan_tier"],
        [
            ["c1", "Ann", "ann@example.com", "2024-01-01", "smb", "gold"],
            ["c2", "Bob", "bob@example.com", "2024-01-15", "smb", ""],
            ["c3", "Cy", "cy@example.com", "2024-02-01", "enterprise", "silver"],
        ],
        fmt,
    )
    write_table(
        folder,
        "subscriptions",
        ["customer_id", "start_date", "end_date", "mrr", "plan", "currency"],
        [
            ["c1", "2024-01-01", "2024-03-01", "100", "pro", "USD"],
            ["c1", "2024-03-01", "", "150", "business", "USD"],
            ["c2", "2024-01-15", "2024-04-15", "50", "starter", "EUR"],
            ["c3", "2024-02-01", "", "1000", "enterprise", "USD"],
        ],
        fmt,
    )
    write_table(
        folder,
        "events",
        ["customer_id", "event_type", "occurred_at", "user_id", "value"],
        [
            ["c1", "login", "2024-01-02T10:00:00Z", "u1", ""],
            ["c1", "login", "2024-01-03T10:00:00+02:00", "u2", ""],
            ["c2", "export", "2024-02-02T10:00:00Z", "u3", "3.5"],
        ],
        fmt,
    )
    return folder
