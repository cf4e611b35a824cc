"""The REST API under ``/api/v1``: read endpoints (``read`` scope) and ingestion (``ingest`` scope)."""

from __future__ import annotations

from fastapi import APIRouter

from tenure.web.api.routes import cohorts, customers, ingestion, metrics, scores, segment

router = APIRouter(prefix="/api/v1")
router.include_router(customers.router)
for _r in ingestion.routers:
    router.include_router(_r)
router.include_router(metrics.router)
router.include_router(cohorts.router)
router.include_router(scores.router)
router.include_router(segment.router)

__all__ = ["router"]
