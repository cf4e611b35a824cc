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

All periods are computed in one expression: the customers' states at every boundary instant, joined
pairwise (``t_p`` with ``t_{p+1}``) per customer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import ibis.expr.types as ir

from tenure.metrics.activity import (
    customer_states,
    first_activations,
    instants_table,
    periods_table,
    subscription_rows,
)

if TYPE_CHECKING:
    from tenure.engine import Engine
    from tenure.settings import Settings


def transitions(
    engine: Engine, settings: Settings, points: Sequence[datetime], rows: ir.Table | None = None
) -> ir.Table:
    """One row per (customer, period) where the customer is active at ``a`` or at ``b``.

    Columns: ``customer_id, p, a, b, cents_a, cents_b`` (null when not active there),
    ``first_at, first_paid_at``.
    """
    rows = subscription_rows(engine, settings) if rows is None else rows
    n = len(points) - 1
    states = customer_states(engine, settings, instants_table(points), rows)
    at_a = states.filter(states.i < n).select(cid_a="customer_id", p_a="i", cents_a="cents")
    at_b = states.filter(states.i > 0)
    at_b = at_b.select(cid_b=at_b.customer_id, p_b=at_b.i - 1, cents_b=at_b.cents)
    both = at_a.outer_join(at_b, [at_a.cid_a == at_b.cid_b, at_a.p_a == at_b.p_b])
    both = both.select(
        customer_id=both.cid_a.fill_null(both.cid_b),
        p=both.p_a.fill_null(both.p_b),
        cents_a=both.cents_a,
        cents_b=both.cents_b,
    ).view()
    firsts = first_activations(rows).rename(fcid="customer_id")
    periods = periods_table(points)
    tr = both.join(periods, "p").select("customer_id", "p", "a", "b", "cents_a", "cents_b").view()
    tr = tr.left_join(firsts, tr.customer_id == firsts.fcid)
    return tr.select("customer_id", "p", "a", "b", "cents_a", "cents_b", "first_at", "first_paid_at")


def acquisitions(
    engine: Engine, settings: Settings, points: Sequence[datetime], rows: ir.Table | None = None
) -> ir.Table:
    """``(customer_id, p, first_at, active_at_b)``: customers first activated in ``(a, b]``."""
    rows = subscription_rows(engine, settings) if rows is None else rows
    firsts = first_activations(rows)
    periods = periods_table(points)
    acq = firsts.join(periods, [firsts.first_at > periods.a, firsts.first_at <= periods.b])
    acq = acq.select("customer_id", "p", "first_at").view()
    at_b = customer_states(engine, settings, instants_table(points), rows)
    at_b = at_b.filter(at_b.i > 0)
    at_b = at_b.select(cid=at_b.customer_id, pb=at_b.i - 1)
    j = acq.left_join(at_b, [acq.customer_id == at_b.cid, acq.p == at_b.pb])
    return j.select("customer_id", "p", "first_at", active_at_b=j.cid.notnull())


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
    }


def count(flag: ir.BooleanValue) -> ir.IntegerScalar:
    """How many rows have ``flag`` true (0 for none)."""
    return flag.ifelse(1, 0).sum().fill_null(0)


def customer_counts(tr: ir.Table) -> dict[str, ir.IntegerScalar]:
    """Aggregations counting each customer class, for ``tr.group_by("p").aggregate(...)``."""
    return {name: count(flag) for name, flag in customer_flags(tr).items()}


def acquisition_counts(acq: ir.Table) -> dict[str, ir.IntegerScalar]:
    """Aggregations over :func:`acquisitions`: all acquired, and those gone again by ``b``."""
    return {
        "customers_acquired": acq.count(),
        "customers_acquired_lost": count(~acq.active_at_b),
    }


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """``numerator / denominator``, or ``None`` when undefined (no denominator)."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return float(numerator) / float(denominator)


__all__ = ["acquisitions", "customer_counts", "customer_flags", "ratio", "transitions"]
