"""``/api/v1/scores`` and ``/api/v1/clv``: the models' latest figures per customer.

CLV is read from the CLV model's own table (``clv_scores``); churn scores from the list cache
``web_scores`` (a copy of the models' tables side by side, see :mod:`tenure.web.scoring`).
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Query

from tenure.models.clv.tables import clv_scores
from tenure.web.api.schemas import ERROR_RESPONSES, ClvPage, ScorePage
from tenure.web.deps import ReadKey, StoreDep
from tenure.web.tables import scores

router = APIRouter(tags=["scores"], responses=ERROR_RESPONSES)


def _page(store: Any, where: list, order: Any, limit: int, offset: int) -> dict[str, Any]:
    with store.engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(scores).where(*where)).scalar_one()
        rows = conn.execute(
            sa.select(scores).where(*where).order_by(order, scores.c.customer_id).limit(limit).offset(offset)
        )
        data = []
        for r in rows:
            d = dict(r._mapping)
            d["reasons"] = json.loads(d["reasons"]) if d.get("reasons") else []
            d.pop("health_components", None)
            d["scored_at"] = d["scored_at"].isoformat() if d.get("scored_at") else None
            data.append(d)
    return {"status": "ok" if total else "not_computed", "data": data, "total": int(total)}


@router.get("/scores", response_model=ScorePage, summary="Churn risk and health per customer")
def list_scores(
    store: StoreDep,
    key: ReadKey,
    risk_band: Literal["high", "medium", "low"] | None = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict[str, Any]:
    """Customers ranked by churn probability, with reasons, health score and band."""
    where: list[sa.ColumnElement[bool]] = [scores.c.probability.is_not(None)]
    if risk_band:
        where.append(scores.c.risk_band == risk_band)
    return _page(store, where, scores.c.probability.desc(), limit, offset)


@router.get("/clv", response_model=ClvPage, summary="Customer lifetime value per customer")
def list_clv(
    store: StoreDep,
    key: ReadKey,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict[str, Any]:
    """Customers ranked by CLV (``tenure clv score``), with P(alive) where the order model gives it."""
    c = clv_scores.c
    with store.engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(clv_scores)).scalar_one()
        rows = conn.execute(
            sa.select(clv_scores).order_by(c.clv.desc(), c.customer_id).limit(limit).offset(offset)
        ).mappings()
        data = [{**{k: v for k, v in r.items() if k != "computed_at"}, "as_of": r["as_of"].isoformat()} for r in rows]
    return {"status": "ok" if total else "not_computed", "data": data, "total": int(total)}
