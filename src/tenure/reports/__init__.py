"""Exports: tables as CSV and Excel, reports (KPIs, charts, tables) as PDF and Word.

A :class:`Report` is format-neutral; :func:`to_pdf` and :func:`to_docx` lay it out, with its charts
drawn by :mod:`tenure.reports.charts` (matplotlib) as images.

Examples
--------
>>> from tenure.reports import Table, to_csv
>>> to_csv(Table("t", ["a", "b"], [[1, "x"]])).decode().splitlines()
['a,b', '1,x']
"""

from tenure.reports.document import Chart, Report, Table
from tenure.reports.docx import to_docx
from tenure.reports.pdf import to_pdf
from tenure.reports.tables import to_csv, to_xlsx

__all__ = ["Chart", "Report", "Table", "to_csv", "to_docx", "to_pdf", "to_xlsx"]
