"""Customer retention cost (CRC): retention spend in the period per customer active in it.

A ``costs`` row spanning ``[period_start, period_end)`` is spread evenly over time, so a period gets
the share of the amount its overlap covers (a quarterly budget gives each month about a third).
Amounts are converted to the reporting currency at the rate of ``period_start``. The customers active
in ``[a, b)`` are those with a counting subscription row overlapping it (``start < b`` and ``end > a``);
they are counted with the other customer figures (``customers_active`` of
:func:`tenure.metrics.retention.customer_flags`).

Examples
--------
>>> 1500 / 300   # 1,500 spent in a month with 300 customers active in it
5.0
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir

from tenure.metrics.activity import _rates_for, cents, periods_table

if TYPE_CHECKING:
    from tenure.engine import Engine
    from tenure.settings import Settings


def cost_shares(engine: Engine, settings: Settings, points: Sequence[datetime]) -> ir.Table:
    """``(row_key, category, p, cents)``: each cost row's share falling in each period, in cents."""
    c = engine.table("costs")
    c = c.select("row_key", "category", "amount", "currency", "period_start", "period_end")
    c = _rates_for(engine, settings, c, "row_key", "period_start")
    periods = periods_table(points)
    j = c.join(periods, [c.period_start < periods.b, c.period_end > periods.a])
    lo = ibis.greatest(j.period_start, j.a)
    hi = ibis.least(j.period_end, j.b)
    overlap = hi.epoch_seconds().cast("float64") - lo.epoch_seconds().cast("float64")
    length = j.period_end.epoch_seconds().cast("float64") - j.period_start.epoch_seconds().cast("float64")
    return j.select("row_key", "category", "p", cents=cents(j.amount * (overlap / length), j.rate))


def cost_sums(engine: Engine, settings: Settings, points: Sequence[datetime]) -> ir.Table:
    """Per period ``p``: ``cost_cents``, the retention spend falling in it, and ``cost_rows``."""
    s = cost_shares(engine, settings, points)
    return s.group_by("p").aggregate(cost_cents=s.cents.sum(), cost_rows=s.count())
