"""Tables as CSV (UTF-8 with a header row) and as Excel workbooks (xlsxwriter)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from typing import Any

from tenure.reports.document import Table

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe_text(value: str) -> str:
    """Text that a spreadsheet will not run as a formula (CSV injection)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def to_csv(table: Table) -> bytes:
    """The table as CSV bytes.

    Examples
    --------
    >>> to_csv(Table("t", ["name"], [["=1+1"]])).decode().splitlines()
    ['name', "'=1+1"]
    """
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(table.columns)
    for row in table.rows:
        values = []
        for v in row:
            v = _plain(v)
            if isinstance(v, dt.datetime):
                v = v.isoformat()
            values.append(_safe_text(v) if isinstance(v, str) else ("" if v is None else v))
        w.writerow(values)
    return out.getvalue().encode("utf-8")


def to_xlsx(*tables: Table) -> bytes:
    """The tables as an Excel workbook, one sheet each, with a header row, filters and frozen panes.

    Examples
    --------
    >>> to_xlsx(Table("Customers", ["id"], [["c1"]]))[:2]
    b'PK'
    """
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    bold = book.add_format({"bold": True, "bg_color": "#EEF2F7"})
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    used: set[str] = set()
    for table in tables:
        name = "".join(c for c in table.title if c not in "[]:*?/\\")[:31] or "Sheet"
        while name in used:
            name = name[:28] + f"_{len(used)}"
        used.add(name)
        sheet = book.add_worksheet(name)
        sheet.write_row(0, 0, table.columns, bold)
        widths = [len(c) for c in table.columns]
        for r, row in enumerate(table.rows, start=1):
            for c, v in enumerate(row):
                v = _plain(v)
                if isinstance(v, dt.datetime):
                    sheet.write_datetime(r, c, v, when)
                    width = 16
                elif v is None:
                    width = 0
                elif isinstance(v, bool):
                    sheet.write_boolean(r, c, v)
                    width = 5
                elif isinstance(v, int | float):
                    sheet.write_number(r, c, v)
                    width = len(f"{v:,.2f}")
                else:
                    sheet.write_string(r, c, str(v))
                    width = len(str(v))
                if c < len(widths):
                    widths[c] = max(widths[c], min(width, 60))
        for c, w in enumerate(widths):
            sheet.set_column(c, c, w + 2)
        sheet.freeze_panes(1, 0)
        if table.rows:
            sheet.autofilter(0, 0, len(table.rows), max(0, len(table.columns) - 1))
    book.close()
    return buffer.getvalue()
