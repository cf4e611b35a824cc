"""The metrics report: every metric of DESIGN §4 for every period of a range, in one pass.

The engine computes only exact integers per period (customer counts, cents, answer counts); the
rates are divided out here, so every engine gives identical figures.

Examples
--------
>>> import tenure
>>> from tenure.metrics import report
>>> store = tenure.connect("sqlite:///demo.db")                      # doctest: +SKIP
>>> df = report(store, "2025-01-01", "2026-01-01", "quarter")       # doctest: +SKIP
>>> df[["start", "customers_start", "crr", "nrr"]]                  # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

from tenure.engine import Engine, open_engine
from tenure.errors import ConfigurationError
from tenure.metrics.costs import cost_sums
from tenure.metrics.engagement import activity_sums
from tenure.metrics.nps import nps_score, survey_counts
from tenure.metrics.periods import (
    add_months,
    as_datetime,
    boundaries,
    calendar_months,
    month_start,
    months_between,
)
from tenure.metrics.retention import period_totals, ratio
from tenure.settings import Settings
from tenure.store.rollups import ROLLUPS
from tenure.store.tables import CANONICAL

if TYPE_CHECKING:
    import pyarrow as pa

    from tenure.store import Store

COUNT_KEYS = (
    "customers_start",
    "customers_end",
    "customers_new",
    "customers_reactivated",
    "customers_lost",
    "customers_acquired",
)
MONEY_KEYS = (
    "mrr_start",
    "mrr_end",
    "mrr_new",
    "mrr_expansion",
    "mrr_contraction",
    "mrr_churn",
    "mrr_reactivation",
)
METRIC_KEYS = (
    *COUNT_KEYS,
    "crr",
    "retention_rate",
    "churn_rate",
    "loss_to_acquisition",
    *MONEY_KEYS,
    "nrr",
    "grr",
    "revenue_churn_rate",
    "quick_ratio",
    "arpa",
    "ltv",
    "arr",
    "nps",
    "nps_promoters",
    "nps_passives",
    "nps_detractors",
    "csat",
    "crc",
    "dau_mau",
)
MONTHLY_KEYS = (
    "crr_monthly",
    "retention_rate_monthly",
    "churn_rate_monthly",
    "nrr_monthly",
    "grr_monthly",
    "revenue_churn_rate_monthly",
)
COLUMNS = ("start", "end", *METRIC_KEYS, "months", *MONTHLY_KEYS)
"""The report's columns, in order: the JSON keys of each period."""

DEFINITIONS: dict[str, str] = {
    "start": "Start a of the period [a, b) (inclusive).",
    "end": "End b of the period [a, b) (exclusive).",
    "customers_start": "S: customers active at a (a counting subscription row with start_date ≤ a < end_date).",
    "customers_end": "E: customers active at b.",
    "customers_new": "N: active at b, not at a, first activation ever in (a, b].",
    "customers_reactivated": "R: active at b, not at a, first activated on or before a.",
    "customers_lost": "Active at a, not at b (plus, with same_period_churn=included, customers "
    "acquired in the period and gone by b).",
    "customers_acquired": "First activations in (a, b], whether still active at b or not.",
    "crr": "Customer retention rate (E − N) / S; includes reactivations.",
    "retention_rate": "|S ∩ E| / S: strict retention, reactivations don't count.",
    "churn_rate": "customers_lost / S (= 1 − retention_rate with same_period_churn=excluded).",
    "loss_to_acquisition": "customers_lost / customers_acquired.",
    "mrr_start": "MRR at a: Σ mrr of the rows active at a, in the reporting currency.",
    "mrr_end": "MRR at b.",
    "mrr_new": "Σ MRR(b) of customers going 0 → x whose first paying activation is after a.",
    "mrr_expansion": "Σ (y − x) of customers going x → y with y > x > 0.",
    "mrr_contraction": "Σ (x − y) of customers going x → y with 0 < y < x.",
    "mrr_churn": "Σ x of customers going x → 0.",
    "mrr_reactivation": "Σ MRR(b) of customers going 0 → x who paid before a.",
    "nrr": "Net revenue retention: Σ over S of MRR(b) / Σ over S of MRR(a).",
    "grr": "Gross revenue retention: (MRR(a) − contraction − churn) / MRR(a), capped at 1.",
    "revenue_churn_rate": "(mrr_churn + mrr_contraction) / MRR(a).",
    "quick_ratio": "(mrr_new + mrr_reactivation + mrr_expansion) / (mrr_churn + mrr_contraction).",
    "arpa": "Average revenue per account: MRR(b) / E.",
    "ltv": "Simple LTV: arpa × gross_margin / churn_rate_monthly.",
    "arr": "Annual run rate: 12 × MRR(b).",
    "nps": "Net promoter score: % promoters (9–10) − % detractors (0–6) of nps answers in [a, b); −100..100.",
    "nps_promoters": "nps answers in [a, b) scoring 9–10.",
    "nps_passives": "nps answers in [a, b) scoring 7–8.",
    "nps_detractors": "nps answers in [a, b) scoring 0–6.",
    "csat": "Share of csat scores ≥ 4 (1–5 scale) among csat survey answers and ticket ratings in [a, b).",
    "crc": "Customer retention cost: retention costs falling in [a, b) (spread evenly over each cost "
    "row's span) / customers active at some instant of [a, b); null when no cost row covers the period.",
    "dau_mau": "Stickiness: mean daily active users / mean monthly active users over [a, b); users are "
    "(customer_id, user_id) pairs of events, the customer where user_id is empty.",
    "months": "Length of the period in months (calendar months, plus a share of a month).",
    "crr_monthly": "crr compounded to a month: crr^(1/months).",
    "retention_rate_monthly": "retention_rate^(1/months).",
    "churn_rate_monthly": "1 − (1 − churn_rate)^(1/months).",
    "nrr_monthly": "nrr^(1/months).",
    "grr_monthly": "grr^(1/months).",
    "revenue_churn_rate_monthly": "1 − (1 − revenue_churn_rate)^(1/months).",
}
"""Each metric's definition, as emitted with the figures."""

