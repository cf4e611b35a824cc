"""The customers list (search, filters, sorting, pages, exports) and the customer 360 page."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from tenure.errors import NotFoundError
from tenure.web import directory, figures
from tenure.web.customer360 import customer_360
from tenure.web.deps import CurrentUser, StoreDep
from tenure.web.errors import PageError
from tenure.web.pages.exports import rows_table, table_download
from tenure.web.pages.render import render

router = APIRouter(tags=["pages"], include_in_schema=False)

LIST_COLUMNS = [
    "customer_id",
    "name",
    "email",
    "segment",
    "plan",
    "country",
    "mrr",
    "active",
    "probability",
    "risk_band",
    "health_score",
    "health_band",
    "clv",
    "csm",
]
METRIC_LABELS = {
    "customers_start": "customers at the start of the period",
    "customers_end": "customers at the end of the period",
    "customers_new": "new customers",
    "customers_reactivated": "reactivated customers",
    "customers_lost": "customers lost",
    "customers_retained": "customers retained",
    "mrr_start": "MRR at the start",
    "mrr_end": "MRR at the end",
    "mrr_new": "new MRR",
    "mrr_reactivation": "reactivation MRR",
    "mrr_expansion": "expansion MRR",
    "mrr_contraction": "contraction MRR",
    "mrr_churn": "churned MRR",
    "crr": "the CRR",
    "nrr": "the NRR",
    "grr": "the GRR",
    "arr": "the ARR",
    "arpa": "the ARPA",
    "ltv": "the LTV",
    "nps": "the NPS",
}
"""How the list names the figure it was narrowed to (other metrics are named by their key)."""


def _date(v: str | None) -> dt.datetime | None:
    if not v:
        return None
    try:
        return dt.datetime.fromisoformat(v[:10])
    except ValueError:
        raise PageError(422, f"{v!r} is not a date (expected YYYY-MM-DD)") from None


@router.get("/customers")
def show_customers(
    request: Request,
    store: StoreDep,
    user: CurrentUser,
    q: Annotated[str | None, Query(max_length=200)] = None,
    segment: Annotated[str | None, Query(max_length=200)] = None,
    plan: Annotated[str | None, Query(max_length=200)] = None,
    country: Annotated[str | None, Query(max_length=200)] = None,
    risk_band: Annotated[str | None, Query(max_length=20)] = None,
    health_band: Annotated[str | None, Query(max_length=20)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    metric: Annotated[str | None, Query(max_length=40)] = None,
    start: Annotated[str | None, Query(max_length=20)] = None,
    end: Annotated[str | None, Query(max_length=20)] = None,
    sort: Annotated[str, Query(max_length=20)] = "mrr",
    order: Literal["asc", "desc"] = "desc",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=500)] = 50,
    format: Literal["html", "csv", "xlsx"] = "html",
) -> Response:
    members = None
    if metric:
        a, b = _date(start), _date(end)
        if metric not in figures.DRILLABLE or a is None or b is None or b <= a:
            raise PageError(422, f"cannot list the customers behind {metric!r} from {start!r} to {end!r}")
        members = figures.members(store, metric, a, b, segment or None)
    query = directory.CustomerQuery(
        q=q,
        segment=segment or None,
        plan=plan or None,
        country=country or None,
        risk_band=risk_band or None,
        health_band=health_band or None,
        status=status or None,
        members=members,
        sort=sort if sort in directory.SORTS else "mrr",
        order=order,
        page=page,
        per_page=per_page,
    )
    if format != "html":
        rows = directory.all_customers(store, query)
        return table_download(rows_table("Customers", rows, LIST_COLUMNS), "customers", format)
    rows, total = directory.list_customers(store, query)
    params: dict[str, Any] = {
        "q": q or "",
        "segment": segment or "",
        "plan": plan or "",
        "country": country or "",
        "risk_band": risk_band or "",
        "health_band": health_band or "",
        "status": status or "",
        "metric": metric or "",
        "start": start or "",
        "end": end or "",
        "sort": query.sort,
        "order": order,
        "per_page": per_page,
    }
    pages = max(1, -(-total // per_page))
    context = {
        "rows": rows,
        "total": total,
        "page": page,
        "pages": pages,
        "params": params,
        "facets": directory.facets(store),
        "metric_label": METRIC_LABELS.get(metric or "", metric) if metric else None,
        "empty_index": total == 0 and directory.index_is_empty(store),
    }
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "customer-table":
        return render(request, "_customer_table.html", **context)
    return render(request, "customers.html", **context)


@router.get("/customers/{customer_id}")
def show_customer(
    request: Request,
    store: StoreDep,
    user: CurrentUser,
    customer_id: str,
    export: Literal["subscriptions", "invoices", "payments", "tickets", "responses", "mrr_history"] | None = None,
    format: Literal["csv", "xlsx"] = "csv",
) -> Response:
    try:
        data = customer_360(store, customer_id, directory.as_of(store))
    except NotFoundError as exc:
        raise PageError(404, str(exc)) from None
    if export:
        rows = data[export]
        columns = list(rows[0].keys()) if rows else []
        return table_download(rows_table(export, rows, columns), f"{customer_id}-{export}", format)
    users = []
    if user.can_write:
        from tenure.web import auth

        users = [u["email"] for u in auth.list_users(store) if u["role"] != "viewer"]
    return render(request, "customer.html", c=data, csms=users)
