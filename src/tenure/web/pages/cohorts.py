"""The cohorts page: heatmaps of customer and MRR retention by first-activation month."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from tenure.reports import Table
from tenure.web import directory, figures
from tenure.web.deps import CurrentUser, StoreDep
from tenure.web.pages.exports import table_download
from tenure.web.pages.render import render

router = APIRouter(tags=["pages"], include_in_schema=False)


@router.get("/cohorts")
def show_cohorts(
    request: Request,
    store: StoreDep,
    user: CurrentUser,
    measure: Literal["customers", "mrr"] = "customers",
    format: Literal["html", "csv", "xlsx"] = "html",
    segment: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    table = figures.cohort_table(store, segment or None)
    key = "customer_retention" if measure == "customers" else "mrr_retention"
    width = max((len(c[key]) for c in table["cohorts"]), default=0)
    if format != "html":
        columns = ["cohort", "size", *(f"month {k}" for k in range(width))]
        rows = [[c["cohort"], c["size"], *c[key], *([None] * (width - len(c[key])))] for c in table["cohorts"]]
        return table_download(Table(f"Cohorts ({measure})", columns, rows), f"cohorts-{measure}", format)
    return render(
        request,
        "cohorts.html",
        table=table,
        measure=measure,
        key=key,
        width=width,
        segment=segment or "",
        segments=directory.facets(store)["segment"],
    )
