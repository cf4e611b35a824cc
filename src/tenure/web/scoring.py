"""``web_scores``: a join cache of the models' own tables, so the customer lists sort and filter by risk,
health and CLV with one indexed join.

The models compute and store their results themselves: CLV in ``clv_scores``
(:func:`tenure.models.clv.scores.score_customers` and ``save_scores``). This module only copies
their latest row per customer side by side; it computes nothing. The customer page reads the models'
tables directly.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

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
        for r in conn.execute(
            sa.select(clv_scores.c.customer_id, clv_scores.c.clv, clv_scores.c.p_alive, clv_scores.c.as_of)
        ):
            rows[r.customer_id] = {
                "customer_id": r.customer_id,
                "clv": r.clv,
                "p_alive": r.p_alive,
                "scored_at": r.as_of,
            }
    return _replace(store, rows)


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
