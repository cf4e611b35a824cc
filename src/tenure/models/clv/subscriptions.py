"""sBG on subscription history: retention per segment and each active customer's expected value.

Input is the canonical ``subscriptions`` table (customer_id, start_date, end_date, mrr, segment; an
empty end_date means ongoing, intervals are half-open [start, end)). Each customer's lifetime runs from
their first start_date to their last end_date (ongoing if any row is open); gaps between rows are not
treated as churn. Lifetimes are cut into renewal periods of ``period_months`` calendar months:

- a customer is *active at period t* when start + t·period_months months < end;
- a customer who has ended is *lost in period T* = the first t at which they are not active;
- a customer still active at ``as_of`` is *censored* at the last whole period they have completed.

These per-customer durations give per cohort (first-start month) the counts still active after each
period, and fit one :class:`~tenure.models.clv.ShiftedBetaGeometric` per segment (all cohorts of
the segment pooled, each censored at its own age). Each active customer's value is then
``mrr × period_months × margin × DERL(d | renewals so far)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from tenure.errors import ConfigurationError, ConvergenceError, ModelError
from tenure.models.clv.sbg import ShiftedBetaGeometric

__all__ = ["cohort_counts", "customer_durations", "fit_sbg_by_segment", "subscription_clv"]

_ALL = "all"


def _frame(subscriptions: Any) -> pd.DataFrame:
    if hasattr(subscriptions, "to_pandas") and not isinstance(subscriptions, pd.DataFrame):
        subscriptions = subscriptions.to_pandas()
    if not isinstance(subscriptions, pd.DataFrame):
        raise ModelError(
            f"subscriptions: expected a pandas DataFrame or an Arrow table, got {type(subscriptions).__name__}"
        )
    missing = [c for c in ("customer_id", "start_date", "end_date", "mrr") if c not in subscriptions.columns]
    if missing:
        raise ModelError(f"subscriptions: missing column(s) {missing}; found {list(subscriptions.columns)}")
    return subscriptions


def _dates(values: pd.Series, column: str) -> pd.Series:
    parsed = pd.to_datetime(values, errors="coerce", utc=True, format="mixed")
    bad = parsed.isna() & values.notna() & (values.astype(str).str.strip() != "")
    if bad.any():
        i = int(np.argmax(bad.to_numpy()))
        raise ModelError(f"subscriptions row {i + 1:,}, column {column!r}: expected a date, got {values.iloc[i]!r}")
    return parsed.dt.tz_localize(None).dt.normalize()


def _full_months(start: pd.Series, end: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Whole calendar months from start to end, and whether end falls exactly on a month boundary."""
    months = (end.dt.year - start.dt.year) * 12 + (end.dt.month - start.dt.month)
    months = months - (end.dt.day < start.dt.day).astype(int)
    return months.to_numpy(), (end.dt.day == start.dt.day).to_numpy()


