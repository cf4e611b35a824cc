"""``/api/v1/metrics``: the retention and revenue metrics of DESIGN §4 for a span of periods."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from tenure.web import figures
from tenure.web.api.schemas import ERROR_RESPONSES, MetricsReport
from tenure.web.deps import ReadKey, StoreDep
from tenure.web.errors import ApiError

router = APIRouter(prefix="/metrics", tags=["metrics"], responses=ERROR_RESPONSES)

MAX_SPAN_DAYS = 366 * 20


@router.get("", response_model=MetricsReport, summary="Metrics per period")
def get_metrics(
    store: StoreDep,
    key: ReadKey,
    start: Annotated[dt.date, Query(description="First day of the first period.")],
    end: Annotated[dt.date, Query(description="Day after the last period (exclusive).")],
    period: Literal["month", "quarter", "year", "whole"] = "month",
    segment: Annotated[str | None, Query(max_length=200)] = None,
) -> dict[str, Any]:
    """Every metric for each period in [start, end) (``tenure.metrics.report``), optionally for the
    customers of one segment."""
    if end <= start:
        raise ApiError(422, "invalid_input", f"end ({end}) must be after start ({start})", "end")
    if (end - start).days > MAX_SPAN_DAYS or start.year < 1900 or end.year > 2200:
        raise ApiError(422, "invalid_input", "ask for at most 20 years between 1900 and 2200", "start")
    a = dt.datetime.combine(start, dt.time())
    b = dt.datetime.combine(end, dt.time())
    periods = figures.compute_report(store, a, b, period, segment)
    base = {"start": start.isoformat(), "end": end.isoformat(), "period": period}
    return {**base, "status": "ok", "message": None, "periods": periods}
