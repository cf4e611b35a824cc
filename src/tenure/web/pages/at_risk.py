"""The at-risk list: customers ranked by churn probability with reasons; assign, mark contacted, export."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from tenure.reports import Chart, Report, charts
from tenure.web import directory
from tenure.web.deps import CurrentUser, StoreDep, Writer, csrf_protect
from tenure.web.errors import PageError
from tenure.web.pages.exports import report_download, rows_table
from tenure.web.pages.render import money, pct, render
from tenure.web.tables import assignments

router = APIRouter(tags=["pages"], include_in_schema=False)

COLUMNS = [
    "customer_id",
    "name",
    "segment",
    "plan",
    "mrr",
    "probability",
    "risk_band",
    "reasons",
    "health_score",
    "csm",
    "contacted_at",
]


def at_risk_rows(store: Any, limit: int, segment: str | None = None, band: str | None = None) -> list[dict]:
    query = directory.CustomerQuery(
        status="active", sort="risk", order="desc", per_page=limit, segment=segment, risk_band=band
    )
    rows, _ = directory.list_customers(store, query)
    return [r for r in rows if r.get("probability") is not None]


def at_risk_report(store: Any, rows: list[dict], currency: str) -> Report:
    bands: dict[str, int] = {}
    mrr_at_risk = 0.0
    for r in rows:
        bands[r.get("risk_band") or "unknown"] = bands.get(r.get("risk_band") or "unknown", 0) + 1
        mrr_at_risk += (r.get("probability") or 0) * (r.get("mrr") or 0)
    report = Report(
        "At-risk customers",
        subtitle=f"{len(rows):,} active customers ranked by churn probability",
        kpis=[
            ("Customers listed", f"{len(rows):,}", ""),
            ("High risk", f"{bands.get('high', 0):,}", ""),
            ("Expected MRR at risk", money(mrr_at_risk, currency), "Σ probability × MRR"),
        ],
    )
    if rows:
        top = rows[:15]
        report.charts.append(
            Chart(
                "Churn probability, top 15",
                charts.bars(
                    [str(r.get("name") or r["customer_id"])[:30] for r in top],
                    [100 * (r["probability"] or 0) for r in top],
                    "Churn probability (%)",
                ),
            )
        )
    table = rows_table("At-risk customers", rows, COLUMNS)
    for row in table.rows:
        row[5] = pct(row[5])
    report.tables.append(table)
    return report


@router.get("/at-risk")
def show_at_risk(
    request: Request,
    store: StoreDep,
    user: CurrentUser,
    segment: Annotated[str | None, Query(max_length=200)] = None,
    band: Annotated[str | None, Query(max_length=20)] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 100,
    format: Literal["html", "csv", "xlsx", "pdf", "docx"] = "html",
) -> Response:
    rows = at_risk_rows(store, limit, segment or None, band or None)
    if format != "html":
        report = at_risk_report(store, rows, store.settings.reporting_currency)
        return report_download(report, "at-risk", format)
    from tenure.web import auth

    csms = [u["email"] for u in auth.list_users(store) if u["role"] != "viewer"]
    return render(
        request,
        "at_risk.html",
        rows=rows,
        csms=csms,
        params={"segment": segment or "", "band": band or "", "limit": limit},
        facets=directory.facets(store),
    )


def _upsert(store: Any, customer_id: str, **values: Any) -> None:
    if not directory.customer_exists(store, customer_id):
        raise PageError(404, f"no customer with customer_id {customer_id!r}")
    with store.transaction() as conn:
        exists = conn.execute(
            sa.select(assignments.c.customer_id).where(assignments.c.customer_id == customer_id)
        ).first()
        if exists:
            conn.execute(sa.update(assignments).where(assignments.c.customer_id == customer_id).values(**values))
        else:
            conn.execute(sa.insert(assignments).values(customer_id=customer_id, **values))


def _back(request: Request, customer_id: str) -> Response:
    if request.headers.get("HX-Request"):
        return Response(status_code=204, headers={"HX-Refresh": "true"})
    referer = request.headers.get("referer") or "/at-risk"
    from urllib.parse import urlparse

    parsed = urlparse(referer)
    target = parsed.path + (f"?{parsed.query}" if parsed.query else "") if parsed.path.startswith("/") else "/at-risk"
    return RedirectResponse(target or "/at-risk", status_code=303)


@router.post("/customers/{customer_id}/assign", dependencies=[Depends(csrf_protect)])
def submit_assignment(
    request: Request,
    store: StoreDep,
    user: Writer,
    customer_id: str,
    csm: Annotated[str, Form(max_length=320)] = "",
) -> Response:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    _upsert(store, customer_id, csm=csm or None, assigned_at=now, assigned_by=user.email)
    return _back(request, customer_id)


@router.post("/customers/{customer_id}/contacted", dependencies=[Depends(csrf_protect)])
def submit_contacted(
    request: Request,
    store: StoreDep,
    user: Writer,
    customer_id: str,
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    _upsert(store, customer_id, contacted_at=now, contacted_by=user.email, note=note or None)
    return _back(request, customer_id)
