"""Cohort tables: customers grouped by when (or how) they started, and how many are still there.

A customer's cohort is the calendar month of their first activation (or its quarter, or their
``plan`` at first activation, or their ``channel``, ``country`` or ``segment``). Age is counted in
calendar months from that first month: at age ``k ≥ 1`` a customer is retained when active at the
first instant of month ``M + k``. Age 0 is the cohort itself (everyone, at their first-activation
MRR).

For each cohort and age:

- ``observed``: cohort customers whose age-``k`` instant lies within the data (on or before ``end``);
- ``retention`` = active / observed;
- ``mrr_retention`` = their MRR at age ``k`` / their MRR at first activation (above 1 with expansion).

Examples
--------
>>> table = cohort_table(store, by="month")                          # doctest: +SKIP
>>> table.pivot(index="cohort", columns="age", values="retention")  # doctest: +SKIP
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import ibis.expr.types as ir
import pandas as pd

from tenure.errors import ConfigurationError
from tenure.metrics.activity import customer_states, first_activations, instants_table, subscription_rows
from tenure.metrics.periods import add_months, as_datetime, month_start
from tenure.metrics.report import default_range, in_segment, resolve_settings, using_engine
from tenure.metrics.retention import count

if TYPE_CHECKING:
    import pyarrow as pa

    from tenure.engine import Engine
    from tenure.settings import Settings
    from tenure.store import Store

COHORT_BY = ("month", "quarter", "plan", "channel", "country", "segment")
COLUMNS = (
    "cohort",
    "age",
    "customers",
    "observed",
    "active",
    "retention",
    "mrr_base",
    "mrr",
    "mrr_retention",
)


def _month_index(t: ir.TimestampValue) -> ir.IntegerValue:
    return t.year().cast("int64") * 12 + t.month().cast("int64") - 1


def _label(index: int, by: str) -> str:
    year, month = divmod(int(index), 12)
    if by == "quarter":
        return f"{year}Q{month // 3 + 1}"
    return f"{year}-{month + 1:02d}"


def _cohort_keys(eng: Engine, rows: ir.Table, firsts: ir.Table, by: str) -> ir.Table:
    """``(customer_id, first_at, key)``: the grouping key of each customer."""
    if by in ("month", "quarter"):
        return firsts.select("customer_id", "first_at", key=_month_index(firsts.first_at).cast("string"))
    if by == "plan":
        first_rows = rows.join(firsts, [rows.customer_id == firsts.customer_id, rows.start_date == firsts.first_at])
        plans = first_rows.group_by(first_rows.customer_id).aggregate(key=first_rows.plan.min())
        j = firsts.left_join(plans, firsts.customer_id == plans.customer_id)
        return j.select(customer_id=firsts.customer_id, first_at=j.first_at, key=j.key.fill_null("(none)"))
    customers = eng.table("customers")
    attr = customers.select(cid=customers.customer_id, key=customers[by])
    j = firsts.left_join(attr, firsts.customer_id == attr.cid)
    return j.select("customer_id", "first_at", key=j.key.fill_null("(none)"))


def cohort_figures(eng: Engine, settings: Settings, by: str, end: datetime) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Exact integers per (key, age ≥ 1): ``observed``, ``active``, ``base_cents``, ``cents``; and per key
    at age 0: ``customers`` and ``base_cents``."""
    rows = subscription_rows(eng, settings)
    firsts = first_activations(rows)
    keyed = _cohort_keys(eng, rows, firsts, by)
    # MRR at first activation: the rows active at that instant.
    at_first = rows.join(
        firsts,
        [
            rows.customer_id == firsts.customer_id,
            rows.start_date <= firsts.first_at,
            rows.end_date.isnull() | (rows.end_date > firsts.first_at),
        ],
    )
    base = at_first.group_by(at_first.customer_id).aggregate(base_cents=at_first.cents.sum())
    keyed = keyed.view().join(base, "customer_id").view()

    first_month = eng.execute(firsts.first_at.min())
    if first_month is None or pd.isna(first_month):
        return pd.DataFrame(), pd.DataFrame()
    points: list[datetime] = []
    t = add_months(month_start(pd.Timestamp(first_month).to_pydatetime()), 1)
    while t <= end:
        points.append(t)
        t = add_months(t, 1)
    sizes = eng.execute(keyed.group_by("key").aggregate(customers=keyed.count(), base_cents=keyed.base_cents.sum()))
    if not points:
        return sizes, pd.DataFrame(columns=["key", "age", "observed", "active", "base_cents", "cents"])
    instants = instants_table(points)
    inst = instants.mutate(m=_month_index(instants.t))
    obs = keyed.join(inst, inst.m > _month_index(keyed.first_at))
    obs = obs.select("customer_id", "key", "i", "base_cents", age=obs.m - _month_index(obs.first_at)).view()
    states = customer_states(eng, settings, instants, rows)
    states = states.select(cid="customer_id", si="i", cents="cents")
    j = obs.left_join(states, [obs.customer_id == states.cid, obs.i == states.si])
    agg = j.group_by(["key", "age"]).aggregate(
        observed=j.count(),
        active=count(j.cid.notnull()),
        base_cents=j.base_cents.sum(),
        cents=j.cents.sum().fill_null(0),
    )
    return sizes, eng.execute(agg)


