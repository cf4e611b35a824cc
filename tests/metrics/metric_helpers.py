"""Helpers for the metrics tests: hand-built businesses in a real store, or in an in-memory DuckDB engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ibis
import pandas as pd

from factories import write_table
from tenure.engine import Engine
from tenure.schema import TABLES

_IBIS_TYPES = {
    "id": "string",
    "text": "string",
    "datetime": "timestamp",
    "money": "float64",
    "number": "float64",
    "integer": "int64",
    "currency": "string",
    "json": "string",
    "enum": "string",
}


def memory_engine(tables: dict[str, list[dict[str, Any]]]) -> Engine:
    """A DuckDB engine holding the canonical tables in memory (no store): fast enough for hypothesis.

    Missing columns are null; ``row_key`` is numbered; ``currency`` defaults to USD as the importer does.
    """
    con = ibis.duckdb.connect()
    for name, spec in TABLES.items():
        schema: dict[str, str] = {}
        if spec.hashed_key:
            schema["row_key"] = "int64"
        schema.update({c.name: _IBIS_TYPES[c.kind] for c in spec.columns})
        if spec.keeps_extra_columns:
            schema["attributes"] = "string"
        rows = tables.get(name, [])
        frame = (
            pd.DataFrame([{k: r.get(k) for k in schema} for r in rows], columns=list(schema))
            if rows
            else pd.DataFrame({k: pd.Series(dtype="object") for k in schema})
        )
        if spec.hashed_key:
            frame["row_key"] = range(1, len(frame) + 1)
        if "currency" in frame.columns and rows:
            frame["currency"] = frame["currency"].fillna("USD")
        if name == "subscriptions" and rows:
            frame["billing_period_months"] = pd.to_numeric(frame["billing_period_months"]).fillna(1)
        for col, kind in schema.items():
            if kind == "timestamp":
                frame[col] = pd.to_datetime(frame[col])
        con.create_table(name, ibis.memtable(frame, schema=ibis.schema(schema)))
    return Engine("duckdb", con, None)


def write_business(folder: Path, tables: dict[str, list[dict[str, Any]]]) -> Path:
    """Write hand-built tables as a dataset folder (CSV), customers made up from the ids used."""
    ids = sorted({r["customer_id"] for rows in tables.values() for r in rows if "customer_id" in r})
    tables = dict(tables)
    tables.setdefault("customers", [{"customer_id": i} for i in ids])
    for name, rows in tables.items():
        header = list(dict.fromkeys(k for r in rows for k in r))
        write_table(folder, name, header, [[r.get(k) for k in header] for r in rows])
    return folder


def sub(customer: str, start: str, end: str | None, mrr: float, **extra: Any) -> dict[str, Any]:
    """One subscription row."""
    return {"customer_id": customer, "start_date": start, "end_date": end, "mrr": mrr, **extra}
