"""Revenue: MRR at the period's edges and the five MRR movements between them.

Per customer, MRR at ``a`` (``x``) against MRR at ``b`` (``y``), in cents of the reporting currency:

- ``mrr_new``: ``0 → y``, the customer's first paying activation is after ``a``;
- ``mrr_reactivation``: ``0 → y``, the customer paid before;
- ``mrr_expansion``: ``x → y`` with ``y > x > 0`` (counts ``y − x``);
- ``mrr_contraction``: ``x → y`` with ``0 < y < x`` (counts ``x − y``);
- ``mrr_churn``: ``x → 0`` (counts ``x``).

Every customer falls in at most one, so ``MRR(b) = MRR(a) + new + reactivation + expansion −
contraction − churn`` holds exactly (integers). ``mrr_retained_start`` is MRR at ``b`` of the customers
active at ``a`` (the numerator of NRR).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

MOVEMENTS = ("mrr_new", "mrr_expansion", "mrr_contraction", "mrr_churn", "mrr_reactivation")


def movement_amounts(tr: ir.Table) -> dict[str, ir.IntegerValue]:
    """Per-customer cents of each movement (0 when the customer is not in it), over
    :func:`tenure.metrics.retention.transitions`."""
    x = tr.cents_a.fill_null(0)
    y = tr.cents_b.fill_null(0)
    zero = ibis.literal(0, "int64")
    starts = (x == 0) & (y > 0)
    first_pay_after_a = tr.first_paid_at.notnull() & (tr.first_paid_at > tr.a)
    return {
        "mrr_start": x,
        "mrr_end": y,
        "mrr_new": ibis.ifelse(starts & first_pay_after_a, y, zero),
        "mrr_reactivation": ibis.ifelse(starts & ~first_pay_after_a, y, zero),
        "mrr_expansion": ibis.ifelse((x > 0) & (y > x), y - x, zero),
        "mrr_contraction": ibis.ifelse((y > 0) & (y < x), x - y, zero),
        "mrr_churn": ibis.ifelse((x > 0) & (y == 0), x, zero),
        "mrr_retained_start": ibis.ifelse(tr.cents_a.notnull(), y, zero),
    }


def movement_sums(tr: ir.Table) -> dict[str, ir.IntegerScalar]:
    """Aggregations summing each movement, for ``tr.group_by("p").aggregate(...)``."""
    return {name: value.sum().fill_null(0) for name, value in movement_amounts(tr).items()}


def movement_of(x: int, y: int, first_paid_after_a: bool) -> str | None:
    """The movement a customer going from ``x`` to ``y`` cents is in, by the rules above.

    Examples
    --------
    >>> movement_of(100, 150, False), movement_of(100, 0, False), movement_of(0, 80, True)
    ('mrr_expansion', 'mrr_churn', 'mrr_new')
    """
    if x == 0 and y > 0:
        return "mrr_new" if first_paid_after_a else "mrr_reactivation"
    if x > 0 and y > x:
        return "mrr_expansion"
    if 0 < y < x:
        return "mrr_contraction"
    if x > 0 and y == 0:
        return "mrr_churn"
    return None
