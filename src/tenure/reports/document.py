"""A format-neutral report: title, KPIs, charts (PNG bytes) and tables."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Table:
    """A titled table: column headers and rows of plain values."""

    title: str
    columns: list[str]
    rows: list[list[Any]]


@dataclass
class Chart:
    """A titled chart, already drawn as a PNG."""

    title: str
    png: bytes


@dataclass
class Report:
    """What a PDF or Word export holds."""

    title: str
    subtitle: str = ""
    kpis: list[tuple[str, str, str]] = field(default_factory=list)
    """(label, value, change against the previous period) as display text."""
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    generated_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC).replace(microsecond=0))


def cell(value: Any) -> str:
    """A value as text for a document cell."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M") if value.time() != dt.time() else value.strftime("%Y-%m-%d")
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)
