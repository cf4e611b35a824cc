"""The overview: KPI tiles with change, MRR waterfall, trends, CRR against benchmarks, NPS trend."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from tenure import metrics
from tenure.web import directory, figures
from tenure.web.deps import CurrentUser, StoreDep
from tenure.web.pages.render import render

router = APIRouter(tags=["pages"], include_in_schema=False)


def overview_data(store: Any, period: str, segment: str | None, end: str | None) -> dict[str, Any]:
    """Everything the overview shows (and its PDF and Word reports)."""
    report = figures.cached_report(store, period, segment)
    monthly = figures.cached_report(store, "month", segment) if period != "month" else report
    periods = report["periods"] if report else []
    index = len(periods) - 1
    if end and periods:
        for i, p in enumerate(periods):
            if str(p.get("end", ""))[:10] == end:
                index = i
    current = periods[index] if periods else None
    tiles = figures.kpi_tiles(periods[: index + 1] if periods else None)
    dir_figures = figures.directory_figures(store)
    mperiods = monthly["periods"] if monthly else []
    trend = [
        {
            "end": str(p.get("end", ""))[:10],
            "mrr": figures._metric(p, "mrr_end"),
            "customers": figures._metric(p, "customers_end"),
            "nps": figures._metric(p, "nps"),
            "crr": figures._metric(p, "crr"),
        }
        for p in mperiods
    ]
    industry = store.settings.industry
    return {
        "period": period,
        "segment": segment,
        "periods": [str(p.get("end", ""))[:10] for p in periods],
        "selected_end": str(current.get("end", ""))[:10] if current else None,
        "current": current,
        "tiles": tiles,
        "has_metrics": bool(periods),
        "directory": dir_figures,
        "as_of": directory.as_of(store),
        "waterfall": figures.waterfall(current),
        "trend": trend,
        "benchmarks": figures.benchmarks(current, industry),
        "definitions": metrics.DEFINITIONS,
    }


@router.get("/")
def show_overview(
    request: Request,
    store: StoreDep,
    user: CurrentUser,
    period: Literal["month", "quarter", "year"] = "month",
    segment: Annotated[str | None, Query(max_length=200)] = None,
    end: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    data = overview_data(store, period, segment or None, end)
    return render(
        request,
        "overview.html",
        data=data,
        segments=directory.facets(store)["segment"],
        params={"period": period, "segment": segment or "", "end": end or ""},
    )


def overview_report(data: dict[str, Any], currency: str) -> Any:
    """The overview as a :class:`tenure.reports.Report` (for PDF and Word), charts included."""
    from tenure.reports import Chart, Report, Table, charts
    from tenure.web.pages.render import kpi_change, kpi_value, money, num

    report = Report(
        "Retention overview",
        subtitle=(
            f"{data['period']} ending {data['selected_end']}" if data["selected_end"] else "metrics not computed yet"
        )
        + (f" · segment {data['segment']}" if data["segment"] else ""),
    )
    if data["has_metrics"]:
        report.kpis = [(t["label"], kpi_value(t, currency), kpi_change(t)) for t in data["tiles"]]
    else:
        d = data["directory"]
        report.kpis = [
            ("Customers (now)", num(d["customers"]), ""),
            ("MRR (now)", money(d["mrr"], currency), ""),
            ("ARR (now)", money(d["arr"], currency), ""),
        ]
        report.notes.append("Period metrics are being computed; the figures are the customer directory's, now.")
    if data["waterfall"]:
        steps = data["waterfall"]
        report.charts.append(
            Chart(
                "MRR movements",
                charts.waterfall(
                    [s["label"] for s in steps],
                    [s["value"] for s in steps],
                    [s["kind"] == "total" for s in steps],
                ),
            )
        )
    trend = data["trend"]
    if trend:
        x = [t["end"] for t in trend]
        report.charts.append(Chart("MRR trend", charts.lines(x, {"MRR": [t["mrr"] for t in trend]})))
        report.charts.append(Chart("Customers trend", charts.lines(x, {"Customers": [t["customers"] for t in trend]})))
        if any(t["nps"] is not None for t in trend):
            report.charts.append(Chart("NPS trend", charts.lines(x, {"NPS": [t["nps"] for t in trend]})))
    bench = data["benchmarks"]
    if bench["crr_annual"] is not None:
        labels = ["Tenure (annualised)", *bench["industries"].keys(), "goal"]
        values = [100 * bench["crr_annual"], *(100 * v for v in bench["industries"].values()), 100 * bench["goal"]]
        report.charts.append(
            Chart(
                "CRR against industry benchmarks (HubSpot)",
                charts.bars(labels, values, "CRR (%)", "Tenure (annualised)"),
            )
        )
    if data["has_metrics"]:
        rows = [[t["label"], t["value"], t["previous"], t["change"]] for t in data["tiles"]]
        report.tables.append(Table("Metrics", ["metric", "value", "previous period", "change"], rows))
    return report


@router.get("/overview/export")
def export_overview(
    request: Request,
    store: StoreDep,
    user: CurrentUser,
    format: Literal["pdf", "docx", "csv", "xlsx"] = "pdf",
    period: Literal["month", "quarter", "year"] = "month",
    segment: Annotated[str | None, Query(max_length=200)] = None,
    end: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    from tenure.web.pages.exports import report_download

    data = overview_data(store, period, segment or None, end)
    if format in ("csv", "xlsx"):
        from tenure.reports import Table
        from tenure.web.pages.exports import table_download

        periods = (figures.cached_report(store, period, segment or None) or {}).get("periods", [])
        columns = sorted({k for p in periods for k in p if not isinstance(p[k], dict | list)})
        front = [c for c in ("start", "end") if c in columns]
        columns = front + [c for c in columns if c not in front]
        return table_download(
            Table("Metrics", columns, [[p.get(c) for c in columns] for p in periods]), "metrics", format
        )
    return report_download(overview_report(data, store.settings.reporting_currency), "overview", format)
