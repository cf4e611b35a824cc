"""Everything about one customer, for the customer page and ``GET /api/v1/customers/{id}``."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sqlalchemy as sa

from tenure.errors import NotFoundError
from tenure.models import health
from tenure.models.churn.pipeline import latest_health_weights
from tenure.models.clv.tables import clv_scores
from tenure.store import Store
from tenure.store.tables import customers, events, invoices, payments, responses, subscriptions, tickets
from tenure.web.scoring import latest_churn
from tenure.web.tables import assignments

MAX_ROWS = 500


def _rows(conn: sa.Connection, sel: sa.Select) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(sel)]


def _month_starts(first: dt.datetime, last: dt.datetime) -> list[dt.datetime]:
    out: list[dt.datetime] = []
    m = dt.datetime(first.year, first.month, 1)
    while m <= last and len(out) < 240:
        out.append(m)
        m = dt.datetime(m.year + (m.month == 12), m.month % 12 + 1, 1)
    return out


def mrr_history(subs: list[dict[str, Any]], until: dt.datetime) -> list[dict[str, Any]]:
    """MRR at the first instant of each month from the first subscription to ``until``.

    Examples
    --------
    >>> subs = [{"start_date": dt.datetime(2024, 1, 1), "end_date": dt.datetime(2024, 3, 1), "mrr": 10.0}]
    >>> [p["mrr"] for p in mrr_history(subs, dt.datetime(2024, 3, 15))]
    [10.0, 10.0, 0.0]
    """
    if not subs:
        return []
    first = min(s["start_date"] for s in subs)
    points = []
    for m in _month_starts(first, until):
        total = sum(s["mrr"] for s in subs if s["start_date"] <= m and (s["end_date"] is None or s["end_date"] > m))
        points.append({"month": m.date().isoformat(), "mrr": round(float(total), 2)})
    return points


def customer_360(store: Store, customer_id: str, now: dt.datetime | None = None) -> dict[str, Any]:
    """Profile, subscriptions and MRR history, weekly activity, tickets, answers, invoices, payments,
    scores and CSM assignment of one customer.

    Raises
    ------
    NotFoundError
        No customer has this id.

    Examples
    --------
    >>> data = customer_360(store, "c1")        # doctest: +SKIP
    >>> data["profile"]["name"]                 # doctest: +SKIP
    'Ann'
    """
    with store.engine.connect() as conn:
        profile = conn.execute(sa.select(customers).where(customers.c.customer_id == customer_id)).first()
        if profile is None:
            raise NotFoundError(f"no customer with customer_id {customer_id!r}")
        prof = dict(profile._mapping)
        attrs = prof.pop("attributes", None)
        prof["attributes"] = json.loads(attrs) if attrs else {}
        subs = _rows(
            conn,
            sa.select(subscriptions)
            .where(subscriptions.c.customer_id == customer_id)
            .order_by(subscriptions.c.start_date)
            .limit(MAX_ROWS),
        )
        for s in subs:
            s.pop("row_key", None)
        week = sa.func.substr(sa.cast(events.c.occurred_at, sa.Text), 1, 10)
        if store.dialect == "postgresql":
            week = sa.func.to_char(sa.func.date_trunc("week", events.c.occurred_at), "YYYY-MM-DD")
        else:
            week = sa.func.date(events.c.occurred_at, "weekday 0", "-6 days")
        activity = _rows(
            conn,
            sa.select(week.label("week"), sa.func.count().label("events"))
            .where(events.c.customer_id == customer_id)
            .group_by(week)
            .order_by(week),
        )
        recent_events = _rows(
            conn,
            sa.select(events.c.event_type, events.c.occurred_at, events.c.user_id, events.c.value)
            .where(events.c.customer_id == customer_id)
            .order_by(events.c.occurred_at.desc())
            .limit(20),
        )
        ticket_rows = _rows(
            conn,
            sa.select(tickets)
            .where(tickets.c.customer_id == customer_id)
            .order_by(tickets.c.opened_at.desc())
            .limit(MAX_ROWS),
        )
        answer_rows = _rows(
            conn,
            sa.select(responses)
            .where(responses.c.customer_id == customer_id)
            .order_by(responses.c.submitted_at.desc())
            .limit(MAX_ROWS),
        )
        invoice_rows = _rows(
            conn,
            sa.select(invoices)
            .where(invoices.c.customer_id == customer_id)
            .order_by(invoices.c.issued_at.desc())
            .limit(MAX_ROWS),
        )
        payment_rows = _rows(
            conn,
            sa.select(payments)
            .join(invoices, invoices.c.invoice_id == payments.c.invoice_id)
            .where(invoices.c.customer_id == customer_id)
            .order_by(payments.c.attempted_at.desc())
            .limit(MAX_ROWS),
        )
        value = conn.execute(sa.select(clv_scores).where(clv_scores.c.customer_id == customer_id)).first()
        assignment = conn.execute(sa.select(assignments).where(assignments.c.customer_id == customer_id)).first()
    until = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    active_mrr = sum(
        s["mrr"] for s in subs if s["start_date"] <= until and (s["end_date"] is None or s["end_date"] > until)
    )
    return {
        "profile": prof,
        "mrr": round(float(active_mrr), 2),
        "active": any(s["start_date"] <= until and (s["end_date"] is None or s["end_date"] > until) for s in subs),
        "subscriptions": subs,
        "mrr_history": mrr_history(subs, until),
        "activity": [{"week": str(a["week"]), "events": int(a["events"])} for a in activity],
        "recent_events": recent_events,
        "tickets": ticket_rows,
        "responses": answer_rows,
        "invoices": invoice_rows,
        "payments": payment_rows,
        "score": latest_churn(store, customer_id),
        "health_weights": latest_health_weights(store) or dict(health.DEFAULT_WEIGHTS),
        "clv": dict(value._mapping) if value else None,
        "assignment": dict(assignment._mapping) if assignment else None,
    }
