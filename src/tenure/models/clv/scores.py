"""Per-customer CLV for the store: sBG for subscriptions, BG/NBD × Gamma-Gamma for orders.

:func:`score_customers` computes both from the store's own tables and :func:`save_scores` keeps the
result in ``clv_scores``, where the web app's customer page reads it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from tenure.errors import ConvergenceError, ModelError
from tenure.models.clv.bgnbd import BGNBD
from tenure.models.clv.gammagamma import GammaGamma
from tenure.models.clv.subscriptions import customer_durations, subscription_clv
from tenure.models.clv.summary import summary_from_orders
from tenure.models.clv.tables import clv_scores

if TYPE_CHECKING:
    from tenure.store import Store

WEEKS_PER_YEAR = 365.25 / 7


@dataclass
class CLVScores:
    """Per-customer values and what was fitted to get them."""

    as_of: dt.datetime
    values: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    models: dict[str, Any] = field(default_factory=dict)


def _as_of(store: Store, as_of: Any) -> dt.datetime:
    if as_of is not None:
        return pd.Timestamp(as_of).to_pydatetime().replace(tzinfo=None)
    con = store.duckdb()
    try:
        latest = con.execute(
            "SELECT greatest(max(start_date), max(end_date)) FROM subscriptions WHERE end_date IS NULL "
            "OR end_date <= (SELECT max(start_date) FROM subscriptions) + INTERVAL 31 DAY"
        ).fetchone()[0]  # type: ignore[index]
    finally:
        con.close()
    if latest is None:
        raise ModelError("the store has no subscriptions yet; import a dataset before scoring CLV")
    return pd.Timestamp(latest).to_pydatetime()


def score_customers(
    store: Store,
    as_of: Any = None,
    *,
    discount_rate: float = 0.10,
    horizon_months: int = 12,
) -> CLVScores:
    """Lifetime value of every customer active at ``as_of`` (default: the latest data).

    Parameters
    ----------
    store
        The store to read subscriptions, customers and orders from.
    as_of
        The date the values look forward from.
    discount_rate
        Annual discount rate.
    horizon_months
        Horizon of the order-based CLV (subscription CLV runs over the expected lifetime).

    Examples
    --------
    >>> scores = score_customers(store)              # doctest: +SKIP
    >>> scores.values.loc["c0001", "clv"]             # doctest: +SKIP
    1840.5
    """
    when = _as_of(store, as_of)
    margin = store.settings.gross_margin
    con = store.duckdb()
    try:
        subs = con.execute(
            "SELECT s.customer_id, s.start_date, s.end_date, s.mrr * coalesce(r.rate, 1) AS mrr, c.segment "
            "FROM subscriptions s LEFT JOIN customers c USING (customer_id) "
            "LEFT JOIN LATERAL (SELECT rate FROM rates WHERE rates.currency = s.currency "
            "AND rates.date <= s.start_date ORDER BY rates.date DESC LIMIT 1) r ON true "
            "WHERE s.start_date <= ?",
            [when],
        ).df()
        orders = con.execute("SELECT customer_id, ordered_at, amount FROM orders WHERE ordered_at < ?", [when]).df()
    finally:
        con.close()
    result = CLVScores(as_of=when, values=pd.DataFrame())
    frames = []
    paying = subs[subs["mrr"] > 0]
    if len(paying):
        try:
            sub = subscription_clv(paying, period_months=1, as_of=when, discount_rate=discount_rate, margin=margin)
        except ConvergenceError:
            result.notes.append(
                "the sBG model found no heterogeneity to fit (retention is flat over tenure); subscription CLV "
                "uses its constant-churn limit, the geometric model, per segment"
            )
            sub = geometric_clv(paying, when, discount_rate=discount_rate, margin=margin)
        frames.append(
            sub.rename(
                columns={
                    "clv": "subscription_clv",
                    "derl_months": "expected_lifetime_months",
                    "retention_next": "renewal_probability",
                }
            )[["subscription_clv", "expected_lifetime_months", "renewal_probability"]]
        )
    else:
        result.notes.append("no paying subscriptions before the as-of date: no subscription CLV")
    if orders["customer_id"].nunique() >= 20:
        frames.append(_order_values(orders, when, discount_rate, horizon_months, margin, result))
    else:
        result.notes.append("fewer than 20 customers with orders: no order-based CLV")
    values = pd.concat(frames, axis=1) if frames else pd.DataFrame()
    for column in (
        "subscription_clv",
        "expected_lifetime_months",
        "renewal_probability",
        "order_clv",
        "p_alive",
        "expected_orders",
    ):
        if column not in values:
            values[column] = np.nan
    values["clv"] = values["subscription_clv"].fillna(0) + values["order_clv"].fillna(0)
    values.index.name = "customer_id"
    result.values = values
    return result


def geometric_clv(
    subscriptions: pd.DataFrame, as_of: Any, *, discount_rate: float = 0.10, margin: float = 1.0
) -> pd.DataFrame:
    """Subscription CLV under constant monthly churn per segment: the sBG's limit as β → ∞.

    Monthly retention per segment is r = 1 − (customers lost) / (customer-months observed); a customer
    paying ``mrr`` is worth ``mrr × margin × DERL`` with DERL = (1 + d) / (1 + d − r), d the monthly
    discount rate.

    Examples
    --------
    >>> subs = pd.DataFrame({"customer_id": ["a", "b", "c"], "mrr": 10.0, "segment": "smb",
    ...     "start_date": pd.Timestamp("2024-01-01"), "end_date": [pd.Timestamp("2024-11-01"), None, None]})
    >>> out = geometric_clv(subs, "2025-01-01", discount_rate=0.0)   # 1 lost in 34 customer-months
    >>> [round(float(out.loc["b", c]), 4) for c in ("retention_next", "derl_months", "clv")]
    [0.9706, 34.0, 340.0]
    """
    durations = customer_durations(subscriptions, 1, as_of)
    monthly = (1 + discount_rate) ** (1 / 12) - 1
    groups = durations["segment"].astype(str) if "segment" in durations else pd.Series("all", index=durations.index)
    lost = durations["churned"].groupby(groups).sum()
    exposure = durations["duration"].groupby(groups).sum().clip(lower=1)
    retention = (1 - lost / exposure).clip(lower=0.0, upper=0.999)
    active = durations[~durations["churned"]].copy()
    r = groups[active.index].map(retention).to_numpy(float)
    active["retention_next"] = r
    active["derl_months"] = (1 + monthly) / (1 + monthly - r)
    active["clv"] = active["mrr"] * margin * active["derl_months"]
    return active


def _order_values(
    orders: pd.DataFrame,
    when: dt.datetime,
    discount_rate: float,
    horizon_months: int,
    margin: float,
    result: CLVScores,
) -> pd.DataFrame:
    summary = summary_from_orders(orders, when.date() - dt.timedelta(days=1), time_unit="week")
    purchases = BGNBD().fit(summary)
    result.models["bgnbd"] = purchases
    x, t_x, big_t = summary["frequency"], summary["recency"], summary["T"]
    repeaters = summary[summary["frequency"] > 0]
    mean_spend = orders["amount"].mean()
    if len(repeaters) >= 20:
        spend_model = GammaGamma().fit(repeaters["frequency"], repeaters["monetary_value"])
        result.models["gammagamma"] = spend_model
        spend = spend_model.expected_spend(x, summary["monetary_value"].fillna(0))
    else:
        result.notes.append("fewer than 20 repeat buyers: order value uses the mean order amount")
        spend = np.full(len(summary), mean_spend)
    weeks = round(horizon_months * WEEKS_PER_YEAR / 12)
    weekly_rate = (1 + discount_rate) ** (1 / WEEKS_PER_YEAR) - 1
    out = pd.DataFrame(index=summary.index)
    out["p_alive"] = purchases.probability_alive(x, t_x, big_t)
    out["expected_orders"] = purchases.expected_purchases(weeks, x, t_x, big_t)
    out["order_clv"] = purchases.clv(x, t_x, big_t, spend, horizon=weeks, discount_rate=weekly_rate, margin=margin)
    return out


def save_scores(store: Store, scores: CLVScores) -> int:
    """Replace the store's ``clv_scores`` with ``scores``; returns the number of customers written."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    frame = scores.values.reset_index()
    rows = [
        {
            "customer_id": str(r["customer_id"]),
            "as_of": scores.as_of,
            "computed_at": now,
            **{
                c: (None if pd.isna(r[c]) else float(r[c]))
                for c in (
                    "subscription_clv",
                    "expected_lifetime_months",
                    "renewal_probability",
                    "order_clv",
                    "p_alive",
                    "expected_orders",
                    "clv",
                )
            },
        }
        for r in frame.to_dict("records")
    ]
    with store.engine.begin() as conn:
        conn.execute(sa.delete(clv_scores))
        if rows:
            conn.execute(sa.insert(clv_scores), rows)
    return len(rows)
