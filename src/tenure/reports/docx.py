"""Reports as Word documents (python-docx)."""

from __future__ import annotations

import io

from docx import Document
from docx.shared import Cm, Pt

from tenure.reports.document import Report, cell

MAX_ROWS = 500


def to_docx(report: Report) -> bytes:
    """The report as .docx bytes: title, KPI table, charts, then tables.

    Examples
    --------
    >>> to_docx(Report("Overview"))[:2]
    b'PK'
    """
    doc = Document()
    doc.add_heading(report.title, level=0)
    sub = report.subtitle + ("  ·  " if report.subtitle else "") + f"generated {report.generated_at:%Y-%m-%d %H:%M} UTC"
    doc.add_paragraph(sub)
    if report.kpis:
        t = doc.add_table(rows=1, cols=3)
        t.style = "Light Grid Accent 1"
        for c, h in enumerate(("Metric", "Value", "Change vs previous period")):
            t.rows[0].cells[c].text = h
        for label, value, change in report.kpis:
            cells = t.add_row().cells
            cells[0].text, cells[1].text, cells[2].text = label, value, change
    for note in report.notes:
        doc.add_paragraph(note)
    for chart in report.charts:
        doc.add_heading(chart.title, level=2)
        doc.add_picture(io.BytesIO(chart.png), width=Cm(16))
    for table in report.tables:
        doc.add_heading(table.title, level=2)
        t = doc.add_table(rows=1, cols=len(table.columns))
        t.style = "Light Grid Accent 1"
        for c, h in enumerate(table.columns):
            t.rows[0].cells[c].text = h
        for row in table.rows[:MAX_ROWS]:
            cells = t.add_row().cells
            for c, v in enumerate(row):
                cells[c].text = cell(v)
        for r in t.rows:
            for c in r.cells:
                for p in c.paragraphs:
                    for run in p.runs:
                        run.font.size = Pt(8)
        if len(table.rows) > MAX_ROWS:
            doc.add_paragraph(
                f"… and {len(table.rows) - MAX_ROWS:,} more rows (the CSV and Excel exports have them all)"
            )
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
