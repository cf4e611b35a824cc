"""The background work's progress, polled by pages while it runs."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from tenure.web.deps import CurrentUser
from tenure.web.pages.render import render

router = APIRouter(tags=["pages"], include_in_schema=False)


@router.get("/status")
def show_status(request: Request, user: CurrentUser) -> Response:
    return render(request, "_status.html")


@router.get("/healthz")
def get_health() -> dict[str, str]:
    return {"status": "ok"}