METRIC_SETTINGS = (
    "reporting_currency",
    "churn_recognition",
    "delinquency_days",
    "discounts",
    "count_free_customers",
    "same_period_churn",
    "gross_margin",
    "industry",
)
"""The settings that change the metrics."""


@contextmanager
def using_engine(
    source: Store | Engine, engine: str | Engine = "duckdb", spark_session: Any = None
) -> Iterator[Engine]:
    """The engine to run on: ``source`` itself when it is one, else ``engine`` opened over the store
    (and closed afterwards)."""
    if isinstance(source, Engine):
        yield source
        return
    if isinstance(engine, Engine):
        yield engine
        return
    opened = open_engine(source, engine, spark_session)
    try:
        yield opened
    finally:
        opened.close()


CUSTOMER_KEYED = (
    "customers",
    "subscriptions",
    "events",
    "invoices",
    "tickets",
    "responses",
    "orders",
    "touches",
    *ROLLUPS,
)
"""The tables with a ``customer_id``: what a segment restricts (``payments`` through their invoice)."""


def in_segment(eng: Engine, segment: str | None) -> Engine:
    """``eng`` seen through one ``customers.segment``: every customer's table keeps only that segment's
    customers, so every metric defined over the engine's tables is the segment's, from the one definition.

    ``costs`` and ``rates`` are not per customer and stay whole. ``None`` returns ``eng`` itself.

    Examples
    --------
    >>> smb = in_segment(engine, "smb")                              # doctest: +SKIP
    >>> smb.execute(smb.table("customers").count())                  # doctest: +SKIP
    2
    """
    if segment is None:
        return eng
    c = eng.table("customers")
    members = c.filter(c.segment == segment).select(member_id=c.customer_id)
    view = Engine(eng.name, eng.backend, eng.store)
    for name in CUSTOMER_KEYED:
        if name not in CANONICAL and name not in ROLLUPS:
            continue
        t = eng.table(name)
        view._tables[name] = t.semi_join(members, t.customer_id == members.member_id)
    inv = view._tables["invoices"]
    pay = eng.table("payments")
    ids = inv.select(inv_id=inv.invoice_id)
    view._tables["payments"] = pay.semi_join(ids, pay.invoice_id == ids.inv_id)
    return view


def resolve_settings(source: Store | Engine, settings: Settings | None, overrides: dict) -> Settings:
    """The settings in force: ``settings`` (else the store's), with keyword overrides on top."""
    store = source.store if isinstance(source, Engine) else source
    base = settings or (store.settings if store is not None else Settings())
    if not overrides:
        return base
    unknown = sorted(set(overrides) - set(Settings.model_fields))
    if unknown:
        raise ConfigurationError(f"unknown setting(s) {', '.join(unknown)}; expected fields of Settings")
    return base.model_copy(update=overrides)


