"""Reports as PDF (fpdf2), with a Unicode font so any customer name prints."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

from tenure.reports.document import Report, cell


def _font_path() -> Path | None:
    import matplotlib

    path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    return path if path.exists() else None


def to_pdf(report: Report) -> bytes:
    """The report as PDF bytes: title, KPI grid, charts, then tables (long ones cut at 500 rows).

    Examples
    --------
    >>> to_pdf(Report("Overview"))[:5]
    b'%PDF-'
    """
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    font = _font_path()
    family = "Helvetica"
    if font:
        pdf.add_font("DejaVu", "", str(font))
        bold = font.with_name("DejaVuSans-Bold.ttf")
        pdf.add_font("DejaVu", "B", str(bold if bold.exists() else font))
        family = "DejaVu"
    pdf.add_page()
    pdf.set_font(family, "B", 16)
    pdf.cell(0, 9, report.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 9)
    sub = report.subtitle + ("  ·  " if report.subtitle else "") + f"generated {report.generated_at:%Y-%m-%d %H:%M} UTC"
    pdf.cell(0, 6, sub, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    if report.kpis:
        width = (pdf.w - pdf.l_margin - pdf.r_margin) / 5
        for i, (label, value, change) in enumerate(report.kpis):
            if i and i % 5 == 0:
                pdf.ln(16)
            x, y = pdf.l_margin + (i % 5) * width, pdf.get_y()
            pdf.set_xy(x, y)
            pdf.set_font(family, "", 8)
            pdf.cell(width, 4, label)
            pdf.set_xy(x, y + 4)
            pdf.set_font(family, "B", 12)
            pdf.cell(width, 7, value)
            pdf.set_xy(x, y + 11)
            pdf.set_font(family, "", 7)
            pdf.cell(width, 4, change)
            pdf.set_xy(x, y)
        pdf.ln(18)
    for note in report.notes:
        pdf.set_font(family, "", 8)
        pdf.multi_cell(0, 4, note, new_x="LMARGIN", new_y="NEXT")
    for chart in report.charts:
        pdf.set_font(family, "B", 10)
        pdf.cell(0, 7, chart.title, new_x="LMARGIN", new_y="NEXT")
        import io

        pdf.image(io.BytesIO(chart.png), w=pdf.w - pdf.l_margin - pdf.r_margin)
        pdf.ln(2)
    for table in report.tables:
        pdf.set_font(family, "B", 10)
        pdf.cell(0, 8, table.title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, "", 7)
        rows = [[cell(v) for v in r] for r in table.rows[:500]]
        with pdf.table(
            [table.columns, *rows] if rows else [table.columns],
            text_align="LEFT",
            line_height=4,
            first_row_as_headings=True,
        ):
            pass
        if len(table.rows) > 500:
            pdf.cell(0, 6, f"… and {len(table.rows) - 500:,} more rows (the CSV and Excel exports have them all)")
            pdf.ln(6)
    return bytes(pdf.output())