def customer_durations(subscriptions: Any, period_months: int = 1, as_of: Any = None) -> pd.DataFrame:
    """One row per customer: segment, cohort, lost period or censoring period, and current MRR.

    Returns columns ``segment, cohort`` (first-start month), ``churned`` (bool), ``duration``
    (period lost in when churned, else periods completed = renewals made), ``mrr`` (at ``as_of``; 0
    when churned). ``as_of`` defaults to the latest start or end date in the table.

    Examples
    --------
    >>> import pandas as pd
    >>> subs = pd.DataFrame({"customer_id": ["a", "b"], "start_date": ["2024-01-01", "2024-01-10"],
    ...                      "end_date": ["2024-03-15", None], "mrr": [10.0, 20.0]})
    >>> d = customer_durations(subs, 1, as_of="2024-06-01")
    >>> d[["churned", "duration", "mrr"]].to_dict("records")
    [{'churned': True, 'duration': 3, 'mrr': 0.0}, {'churned': False, 'duration': 4, 'mrr': 20.0}]
    """
    if int(period_months) != period_months or period_months < 1:
        raise ConfigurationError(f"period_months: expected a whole number >= 1, got {period_months!r}")
    frame = _frame(subscriptions)
    start = _dates(frame["start_date"], "start_date")
    end = _dates(frame["end_date"], "end_date")
    if (end.notna() & (end < start)).any():
        i = int(np.argmax((end < start).to_numpy()))
        raise ModelError(
            f"subscriptions row {i + 1:,}: end_date {end.iloc[i].date()} is before start_date {start.iloc[i].date()}"
        )
    as_of_ts = pd.Timestamp(as_of) if as_of is not None else max(start.max(), end.max())
    mrr = pd.to_numeric(frame["mrr"], errors="coerce")
    if mrr.isna().any():
        i = int(np.argmax(mrr.isna().to_numpy()))
        raise ModelError(f"subscriptions row {i + 1:,}, column 'mrr': expected a number, got {frame['mrr'].iloc[i]!r}")
    rows = pd.DataFrame(
        {
            "customer_id": frame["customer_id"].to_numpy(),
            "start": start,
            "end": end.where(end.notna() & (end <= as_of_ts)),  # ends after as_of are not known yet
            "open": end.isna() | (end > as_of_ts),
            "mrr_now": np.where((start <= as_of_ts) & (end.isna() | (end > as_of_ts)), mrr, 0.0),
            "segment": frame["segment"].astype(str).to_numpy() if "segment" in frame.columns else _ALL,
        }
    )
    rows = rows[rows["start"] <= as_of_ts]
    per = (
        rows.sort_values("start")
        .groupby("customer_id", sort=True)
        .agg(
            start=("start", "min"),
            end=("end", "max"),
            open=("open", "any"),
            mrr=("mrr_now", "sum"),
            segment=("segment", "last"),
        )
    )
    churned = ~per["open"].to_numpy()
    months_end, exact_end = _full_months(per["start"], per["end"].fillna(as_of_ts))
    months_now, _ = _full_months(per["start"], pd.Series(as_of_ts, index=per.index))
    # Active at t while start + t·P months < end: the last active t is floor((months − exact)/P).
    last_active = np.floor_divide(months_end - exact_end.astype(int), period_months)
    duration = np.where(churned, last_active + 1, np.floor_divide(months_now, period_months))
    out = pd.DataFrame(
        {
            "segment": per["segment"].to_numpy(),
            "cohort": per["start"].dt.to_period("M").astype(str).to_numpy(),
            "churned": churned,
            "duration": duration.astype(int),
            "mrr": per["mrr"].to_numpy(float),
        },
        index=per.index,
    )
    return out[~(churned & (out["duration"] < 1))]  # zero-length subscriptions carry no information


