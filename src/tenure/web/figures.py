"""The figures the overview and cohorts pages show: :mod:`tenure.metrics`, computed once and cached in
``web_cache`` so pages answer at once.

Nothing here defines a metric. The overview's KPIs, trends, waterfall and NPS come from
:func:`tenure.metrics.report`, the cohorts page from :func:`tenure.metrics.cohort_table`, benchmarks
from :func:`tenure.metrics.benchmark`, and the customers behind any number from
:func:`tenure.metrics.explain` (all with the store's settings, optionally for one segment). The
directory's own figures (customers active now, MRR now) are shown, labelled as such, only until the
first report is cached.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
from typing import Any

import sqlalchemy as sa

from tenure import metrics
from tenure.engine import open_engine
from tenure.metrics.drilldown import EXPLAINABLE
from tenure.metrics.report import in_segment, records
from tenure.store import Store
from tenure.web import directory
from tenure.web.tables import cache, customer_index

log = logging.getLogger("tenure.web")

PERIODS = ("month", "quarter", "year")
TREND_MONTHS = 24

BENCHMARKS = metrics.BENCHMARKS
GOAL = 0.85

KPIS: list[tuple[str, str, str, str]] = [
    # (tile, label, format, the metric whose customers the number links to)
    ("mrr", "MRR", "money", "mrr_end"),
    ("arr", "ARR", "money", "arr"),
    ("customers", "Customers", "int", "customers_end"),
    ("crr", "CRR", "pct", "crr"),
    ("churn_rate", "Churn rate", "pct", "customers_lost"),
    ("nrr", "NRR", "pct", "nrr"),
    ("grr", "GRR", "pct", "grr"),
    ("nps", "NPS", "nps", "nps"),
    ("arpa", "ARPA", "money", "arpa"),
    ("ltv", "LTV", "money", "ltv"),
]
LOWER_IS_BETTER = {"churn_rate"}
REPORT_KEY = {"mrr": "mrr_end", "customers": "customers_end"}
"""The report key of a tile whose name differs from it."""
DRILLABLE = EXPLAINABLE
"""Metric names the customers list can be narrowed to (those :func:`tenure.metrics.explain` knows)."""


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        try:
            return _clean(value.item())
        except (ValueError, AttributeError):
            return value
    if hasattr(value, "isoformat"):
        return (
            value.isoformat()[:10]
            if isinstance(value, dt.datetime) and value.time() == dt.time()
            else value.isoformat()
        )
    return value


def get_cached(store: Store, key: str) -> Any | None:
    with store.engine.connect() as conn:
        value = conn.execute(sa.select(cache.c.value).where(cache.c.key == key)).scalar()
    return json.loads(value) if value is not None else None


def put_cached(store: Store, key: str, value: Any) -> None:
    text = json.dumps(value, default=_json_default)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with store.transaction() as conn:
        conn.execute(sa.delete(cache).where(cache.c.key == key))
        conn.execute(sa.insert(cache).values(key=key, computed_at=now, value=text))


def clear_cache(store: Store) -> None:
    """Forget every cached figure (after the data changed)."""
    for prefix in ("metrics:", "cohorts:", "drill:"):
        clear_cache_prefix(store, prefix)


def clear_cache_prefix(store: Store, prefix: str) -> None:
    with store.transaction() as conn:
        conn.execute(sa.delete(cache).where(cache.c.key.startswith(prefix, autoescape=True)))


def month_start(t: dt.datetime | dt.date) -> dt.datetime:
    return dt.datetime(t.year, t.month, 1)


def add_months(t: dt.datetime, n: int) -> dt.datetime:
    m = t.month - 1 + n
    return dt.datetime(t.year + m // 12, m % 12 + 1, 1)


def report_window(as_of: dt.datetime, period: str) -> tuple[dt.datetime, dt.datetime]:
    """The [start, end) covering the last :data:`TREND_MONTHS` complete months before ``as_of``."""
    end = month_start(as_of)
    if period == "quarter":
        end = dt.datetime(end.year, 3 * ((end.month - 1) // 3) + 1, 1)
    elif period == "year":
        end = dt.datetime(end.year, 1, 1)
    months = {"month": TREND_MONTHS, "quarter": 3 * 8, "year": 12 * 4}[period]
    return add_months(end, -months), end


def compute_report(
    store: Store, start: dt.datetime, end: dt.datetime, period: str, segment: str | None = None
) -> list[dict[str, Any]]:
    """:func:`tenure.metrics.report` over ``[start, end)`` as JSON-ready period dicts."""
    with store.lock:
        frame = metrics.report(store, start, end, period, engine="duckdb", segment=segment)
    return records(frame)  # type: ignore[arg-type]


def report_key(period: str, segment: str | None) -> str:
    return f"metrics:{period}:{segment or '*'}"


def precompute(store: Store, as_of: dt.datetime, segments: list[str] | None = None) -> list[str]:
    """Compute and cache the metrics reports the overview uses; returns the cache keys written."""
    written = []
    for period in PERIODS:
        for segment in [None, *(segments or [])]:
            start, end = report_window(as_of, period)
            periods = compute_report(store, start, end, period, segment)
            key = report_key(period, segment)
            put_cached(store, key, {"as_of": as_of.isoformat(), "periods": periods})
            written.append(key)
    return written


def cached_report(store: Store, period: str, segment: str | None = None) -> dict[str, Any] | None:
    return get_cached(store, report_key(period, segment))


@directory.memoised
def directory_figures(store: Store) -> dict[str, Any]:
    """Customers active now and MRR now, from the customer directory."""
    with store.engine.connect() as conn:
        row = conn.execute(
            sa.select(
                sa.func.count().filter(customer_index.c.active == sa.true()),
                sa.func.coalesce(sa.func.sum(customer_index.c.mrr), 0.0),
                sa.func.count(),
            )
        ).first()
    active, mrr, total = (int(row[0]), float(row[1]), int(row[2])) if row else (0, 0.0, 0)
    return {
        "customers": active,
        "mrr": mrr,
        "arr": 12 * mrr,
        "arpa": mrr / active if active else None,
        "known": total,
    }


def kpi_tiles(periods: list[dict[str, Any]] | None, index: int = -1) -> list[dict[str, Any]]:
    """The overview's tiles for one period of a report, with the change against the period before."""
    tiles = []
    current = periods[index] if periods else None
    previous = periods[index - 1] if periods and len(periods) > abs(index - 1) - (index < 0) else None
    if periods and index == -1 and len(periods) < 2:
        previous = None
    for key, label, fmt, metric in KPIS:
        value = _metric(current, REPORT_KEY.get(key, key))
        before = _metric(previous, REPORT_KEY.get(key, key))
        change = None
        if value is not None and before is not None:
            change = value - before
        tiles.append(
            {
                "key": key,
                "label": label,
                "format": fmt,
                "value": value,
                "previous": before,
                "change": change,
                "better": None if change is None or change == 0 else (change < 0) == (key in LOWER_IS_BETTER),
                "metric": metric,
                "start": current.get("start") if current else None,
                "end": current.get("end") if current else None,
            }
        )
    return tiles


