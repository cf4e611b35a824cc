"""``/api/v1/cohorts``: customer and MRR retention by first-activation month."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from tenure.web import directory, figures
from tenure.web.api.schemas import ERROR_RESPONSES, CohortReport
from tenure.web.deps import ReadKey, StoreDep

router = APIRouter(prefix="/cohorts", tags=["cohorts"], responses=ERROR_RESPONSES)


@router.get("", response_model=CohortReport, summary="Cohort retention table")
def get_cohorts(store: StoreDep, key: ReadKey) -> dict[str, Any]:
    """Each cohort's size and its share of customers (and of month-0 MRR) still active k months on."""
    table = figures.cohort_table(store, directory.as_of(store))
    return {"as_of": table["as_of"], "cohorts": table["cohorts"]}
