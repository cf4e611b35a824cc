"""Retention arithmetic the tests check the demo against, written independently of the simulator."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

DAY = pd.Timedelta(days=1)


def month_starts(end: str, months: int) -> pd.DatetimeIndex:
    """The ``months + 1`` month boundaries of a history ending at ``end``."""
    return pd.date_range(end=pd.Timestamp(end, tz="UTC"), periods=months + 1, freq="MS")


def active_paying(subscriptions: pd.DataFrame, t: pd.Timestamp) -> pd.DataFrame:
    """Rows paying at instant ``t`` (DESIGN §4: start ≤ t < end, or no end; MRR above zero)."""
    s = subscriptions
    alive = (s.start_date <= t) & (s.end_date.isna() | (t < s.end_date)) & (s.mrr > 0)
    return s[alive]


def monthly_logo_churn(
    subscriptions: pd.DataFrame, customers: pd.DataFrame, starts: pd.DatetimeIndex, by: str
) -> pd.Series:
    """Lost / S per month (DESIGN §4), pooled over the months, for each value of ``by``.

    ``by`` is ``segment`` (from customers) or ``billing_period_months`` (of the row paying at the
    month's start).
    """
    segment = customers.set_index("customer_id").segment
    lost, start = {}, {}
    for a, b in itertools.pairwise(starts):
        at_a = active_paying(subscriptions, a).drop_duplicates("customer_id")
        at_b = set(active_paying(subscriptions, b).customer_id)
        key = segment.loc[at_a.customer_id].to_numpy() if by == "segment" else at_a[by].to_numpy()
        gone = ~at_a.customer_id.isin(at_b).to_numpy()
        for k in np.unique(key):
            start[k] = start.get(k, 0) + int((key == k).sum())
            lost[k] = lost.get(k, 0) + int(((key == k) & gone).sum())
    return pd.Series({k: lost[k] / start[k] for k in start})


def count_in_windows(events: pd.DataFrame, customers: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Number of events of each customer in [lo, hi), vectorised with a sorted composite key."""
    codes, uniques = pd.factorize(events.customer_id)
    lookup = pd.Series(np.arange(len(uniques)), index=uniques)
    t0 = events.occurred_at.min()
    seconds = ((events.occurred_at - t0) // pd.Timedelta(seconds=1)).to_numpy()
    key = np.sort(codes.astype(np.int64) * 2**36 + seconds)
    c = lookup.reindex(customers).fillna(-1).to_numpy().astype(np.int64)
    lo_s = ((pd.Series(lo) - t0) // pd.Timedelta(seconds=1)).to_numpy()
    hi_s = ((pd.Series(hi) - t0) // pd.Timedelta(seconds=1)).to_numpy()
    counts = np.searchsorted(key, c * 2**36 + hi_s) - np.searchsorted(key, c * 2**36 + lo_s)
    return np.where(c >= 0, counts, 0)
