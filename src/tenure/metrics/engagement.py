"""Engagement: DAU/MAU stickiness per period.

A *user* is a ``(customer_id, user_id)`` pair of ``events``; events without a ``user_id`` count their
customer as one user. For a period ``[a, b)``:

- mean DAU = (Σ over the days of ``[a, b)`` of the users active that day) / days in the period;
- mean MAU = (Σ over the calendar months ``[a, b)`` touches of the users active in that month within
  the period) / number of those months;
- ``dau_mau`` = mean DAU / mean MAU (null with no events).

For a calendar month this is the usual ratio: average daily users over the month's users.

Examples
--------
>>> round((300 / 30) / 40, 3)   # 300 user-days over 30 days, 40 users in the month
0.25
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir

from tenure.metrics.activity import periods_table

if TYPE_CHECKING:
    from tenure.engine import Engine


def daily_users(engine: Engine, points: Sequence[datetime]) -> ir.Table:
    """``(p, day, customer_id, user_id)``: each user active on each day of each period (distinct).

    Days are assigned to the period holding their first instant (exact for periods that start at
    midnight, as dates do).
    """
    e = engine.table("events")
    lo, hi = points[0], points[-1]
    e = e.filter((e.occurred_at >= ibis.literal(lo)) & (e.occurred_at < ibis.literal(hi)))
    days = e.select("customer_id", "user_id", day=e.occurred_at.truncate("D")).distinct()
    periods = periods_table(points)
    j = days.join(periods, [days.day >= periods.a, days.day < periods.b])
    return j.select("p", "day", "customer_id", "user_id")


def activity_sums(engine: Engine, points: Sequence[datetime]) -> ir.Table:
    """Per period ``p``: ``user_days`` (Σ DAU) and ``user_months`` (Σ MAU)."""
    d = daily_users(engine, points).view()
    days = d.group_by("p").aggregate(user_days=d.count())
    m = d.select("p", "customer_id", "user_id", month=d.day.truncate("M")).distinct()
    months = m.group_by("p").aggregate(user_months=m.count())
    return days.join(months, "p")
