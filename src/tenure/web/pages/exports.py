"""Turning page data into downloads: CSV, Excel, PDF and Word responses."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi.responses import Response

from tenure.reports import Report, Table, to_csv, to_docx, to_pdf, to_xlsx

MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def download(data: bytes, name: str, fmt: str) -> Response:
    stamp = dt.date.today().isoformat()
    filename = f"{name}-{stamp}.{fmt}"
    return Response(data, media_type=MEDIA[fmt], headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def table_download(table: Table, name: str, fmt: str) -> Response:
    if fmt == "csv":
        return download(to_csv(table), name, "csv")
    return download(to_xlsx(table), name, "xlsx")


def report_download(report: Report, name: str, fmt: str) -> Response:
    if fmt == "pdf":
        return download(to_pdf(report), name, "pdf")
    if fmt == "docx":
        return download(to_docx(report), name, "docx")
    return table_download(report.tables[0] if report.tables else Table(name, [], []), name, fmt)


def rows_table(title: str, rows: list[dict[str, Any]], columns: list[str]) -> Table:
    return Table(title, columns, [[r.get(c) for c in columns] for r in rows])