def default_range(engine: Engine, today: date | None = None) -> tuple[datetime, datetime]:
    """Default report range: the month of the earliest subscription start, to the first of the month
    after the latest data (subscription starts, and ends up to today), or after today.

    Examples
    --------
    >>> default_range(engine)            # doctest: +SKIP
    (datetime.datetime(2024, 1, 1, 0, 0), datetime.datetime(2025, 1, 1, 0, 0))
    """
    import ibis

    now = datetime.combine(today or date.today(), datetime.min.time())
    s = engine.table("subscriptions")
    past_end = ibis.ifelse(s.end_date <= ibis.literal(now), s.end_date, ibis.null("timestamp"))
    row = engine.execute(s.aggregate(first=s.start_date.min(), last_start=s.start_date.max(), last_end=past_end.max()))
    first = row["first"].iloc[0]
    if first is None or pd.isna(first):
        raise ConfigurationError(
            "no subscriptions in the store, so there is nothing to measure; "
            "run `tenure import DIR` first, or give --start and --end"
        )
    latest = max(pd.Timestamp(v).to_pydatetime() for v in row.iloc[0, 1:] if v is not None and not pd.isna(v))
    start = month_start(pd.Timestamp(first).to_pydatetime())
    end = min(add_months(month_start(latest), 1), add_months(month_start(now), 1))
    if end <= start:
        end = add_months(start, 1)
    return start, end


def report(
    source: Store | Engine,
    start: str | date | datetime | None = None,
    end: str | date | datetime | None = None,
    period: str = "month",
    engine: str | Engine = "duckdb",
    settings: Settings | None = None,
    arrow: bool = False,
    spark_session: Any = None,
    engagement: bool = True,
    segment: str | None = None,
    **overrides: Any,
) -> pd.DataFrame | pa.Table:
    """Every metric of DESIGN §4 for each period of ``[start, end)``.

    Parameters
    ----------
    source
        The store (or an already-open :class:`~tenure.engine.Engine`).
    start, end
        The range; default from :func:`default_range`.
    period
        ``month`` (default), ``quarter``, ``year`` or ``whole``.
    engine
        ``duckdb`` (default), ``postgres`` or ``spark``.
    settings
        The metric settings; default the store's. Keyword ``overrides`` replace single fields,
        e.g. ``same_period_churn="included"``.
    arrow
        Return a ``pyarrow.Table`` instead of a DataFrame.
    engagement
        Compute ``dau_mau`` (default), from the events' rollups (:mod:`tenure.store.rollups`); with
        ``engagement=False`` (``dau_mau`` null) a report reads only the subscription tables.
    segment
        Only the customers whose ``customers.segment`` is this (see :func:`in_segment`); retention
        costs stay the business's whole, so ``crc`` is then null.

    Returns
    -------
    DataFrame
        One row per period, columns :data:`COLUMNS`; undefined rates (e.g. ``S = 0``) are ``None``.

    Examples
    --------
    >>> df = report(store, "2025-01-01", "2026-01-01", "whole")          # doctest: +SKIP
    >>> df.loc[0, ["customers_start", "customers_lost", "churn_rate"]].tolist()  # doctest: +SKIP
    [200, 20, 0.1]
    """
    cfg = resolve_settings(source, settings, overrides)
    with using_engine(source, engine, spark_session) as whole:
        eng = in_segment(whole, segment)
        points = _points(eng, start, end, period)
        figures = period_figures(eng, cfg, points, engagement)
        if segment is not None:
            figures["cost_rows"] = 0
    frame = derive(figures, points, cfg)
    if arrow:
        import pyarrow as pa

        return pa.Table.from_pandas(frame, preserve_index=False)
    return frame


def _points(eng: Engine, start: Any, end: Any, period: str) -> list[datetime]:
    if start is None or end is None:
        d_start, d_end = default_range(eng)
        start = d_start if start is None else start
        end = d_end if end is None else end
    return boundaries(as_datetime(start, "start"), as_datetime(end, "end"), period)


def period_figures(eng: Engine, settings: Settings, points: list[datetime], engagement: bool = True) -> pd.DataFrame:
    """The exact integers behind every metric, one row per period ``p`` (counts and cents)."""
    parts = [
        period_totals(eng, settings, points),
        survey_counts(eng, points),
        cost_sums(eng, settings, points),
    ]
    if engagement:
        parts.append(activity_sums(eng, points))
    out = pd.DataFrame({"p": range(len(points) - 1)})
    for expr in parts:
        frame = eng.execute(expr)
        out = out.merge(frame, on="p", how="left")
    if not engagement:
        out["user_days"] = out["user_months"] = 0
    return out.fillna(0).astype("int64")


