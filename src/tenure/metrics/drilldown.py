"""Drill-down: the customers (and subscription rows) behind any figure of the report.

``explain(store, "customers_lost", "2025-03-01", "2025-04-01")`` lists exactly the customers counted
in that period's ``customers_lost``; a money figure lists each customer's amount in it (the amounts
sum to the figure); a rate lists the customers of its numerator and denominator with their flags.
With ``rows=True`` it lists the subscription rows behind those customers instead: every counting row
active at ``a`` or ``b``, or starting in between.

Examples
--------
>>> explain(store, "mrr_churn", "2025-03-01", "2025-04-01")         # doctest: +SKIP
  customer_id  in_start  in_end  ...  mrr_start  mrr_end  movement  amount
0        c017      True   False  ...      100.0      0.0  mrr_churn  100.0
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

from tenure.errors import ConfigurationError
from tenure.metrics.activity import subscription_rows
from tenure.metrics.costs import cost_shares
from tenure.metrics.engagement import daily_users
from tenure.metrics.nps import answers_in_periods, survey_flags
from tenure.metrics.periods import as_datetime
from tenure.metrics.report import DEFINITIONS, resolve_settings, using_engine
from tenure.metrics.retention import customer_flags, transitions
from tenure.metrics.revenue import MOVEMENTS, movement_amounts

if TYPE_CHECKING:
    import pyarrow as pa

    from tenure.engine import Engine
    from tenure.settings import Settings
    from tenure.store import Store

CUSTOMER_COUNTS = (
    "customers_start",
    "customers_end",
    "customers_new",
    "customers_reactivated",
    "customers_lost",
    "customers_retained",
)
RATE_MEMBERS: dict[str, tuple[str, ...]] = {
    "crr": ("customers_start", "customers_end"),
    "retention_rate": ("customers_start",),
    "churn_rate": ("customers_start",),
    "nrr": ("customers_start",),
    "grr": ("customers_start",),
    "revenue_churn_rate": ("customers_start",),
    "arpa": ("customers_end",),
    "arr": ("customers_end",),
    "ltv": ("customers_start", "customers_end"),
    "quick_ratio": ("customers_start", "customers_end"),
}
SURVEY_METRICS = ("nps", "nps_promoters", "nps_passives", "nps_detractors", "csat")
EXPLAINABLE = (
    *CUSTOMER_COUNTS,
    "customers_acquired",
    "customers_active",
    "loss_to_acquisition",
    "mrr_start",
    "mrr_end",
    *MOVEMENTS,
    *RATE_MEMBERS,
    *SURVEY_METRICS,
    "crc",
    "dau_mau",
)
"""Every metric :func:`explain` can drill into."""

_TRANSITION_COLUMNS = (
    "customer_id",
    *CUSTOMER_COUNTS,
    "first_at",
    "mrr_start",
    "mrr_end",
    "movement",
    "amount",
)


def explain(
    source: Store | Engine,
    metric: str,
    start: str | date | datetime,
    end: str | date | datetime,
    engine: str | Engine = "duckdb",
    settings: Settings | None = None,
    rows: bool = False,
    arrow: bool = False,
    spark_session: Any = None,
    **overrides: Any,
) -> pd.DataFrame | pa.Table:
    """The customers (or, with ``rows``, subscription rows) behind ``metric`` over ``[start, end)``.

    Parameters
    ----------
    source
        The store (or an open :class:`~tenure.engine.Engine`).
    metric
        A name of :data:`EXPLAINABLE`: a report key, or ``customers_retained``/``customers_active``.
    start, end
        The period (one period; ``end`` exclusive).
    rows
        List the subscription rows behind the customers instead of the customers.
    engine, settings, arrow, overrides
        As for :func:`tenure.metrics.report`.

    Returns
    -------
    DataFrame
        For customer figures: ``customer_id``, one boolean column per customer class, ``first_at``,
        ``mrr_start``, ``mrr_end``, ``movement`` and ``amount`` (the customer's part of a money
        figure). For survey figures: the answers with their class. For ``crc``: the cost rows' shares.
        For ``dau_mau``: each user's active days and months.

    Examples
    --------
    >>> lost = explain(store, "customers_lost", "2025-01-01", "2026-01-01")   # doctest: +SKIP
    >>> len(lost)                                                           # doctest: +SKIP
    20
    """
    if metric not in EXPLAINABLE:
        raise ConfigurationError(f"cannot explain {metric!r}; expected one of {', '.join(EXPLAINABLE)}")
    cfg = resolve_settings(source, settings, overrides)
    a, b = as_datetime(start, "start"), as_datetime(end, "end")
    if b <= a:
        raise ConfigurationError(f"end ({b:%Y-%m-%d}) must be after start ({a:%Y-%m-%d})")
    points = [a, b]
    with using_engine(source, engine, spark_session) as eng:
        sub = subscription_rows(eng, cfg)
        if metric in SURVEY_METRICS:
            frame = _answers(eng, points, metric)
        elif metric == "crc":
            frame = eng.execute(cost_shares(eng, cfg, points).drop("p")).rename(columns={"cents": "amount"})
            frame["amount"] = frame["amount"] / 100
            frame = frame.sort_values("row_key").reset_index(drop=True)
        elif metric == "dau_mau":
            frame = _users(eng, points)
        else:
            frame = _customers(eng, cfg, points, sub, metric)
        if rows and "customer_id" in frame.columns:
            frame = _rows_of(eng, sub, points, frame["customer_id"].tolist())
    if arrow:
        import pyarrow as pa

        return pa.Table.from_pandas(frame, preserve_index=False)
    return frame


def _customers(eng: Engine, cfg: Settings, points: list[datetime], sub: Any, metric: str) -> pd.DataFrame:
    tr = transitions(eng, cfg, points, sub)
    flags = customer_flags(tr)
    money = movement_amounts(tr)
    expr = tr.select(
        "customer_id",
        "first_at",
        **flags,
        **{f"_{k}": v for k, v in money.items() if k in MOVEMENTS or k in ("mrr_start", "mrr_end")},
    )
    frame = eng.execute(expr)
    for col in flags:
        frame[col] = frame[col].astype("boolean").fillna(False).astype(bool)
    for col in [c for c in frame.columns if c.startswith("_")]:
        frame[col] = frame[col].fillna(0).astype("int64")
    if cfg.same_period_churn == "included":
        frame["customers_lost"] = frame["customers_lost"] | frame["customers_acquired_lost"]
    frame["movement"] = None
    frame["amount"] = 0.0
    for name in MOVEMENTS:
        hit = frame[f"_{name}"] != 0
        frame.loc[hit, "movement"] = name
        frame.loc[hit, "amount"] = frame.loc[hit, f"_{name}"] / 100
    frame["mrr_start"] = frame["_mrr_start"] / 100
    frame["mrr_end"] = frame["_mrr_end"] / 100
    if metric in CUSTOMER_COUNTS or metric in ("customers_acquired", "customers_active"):
        keep = frame[metric]
    elif metric == "loss_to_acquisition":
        keep = frame["customers_lost"] | frame["customers_acquired"]
    elif metric in MOVEMENTS:
        keep = frame["movement"] == metric
    elif metric == "mrr_start":
        keep = frame["customers_start"]
        frame["amount"] = frame["mrr_start"]
    elif metric == "mrr_end":
        keep = frame["customers_end"]
        frame["amount"] = frame["mrr_end"]
    else:
        keep = pd.Series(False, index=frame.index)
        for member in RATE_MEMBERS[metric]:
            keep |= frame[member]
    cols = [*_TRANSITION_COLUMNS[:7], "customers_acquired", "customers_active", *_TRANSITION_COLUMNS[7:]]
    out = frame.loc[keep, cols].sort_values("customer_id", kind="stable").reset_index(drop=True)
    return out


def _answers(eng: Engine, points: list[datetime], metric: str) -> pd.DataFrame:
    j = answers_in_periods(eng, points)
    flags = survey_flags(j)
    frame = eng.execute(j.select("response_id", "customer_id", "survey", "score", "at", **flags))
    if metric == "nps":
        keep = frame["survey"] == "nps"
    elif metric == "csat":
        keep = frame["csat_answers"]
    else:
        keep = frame[metric]
    frame = frame[keep.astype(bool)].copy()
    if metric in ("nps", "nps_promoters", "nps_passives", "nps_detractors"):
        frame["class"] = ["promoter" if s >= 9 else "passive" if s >= 7 else "detractor" for s in frame["score"]]
        frame = frame.drop(columns=["csat_satisfied", "csat_answers"])
    else:
        frame["class"] = ["satisfied" if s >= 4 else "not satisfied" for s in frame["score"]]
        frame = frame.drop(columns=["nps_promoters", "nps_passives", "nps_detractors"])
    return frame.sort_values(["at", "response_id"]).reset_index(drop=True)


def _users(eng: Engine, points: list[datetime]) -> pd.DataFrame:
    d = daily_users(eng, points).view()
    per_user = d.group_by(["customer_id", "user_id"]).aggregate(
        days_active=d.count(), months_active=d.day.truncate("M").nunique()
    )
    frame = eng.execute(per_user)
    return frame.sort_values(["customer_id", "user_id"], na_position="first").reset_index(drop=True)


def _rows_of(eng: Engine, sub: Any, points: list[datetime], customers: list[str]) -> pd.DataFrame:
    import ibis

    a, b = points[0], points[-1]
    ids = ibis.memtable(pd.DataFrame({"cid": pd.Series(customers, dtype="string")}))
    r = sub.join(ids, sub.customer_id == ids.cid)
    near = (r.start_date <= ibis.literal(b)) & (r.end_date.isnull() | (r.end_date >= ibis.literal(a)))
    r = r.filter(near)
    frame = eng.execute(
        r.select(
            "row_key",
            "customer_id",
            "subscription_id",
            "plan",
            "start_date",
            "end_date",
            "mrr",
            "currency",
            "rate",
            mrr_reporting=r.cents / 100,
        )
    )
    frame["active_at_start"] = (frame["start_date"] <= a) & (frame["end_date"].isna() | (frame["end_date"] > a))
    frame["active_at_end"] = (frame["start_date"] <= b) & (frame["end_date"].isna() | (frame["end_date"] > b))
    return frame.sort_values(["customer_id", "start_date", "row_key"]).reset_index(drop=True)


def describe(metric: str) -> str:
    """The definition text of ``metric``."""
    return DEFINITIONS.get(metric, "customers active at some instant of [a, b)")
