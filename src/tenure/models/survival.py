"""Retention curves: Kaplan–Meier survival of customers, by segment, plan, channel or cohort.

Each customer's lifetime is their first active period (see
:mod:`tenure.models.churn.observations`): from its start to its end, or censored at the data end when
it is still going. Curves come from lifelines' Kaplan–Meier estimator, one per group, with the
median lifetime (infinite when more than half are still customers) and the share still active at
1, 3, 6, 12 and 24 months.

Examples
--------
>>> curves = retention_curves(store, by="plan")            # doctest: +SKIP
>>> curves.summary[["group", "customers", "median_months"]]  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from tenure.engine import open_engine
from tenure.errors import ConfigurationError, ModelError
from tenure.models.churn.observations import (
    FAR_FUTURE,
    ObservationSpec,
    active_periods,
    data_end,
    subscription_rows,
)

if TYPE_CHECKING:
    from tenure.store import Store

GROUPINGS = ("segment", "plan", "channel", "cohort", "all")
MONTH_DAYS = 30.4375
MILESTONES = (1, 3, 6, 12, 24)


@dataclass
class RetentionCurves:
    """``summary``: one row per group; ``curves``: survival at each month per group."""

    by: str
    summary: pd.DataFrame
    curves: pd.DataFrame
    as_of: datetime


def lifetimes(store: Store, spec: ObservationSpec | None = None, engine: str = "duckdb") -> pd.DataFrame:
    """Each customer's first active period: ``customer_id, start, days, churned`` and their groups."""
    spec = spec or ObservationSpec.from_settings(store.settings)
    eng = open_engine(store, engine)
    try:
        end = data_end(eng)
        periods = active_periods(eng, spec)
        first = periods.filter(periods.period == 1)
        rows = subscription_rows(eng, spec)
        plan = rows.group_by("customer_id").aggregate(plan=rows.plan.argmin(rows.start_date))
        plan = plan.rename(p_customer="customer_id")
        cust = eng.table("customers").select(c_customer="customer_id", segment="segment", channel="channel")
        j = first.left_join(plan, first.customer_id == plan.p_customer).drop("p_customer")
        j = j.left_join(cust, j.customer_id == cust.c_customer).drop("c_customer")
        frame = eng.execute(j)
    finally:
        eng.close()
    if frame.empty:
        raise ModelError("retention curves: no customer has an active subscription; import subscriptions first")
    start = pd.to_datetime(frame["period_start"])
    stop = pd.to_datetime(frame["period_end"])
    churned = (stop <= pd.Timestamp(end)) & (stop < pd.Timestamp(FAR_FUTURE))
    stop = stop.where(churned, pd.Timestamp(end))
    out = pd.DataFrame(
        {
            "customer_id": frame["customer_id"].astype(str),
            "start": start,
            "days": ((stop - start).dt.total_seconds() / 86400.0).clip(lower=0.0),
            "churned": churned.astype(int),
            "plan": frame["plan"].astype("string").fillna("(none)"),
            "segment": frame["segment"].astype("string").fillna("(none)"),
            "channel": frame["channel"].astype("string").fillna("(none)"),
            "cohort": start.dt.to_period("M").astype(str),
        }
    )
    out.attrs["as_of"] = end
    return out


def retention_curves(
    store: Store,
    by: str = "all",
    spec: ObservationSpec | None = None,
    engine: str = "duckdb",
    max_groups: int = 24,
) -> RetentionCurves:
    """Kaplan–Meier retention by ``by`` (segment, plan, channel, cohort or all).

    Groups beyond the ``max_groups`` largest are pooled as ``other`` (cohorts are kept whole, newest
    last).
    """
    from lifelines import KaplanMeierFitter

    if by not in GROUPINGS:
        raise ConfigurationError(f"retention curves: --by expected one of {', '.join(GROUPINGS)}, got {by!r}")
    life = lifetimes(store, spec, engine)
    groups = pd.Series("all", index=life.index) if by == "all" else life[by].astype(str)
    if by != "cohort":
        top = groups.value_counts().index[:max_groups]
        groups = groups.where(groups.isin(top), "other")
    months = np.arange(0, int(np.ceil(life["days"].max() / MONTH_DAYS)) + 1)
    summary, curves = [], []
    for name in sorted(groups.unique()):
        part = life[groups == name]
        km = KaplanMeierFitter().fit(part["days"] / MONTH_DAYS, part["churned"], label=str(name))
        median = float(km.median_survival_time_)
        row = {
            "group": name,
            "customers": len(part),
            "churned": int(part["churned"].sum()),
            "median_months": None if not np.isfinite(median) else round(median, 1),
        }
        horizon = part["days"].max() / MONTH_DAYS
        for m in MILESTONES:
            row[f"retained_{m}m"] = round(float(km.predict(m)), 4) if m <= horizon else None
        summary.append(row)
        at = months[months <= horizon]
        survival = np.atleast_1d(km.survival_function_at_times(at).to_numpy(float))
        curves.append(pd.DataFrame({"group": name, "month": at.astype(int), "retained": survival}))
    return RetentionCurves(by, pd.DataFrame(summary), pd.concat(curves, ignore_index=True), life.attrs["as_of"])
