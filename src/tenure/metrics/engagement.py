"""Engagement: DAU/MAU stickiness per period.

A *user* is a ``(customer_id, user_id)`` pair of ``events``; events without a ``user_id`` count their
customer as one user. For a period ``[a, b)``:

- mean DAU = (Σ over the days of ``[a, b)`` of the users active that day) / days in the period;
- mean MAU = (Σ over the calendar months ``[a, b)`` touches of the users active in that month within
  the period) / number of those months;
- ``dau_mau`` = mean DAU / mean MAU (null with no events).

For a calendar month this is the usual ratio: average daily users over the month's users.

Both sums come from the events' rollups (:mod:`tenure.store.rollups`): user-days counted per day, and
user-months counted per month for the months a period covers whole. Only a month a period covers in
part (a range that starts or ends mid-month) needs a distinct count, over that part's user-days.

Examples
--------
>>> round((300 / 30) / 40, 3)   # 300 user-days over 30 days, 40 users in the month
0.25
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir
import pandas as pd

from tenure.metrics.activity import periods_table
from tenure.metrics.periods import add_months, month_start

if TYPE_CHECKING:
    from tenure.engine import Engine


def daily_users(engine: Engine, points: Sequence[datetime]) -> ir.Table:
    """``(p, day, customer_id, user_id)``: each user active on each day of each period (distinct).

    Days are assigned to the period holding their first instant (exact for periods that start at
    midnight, as dates do).
    """
    d = engine.table("user_days")
    d = d.filter((d.day >= ibis.literal(points[0])) & (d.day < ibis.literal(points[-1])))
    periods = periods_table(points)
    j = d.join(periods, [d.day >= periods.a, d.day < periods.b])
    return j.select("p", "day", "customer_id", "user_id")


def month_parts(points: Sequence[datetime]) -> pd.DataFrame:
    """Each (period, calendar month) pair the periods touch: ``p, month, lo, hi, whole``.

    ``[lo, hi)`` is the part of the month inside the period; ``whole`` when that is the entire month.

    Examples
    --------
    >>> month_parts([datetime(2024, 1, 15), datetime(2024, 3, 1)])[["p", "month", "whole"]].values.tolist()
    [[0, Timestamp('2024-01-01 00:00:00'), False], [0, Timestamp('2024-02-01 00:00:00'), True]]
    """
    rows = []
    for p, (a, b) in enumerate(itertools.pairwise(points)):
        m = month_start(a)
        while m < b:
            nxt = add_months(m, 1)
            lo, hi = max(a, m), min(b, nxt)
            rows.append((p, m, lo, hi, lo == m and hi == nxt))
            m = nxt
    frame = pd.DataFrame(rows, columns=["p", "month", "lo", "hi", "whole"])
    for c in ("month", "lo", "hi"):
        frame[c] = pd.to_datetime(frame[c]).astype("datetime64[us]")
    return frame


def activity_sums(engine: Engine, points: Sequence[datetime]) -> ir.Table:
    """Per period ``p``: ``user_days`` (Σ DAU) and ``user_months`` (Σ MAU)."""
    lo, hi = ibis.literal(points[0]), ibis.literal(points[-1])
    periods = periods_table(points)
    d = engine.table("user_days")
    d = d.filter((d.day >= lo) & (d.day < hi))
    per_day = d.group_by("day").aggregate(n=d.count())
    j = per_day.join(periods, [per_day.day >= periods.a, per_day.day < periods.b])
    days = j.group_by("p").aggregate(user_days=j.n.sum())

    parts = month_parts(points)
    schema = {"p": "int64", "month": "timestamp", "lo": "timestamp", "hi": "timestamp", "whole": "boolean"}
    counts = []
    whole = parts[parts["whole"]]
    if len(whole):
        w = ibis.memtable(whole, schema=schema)
        m = engine.table("user_months")
        m = m.filter((m.month >= ibis.literal(whole["month"].min())) & (m.month <= ibis.literal(whole["month"].max())))
        per_month = m.group_by("month").aggregate(n=m.count())
        k = per_month.join(w, per_month.month == w.month)
        counts.append(k.group_by("p").aggregate(n=k.n.sum()))
    partial = parts[~parts["whole"]]
    if len(partial):
        s = ibis.memtable(partial, schema=schema)
        k = d.join(s, [d.day >= s.lo, d.day < s.hi]).select("p", "month", "customer_id", "user_id").distinct()
        counts.append(k.group_by("p").aggregate(n=k.count()))
    both = counts[0] if len(counts) == 1 else counts[0].union(counts[1])
    months = both.group_by("p").aggregate(user_months=both.n.sum())
    return days.join(months, "p", how="outer").select(
        p=ibis.coalesce(days.p, months.p),
        user_days=days.user_days.fill_null(0),
        user_months=months.user_months.fill_null(0),
    )
