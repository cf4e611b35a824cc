"""``/api/v1/cohorts``: customer and MRR retention by first-activation month."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from tenure.web import figures
from tenure.web.api.schemas import ERROR_RESPONSES, CohortReport
from tenure.web.deps import ReadKey, StoreDep

router = APIRouter(prefix="/cohorts", tags=["cohorts"], responses=ERROR_RESPONSES)


@router.get("", response_model=CohortReport, summary="Cohort retention table")
def get_cohorts(
    store: StoreDep, key: ReadKey, segment: Annotated[str | None, Query(max_length=200)] = None
) -> dict[str, Any]:
    """Each cohort's size and its share of customers (and of first-activation MRR) still active k months
    on (``tenure.metrics.cohort_table``); age 0 is the cohort itself."""
    table = figures.cohort_table(store, segment)
    return {"as_of": table["as_of"], "cohorts": table["cohorts"]}
