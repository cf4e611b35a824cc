"""The customer directory: one precomputed row per customer for fast lists, search and filters.

:func:`rebuild` recomputes ``web_customer_index`` from the canonical tables in DuckDB (MRR now, plan,
active or not) and swaps it in one transaction; the app runs it after each import and API batch.
:func:`list_customers` pages through it joined with the latest scores and CSM assignments.
A list narrowed to the customers behind a figure takes their ids from
:func:`tenure.web.figures.members` (that is, :func:`tenure.metrics.explain`).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from tenure.store import Store
from tenure.store.tables import customers, subscriptions
from tenure.web.tables import assignments, customer_index, scores

SORTS = {
    "name": customer_index.c.name,
    "customer_id": customer_index.c.customer_id,
    "mrr": customer_index.c.mrr,
    "segment": customer_index.c.segment,
    "plan": customer_index.c.plan,
    "country": customer_index.c.country,
    "risk": scores.c.probability,
    "health": scores.c.health_score,
    "clv": scores.c.clv,
    "since": customer_index.c.first_start,
}
_generation = 0
_memo: dict[tuple, Any] = {}


def memoised(fn: Any) -> Any:
    """Cache ``fn(store)`` until the directory is next rebuilt (the figures change only then)."""

    def wrapper(store: Store) -> Any:
        key = (fn.__name__, store.url, _generation)
        if key not in _memo:
            if len(_memo) > 64:
                _memo.clear()
            _memo[key] = fn(store)
        return _memo[key]

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


@memoised
def as_of(store: Store) -> dt.datetime:
    """The instant "now" for this data: the latest activity recorded, never later than today."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    with store.engine.connect() as conn:
        latest = conn.execute(sa.select(sa.func.max(subscriptions.c.start_date))).scalar()
        ended = conn.execute(
            sa.select(sa.func.max(subscriptions.c.end_date)).where(subscriptions.c.end_date <= now)
        ).scalar()
    candidates = [v for v in (latest, ended) if isinstance(v, dt.datetime)]
    if not candidates:
        return now
    return min(now, max(candidates))


def rebuild(store: Store) -> int:
    """Recompute the directory from the canonical tables; returns the number of customers."""
    global _generation
    with store.lock:
        _generation += 1
        try:
            return _rebuild(store)
        finally:
            _generation += 1


def _rebuild(store: Store) -> int:
    at = as_of(store)
    stamp = at.strftime("%Y-%m-%d %H:%M:%S")
    active = f"start_date <= TIMESTAMP '{stamp}' AND (end_date IS NULL OR end_date > TIMESTAMP '{stamp}')"
    con = store.duckdb()
    try:
        rows = con.execute(
            f"""
            WITH s AS (
              SELECT customer_id,
                sum(CASE WHEN {active} THEN mrr ELSE 0 END) AS mrr,
                bool_or({active}) AS active,
                arg_max(plan, start_date) AS plan,
                min(start_date) AS first_start,
                CASE WHEN bool_or(end_date IS NULL) THEN NULL ELSE max(end_date) END AS last_end
              FROM subscriptions GROUP BY customer_id)
            SELECT c.customer_id, c.name, c.email, c.country, c.segment, c.channel, s.plan,
                   CAST(coalesce(s.mrr, 0) AS DOUBLE) AS mrr, coalesce(s.active, false) AS active,
                   s.first_start, s.last_end,
                   lower(concat_ws(' ', c.customer_id, c.name, c.email)) AS search
            FROM customers c LEFT JOIN s USING (customer_id)
            """
        ).fetch_arrow_table()
    finally:
        con.close()
    _replace_index(store, rows)
    return rows.num_rows


def _replace_index(store: Store, rows: Any) -> None:
    conn = store.adbc()
    try:
        cur = conn.cursor()
        cur.execute("DROP TABLE IF EXISTS _stage_index")
        if rows.num_rows:
            cur.adbc_ingest("_stage_index", rows, mode="create", temporary=True)
        cur.execute("DELETE FROM web_customer_index")
        if rows.num_rows:
            cols = ", ".join(rows.column_names)
            cur.execute(f"INSERT INTO web_customer_index ({cols}) SELECT {cols} FROM _stage_index")
            cur.execute("DROP TABLE _stage_index")
        conn.commit()
    finally:
        conn.close()


@dataclass
class CustomerQuery:
    """Search, filters, sort and page of the customers list."""

    q: str | None = None
    segment: str | None = None
    plan: str | None = None
    country: str | None = None
    risk_band: str | None = None
    health_band: str | None = None
    status: str | None = None
    members: list[str] | None = None
    """Only these customers (the ones behind a figure, from :func:`tenure.web.figures.members`)."""
    sort: str = "mrr"
    order: str = "desc"
    page: int = 1
    per_page: int = 50
    extra: dict[str, Any] = field(default_factory=dict)