def cohort_table(
    source: Store | Engine,
    by: str = "month",
    start: str | date | datetime | None = None,
    end: str | date | datetime | None = None,
    engine: str | Engine = "duckdb",
    settings: Settings | None = None,
    arrow: bool = False,
    spark_session: Any = None,
    segment: str | None = None,
    **overrides: Any,
) -> pd.DataFrame | pa.Table:
    """Cohort retention: one row per (cohort, age in months).

    Parameters
    ----------
    source
        The store (or an open :class:`~tenure.engine.Engine`).
    by
        ``month`` (default), ``quarter``, ``plan``, ``channel``, ``country`` or ``segment``.
    start, end
        Only cohorts whose first month is on or after ``start``; ages observed up to ``end``
        (default: the report's default range).
    engine, settings, arrow, segment, overrides
        As for :func:`tenure.metrics.report`.

    Returns
    -------
    DataFrame
        Columns :data:`COLUMNS`; ``retention`` and ``mrr_retention`` are fractions (``None`` when
        undefined).

    Examples
    --------
    >>> t = cohort_table(store, by="quarter")                         # doctest: +SKIP
    >>> t[t.age == 3][["cohort", "retention"]]                         # doctest: +SKIP
    """
    if by not in COHORT_BY:
        raise ConfigurationError(f"cannot group cohorts by {by!r}; expected one of {', '.join(COHORT_BY)}")
    cfg = resolve_settings(source, settings, overrides)
    with using_engine(source, engine, spark_session) as whole:
        eng = in_segment(whole, segment)
        if end is None or start is None:
            d_start, d_end = default_range(eng)
            end = d_end if end is None else end
            start = d_start if start is None else start
        sizes, later = cohort_figures(eng, cfg, by, as_datetime(end, "end"))
    frame = _assemble(sizes, later, by, as_datetime(start, "start"))
    if arrow:
        import pyarrow as pa

        return pa.Table.from_pandas(frame, preserve_index=False)
    return frame


def _assemble(sizes: pd.DataFrame, later: pd.DataFrame, by: str, start: datetime) -> pd.DataFrame:
    if sizes.empty:
        return pd.DataFrame(columns=list(COLUMNS))
    zero = sizes.assign(age=0, observed=sizes.customers, active=sizes.customers, cents=sizes.base_cents)
    later = later.merge(sizes[["key", "customers"]], on="key", how="left")
    long = pd.concat([zero, later], ignore_index=True)
    long["age"] = long["age"].astype("int64")
    if by in ("month", "quarter"):
        idx = long["key"].astype("int64")
        long = long[idx >= start.year * 12 + start.month - 1]
        long["cohort"] = [_label(i, by) for i in long["key"].astype("int64")]
    else:
        long["cohort"] = long["key"].astype(str)
    sums = ["observed", "active", "base_cents", "cents"]
    if by == "quarter":
        # A quarter's size is the sum of its months' sizes, at every age.
        sizes_q = long[long.age == 0].groupby("cohort")["customers"].sum()
        long = long.groupby(["cohort", "age"], as_index=False)[sums].sum()
        long["customers"] = long["cohort"].map(sizes_q)
    long = long.groupby(["cohort", "age"], as_index=False).agg(
        customers=("customers", "max"), **{c: (c, "sum") for c in sums}
    )
    out = pd.DataFrame(
        {
            "cohort": long["cohort"],
            "age": long["age"].astype("int64"),
            "customers": long["customers"].astype("int64"),
            "observed": long["observed"].astype("int64"),
            "active": long["active"].astype("int64"),
            "retention": [a / o if o else None for a, o in zip(long["active"], long["observed"], strict=True)],
            "mrr_base": long["base_cents"] / 100,
            "mrr": long["cents"] / 100,
            "mrr_retention": [c / b if b else None for c, b in zip(long["cents"], long["base_cents"], strict=True)],
        }
    )
    return out.sort_values(["cohort", "age"], kind="stable").reset_index(drop=True)


def pivot(table: pd.DataFrame, value: str = "retention") -> pd.DataFrame:
    """The cohort table as a matrix: cohorts down, ages across (the familiar triangle).

    Examples
    --------
    >>> pivot(cohort_table(store), "mrr_retention")                   # doctest: +SKIP
    """
    return table.pivot(index="cohort", columns="age", values=value)
