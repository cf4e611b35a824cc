"""The ``subscriptions`` table: one row per priced stretch of one subscription, half-open [start, end).

The engine logs a row each time a line opens (a trial, the first paid month, a plan, seat or
discount change, a reactivation) and each time a subscription ends. Here each row is closed by the
next row of the same subscription, or by the subscription's end; the last row of an ended
subscription carries ``status`` ``canceled``, the ``cancel_reason`` and ``canceled_at`` (a trial that
never converted keeps ``trialing`` and no reason). A reactivation opens a new ``subscription_id``.

Examples
--------
>>> STATUSES
('trialing', 'active', 'canceled')
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tenure.simulate.calendar import NEVER, Chunks, timestamps
from tenure.simulate.customers import CURRENCIES, PLANS
from tenure.simulate.surveys import EXIT_REASONS

STATUSES = ("trialing", "active", "canceled")
_TRIAL_EXPIRED, _FREE_LEFT = 2, 3


def subscription_ids(customer_ids: pa.Array, customer: np.ndarray, stint: np.ndarray) -> pa.Array:
    """``sub_<customer_id>_<n>`` for the ``n``-th subscription of each customer."""
    cid = pc.take(customer_ids, pa.array(customer))
    return pc.binary_join_element_wise("sub_", cid, "_", pa.array(stint).cast(pa.string()), "")


def build_subscriptions(
    rows: Chunks, ends: Chunks, customer_ids: pa.Array, currency: np.ndarray, history_end: int
) -> pa.Table:
    """Assemble the ``subscriptions`` table from the engine's row and end logs.

    Parameters
    ----------
    rows, ends
        The engine's logs (:class:`tenure.simulate.engine.Record`).
    customer_ids
        Customer identifiers, indexed by customer.
    currency
        Each customer's currency index.
    history_end
        Ends at or after this instant are left open (empty ``end_date``).
    """
    r = rows.columns()
    cust, stint, start = r["customer"].astype(np.int64), r["stint"].astype(np.int64), r["start"]
    order = np.lexsort((start, stint, cust))
    r = {k: v[order] for k, v in r.items()}
    cust, stint, start = cust[order], stint[order], start[order]
    n = len(cust)

    key = cust * 1_000 + stint
    e = ends.columns()
    e_key = e["customer"].astype(np.int64) * 1_000 + e["stint"] if e else np.empty(0, dtype=np.int64)
    e_order = np.argsort(e_key, kind="stable")
    e_key = e_key[e_order]
    pos = np.searchsorted(e_key, key)
    found = (pos < len(e_key)) & (e_key[np.minimum(pos, len(e_key) - 1)] == key) if len(e_key) else np.zeros(n, bool)
    take = e_order[np.minimum(pos, max(len(e_key) - 1, 0))]

    last = np.ones(n, dtype=bool)
    last[:-1] = key[1:] != key[:-1]
    end = np.full(n, NEVER, dtype=np.int64)
    end[:-1] = np.where(last[:-1], NEVER, start[1:])
    ended = last & found
    kind = np.full(n, -1, dtype=np.int64)
    if len(e_key):
        end[ended] = e["end"][take[ended]]
        kind[ended] = e["kind"][take[ended]]
    closed = end < history_end
    status = r["status"].astype(np.int64)
    final = ended & closed
    status = np.where(final & (kind != _TRIAL_EXPIRED), 2, status)
    reason = np.full(n, -1, dtype=np.int64)
    canceled_at = np.full(n, -1, dtype=np.int64)
    if len(e_key):
        reason[ended] = e["reason"][take[ended]]
        canceled_at[ended] = e["canceled_at"][take[ended]]
    cancellation = ended & (kind != _TRIAL_EXPIRED) & (kind != _FREE_LEFT)
    has_reason = cancellation & closed & (reason >= 0)
    has_canceled = cancellation & (canceled_at >= 0) & (canceled_at < history_end)

    reasons = pa.array(np.asarray(EXIT_REASONS, dtype=object)[np.maximum(reason, 0)], type=pa.string())
    return pa.table(
        {
            "customer_id": pc.take(customer_ids, pa.array(cust)),
            "start_date": timestamps(start),
            "end_date": timestamps(end, closed),
            "mrr": pa.array(r["mrr"], type=pa.float64()),
            "list_mrr": pa.array(r["list_mrr"], type=pa.float64()),
            "subscription_id": subscription_ids(customer_ids, cust, stint),
            "plan": pa.array(np.asarray(PLANS, dtype=object)[r["plan"]], type=pa.string()),
            "quantity": pa.array(r["seats"], type=pa.int64()),
            "billing_period_months": pa.array(r["period"], type=pa.int64()),
            "currency": pa.array(np.asarray(CURRENCIES, dtype=object)[currency[cust]], type=pa.string()),
            "discount": pa.array(r["discount"], type=pa.float64()),
            "status": pa.array(np.asarray(STATUSES, dtype=object)[status], type=pa.string()),
            "cancel_reason": pc.if_else(pa.array(has_reason), reasons, pa.scalar(None, pa.string())),
            "canceled_at": timestamps(canceled_at, has_canceled),
        }
    )
