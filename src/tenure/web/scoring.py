"""``web_scores``: a join cache of the models' own tables, so the customer lists sort and filter by risk,
health and CLV with one indexed join.

The models compute and store their results themselves: churn probability, band, health and reasons
in ``churn_scores`` (:func:`tenure.models.churn.score`), CLV in ``clv_scores``
(:func:`tenure.models.clv.scores.score_customers` and ``save_scores``). This module only copies
their latest row per customer side by side; it computes nothing. The customer page reads the models'
tables directly (:func:`latest_churn`, :func:`latest_clv`).
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from tenure.models.churn.tables import churn_scores
from tenure.models.clv.tables import clv_scores
from tenure.store import Store
from tenure.web.tables import scores


def refresh_scores(store: Store) -> int:
    """Replace ``web_scores`` with the latest model rows per customer; returns the rows written.

    Examples
    --------
    >>> refresh_scores(store)          # doctest: +SKIP
    2000
    """
    rows: dict[str, dict[str, Any]] = {}
    with store.engine.connect() as conn:
        for r in conn.execute(_latest_churn()):
            rows[r.customer_id] = {
                "customer_id": r.customer_id,
                "probability": r.probability,
                "risk_band": r.band,
                "reasons": r.reasons,
                "health_score": r.health,
                "health_band": r.health_band,
                "scored_at": r.scored_at,
                "model": f"churn v{r.model_version}",
            }
        for r in conn.execute(
            sa.select(clv_scores.c.customer_id, clv_scores.c.clv, clv_scores.c.p_alive, clv_scores.c.as_of)
        ):
            row = rows.setdefault(r.customer_id, {"customer_id": r.customer_id, "scored_at": r.as_of})
            row.update(clv=r.clv, p_alive=r.p_alive)
    return _replace(store, rows)


def _latest_churn(customer_id: str | None = None) -> sa.Select:
    """Each customer's newest ``churn_scores`` row (latest scoring date, then newest model)."""
    c = churn_scores.c
    ranked = sa.select(
        churn_scores,
        sa.func.row_number()
        .over(partition_by=c.customer_id, order_by=(c.scored_at.desc(), c.model_version.desc(), c.score_id.desc()))
        .label("rank"),
    )
    if customer_id is not None:
        ranked = ranked.where(c.customer_id == customer_id)
    sub = ranked.subquery()
    return sa.select(*(sub.c[col.name] for col in churn_scores.columns)).where(sub.c.rank == 1)


def latest_churn(store: Store, customer_id: str) -> dict[str, Any] | None:
    """The customer's newest churn score: probability, band, health, health_band, reasons (a list)."""
    with store.engine.connect() as conn:
        row = conn.execute(_latest_churn(customer_id)).first()
    if row is None:
        return None
    out = dict(row._mapping)
    out["reasons"] = json.loads(out["reasons"]) if out.get("reasons") else []
    out["health_components"] = json.loads(out["health_components"]) if out.get("health_components") else {}
    return out


def _replace(store: Store, rows: dict[str, dict[str, Any]]) -> int:
    columns = [c.name for c in scores.columns]
    records = [{c: r.get(c) for c in columns} for r in rows.values()]
    with store.transaction() as conn:
        conn.execute(sa.delete(scores))
        for i in range(0, len(records), 5000):
            conn.execute(sa.insert(scores), records[i : i + 5000])
    return len(records)


def latest_clv(store: Store, customer_id: str) -> dict[str, Any] | None:
    """The customer's row of ``clv_scores`` (CLV, P(alive), expected lifetime...), if scored."""
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(clv_scores).where(clv_scores.c.customer_id == customer_id)).first()
    return dict(row._mapping) if row else None
