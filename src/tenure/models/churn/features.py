"""Churn features: what each observed customer looked like just before the observation date.

Every feature family is one Ibis expression over the engine's canonical tables, run once for all
observation dates together (events are joined to the dates with range conditions, never looped over),
so the same definitions run on DuckDB (the default) and unchanged on Spark. Only data from before the
observation date are used: activity strictly before it (``occurred_at < date``), subscriptions as they
stood on it. A test perturbs everything after a date and checks no feature at that date moves.

Families (each skipped when its table is empty):

- ``usage``: per event type, counts in the last 7 and 28 days, the 28 days before those, the usual
  rate per 28 days over the last 84, days since last; totals, active days, active users.
- ``subscription``: MRR now and 28/84 days ago, seats (quantity), plan, billing period, days to the
  next renewal, tenure, earlier active periods, discount.
- ``customer``: segment, channel, country.
- ``tickets``: tickets in the last 14/28/90 days, their usual rate, open and unanswered tickets,
  urgent ones, discount requests and contract changes, first-response hours, ticket CSAT.
- ``responses``: latest NPS and CSAT and how long ago.
- ``payments``: failed payment attempts, invoices whose failures were not (or were) recovered, overdue
  invoices.
- ``onboarding``: the share of ``onboarding_*`` event types the customer has done.

:func:`derive` then adds the ratios (trends against the customer's own past, percent changes,
active users against seats, requests near renewal). Each feature carries a :class:`FeatureInfo`
that the reasons use to put it into words.

Examples
--------
>>> spec = FeatureSpec()
>>> spec.main_window
28
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from tenure.models.churn.observations import as_times

if TYPE_CHECKING:
    from tenure.engine import Engine

DAY = 86400.0


@dataclass(frozen=True)
class FeatureSpec:
    """Which features are built, and over which windows.

    Parameters
    ----------
    windows
        Recent windows, in days, for the per-event-type counts; the longest is the main window that
        trends compare against the customer's own past.
    baseline_days
        How far back the customer's usual level is measured (rate per main window).
    event_types
        The event types to count one by one; ``None``: those present, most frequent first, up to
        ``max_event_types``.
    onboarding_prefix
        Event types starting with this are onboarding checklist steps.
    ticket_days
        Look-back for ticket, payment and first-response features.
    renewal_window_days
        Discount and contract-change tickets count as "near renewal" when the renewal is this close.
    discount_categories, contract_categories
        Ticket categories that mean a discount request or a contract change.
    families
        The families to build (default: all).

    Examples
    --------
    >>> FeatureSpec(windows=(14, 28)).main_window
    28
    """

    windows: tuple[int, ...] = (7, 28)
    baseline_days: int = 84
    event_types: tuple[str, ...] | None = None
    max_event_types: int = 25
    onboarding_prefix: str = "onboarding_"
    ticket_days: int = 90
    renewal_window_days: int = 60
    discount_categories: tuple[str, ...] = ("discount_request", "discount", "pricing")
    contract_categories: tuple[str, ...] = ("contract_change", "downgrade", "cancellation")
    families: tuple[str, ...] = (
        "usage",
        "subscription",
        "customer",
        "tickets",
        "responses",
        "payments",
        "onboarding",
    )

    @property
    def main_window(self) -> int:
        return max(self.windows)


@dataclass(frozen=True)
class FeatureInfo:
    """What a feature means, for reasons and health components.

    ``label`` is the phrase a reason starts with ("logins in the last 28 days"); ``kind`` says how the
    value reads (count, days, money, ratio, share, score, category); ``past`` names the feature that
    holds the customer's own earlier level; ``group`` joins features that tell one story (a reason
    is given once per group); ``higher_is_riskier`` is the sign a health score would give it.
    """

    name: str
    family: str
    label: str
    kind: str = "count"
    group: str = ""
    past: str | None = None
    event_type: str | None = None


@dataclass
class FeatureSet:
    """Observations with their features, and what each feature means.

    ``frame`` holds ``customer_id, obs_date`` and the label columns (when labelled) next to the
    features; ``info`` maps every feature column to its :class:`FeatureInfo`; ``categorical`` lists
    the category-valued ones.
    """

    frame: pd.DataFrame
    info: dict[str, FeatureInfo] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    event_types: list[str] = field(default_factory=list)
    """The event types counted one by one (see :func:`event_types`)."""
    onboarding_steps: list[str] = field(default_factory=list)
    """The onboarding step types whose share is ``onboarding_done``."""

    @property
    def columns(self) -> list[str]:
        return list(self.info)

    @property
    def categorical(self) -> list[str]:
        return [n for n, i in self.info.items() if i.kind == "category"]


def slug(text: str) -> str:
    """A column-name-safe form of an event type.

    Examples
    --------
    >>> slug("Report Created!")
    'report_created'
    """
    return re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_") or "event"


def plural(event_type: str) -> str:
    """The words for a number of events of one type: ``login`` → ``logins``.

    Examples
    --------
    >>> plural("login"), plural("reply"), plural("report_created")
    ('logins', 'replies', 'report created events')
    """
    words = event_type.replace("_", " ").replace("-", " ").strip()
    if " " in words:
        return f"{words} events"
    if words.endswith("y") and len(words) > 1 and words[-2] not in "aeiou":
        return words[:-1] + "ies"
    if words.endswith(("s", "x", "ch", "sh")):
        return words + "es" if not words.endswith("s") else words + " events"
    return words + "s"


# -- helpers ---------------------------------------------------------------------------------------


def _days_between(later: ir.TimestampValue, earlier: ir.TimestampValue) -> ir.FloatingValue:
    return (later.epoch_seconds() - earlier.epoch_seconds()).cast("float64") / DAY


def _ago(obs: ir.TimestampValue, days: int) -> ir.TimestampValue:
    return obs - ibis.interval(days=days)


def _nonempty(engine: Engine, name: str) -> bool:
    t = engine.table(name)
    return len(engine.execute(t.select(t.columns[0]).limit(1))) > 0


def event_types(engine: Engine, spec: FeatureSpec, before: Any = None) -> tuple[list[str], list[str]]:
    """The event types to count one by one, and the onboarding step types, from the events before
    ``before`` (the newest observation date, so later data cannot change which features exist)."""
    ev = engine.table("events")
    if before is not None:
        ev = ev.filter(ev.occurred_at < ibis.literal(pd.Timestamp(before).to_pydatetime()))
    counts = engine.execute(ev.group_by("event_type").aggregate(n=ev.count()).order_by(ibis.desc("n")))
    present = [str(t) for t in counts["event_type"]]
    onboarding = sorted(t for t in present if t.startswith(spec.onboarding_prefix))
    if spec.event_types is not None:
        usage = [t for t in spec.event_types if not t.startswith(spec.onboarding_prefix)]
    else:
        usage = [t for t in present if not t.startswith(spec.onboarding_prefix)][: spec.max_event_types]
    seen: set[str] = set()
    unique = []
    for t in usage:
        if slug(t) not in seen:
            seen.add(slug(t))
            unique.append(t)
    return unique, onboarding


# -- families --------------------------------------------------------------------------------------


def _within(t: ir.Table, column: str, span: tuple[Any, Any] | None, days: int) -> ir.Table:
    """Rows of ``t`` that can fall in some observation's look-back: from ``days`` before the first
    date to the last (a pre-filter that lets one-date scoring skip old history)."""
    if span is None:
        return t
    lo = pd.Timestamp(span[0]).to_pydatetime() - pd.Timedelta(days=days + 1).to_pytimedelta()
    hi = pd.Timestamp(span[1]).to_pydatetime()
    return t.filter(t[column] >= ibis.literal(lo), t[column] < ibis.literal(hi))


def usage_features(
    engine: Engine, obs: ir.Table, spec: FeatureSpec, types: list[str], span: tuple[Any, Any] | None = None
) -> ir.Table:
    """Event counts per type and window, the usual level, recency, active days (one query)."""
    main, base = spec.main_window, max(spec.baseline_days, 2 * spec.main_window)
    ev = _within(engine.table("events"), "occurred_at", span, base)
    day = ev.occurred_at.truncate("D")
    per_type = {f"n_{slug(t)}": ev.count(where=ev.event_type == t) for t in types}
    daily = ev.group_by([ev.customer_id, day.name("day")]).aggregate(n=ev.count(), **per_type)
    o = obs.select("customer_id", "obs_date")
    j = o.join(
        daily,
        [o.customer_id == daily.customer_id, daily.day < o.obs_date, daily.day >= _ago(o.obs_date, base)],
    )
    # How long before the date each day is, and which stretch between two window edges it falls in:
    # the days are first summed per stretch with plain sums, then each window adds up its stretches.
    j = j.mutate(before=j.obs_date.epoch_seconds() - j.day.epoch_seconds())
    edges = sorted({*spec.windows, main, 2 * main, base})
    j = j.mutate(stretch=ibis.cases(*[(j.before <= int(e * DAY), i) for i, e in enumerate(edges)]))
    columns = [("events", "n")] + [(slug(t), f"n_{slug(t)}") for t in types]
    per_stretch = j.group_by([j.customer_id, j.obs_date, j.stretch]).aggregate(
        **{f"c_{name}": j[col].sum() for name, col in columns},
        **{f"last_{name}": j.before.min(where=j[col] > 0) for name, col in columns},
        days=j.count(),
        oldest=j.before.max(),
    )

    def total(column: str, lo: int, hi: int = 0) -> ir.Value:
        """``column`` summed over the stretches from ``hi`` (excluded) to ``lo`` (included) days before."""
        inside = [i for i, e in enumerate(edges) if hi < e <= lo]
        return per_stretch.stretch.isin(inside).ifelse(per_stretch[column], 0).sum()

    aggs: dict[str, ir.Value] = {}
    for name, _ in columns:
        for w in spec.windows:
            aggs[f"{name}_{w}d"] = total(f"c_{name}", w)
        aggs[f"{name}_prev_{main}d"] = total(f"c_{name}", 2 * main, main)
        aggs[f"{name}_{base}d"] = total(f"c_{name}", base)
        aggs[f"days_since_last_{name}"] = per_stretch[f"last_{name}"].min()
    aggs[f"active_days_{main}d"] = total("days", main)
    aggs["history_days"] = per_stretch.oldest.max()
    agg = per_stretch.group_by([per_stretch.customer_id, per_stretch.obs_date]).aggregate(**aggs)
    seconds = [f"days_since_last_{name}" for name, _ in columns]
    return agg.mutate(
        **{c: (agg[c].cast("float64") / DAY).fill_null(float(base)) for c in seconds},
        history_days=agg.history_days.cast("float64") / DAY,
    )


def user_features(engine: Engine, obs: ir.Table, spec: FeatureSpec, span: tuple[Any, Any] | None = None) -> ir.Table:
    """Distinct active users in the main window (one query)."""
    main = spec.main_window
    ev = _within(engine.table("events"), "occurred_at", span, main)
    ev = ev.filter(ev.user_id.notnull())
    users = ev.group_by([ev.customer_id, ev.user_id, ev.occurred_at.truncate("D").name("day")]).aggregate()
    o = obs.select("customer_id", "obs_date")
    j = o.join(
        users,
        [o.customer_id == users.customer_id, users.day < o.obs_date, users.day >= _ago(o.obs_date, main)],
    )
    return j.group_by([j.customer_id, j.obs_date]).aggregate(**{f"active_users_{main}d": j.user_id.nunique()})


def subscription_features(engine: Engine, obs: ir.Table, rows: ir.Table) -> ir.Table:
    """MRR, seats, plan, billing period and renewal as of the date, and MRR 28 and 84 days before."""
    o = obs.select("customer_id", "obs_date", "period", "period_start")
    offsets = {0: "", 28: "_28d_ago", 84: "_84d_ago"}
    out = o
    for k, suffix in offsets.items():
        ref = _ago(o.obs_date, k) if k else o.obs_date
        r = rows.select(
            r_customer="customer_id",
            start_date="start_date",
            end_date="end_date",
            mrr="mrr",
            quantity="quantity",
            plan="plan",
            bpm="billing_period_months",
            discount="discount",
        )
        j = o.join(r, [o.customer_id == r.r_customer, r.start_date <= ref, r.end_date > ref])
        aggs: dict[str, ir.Value] = {f"mrr{suffix}": j.mrr.sum()}
        if k == 0:
            aggs.update(
                quantity=j.quantity.sum(),
                plan=j.plan.argmax(j.mrr),
                billing_period_months=j.bpm.fill_null(1).max(),
                row_start=j.start_date.max(),
                discount=j.discount.max(),
                lines=j.count(),
            )
        agg = j.group_by([j.customer_id, j.obs_date]).aggregate(**aggs)
        agg = agg.rename(a_customer="customer_id", a_obs="obs_date")
        out = out.left_join(agg, [out.customer_id == agg.a_customer, out.obs_date == agg.a_obs]).drop(
            "a_customer", "a_obs"
        )
    first = rows.group_by(f_customer=rows.customer_id).aggregate(first_start=rows.start_date.min())
    out = out.left_join(first, out.customer_id == first.f_customer).drop("f_customer")
    return out.mutate(
        mrr_28d_ago=out.mrr_28d_ago.fill_null(0.0),
        mrr_84d_ago=out.mrr_84d_ago.fill_null(0.0),
        tenure_days=_days_between(out.obs_date, out.period_start),
        customer_age_days=_days_between(out.obs_date, out.first_start),
        earlier_periods=(out.period - 1).cast("int64"),
    ).drop("first_start", "period", "period_start")


def customer_features(engine: Engine, obs: ir.Table) -> ir.Table:
    """Segment, channel and country from the customers table."""
    c = engine.table("customers").select(
        c_customer="customer_id", segment="segment", channel="channel", country="country"
    )
    o = obs.select("customer_id", "obs_date")
    return o.left_join(c, o.customer_id == c.c_customer).drop("c_customer")


def ticket_features(engine: Engine, obs: ir.Table, spec: FeatureSpec, span: tuple[Any, Any] | None = None) -> ir.Table:
    """Ticket load, spikes, open and unanswered tickets, renewal-related requests, response times."""
    look = spec.ticket_days
    t = _within(engine.table("tickets"), "opened_at", span, look)
    o = obs.select("customer_id", "obs_date")
    t = t.rename(t_customer="customer_id")
    j = o.join(t, [o.customer_id == t.t_customer, t.opened_at < o.obs_date, t.opened_at >= _ago(o.obs_date, look)])
    in_days = {d: j.opened_at >= _ago(j.obs_date, d) for d in (14, 28)}
    category = j.category.lower().fill_null("")
    answered = j.first_response_at.notnull() & (j.first_response_at < j.obs_date)
    closed = j.closed_at.notnull() & (j.closed_at < j.obs_date)
    hours = (j.first_response_at.epoch_seconds() - j.opened_at.epoch_seconds()).cast("float64") / 3600.0
    urgent = j.priority.lower().isin(["high", "urgent"]).fill_null(False)
    return j.group_by([j.customer_id, j.obs_date]).aggregate(
        tickets_14d=in_days[14].ifelse(1, 0).sum(),
        tickets_28d=in_days[28].ifelse(1, 0).sum(),
        **{f"tickets_{look}d": j.count()},
        urgent_tickets_28d=(in_days[28] & urgent).ifelse(1, 0).sum(),
        open_tickets=(~closed).ifelse(1, 0).sum(),
        unanswered_tickets=(~answered).ifelse(1, 0).sum(),
        discount_requests=category.isin(list(spec.discount_categories)).ifelse(1, 0).sum(),
        contract_changes=category.isin(list(spec.contract_categories)).ifelse(1, 0).sum(),
        first_response_hours=answered.ifelse(hours, ibis.null("float64")).mean(),
        ticket_csat=(closed & j.csat.notnull()).ifelse(j.csat.cast("float64"), ibis.null("float64")).mean(),
    )


def response_features(engine: Engine, obs: ir.Table) -> ir.Table:
    """The latest NPS and CSAT answers before the date, and how many days ago they came."""
    r = engine.table("responses")
    o = obs.select("customer_id", "obs_date")
    r = r.select(r_customer="customer_id", survey=r.survey.lower(), score="score", submitted_at="submitted_at")
    j = o.join(r, [o.customer_id == r.r_customer, r.submitted_at < o.obs_date])
    aggs: dict[str, ir.Value] = {}
    for name in ("nps", "csat"):
        is_it = j.survey == name
        aggs[f"{name}_score"] = j.score.argmax(j.submitted_at, where=is_it)
        aggs[f"{name}_at"] = j.submitted_at.max(where=is_it)
        aggs[f"{name}_answers"] = is_it.ifelse(1, 0).sum()
    agg = j.group_by([j.customer_id, j.obs_date]).aggregate(**aggs)
    return agg.mutate(
        nps_days_ago=_days_between(agg.obs_date, agg.nps_at),
        csat_days_ago=_days_between(agg.obs_date, agg.csat_at),
    ).drop("nps_at", "csat_at")


def payment_features(engine: Engine, obs: ir.Table, spec: FeatureSpec, span: tuple[Any, Any] | None = None) -> ir.Table:
    """Failed attempts, invoices with failures not (or later) recovered, overdue invoices."""
    inv = engine.table("invoices")
    look = spec.ticket_days
    pay = _within(engine.table("payments"), "attempted_at", span, look)
    o = obs.select("customer_id", "obs_date")
    p = pay.join(inv.select("invoice_id", i_customer="customer_id"), "invoice_id")
    j = o.join(
        p,
        [
            o.customer_id == p.i_customer,
            p.attempted_at < o.obs_date,
            p.attempted_at >= _ago(o.obs_date, look),
        ],
    )
    failed = j.status == "failed"
    per_invoice = j.group_by([j.customer_id, j.obs_date, j.invoice_id]).aggregate(
        fails=failed.ifelse(1, 0).sum(),
        successes=(~failed).ifelse(1, 0).sum(),
        last_fail=failed.ifelse(j.attempted_at, ibis.null("timestamp")).max(),
    )
    unrecovered = (per_invoice.fails > 0) & (per_invoice.successes == 0)
    recovered = (per_invoice.fails > 0) & (per_invoice.successes > 0)
    pays = per_invoice.group_by([per_invoice.customer_id, per_invoice.obs_date]).aggregate(
        failed_payments=per_invoice.fails.sum(),
        unrecovered_invoices=unrecovered.ifelse(1, 0).sum(),
        recovered_invoices=recovered.ifelse(1, 0).sum(),
        last_failed_at=per_invoice.last_fail.max(),
    )
    pays = pays.mutate(days_since_failed_payment=_days_between(pays.obs_date, pays.last_failed_at)).drop(
        "last_failed_at"
    )
    if span is not None:  # an invoice paid before the first date is overdue at none
        paid_before = inv.paid_at.notnull() & (inv.paid_at < ibis.literal(pd.Timestamp(span[0]).to_pydatetime()))
        inv = inv.filter(~paid_before)
    i = inv.select(i_customer="customer_id", due_at="due_at", paid_at="paid_at", status="status")
    k = o.join(i, [o.customer_id == i.i_customer, i.due_at.notnull(), i.due_at < o.obs_date])
    unpaid = (k.paid_at.isnull() | (k.paid_at >= k.obs_date)) & ~k.status.isin(["void", "draft"]).fill_null(False)
    overdue = k.group_by([k.customer_id, k.obs_date]).aggregate(overdue_invoices=unpaid.ifelse(1, 0).sum())
    overdue = overdue.rename(v_customer="customer_id", v_obs="obs_date")
    pays = pays.rename(p_customer="customer_id", p_obs="obs_date")
    both = o.left_join(pays, [o.customer_id == pays.p_customer, o.obs_date == pays.p_obs])
    both = both.drop("p_customer", "p_obs")
    both = both.left_join(overdue, [both.customer_id == overdue.v_customer, both.obs_date == overdue.v_obs])
    return both.drop("v_customer", "v_obs")


def onboarding_features(engine: Engine, obs: ir.Table, steps: list[str]) -> ir.Table:
    """The share of onboarding steps done before the date (first occurrence of each step type, from
    the :func:`~tenure.store.rollups.first_events` rollup)."""
    first = engine.table("first_events")
    first = first.filter(first.event_type.isin(steps))
    o = obs.select("customer_id", "obs_date")
    first = first.rename(f_customer="customer_id")
    j = o.join(first, [o.customer_id == first.f_customer, first.first_at < o.obs_date])
    agg = j.group_by([j.customer_id, j.obs_date]).aggregate(onboarding_steps=j.event_type.nunique())
    return agg.mutate(onboarding_done=agg.onboarding_steps.cast("float64") / len(steps))


def days_to_renewal(obs_date: pd.Series, anchor: pd.Series, months: pd.Series) -> pd.Series:
    """Days from each date to the next renewal: the first ``anchor + k × months`` calendar months
    after it (a day past the month's end falls on its last day, as billing systems do).

    Examples
    --------
    >>> obs, anchor = pd.to_datetime(pd.Series(["2024-02-10"])), pd.to_datetime(pd.Series(["2024-01-31"]))
    >>> d = days_to_renewal(obs, anchor, pd.Series([1]))
    >>> d.tolist()
    [19.0]
    """
    obs = pd.to_datetime(obs_date)
    start = pd.to_datetime(anchor)
    step = pd.to_numeric(months, errors="coerce").fillna(1).clip(lower=1).astype(int).to_numpy()
    ok = start.notna().to_numpy() & obs.notna().to_numpy()
    out = np.full(len(obs), np.nan)
    if not ok.any():
        return pd.Series(out, index=obs_date.index)
    o, a, m = obs[ok], start[ok], step[ok]
    elapsed = (o.dt.year.to_numpy() - a.dt.year.to_numpy()) * 12 + (o.dt.month.to_numpy() - a.dt.month.to_numpy())
    k = np.maximum(elapsed // m * m, 0)

    def shifted(months_ahead: np.ndarray) -> pd.Series:
        total = a.dt.year.to_numpy() * 12 + (a.dt.month.to_numpy() - 1) + months_ahead
        first = pd.to_datetime({"year": total // 12, "month": total % 12 + 1, "day": 1})
        last_day = first.dt.days_in_month.to_numpy()
        day = np.minimum(a.dt.day.to_numpy(), last_day)
        offset = pd.to_timedelta(day - 1, unit="D") + (a - a.dt.normalize()).to_numpy()
        return pd.Series(first.to_numpy() + offset.to_numpy(), index=o.index)

    nxt = shifted(k)
    behind = (nxt <= o).to_numpy()
    while behind.any():
        k = np.where(behind, k + m, k)
        nxt = shifted(k)
        behind = (nxt <= o).to_numpy()
    out[ok] = (nxt - o).dt.total_seconds().to_numpy() / DAY
    return pd.Series(out, index=obs_date.index)


# -- assembly --------------------------------------------------------------------------------------


def obs_table(obs: pd.DataFrame) -> ir.Table:
    """The observations as a small in-memory table the engines can join to."""
    frame = obs[["customer_id", "obs_date", "period", "period_start"]].copy()
    frame["customer_id"] = frame["customer_id"].astype(str)
    frame["period"] = frame["period"].astype("int64")
    for c in ("obs_date", "period_start"):
        frame[c] = as_times(frame[c])
    return ibis.memtable(
        frame,
        schema={
            "customer_id": "string",
            "obs_date": "timestamp",
            "period": "int64",
            "period_start": "timestamp",
        },
    )


def family_expressions(
    engine: Engine,
    obs: ir.Table,
    spec: FeatureSpec,
    rows: ir.Table,
    last_date: Any = None,
    span: tuple[Any, Any] | None = None,
    kinds: tuple[list[str], list[str]] | None = None,
) -> tuple[dict[str, ir.Table], list[str], list[str]]:
    """Every family's expression (those whose tables hold data), and the event and onboarding types
    (``kinds`` when given, else those of the events before ``last_date``)."""
    families: dict[str, ir.Table] = {}
    types: list[str] = []
    steps: list[str] = []
    has_events = "usage" in spec.families or "onboarding" in spec.families
    if kinds is not None:
        types, steps = list(kinds[0]), list(kinds[1])
    elif has_events and _nonempty(engine, "events"):
        types, steps = event_types(engine, spec, last_date)
    if "usage" in spec.families and types:
        families["usage"] = usage_features(engine, obs, spec, types, span)
        families["users"] = user_features(engine, obs, spec, span)
    if "subscription" in spec.families:
        families["subscription"] = subscription_features(engine, obs, rows)
    if "customer" in spec.families:
        families["customer"] = customer_features(engine, obs)
    if "tickets" in spec.families and _nonempty(engine, "tickets"):
        families["tickets"] = ticket_features(engine, obs, spec, span)
    if "responses" in spec.families and _nonempty(engine, "responses"):
        families["responses"] = response_features(engine, obs)
    if "payments" in spec.families and _nonempty(engine, "payments"):
        families["payments"] = payment_features(engine, obs, spec, span)
    if "onboarding" in spec.families and steps:
        families["onboarding"] = onboarding_features(engine, obs, steps)
    return families, types, steps


def build_features(
    engine: Engine,
    obs: pd.DataFrame,
    spec: FeatureSpec | None = None,
    rows: ir.Table | None = None,
    observation_spec: object | None = None,
    kinds: tuple[list[str], list[str]] | None = None,
) -> FeatureSet:
    """The features of every observation: one query per family, merged on (customer, date).

    Parameters
    ----------
    engine
        Where the canonical tables are (DuckDB by default; Spark unchanged).
    obs
        Observations from :func:`tenure.models.churn.observations.build_observations`.
    spec
        Which features and windows.
    rows
        The subscription rows that count (default: those of ``observation_spec``).
    kinds
        The event types to count one by one and the onboarding step types, as a saved model's
        :class:`FeatureSet` found them (its ``event_types`` and ``onboarding_steps``), so scoring
        builds the features the model knows without first scanning every event for their types.
        Default: those of the events before the newest observation date (:func:`event_types`).

    Examples
    --------
    >>> fs = build_features(engine, obs)                      # doctest: +SKIP
    >>> fs.frame[["customer_id", "obs_date", "events_28d"]]   # doctest: +SKIP
    """
    import time

    from tenure.models.churn.observations import ObservationSpec, subscription_rows

    spec = spec or FeatureSpec()
    if rows is None:
        ospec = observation_spec if isinstance(observation_spec, ObservationSpec) else ObservationSpec()
        rows = subscription_rows(engine, ospec)
    table = obs_table(obs)
    span = (obs["obs_date"].min(), obs["obs_date"].max())
    families, types, steps = family_expressions(engine, table, spec, rows, span[1], span, kinds)
    frame = obs.copy()
    frame["obs_date"] = as_times(frame["obs_date"])
    frame["customer_id"] = frame["customer_id"].astype(str)
    timings: dict[str, float] = {}
    for name, expr in families.items():
        started = time.perf_counter()
        part = engine.to_pandas(expr)
        part["obs_date"] = as_times(part["obs_date"])
        part["customer_id"] = part["customer_id"].astype(str)
        frame = frame.merge(part, on=["customer_id", "obs_date"], how="left", suffixes=("", f"_{name}"))
        timings[name] = time.perf_counter() - started
    frame, info = derive(frame, spec, types, steps, set(families))
    return FeatureSet(frame=frame, info=info, timings=timings, event_types=types, onboarding_steps=steps)


def derive(
    frame: pd.DataFrame, spec: FeatureSpec, types: list[str], steps: list[str], families: set[str]
) -> tuple[pd.DataFrame, dict[str, FeatureInfo]]:
    """Fill counts' gaps with zeros, add ratios and trends, and describe every feature."""
    main, base = spec.main_window, max(spec.baseline_days, 2 * spec.main_window)
    info: dict[str, FeatureInfo] = {}
    new: dict[str, pd.Series] = {}
    f = frame

    def num(col: str) -> pd.Series:
        return pd.to_numeric(f[col], errors="coerce").astype("float64")

    if "usage" in families:
        history = num("history_days").fillna(0.0) if "history_days" in f else pd.Series(0.0, index=f.index)
        tenure = num("tenure_days") if "tenure_days" in f else history
        span = tenure.fillna(base).clip(lower=1.0, upper=float(base))
        names = [("events", "events", None)] + [(slug(t), plural(t), t) for t in types]
        for name, words, etype in names:
            group = f"usage:{name}"
            for w in spec.windows:
                col = f"{name}_{w}d"
                new[col] = num(col).fillna(0.0)
                info[col] = FeatureInfo(col, "usage", f"{words} in the last {w} days", "count", group, event_type=etype)
            prev = f"{name}_prev_{main}d"
            new[prev] = num(prev).fillna(0.0)
            info[prev] = FeatureInfo(
                prev, "usage", f"{words} in the {main} days before that", "count", group, event_type=etype
            )
            usual = f"{name}_usual_{main}d"
            new[usual] = num(f"{name}_{base}d").fillna(0.0) / span * float(main)
            info[usual] = FeatureInfo(
                usual, "usage", f"usual {words} per {main} days", "count", group, event_type=etype
            )
            recent = new[f"{name}_{main}d"]
            trend = f"{name}_trend"
            new[trend] = (recent + 1.0) / (new[usual] + 1.0)
            info[trend] = FeatureInfo(
                trend,
                "trend",
                f"{words} in the last {main} days",
                "ratio",
                group,
                past=usual,
                event_type=etype,
            )
            change = f"{name}_change"
            new[change] = ((recent - new[prev]) / new[prev].where(new[prev] > 0)).clip(-1.0, 10.0)
            info[change] = FeatureInfo(
                change,
                "trend",
                f"{words} in the last {main} days",
                "change",
                group,
                past=prev,
                event_type=etype,
            )
            dsl = f"days_since_last_{name}"
            new[dsl] = num(dsl)
            info[dsl] = FeatureInfo(
                dsl,
                "usage",
                f"days since the last {'activity' if etype is None else etype.replace('_', ' ')}",
                "days",
                f"recency:{name}",
                event_type=etype,
            )
        info[f"events_{main}d"] = FeatureInfo(
            f"events_{main}d",
            "usage",
            f"events in the last {main} days",
            "count",
            "usage:events",
            past=f"events_prev_{main}d",
        )
        for name, words, etype in names:
            col = f"{name}_{main}d"
            info[col] = FeatureInfo(
                col,
                "usage",
                f"{words} in the last {main} days",
                "count",
                f"usage:{name}",
                past=f"{name}_prev_{main}d",
                event_type=etype,
            )
        ad = f"active_days_{main}d"
        new[ad] = num(ad).fillna(0.0)
        info[ad] = FeatureInfo(ad, "usage", f"active days in the last {main} days", "count", "usage:events")
        au = f"active_users_{main}d"
        if au in f:
            new[au] = num(au).fillna(0.0)
            info[au] = FeatureInfo(au, "usage", f"active users in the last {main} days", "count", "seats")
            users = new[au].where(new[au] > 0)
            # with one user per customer, per-user counts only repeat the counts
            for name, words, etype in names if new[au].max() > 1 else []:
                per_user = f"{name}_per_user_{main}d"
                new[per_user] = new[f"{name}_{main}d"] / users
                info[per_user] = FeatureInfo(
                    per_user,
                    "usage",
                    f"{words} per active user in the last {main} days",
                    "count",
                    f"usage:{name}",
                    event_type=etype,
                )
    if "subscription" in families:
        new["days_to_renewal"] = days_to_renewal(f["obs_date"], f["row_start"], num("billing_period_months"))
        for col in (
            "mrr",
            "mrr_28d_ago",
            "mrr_84d_ago",
            "quantity",
            "billing_period_months",
            "tenure_days",
            "customer_age_days",
            "earlier_periods",
            "discount",
            "lines",
        ):
            new[col] = num(col)
        new["mrr_change_28d"] = new["mrr"] - new["mrr_28d_ago"]
        new["mrr_change_84d"] = new["mrr"] - new["mrr_84d_ago"]
        new["mrr_change_84d_pct"] = (new["mrr_change_84d"] / new["mrr_84d_ago"].where(new["mrr_84d_ago"] > 0)).clip(
            -1, 10
        )
        described = {
            "mrr": ("MRR", "money", "mrr", "mrr_84d_ago"),
            "mrr_28d_ago": ("MRR 28 days ago", "money", "mrr", None),
            "mrr_84d_ago": ("MRR 84 days ago", "money", "mrr", None),
            "mrr_change_28d": ("MRR change over 28 days", "money_change", "mrr", "mrr_28d_ago"),
            "mrr_change_84d": ("MRR change over 84 days", "money_change", "mrr", "mrr_84d_ago"),
            "mrr_change_84d_pct": ("MRR change over 84 days", "change", "mrr", "mrr_84d_ago"),
            "quantity": ("seats bought", "count", "seats", None),
            "billing_period_months": ("billing period (months)", "count", "renewal", None),
            "days_to_renewal": ("days to renewal", "days", "renewal", None),
            "tenure_days": ("days as a customer", "days", "tenure", None),
            "customer_age_days": ("days since first subscribing", "days", "tenure", None),
            "earlier_periods": ("earlier cancellations", "count", "tenure", None),
            "discount": ("discount in force", "share", "discount", None),
            "lines": ("subscription lines", "count", "mrr", None),
        }
        for col, (label, kind, group, past) in described.items():
            info[col] = FeatureInfo(col, "subscription", label, kind, group, past=past)
        new["plan"] = f["plan"].astype("string")
        info["plan"] = FeatureInfo("plan", "subscription", "plan", "category", "plan")
        if f"active_users_{main}d" in new:
            seats = new["quantity"].where(new["quantity"] > 0)
            new["seat_use"] = new[f"active_users_{main}d"] / seats
            info["seat_use"] = FeatureInfo("seat_use", "usage", "active users against seats bought", "share", "seats")
    if "customer" in families:
        for col in ("segment", "channel", "country"):
            new[col] = f[col].astype("string")
            info[col] = FeatureInfo(col, "customer", col, "category", col)
    if "tickets" in families:
        look = spec.ticket_days
        for col in (
            "tickets_14d",
            "tickets_28d",
            f"tickets_{look}d",
            "urgent_tickets_28d",
            "open_tickets",
            "unanswered_tickets",
            "discount_requests",
            "contract_changes",
        ):
            new[col] = num(col).fillna(0.0)
        new["first_response_hours"] = num("first_response_hours")
        new["ticket_csat"] = num("ticket_csat")
        usual14 = (new[f"tickets_{look}d"] - new["tickets_14d"]) / (look - 14) * 14
        new["tickets_usual_14d"] = usual14
        new["ticket_spike"] = (new["tickets_14d"] + 0.5) / (usual14 + 0.5)
        renewal_near = (
            new["days_to_renewal"] <= spec.renewal_window_days
            if "days_to_renewal" in new
            else pd.Series(True, index=f.index)
        )
        new["renewal_requests"] = (new["discount_requests"] + new["contract_changes"]).where(renewal_near, 0.0)
        described_t = {
            "tickets_14d": ("support tickets in the last 14 days", "count", "tickets", "tickets_usual_14d"),
            "tickets_28d": ("support tickets in the last 28 days", "count", "tickets", None),
            f"tickets_{look}d": (f"support tickets in the last {look} days", "count", "tickets", None),
            "tickets_usual_14d": ("usual support tickets per 14 days", "count", "tickets", None),
            "ticket_spike": ("support tickets in the last 14 days", "ratio", "tickets", "tickets_usual_14d"),
            "urgent_tickets_28d": ("urgent tickets in the last 28 days", "count", "tickets", None),
            "open_tickets": ("open support tickets", "count", "open_tickets", None),
            "unanswered_tickets": ("tickets waiting for a first answer", "count", "open_tickets", None),
            "discount_requests": (
                f"discount requests in the last {look} days",
                "count",
                "renewal_requests",
                None,
            ),
            "contract_changes": (
                f"contract-change requests in the last {look} days",
                "count",
                "renewal_requests",
                None,
            ),
            "renewal_requests": (
                "discount or contract-change requests near renewal",
                "count",
                "renewal_requests",
                None,
            ),
            "first_response_hours": ("average first-response time (hours)", "hours", "response_time", None),
            "ticket_csat": ("average ticket satisfaction (1-5)", "score", "sentiment:csat", None),
        }
        for col, (label, kind, group, past) in described_t.items():
            info[col] = FeatureInfo(col, "tickets", label, kind, group, past=past)
    if "responses" in families:
        for col in ("nps_score", "nps_days_ago", "csat_score", "csat_days_ago"):
            new[col] = num(col)
        for col in ("nps_answers", "csat_answers"):
            new[col] = num(col).fillna(0.0)
        info["nps_score"] = FeatureInfo("nps_score", "responses", "NPS", "nps", "sentiment:nps")
        info["nps_days_ago"] = FeatureInfo(
            "nps_days_ago", "responses", "days since the last NPS answer", "days", "sentiment:nps"
        )
        info["nps_answers"] = FeatureInfo("nps_answers", "responses", "NPS answers", "count", "sentiment:nps")
        info["csat_score"] = FeatureInfo("csat_score", "responses", "CSAT", "csat", "sentiment:csat")
        info["csat_days_ago"] = FeatureInfo(
            "csat_days_ago", "responses", "days since the last CSAT answer", "days", "sentiment:csat"
        )
        info["csat_answers"] = FeatureInfo("csat_answers", "responses", "CSAT answers", "count", "sentiment:csat")
    if "payments" in families:
        for col in ("failed_payments", "unrecovered_invoices", "recovered_invoices", "overdue_invoices"):
            new[col] = num(col).fillna(0.0)
        new["days_since_failed_payment"] = num("days_since_failed_payment")
        look = spec.ticket_days
        info["failed_payments"] = FeatureInfo(
            "failed_payments", "payments", f"failed payments in the last {look} days", "count", "payments"
        )
        info["unrecovered_invoices"] = FeatureInfo(
            "unrecovered_invoices", "payments", "failed payments not recovered", "count", "payments"
        )
        info["recovered_invoices"] = FeatureInfo(
            "recovered_invoices", "payments", "failed payments later recovered", "count", "payments"
        )
        info["overdue_invoices"] = FeatureInfo("overdue_invoices", "payments", "overdue invoices", "count", "payments")
        info["days_since_failed_payment"] = FeatureInfo(
            "days_since_failed_payment", "payments", "days since a payment failed", "days", "payments"
        )
    if "onboarding" in families:
        new["onboarding_done"] = num("onboarding_done").fillna(0.0)
        new["onboarding_steps"] = num("onboarding_steps").fillna(0.0)
        info["onboarding_done"] = FeatureInfo(
            "onboarding_done", "onboarding", f"onboarding steps done (of {len(steps)})", "share", "onboarding"
        )
        info["onboarding_steps"] = FeatureInfo(
            "onboarding_steps", "onboarding", "onboarding steps done", "count", "onboarding"
        )
    keep = [c for c in ("customer_id", "obs_date", "period", "period_start", "churned", "churned_at") if c in f]
    out = pd.concat([f[keep].reset_index(drop=True), pd.DataFrame(new).reset_index(drop=True)], axis=1)
    info = {k: v for k, v in info.items() if k in out.columns}
    return out, info