def cohort_counts(
    subscriptions: Any, period_months: int = 1, as_of: Any = None, by: str | None = "segment"
) -> pd.DataFrame:
    """Per group and cohort, customers still active after each period (period 0 = the cohort).

    Only customers whose status at a period is known by ``as_of`` count at that period, so a cohort's
    last periods may have fewer ``customers``. Columns: ``group, cohort, period, customers, active``.

    Examples
    --------
    >>> import pandas as pd
    >>> subs = pd.DataFrame({"customer_id": ["a", "b"], "start_date": ["2024-01-01", "2024-01-10"],
    ...                      "end_date": ["2024-03-15", None], "mrr": [10.0, 20.0]})
    >>> cohort_counts(subs, 1, "2024-06-01", by=None)["active"].tolist()
    [2, 2, 2, 1, 1]
    """
    durations = customer_durations(subscriptions, period_months, as_of)
    durations = durations.assign(group=durations[by] if by else _ALL)
    parts = []
    for (group, cohort), d in durations.groupby(["group", "cohort"], sort=True):
        dur, churned = d["duration"].to_numpy(), d["churned"].to_numpy()
        top = int(dur.max())
        periods = np.arange(top + 1)
        lost_by = np.cumsum(np.bincount(dur[churned], minlength=top + 1))  # lost at or before t
        censored_at = np.bincount(dur[~churned], minlength=top + 1)
        still_observed = censored_at[::-1].cumsum()[::-1]  # censored at or after t
        active = (churned.sum() - lost_by) + still_observed
        customers = churned.sum() + still_observed
        parts.append(
            pd.DataFrame(
                {
                    "group": group,
                    "cohort": cohort,
                    "period": periods,
                    "customers": customers,
                    "active": active,
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def fit_sbg_by_segment(
    subscriptions: Any, period_months: int = 1, as_of: Any = None, by: str | None = "segment"
) -> dict[str, ShiftedBetaGeometric]:
    """One sBG fit per group (``by``: "segment", "cohort" or None for one pooled fit).

    Groups whose fit does not converge (too few customers or no churn yet) are left out; the pooled fit
    is always under the key ``"all"``.

    Examples
    --------
    >>> import pandas as pd
    >>> from tenure.models.clv import simulate_sbg
    >>> counts = simulate_sbg(500, {"alpha": 0.7, "beta": 1.2}, 6, random_state=1)
    >>> rows = [(f"c{t}-{i}", "2020-01-01", f"{2020 + t}-01-01" if t < 7 else None)
    ...         for t in range(1, 8) for i in range(counts[t - 1] - (counts[t] if t < 7 else 0))]
    >>> subs = pd.DataFrame(rows, columns=["customer_id", "start_date", "end_date"]).assign(mrr=10.0)
    >>> models = fit_sbg_by_segment(subs, period_months=12, as_of="2026-06-01", by=None)
    >>> sorted(models)
    ['all']
    """
    durations = customer_durations(subscriptions, period_months, as_of)
    models = {_ALL: _fit(durations)}
    if by:
        for group, d in durations.groupby(by, sort=True):
            try:
                models[str(group)] = _fit(d)
            except (ConvergenceError, ModelError):
                continue
    return models


def _fit(durations: pd.DataFrame) -> ShiftedBetaGeometric:
    return ShiftedBetaGeometric().fit(durations=durations["duration"], churned=durations["churned"])


def subscription_clv(
    subscriptions: Any,
    period_months: int = 1,
    as_of: Any = None,
    *,
    discount_rate: float = 0.10,
    margin: float = 1.0,
    by: str | None = "segment",
) -> pd.DataFrame:
    """Expected discounted remaining lifetime and CLV of every customer active at ``as_of``.

    ``discount_rate`` is annual; it is turned into a per-period rate (1+d)^(period_months/12) − 1.
    Each customer uses their group's sBG fit, or the pooled one when their group could not be fitted
    (column ``fit_group`` says which).

    Returns
    -------
    pandas.DataFrame
        Indexed by customer id: ``segment, cohort, renewals, mrr, fit_group, retention_next``
        (probability of the next renewal), ``derl_periods``, ``derl_months`` and ``clv``.

    Examples
    --------
    >>> import pandas as pd
    >>> subs = pd.DataFrame({"customer_id": [f"c{i}" for i in range(8)], "mrr": 50.0,
    ...     "start_date": "2022-01-01",
    ...     "end_date": ["2022-06-10", "2022-03-02", "2023-01-20", None,
    ...                  None, "2022-02-15", None, "2022-09-01"]})
    >>> out = subscription_clv(subs, period_months=1, as_of="2023-06-01", by=None)
    >>> out.index.tolist(), bool((out["clv"] > 0).all())
    (['c3', 'c4', 'c6'], True)
    """
    if discount_rate <= -1:
        raise ConfigurationError(f"discount_rate: expected a rate > -1 (0.1 for 10% a year), got {discount_rate}")
    durations = customer_durations(subscriptions, period_months, as_of)
    models = fit_sbg_by_segment(subscriptions, period_months, as_of, by)
    active = durations[~durations["churned"]].copy()
    group = active[by].astype(str) if by else pd.Series(_ALL, index=active.index)
    active["fit_group"] = np.where(group.isin(list(models)), group, _ALL)
    per_period = (1 + discount_rate) ** (period_months / 12) - 1
    active["renewals"] = active["duration"]
    active["retention_next"] = np.nan
    active["derl_periods"] = np.nan
    for name, rows in active.groupby("fit_group"):
        model = models[str(name)]
        n = rows["renewals"].to_numpy(float)
        active.loc[rows.index, "retention_next"] = model.retention_rate(n + 1)
        active.loc[rows.index, "derl_periods"] = model.derl(per_period, n)
    active["derl_months"] = active["derl_periods"] * period_months
    active["clv"] = active["mrr"] * period_months * margin * active["derl_periods"]
    columns = [
        "segment",
        "cohort",
        "renewals",
        "mrr",
        "fit_group",
        "retention_next",
        "derl_periods",
        "derl_months",
        "clv",
    ]
    return active[columns]