def _base(store: Store, query: CustomerQuery, joined: bool = True) -> sa.Select:
    cols = [
        customer_index.c.customer_id,
        customer_index.c.name,
        customer_index.c.email,
        customer_index.c.country,
        customer_index.c.segment,
        customer_index.c.channel,
        customer_index.c.plan,
        customer_index.c.mrr,
        customer_index.c.active,
        customer_index.c.first_start,
        scores.c.probability,
        scores.c.risk_band,
        scores.c.health_score,
        scores.c.health_band,
        scores.c.clv,
        scores.c.p_alive,
        scores.c.reasons,
        assignments.c.csm,
        assignments.c.contacted_at,
    ]
    if not joined:
        sel = sa.select(customer_index.c.customer_id)
    else:
        sel = sa.select(*cols).select_from(
            customer_index.outerjoin(scores, scores.c.customer_id == customer_index.c.customer_id).outerjoin(
                assignments, assignments.c.customer_id == customer_index.c.customer_id
            )
        )
    if query.q:
        needle = query.q.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        sel = sel.where(customer_index.c.search.like(f"%{needle}%", escape="\\"))
    for name in ("segment", "plan", "country"):
        value = getattr(query, name)
        if value:
            sel = sel.where(customer_index.c[name] == value)
    if query.risk_band:
        sel = sel.where(scores.c.risk_band == query.risk_band)
    if query.health_band:
        sel = sel.where(scores.c.health_band == query.health_band)
    if query.status == "active":
        sel = sel.where(customer_index.c.active == sa.true())
    elif query.status == "inactive":
        sel = sel.where(customer_index.c.active == sa.false())
    if query.members is not None:
        ids: sa.BindParameter[str] = sa.bindparam("members", query.members, expanding=True, literal_execute=True)
        sel = sel.where(customer_index.c.customer_id.in_(ids))
    return sel


def list_customers(store: Store, query: CustomerQuery) -> tuple[list[dict[str, Any]], int]:
    """One page of customers and the total matching.

    Examples
    --------
    >>> rows, total = list_customers(store, CustomerQuery(segment="smb", sort="mrr"))  # doctest: +SKIP
    """
    base = _base(store, query)
    key = SORTS.get(query.sort, customer_index.c.mrr)
    ordering = key.desc() if query.order == "desc" else key.asc()
    page = max(1, query.page)
    counted = base
    if not (query.risk_band or query.health_band):
        counted = _base(store, query, joined=False)
    per_page = max(1, min(query.per_page, 1000))
    sel = (
        base.order_by(ordering.nulls_last(), customer_index.c.customer_id).limit(per_page).offset((page - 1) * per_page)
    )
    with store.engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(counted.subquery())).scalar_one()
        rows = [_row(r._mapping) for r in conn.execute(sel)]
    return rows, int(total)


def all_customers(store: Store, query: CustomerQuery, limit: int = 1_000_000) -> list[dict[str, Any]]:
    """Every customer matching ``query`` (for exports), in the query's order."""
    base = _base(store, query)
    key = SORTS.get(query.sort, customer_index.c.mrr)
    ordering = key.desc() if query.order == "desc" else key.asc()
    with store.engine.connect() as conn:
        return [
            _row(r._mapping)
            for r in conn.execute(base.order_by(ordering.nulls_last(), customer_index.c.customer_id).limit(limit))
        ]


def _row(m: Any) -> dict[str, Any]:
    row = dict(m)
    reasons = row.get("reasons")
    row["reasons"] = json.loads(reasons) if reasons else []
    return row


@memoised
def facets(store: Store) -> dict[str, list[str]]:
    """Distinct segments, plans and countries, for the filter pickers."""
    out = {}
    with store.engine.connect() as conn:
        for name in ("segment", "plan", "country"):
            col = customer_index.c[name]
            out[name] = [
                v for (v,) in conn.execute(sa.select(col).where(col.is_not(None)).distinct().order_by(col).limit(500))
            ]
    return out


def customer_exists(store: Store, customer_id: str) -> bool:
    with store.engine.connect() as conn:
        return (
            conn.execute(sa.select(customers.c.customer_id).where(customers.c.customer_id == customer_id)).first()
            is not None
        )


def index_is_empty(store: Store) -> bool:
    with store.engine.connect() as conn:
        return conn.execute(sa.select(customer_index.c.customer_id).limit(1)).first() is None