def _metric(period: dict[str, Any] | None, key: str) -> float | None:
    value = (period or {}).get(key)
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def waterfall(period: dict[str, Any] | None) -> list[dict[str, Any]] | None:
    """MRR movements of one period as waterfall steps (start, +new, +reactivation, +expansion,
    −contraction, −churn, end); each step names the report key whose customers it links to."""
    if not period or _metric(period, "mrr_start") is None:
        return None
    steps = [{"label": "MRR at start", "value": _metric(period, "mrr_start"), "kind": "total", "metric": "mrr_start"}]
    for key, label, sign in (
        ("mrr_new", "New", 1),
        ("mrr_reactivation", "Reactivation", 1),
        ("mrr_expansion", "Expansion", 1),
        ("mrr_contraction", "Contraction", -1),
        ("mrr_churn", "Churn", -1),
    ):
        steps.append({"label": label, "value": sign * (_metric(period, key) or 0.0), "kind": "delta", "metric": key})
    steps.append({"label": "MRR at end", "value": _metric(period, "mrr_end"), "kind": "total", "metric": "mrr_end"})
    return steps


def benchmarks(period: dict[str, Any] | None, industry: str) -> dict[str, Any]:
    """The period's CRR, compounded to a year, against HubSpot's industry figures
    (:func:`tenure.metrics.benchmark`)."""
    crr = _metric(period, "crr")
    months = _metric(period, "months") or 1.0
    return {**metrics.benchmark(crr, months, industry), "industries": dict(BENCHMARKS)}


def cohort_table(store: Store, segment: str | None = None) -> dict[str, Any]:
    """Customer and MRR retention by first-activation month, from :func:`tenure.metrics.cohort_table`,
    cached: ``{"as_of", "cohorts": [{"cohort", "size", "customer_retention": [age 0, 1, ...],
    "mrr_retention": [...]}]}``."""
    key = f"cohorts:{segment or '*'}"
    cached = get_cached(store, key)
    if cached:
        return cached
    with store.lock:
        table = metrics.cohort_table(store, by="month", engine="duckdb", segment=segment)
    out = []
    for cohort, rows in table.groupby("cohort", sort=True):  # type: ignore[union-attr]
        rows = rows.sort_values("age")
        out.append(
            {
                "cohort": str(cohort),
                "size": int(rows["customers"].iloc[0]),
                "customer_retention": [_clean(v) for v in rows["retention"]],
                "mrr_retention": [_clean(v) for v in rows["mrr_retention"]],
            }
        )
    value = {"as_of": directory.as_of(store).isoformat(), "cohorts": out, "source": "tenure.metrics.cohort_table"}
    put_cached(store, key, value)
    return value


def members(store: Store, metric: str, start: dt.datetime, end: dt.datetime, segment: str | None = None) -> list[str]:
    """The customers behind ``metric`` over ``[start, end)``: :func:`tenure.metrics.explain`'s list,
    cached per period."""
    key = f"drill:{metric}:{start:%Y-%m-%d}:{end:%Y-%m-%d}:{segment or '*'}"
    cached = get_cached(store, key)
    if cached is not None:
        return list(cached)
    with store.lock:
        eng = open_engine(store, "duckdb")
        try:
            frame = metrics.explain(in_segment(eng, segment), metric, start, end)
        finally:
            eng.close()
    ids = sorted({str(c) for c in frame["customer_id"]}) if "customer_id" in frame.columns else []  # type: ignore[index]
    put_cached(store, key, ids)
    return ids
