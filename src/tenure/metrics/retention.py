"""Customer retention: who was there at the start and end of each period, who came and who left.

For a period ``[a, b)`` (DESIGN §4), with *active* as in :mod:`tenure.metrics.activity`:

- ``S``/``E``: customers active at ``a``/``b``;
- ``new``: active at ``b``, not at ``a``, first activation after ``a``;
- ``reactivated``: active at ``b``, not at ``a``, first activated on or before ``a``;
- ``lost``: active at ``a``, not at ``b``;
- ``acquired``: first activated in ``(a, b]``, still active at ``b`` or not.

Boundary instants belong to the period they close: a customer whose first subscription starts exactly
at ``b`` is active at ``b``, so counts in ``E``, ``new`` and ``acquired`` of ``[a, b)`` (and in ``S``
of the next period). This keeps ``E = S − lost + new + reactivated`` exact.

All periods are computed at once. :func:`transitions` gives every (customer, period) pair its state at
``a`` and at ``b`` (the drill-down lists them); the report's totals come from :func:`period_totals`,
which classifies only the pairs whose state changes inside the period and sums the rest from
:func:`~tenure.metrics.spans.customer_spans`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir

from tenure.metrics.activity import (
    FOREVER,
    delinquency_windows,
    periods_table,
    subscription_rows,
)
from tenure.metrics.revenue import movement_sums
from tenure.metrics.spans import customer_spans

if TYPE_CHECKING:
    from tenure.engine import Engine
    from tenure.settings import Settings


def transitions(
    engine: Engine, settings: Settings, points: Sequence[datetime], rows: ir.Table | None = None
) -> ir.Table:
    """One row per (customer, period) where the customer has a counting row active at some instant
    of ``[a, b]``.

    Columns: ``customer_id, p, a, b``; ``cents_a``/``cents_b``, the customer's MRR at ``a``/``b``
    (null when not active there); ``in_period`` (active at some instant of ``[a, b)``);
    ``first_at, first_paid_at``.

    One range join of the rows with the periods, then one group-by: no query per period.
    """
    rows = subscription_rows(engine, settings) if rows is None else rows
    periods = periods_table(points)
    # Each row carries its customer's first activations (a window over the rows, far fewer than the
    # (customer, period) pairs), so the pairs need no join to them after grouping.
    customer = ibis.window(group_by=rows.customer_id)
    paid_start = ibis.ifelse(rows.cents > 0, rows.start_date, ibis.null("timestamp"))
    # A far-future end for ongoing rows keeps the join a pure range join.
    rows = rows.mutate(
        _end=rows.end_date.fill_null(FOREVER),
        _first=rows.start_date.min().over(customer),
        _first_paid=paid_start.min().over(customer),
    )
    j = rows.join(periods, [rows.start_date <= periods.b, rows._end > periods.a])
    g = j.group_by(["customer_id", "p"]).aggregate(
        **_edge_states(j.start_date, j._end, j.a, j.b, j.cents),
        first_at=j._first.min(),
        first_paid_at=j._first_paid.min(),
    )
    late = _delinquent(engine, settings, points)
    if late is not None:
        g = g.left_join(late, [g.customer_id == late.lcid, g.p == late.lp])
        g = g.mutate(
            has_a=ibis.ifelse(g.late_a.fill_null(0) == 1, 0, g.has_a),
            has_b=ibis.ifelse(g.late_b.fill_null(0) == 1, 0, g.has_b),
        ).drop("lcid", "lp", "late_a", "late_b")
    return g.select(
        "customer_id",
        "p",
        "a",
        "b",
        cents_a=ibis.ifelse(g.has_a == 1, g.sum_a, ibis.null("int64")),
        cents_b=ibis.ifelse(g.has_b == 1, g.sum_b, ibis.null("int64")),
        in_period="in_period",
        first_at="first_at",
        first_paid_at="first_paid_at",
    )


def _edge_states(
    start: ir.TimestampValue,
    end: ir.TimestampValue,
    a: ir.TimestampValue,
    b: ir.TimestampValue,
    cents: ir.IntegerValue,
    counts: ir.BooleanValue | None = None,
) -> dict[str, ir.Value]:
    """Aggregations of the rows (or spans) ``[start, end)`` of one customer overlapping ``[a, b]``:
    whether some counting one is active at ``a`` and at ``b``, its cents there, whether one is active
    in ``[a, b)`` (``counts`` false: active but not counted, as while delinquent)."""
    on_a = (start <= a) & (end > a)
    on_b = end > b
    if counts is not None:
        on_a, on_b = on_a & counts, on_b & counts
    zero = ibis.literal(0, "int64")
    return {
        "has_a": on_a.ifelse(1, 0).max(),
        "has_b": on_b.ifelse(1, 0).max(),
        "sum_a": ibis.ifelse(on_a, cents, zero).sum(),
        "sum_b": ibis.ifelse(on_b, cents, zero).sum(),
        "in_period": (start < b).ifelse(1, 0).max(),
        "a": a.min(),
        "b": b.min(),
    }


def period_totals(
    engine: Engine, settings: Settings, points: Sequence[datetime], rows: ir.Table | None = None
) -> ir.Table:
    """Per period ``p``: every customer count and MRR sum of the report, equal to
    ``transitions(...).group_by("p").aggregate(**customer_counts(tr), **movement_sums(tr))``.

    A customer whose state does not change inside ``(a, b]`` was active at both ends with the same MRR
    (or at neither): such a (customer, period) pair only adds to ``S``, ``E``, the retained and the
    MRR at both ends, so those pairs are summed straight from the
    :func:`~tenure.metrics.spans.customer_spans` that cover
    the period, without grouping by customer. Only the pairs with a change inside the period (one in
    seven on the demo business) go through the per-customer classification of :func:`transitions`.
    """
    periods = periods_table(points)
    spans = customer_spans(engine, settings, rows)
    zero = ibis.literal(0, "int64")

    # pairs with no change inside (a, b]: one span covers [a, b]
    k = spans.join(periods, [spans.t0 <= periods.a, spans.t1 > periods.b])
    on = k.late == 0
    paid = ibis.ifelse(on, k.cents, zero)
    steady = k.group_by("p").aggregate(
        customers_start=on.ifelse(1, 0).sum(),
        customers_end=on.ifelse(1, 0).sum(),
        customers_retained=on.ifelse(1, 0).sum(),
        customers_active=k.count(),
        mrr_start=paid.sum(),
        mrr_end=paid.sum(),
        mrr_retained_start=paid.sum(),
    )

    # pairs with a change inside (a, b]: a span starts (or, past the last, the last one ends) there
    edges = spans.select("customer_id", t=spans.t0.cast("timestamp")).union(
        spans.filter(spans.t1 < FOREVER).select("customer_id", t=spans.t1.cast("timestamp"))
    )
    e = edges.join(periods, [edges.t > periods.a, edges.t <= periods.b])
    pairs = e.select(pcid=e.customer_id, pp=e.p, pa=e.a, pb=e.b).distinct()
    j = pairs.join(spans, [pairs.pcid == spans.customer_id, spans.t0 <= pairs.pb, spans.t1 > pairs.pa])
    g = j.group_by([j.pcid, j.pp]).aggregate(**_edge_states(j.t0, j.t1, j.pa, j.pb, j.cents, j.late == 0))
    # the first span starts at the first activation, the first span with cents at the first paying one
    paid_from = ibis.ifelse(spans.cents > 0, spans.t0, ibis.null("timestamp"))
    firsts = spans.group_by(fcid=spans.customer_id).aggregate(first_at=spans.t0.min(), first_paid_at=paid_from.min())
    tr = g.join(firsts, g.pcid == firsts.fcid).select(
        customer_id=g.pcid,
        p=g.pp,
        a=g.a,
        b=g.b,
        cents_a=ibis.ifelse(g.has_a == 1, g.sum_a, ibis.null("int64")),
        cents_b=ibis.ifelse(g.has_b == 1, g.sum_b, ibis.null("int64")),
        in_period=g.in_period,
        first_at=firsts.first_at,
        first_paid_at=firsts.first_paid_at,
    )
    changing = tr.group_by("p").aggregate(**customer_counts(tr), **movement_sums(tr))
    names = [c for c in changing.columns if c != "p"]
    both = ibis.union(
        changing.select("p", *[changing[c].cast("int64").name(c) for c in names]),
        steady.select("p", *[(steady[c] if c in steady.columns else zero).cast("int64").name(c) for c in names]),
    )
    return both.group_by("p").aggregate(**{c: both[c].sum().fill_null(0) for c in names})


def _delinquent(engine: Engine, settings: Settings, points: Sequence[datetime]) -> ir.Table | None:
    """``(lcid, lp, late_a, late_b)``: customers delinquent at ``a`` or ``b`` of period ``lp``."""
    windows = delinquency_windows(engine, settings)
    if windows is None:
        return None
    periods = periods_table(points)
    w = windows.join(periods, [windows.d0 <= periods.b, windows.d1.isnull() | (windows.d1 > periods.a)])
    at_a = (w.d0 <= w.a) & (w.d1.isnull() | (w.d1 > w.a))
    at_b = w.d1.isnull() | (w.d1 > w.b)
    return w.group_by([w.customer_id.name("lcid"), w.p.name("lp")]).aggregate(
        late_a=at_a.ifelse(1, 0).max(), late_b=at_b.ifelse(1, 0).max()
    )


def acquired(tr: ir.Table) -> ir.BooleanValue:
    """First activated in ``(a, b]``, over :func:`transitions` (where every acquired customer has a row)."""
    return tr.first_at.notnull() & (tr.first_at > tr.a) & (tr.first_at <= tr.b)


def customer_flags(tr: ir.Table) -> dict[str, ir.BooleanValue]:
    """The per-customer membership of each count, as boolean expressions over :func:`transitions`."""
    in_s = tr.cents_a.notnull()
    in_e = tr.cents_b.notnull()
    came = in_e & ~in_s
    return {
        "customers_start": in_s,
        "customers_end": in_e,
        "customers_new": came & (tr.first_at > tr.a),
        "customers_reactivated": came & (tr.first_at <= tr.a),
        "customers_lost": in_s & ~in_e,
        "customers_retained": in_s & in_e,
        "customers_acquired": acquired(tr),
        "customers_acquired_lost": acquired(tr) & ~in_e,
        "customers_active": tr.in_period == 1,
    }


def count(flag: ir.BooleanValue) -> ir.IntegerScalar:
    """How many rows have ``flag`` true (0 for none)."""
    return flag.ifelse(1, 0).sum().fill_null(0)


def customer_counts(tr: ir.Table) -> dict[str, ir.IntegerScalar]:
    """Aggregations counting each customer class, for ``tr.group_by("p").aggregate(...)``."""
    return {name: count(flag) for name, flag in customer_flags(tr).items()}


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """``numerator / denominator``, or ``None`` when undefined (no denominator)."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return float(numerator) / float(denominator)


__all__ = ["acquired", "customer_counts", "customer_flags", "period_totals", "ratio", "transitions"]
