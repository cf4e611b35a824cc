"""``/api/v1/customers``: list (search, filters, sort, pages), one customer's 360 data, and ingestion."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from tenure.errors import NotFoundError
from tenure.web import directory, figures
from tenure.web.api.ingesting import ingest
from tenure.web.api.schemas import BATCH_MODELS, ERROR_RESPONSES, CustomerPage, IngestResult
from tenure.web.customer360 import customer_360
from tenure.web.deps import IngestKey, ReadKey, StoreDep
from tenure.web.errors import ApiError

router = APIRouter(prefix="/customers", tags=["customers"], responses=ERROR_RESPONSES)

CustomersBatch = BATCH_MODELS["customers"]
Sort = Literal["name", "customer_id", "mrr", "segment", "plan", "country", "risk", "health", "clv", "since"]


def _iso(v: Any) -> Any:
    return v.isoformat() if isinstance(v, dt.datetime | dt.date) else v


def _start_end(start: dt.date | None, end: dt.date | None, metric: str | None) -> tuple[Any, Any]:
    if metric is None:
        return None, None
    if metric not in figures.DRILLABLE:
        raise ApiError(
            422,
            "invalid_input",
            f"cannot list the customers behind {metric!r}; expected one of " + ", ".join(figures.DRILLABLE),
            "metric",
        )
    if start is None or end is None:
        raise ApiError(
            422,
            "invalid_input",
            "metric needs both start and end dates",
            "start" if start is None else "end",
        )
    if end <= start:
        raise ApiError(422, "invalid_input", f"end ({end}) must be after start ({start})", "end")
    return dt.datetime.combine(start, dt.time()), dt.datetime.combine(end, dt.time())


@router.get("", response_model=CustomerPage, summary="List customers")
def list_customers(
    store: StoreDep,
    key: ReadKey,
    q: Annotated[str | None, Query(max_length=200, description="Search id, name and email.")] = None,
    segment: Annotated[str | None, Query(max_length=200)] = None,
    plan: Annotated[str | None, Query(max_length=200)] = None,
    country: Annotated[str | None, Query(max_length=200)] = None,
    risk_band: Annotated[Literal["high", "medium", "low"] | None, Query()] = None,
    health_band: Annotated[Literal["red", "amber", "green"] | None, Query()] = None,
    status: Annotated[Literal["active", "inactive"] | None, Query()] = None,
    metric: Annotated[
        str | None,
        Query(
            max_length=40,
            description="Only the customers behind this metric of the period [start, end) "
            "(a report key such as customers_lost or mrr_expansion; see tenure.metrics.explain).",
        ),
    ] = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    sort: Sort = "mrr",
    order: Literal["asc", "desc"] = "desc",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> dict[str, Any]:
    """Customers with their MRR now, plan, risk and health, searchable, filterable and sortable."""
    a, b = _start_end(start, end, metric)
    members = None if metric is None else figures.members(store, metric, a, b, segment)
    query = directory.CustomerQuery(
        q=q,
        segment=segment,
        plan=plan,
        country=country,
        risk_band=risk_band,
        health_band=health_band,
        status=status,
        members=members,
        sort=sort,
        order=order,
        page=page,
        per_page=per_page,
    )
    rows, total = directory.list_customers(store, query)
    data = [{k: _iso(v) for k, v in r.items()} for r in rows]
    for r in data:
        r["active"] = bool(r["active"])
    return {"data": data, "page": page, "per_page": per_page, "total": total}


@router.get("/{customer_id}", summary="One customer's 360 data")
def get_customer(store: StoreDep, key: ReadKey, customer_id: Annotated[str, Path(max_length=500)]) -> JSONResponse:
    """Profile, subscriptions and MRR history, activity, tickets, survey answers, invoices,
    payments, churn probability with reasons, health, CLV and the CSM assignment."""
    try:
        data = customer_360(store, customer_id)
    except NotFoundError as exc:
        raise ApiError(404, "not_found", str(exc), "customer_id") from None
    return JSONResponse(_jsonable(data))


@router.post("", response_model=IngestResult, summary="Add or update customers")
def create_customers(request: Request, store: StoreDep, key: IngestKey, body: CustomersBatch) -> JSONResponse:  # type: ignore[valid-type]
    """Upsert customers by ``customer_id``; extra fields are kept as attributes."""
    records = [r.model_dump(exclude_unset=True) for r in body.customers]  # type: ignore[attr-defined]
    return ingest(request, store, key, "customers", records, records)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and value != value:
        return None
    return _iso(value)