def _pow(x: float | None, e: float) -> float | None:
    if x is None or x < 0:
        return None
    return x**e


def derive(figures: pd.DataFrame, points: list[datetime], settings: Settings) -> pd.DataFrame:
    """Turn :func:`period_figures` into the metrics, one row per period (see :data:`DEFINITIONS`)."""
    out = []
    for f in figures.to_dict("records"):
        p = int(f["p"])
        a, b = points[p], points[p + 1]
        s, e = f["customers_start"], f["customers_end"]
        lost = f["customers_lost"]
        if settings.same_period_churn == "included":
            lost += f["customers_acquired_lost"]
        start_c, end_c = f["mrr_start"], f["mrr_end"]
        down = f["mrr_churn"] + f["mrr_contraction"]
        up = f["mrr_new"] + f["mrr_reactivation"] + f["mrr_expansion"]
        months = months_between(a, b)
        row: dict[str, Any] = {
            "start": _iso(a),
            "end": _iso(b),
            "customers_start": s,
            "customers_end": e,
            "customers_new": f["customers_new"],
            "customers_reactivated": f["customers_reactivated"],
            "customers_lost": lost,
            "customers_acquired": f["customers_acquired"],
            "crr": ratio(e - f["customers_new"], s),
            "retention_rate": ratio(f["customers_retained"], s),
            "churn_rate": ratio(lost, s),
            "loss_to_acquisition": ratio(lost, f["customers_acquired"]),
        }
        for key in MONEY_KEYS:
            row[key] = f[key] / 100
        grr = ratio(start_c - down, start_c)
        row.update(
            nrr=ratio(f["mrr_retained_start"], start_c),
            grr=None if grr is None else min(1.0, grr),
            revenue_churn_rate=ratio(down, start_c),
            quick_ratio=ratio(up, down),
            arpa=ratio(end_c / 100, e),
            arr=12 * end_c / 100,
            nps=nps_score(f["nps_promoters"], f["nps_passives"], f["nps_detractors"]),
            nps_promoters=f["nps_promoters"],
            nps_passives=f["nps_passives"],
            nps_detractors=f["nps_detractors"],
            csat=ratio(f["csat_satisfied"], f["csat_answers"]),
            crc=ratio(f["cost_cents"] / 100, f["customers_active"]) if f["cost_rows"] else None,
        )
        days = (b - a).total_seconds() / 86400
        mau = f["user_months"] / calendar_months(a, b)
        row["dau_mau"] = ratio(f["user_days"] / days, mau)
        row["months"] = months
        inv = 1 / months
        row["crr_monthly"] = _pow(row["crr"], inv)
        row["retention_rate_monthly"] = _pow(row["retention_rate"], inv)
        kept = None if row["churn_rate"] is None else 1 - row["churn_rate"]
        row["churn_rate_monthly"] = None if _pow(kept, inv) is None else 1 - _pow(kept, inv)  # type: ignore[operator]
        row["nrr_monthly"] = _pow(row["nrr"], inv)
        row["grr_monthly"] = _pow(row["grr"], inv)
        kept_rev = None if row["revenue_churn_rate"] is None else 1 - row["revenue_churn_rate"]
        rev = _pow(kept_rev, inv)
        row["revenue_churn_rate_monthly"] = None if rev is None else 1 - rev
        cm = row["churn_rate_monthly"]
        row["ltv"] = None if row["arpa"] is None or not cm else row["arpa"] * settings.gross_margin / cm
        out.append(row)
    frame = pd.DataFrame(out, columns=list(COLUMNS))
    return frame.astype({k: "int64" for k in (*COUNT_KEYS, "nps_promoters", "nps_passives", "nps_detractors")})


def definitions(settings: Settings) -> dict[str, Any]:
    """The ``definitions`` object of the JSON output: the settings in force and each metric's text."""
    return {
        "settings": {name: getattr(settings, name) for name in METRIC_SETTINGS},
        "metrics": dict(DEFINITIONS),
    }


def _iso(t: datetime) -> str:
    return t.date().isoformat() if t.time() == datetime.min.time() else t.isoformat()


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The report's rows as plain dicts for JSON: numbers as Python numbers, undefined as ``None``."""
    out = []
    for rec in frame.to_dict("records"):
        out.append({str(k): _plain(v) for k, v in rec.items()})
    return out


def _plain(x: Any) -> Any:
    if hasattr(x, "item"):
        x = x.item()
    if x is None or (isinstance(x, float) and (math.isnan(x) or math.isinf(x))):
        return None
    return x
