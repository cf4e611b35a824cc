"""Observations for the churn models: (customer, date) pairs, and whether the customer then left.

An **observation** is a customer who is active on an observation date. Its **label** says whether the
customer is no longer active at some point within the horizon after the date (default 28 days,
``Settings.churn_horizon_days``): their active period ends in ``(date, date + horizon]``.

A customer is **active** at an instant when one of their subscription rows covers it
(``start_date ≤ t < end_date``, no end meaning ongoing), the same rule as the metrics: with
``churn_recognition="scheduled"`` a row ends at its ``canceled_at``, and rows worth zero MRR make
nobody a customer unless ``count_free_customers``. Rows that touch or overlap (or leave a gap of at
most ``gap_days``) form one **active period**.

The data are complete up to the **data end**: by default the latest subscription ``start_date``
(the last thing the billing system is known to have done). Labels need the whole horizon to be
known, so only dates with ``date + horizon ≤ data end`` are labelled; later dates are for scoring.

Examples
--------
>>> [f"{d:%Y-%m-%d}" for d in monthly_dates(datetime(2024, 1, 15), datetime(2024, 4, 1))]
['2024-02-01', '2024-03-01', '2024-04-01']
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir
import pandas as pd

from tenure.errors import ConfigurationError, ModelError

if TYPE_CHECKING:
    from tenure.engine import Engine
    from tenure.settings import Settings

FAR_FUTURE = datetime(2200, 1, 1)
"""Stands in for "no end" so period arithmetic stays in plain timestamps on every engine."""


@dataclass(frozen=True)
class ObservationSpec:
    """How observations are drawn.

    Parameters
    ----------
    horizon_days
        The label's horizon: churned when no longer active within this many days after the date.
    frequency
        ``monthly`` (first of each month, the default), ``weekly`` (Mondays) or ``<N>d`` (every N days
        counted back from the last date).
    gap_days
        Subscription rows separated by at most this many days form one active period.
    churn_recognition
        ``end`` or ``scheduled``: as the setting of the same name.
    count_free_customers
        As the setting of the same name.

    Examples
    --------
    >>> ObservationSpec(horizon_days=14).horizon
    datetime.timedelta(days=14)
    """

    horizon_days: int = 28
    frequency: str = "monthly"
    gap_days: int = 0
    churn_recognition: str = "end"
    count_free_customers: bool = False

    def __post_init__(self) -> None:
        if self.horizon_days <= 0:
            raise ConfigurationError(f"churn horizon: expected a positive number of days, got {self.horizon_days}")
        if self.frequency not in ("monthly", "weekly") and not re.fullmatch(r"\d+d", self.frequency):
            raise ConfigurationError(
                f"observation frequency: expected monthly, weekly or a number of days such as 14d, "
                f"got {self.frequency!r}"
            )

    @property
    def horizon(self) -> timedelta:
        return timedelta(days=self.horizon_days)

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: object) -> ObservationSpec:
        """The spec the settings imply (horizon, churn recognition, free customers), with overrides."""
        values: dict[str, object] = {
            "horizon_days": settings.churn_horizon_days,
            "churn_recognition": settings.churn_recognition,
            "count_free_customers": settings.count_free_customers,
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]


def monthly_dates(first: datetime, last: datetime) -> list[datetime]:
    """The first of each month after ``first`` up to and including ``last``.

    Examples
    --------
    >>> monthly_dates(datetime(2024, 1, 1), datetime(2024, 2, 10))
    [datetime.datetime(2024, 1, 1, 0, 0), datetime.datetime(2024, 2, 1, 0, 0)]
    """
    start = pd.Timestamp(first).normalize()
    if start.day != 1:
        start = (start + pd.offsets.MonthBegin(1)).normalize()
    return [ts.to_pydatetime() for ts in pd.date_range(start, pd.Timestamp(last), freq="MS")]


def observation_dates(first: datetime, last: datetime, frequency: str = "monthly") -> list[datetime]:
    """Observation dates from ``first`` to ``last`` (both inclusive when they fall on the grid).

    ``monthly`` dates are the first of each month and ``weekly`` dates Mondays; ``<N>d`` dates are
    every N days counted back from ``last``, so the newest date is always used.

    Examples
    --------
    >>> [f"{d:%d}" for d in observation_dates(datetime(2024, 1, 1), datetime(2024, 1, 20), "7d")]
    ['06', '13', '20']
    """
    if frequency == "monthly":
        return monthly_dates(first, last)
    first_ts, last_ts = pd.Timestamp(first).normalize(), pd.Timestamp(last).normalize()
    if frequency == "weekly":
        return [ts.to_pydatetime() for ts in pd.date_range(first_ts, last_ts, freq="W-MON")]
    step = int(frequency[:-1])
    dates = []
    d = last_ts
    while d >= first_ts:
        dates.append(d.to_pydatetime())
        d -= pd.Timedelta(days=step)
    return sorted(dates)


def subscription_rows(engine: Engine, spec: ObservationSpec) -> ir.Table:
    """The subscription rows that make a customer active, with their effective ``end_date``
    (``FAR_FUTURE`` when ongoing)."""
    s = engine.table("subscriptions")
    end = s.end_date
    if spec.churn_recognition == "scheduled":
        end = ibis.ifelse(
            s.canceled_at.notnull() & (s.end_date.isnull() | (s.canceled_at < s.end_date)),
            s.canceled_at,
            s.end_date,
        )
    rows = s.mutate(end_date=end.fill_null(ibis.literal(FAR_FUTURE)))
    rows = rows.filter(rows.end_date > rows.start_date)
    if not spec.count_free_customers:
        rows = rows.filter(rows.mrr > 0)
    return rows


def active_periods(engine: Engine, spec: ObservationSpec) -> ir.Table:
    """Each customer's active periods: ``(customer_id, period, period_start, period_end)``.

    ``period`` counts from 1 per customer; ``period_end`` is ``FAR_FUTURE`` for an ongoing period.
    """
    rows = subscription_rows(engine, spec).select("customer_id", "start_date", "end_date")
    before = ibis.window(group_by=rows.customer_id, order_by=[rows.start_date, rows.end_date], rows=(None, -1))
    rows = rows.mutate(prev_end=rows.end_date.max().over(before))
    gap = ibis.interval(days=spec.gap_days)
    rows = rows.mutate(new=ibis.ifelse(rows.prev_end.isnull() | (rows.start_date > rows.prev_end + gap), 1, 0))
    running = ibis.cumulative_window(group_by=rows.customer_id, order_by=[rows.start_date, rows.end_date])
    rows = rows.mutate(period=rows.new.sum().over(running))
    return rows.group_by(["customer_id", "period"]).aggregate(
        period_start=rows.start_date.min(), period_end=rows.end_date.max()
    )


def as_times(values: pd.Series) -> pd.Series:
    """``values`` as ``datetime64[us]``, parsed only when they are not times already (pandas' parser
    turns a tenth of a column of times into Python objects one by one to decide whether to cache).

    Examples
    --------
    >>> as_times(pd.Series(["2024-03-01"])).dtype, as_times(pd.Series(pd.to_datetime(["2024-03-01"]))).dtype
    (dtype('<M8[us]'), dtype('<M8[us]'))
    """
    if not pd.api.types.is_datetime64_any_dtype(values):
        values = pd.to_datetime(values)
    return values.astype("datetime64[us]")


def data_end(engine: Engine) -> datetime:
    """The latest subscription ``start_date``: the data are taken as complete up to here."""
    s = engine.table("subscriptions")
    value = engine.execute(s.start_date.max())
    if value is None or pd.isna(value):
        raise ModelError(
            "churn observations: the subscriptions table is empty; import subscriptions first (tenure import FOLDER)"
        )
    return pd.Timestamp(value).to_pydatetime()


def dates_table(dates: list[datetime]) -> ir.Table:
    """Observation dates as a small table ``(obs_date)``."""
    frame = pd.DataFrame({"obs_date": pd.to_datetime(list(dates)).astype("datetime64[us]")})
    return ibis.memtable(frame, schema={"obs_date": "timestamp"})


def observations(engine: Engine, dates: list[datetime], spec: ObservationSpec, end: datetime | None = None) -> ir.Table:
    """The observations at ``dates``: every customer active on each date, and their label.

    Columns: ``customer_id, obs_date, period, period_start`` and ``churned`` (1 when the active
    period ends within the horizon, 0 when not, null when the horizon runs past ``end``, the data
    end) and ``churned_at`` (when it ended, if within the horizon).
    """
    periods = active_periods(engine, spec)
    d = dates_table(dates)
    j = periods.join(d, [periods.period_start <= d.obs_date, periods.period_end > d.obs_date])
    horizon_end = j.obs_date + ibis.interval(days=spec.horizon_days)
    within = j.period_end <= horizon_end
    known = ibis.literal(pd.Timestamp(end or FAR_FUTURE).to_pydatetime()) >= horizon_end
    return j.select(
        "customer_id",
        "obs_date",
        "period",
        "period_start",
        churned=ibis.ifelse(within, 1, ibis.ifelse(known, 0, ibis.null("int64"))).cast("int64"),
        churned_at=ibis.ifelse(within, j.period_end, ibis.null("timestamp")),
    )


def labelled_dates(engine: Engine, spec: ObservationSpec, end: datetime | None = None) -> list[datetime]:
    """The observation dates whose whole horizon lies inside the data (for training and back-tests)."""
    end = end or data_end(engine)
    s = engine.table("subscriptions")
    first = pd.Timestamp(engine.execute(s.start_date.min())).to_pydatetime()
    return observation_dates(first, end - spec.horizon, spec.frequency)


def build_observations(
    engine: Engine, spec: ObservationSpec, dates: list[datetime] | None = None, end: datetime | None = None
) -> pd.DataFrame:
    """Observations as a DataFrame (one query), at ``dates`` or at every labelled date.

    Examples
    --------
    >>> obs = build_observations(engine, ObservationSpec())     # doctest: +SKIP
    >>> obs.groupby("obs_date").churned.mean()                  # doctest: +SKIP
    """
    end = end or data_end(engine)
    dates = dates if dates is not None else labelled_dates(engine, spec, end)
    if not dates:
        raise ModelError(
            f"churn observations: no observation date has its whole {spec.horizon_days}-day horizon "
            f"inside the data (which end on {end:%Y-%m-%d}); import a longer history or shorten the "
            "horizon (--horizon)"
        )
    frame = engine.execute(observations(engine, dates, spec, end))
    frame["obs_date"] = as_times(frame["obs_date"])
    frame["period_start"] = as_times(frame["period_start"])
    return frame.sort_values(["obs_date", "customer_id"], kind="stable").reset_index(drop=True)
