"""The figures the overview and cohorts pages show, computed once and cached in ``web_cache``.

Metrics come from :mod:`tenure.metrics` (``report(store, start, end, period, engine=...)``). When that
module is not installed yet, or has not been computed for this data, pages say so plainly instead of
showing a number: :func:`cached_report` returns ``None``. The directory's own figures (customers
active now, MRR now) are always available and are labelled as such.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import json
import logging
import math
from typing import Any

import sqlalchemy as sa

from tenure.store import Store
from tenure.web import directory
from tenure.web.tables import cache, customer_index

log = logging.getLogger("tenure.web")

PERIODS = ("month", "quarter", "year")
TREND_MONTHS = 24

BENCHMARKS = {
    "retail": 0.63,
    "banking": 0.75,
    "telecom": 0.78,
    "it": 0.81,
    "insurance": 0.83,
    "professional services": 0.84,
    "media": 0.84,
}
"""Customer retention by industry as published by HubSpot (DESIGN §4)."""
GOAL = 0.85

KPIS: list[tuple[str, str, str, str | None]] = [
    # (key, label, format, movement the number's customers are)
    ("mrr", "MRR", "money", "active_end"),
    ("arr", "ARR", "money", "active_end"),
    ("customers", "Customers", "int", "active_end"),
    ("crr", "CRR", "pct", "retained"),
    ("churn_rate", "Churn rate", "pct", "lost"),
    ("nrr", "NRR", "pct", "active_start"),
    ("grr", "GRR", "pct", "contraction"),
    ("nps", "NPS", "nps", None),
    ("arpa", "ARPA", "money", "active_end"),
    ("ltv", "LTV", "money", "active_end"),
]
LOWER_IS_BETTER = {"churn_rate"}


def metrics_module() -> Any | None:
    """:mod:`tenure.metrics` when it is installed, else ``None``."""
    try:
        module = importlib.import_module("tenure.metrics")
    except ImportError:
        return None
    return module if hasattr(module, "report") else None


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


def _periods_of(result: Any) -> list[dict[str, Any]]:
    """A metrics report as a list of period dicts, whatever container it came in."""
    if result is None:
        return []
    if isinstance(result, dict) and "periods" in result:
        rows = result["periods"]
    elif hasattr(result, "to_dict"):
        frame = result.reset_index() if getattr(result.index, "name", None) in ("start", "period") else result
        rows = frame.to_dict("records")
    elif hasattr(result, "to_pylist"):
        rows = result.to_pylist()
    else:
        rows = list(result)
    return [{k: _clean(v) for k, v in row.items()} for row in rows]


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
    clear_cache_prefix(store, "metrics:")


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
) -> list[dict[str, Any]] | None:
    """Run :func:`tenure.metrics.report` and return its periods; ``None`` when metrics are unavailable."""
    module = metrics_module()
    if module is None:
        return None
    kwargs: dict[str, Any] = {}
    params = inspect.signature(module.report).parameters
    if "engine" in params:
        kwargs["engine"] = "duckdb"
    if segment:
        if "segment" not in params:
            return None
        kwargs["segment"] = segment
    with store.lock:
        result = module.report(store, start.date(), end.date(), period, **kwargs)
    return _periods_of(result)


def report_key(period: str, segment: str | None) -> str:
    return f"metrics:{period}:{segment or '*'}"


def precompute(store: Store, as_of: dt.datetime, segments: list[str] | None = None) -> list[str]:
    """Compute and cache the metrics reports the overview uses; returns the cache keys written."""
    written = []
    for period in PERIODS:
        for segment in [None, *(segments or [])]:
            start, end = report_window(as_of, period)
            periods = compute_report(store, start, end, period, segment)
            if periods is None:
                continue
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
    for key, label, fmt, movement in KPIS:
        value = _metric(current, key)
        before = _metric(previous, key)
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
                "movement": movement,
                "start": current.get("start") if current else None,
                "end": current.get("end") if current else None,
            }
        )
    return tiles


def _metric(period: dict[str, Any] | None, key: str) -> float | None:
    if not period:
        return None
    value = period.get(key)
    if value is None and key == "mrr":
        value = period.get("mrr_end")
    if value is None and key == "customers":
        value = period.get("customers_end", period.get("end_customers", period.get("E")))
    if value is None and key == "arr":
        mrr = _metric(period, "mrr")
        value = None if mrr is None else 12 * mrr
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def waterfall(period: dict[str, Any] | None) -> list[dict[str, Any]] | None:
    """MRR movements of one period as waterfall steps (start, +new, +reactivation, +expansion,
    −contraction, −churn, end)."""
    if not period:
        return None
    start = _metric(period, "mrr_start")
    names = [
        ("mrr_new", "New", 1, "new"),
        ("mrr_reactivation", "Reactivation", 1, "reactivated"),
        ("mrr_expansion", "Expansion", 1, "expansion"),
        ("mrr_contraction", "Contraction", -1, "contraction"),
        ("mrr_churn", "Churn", -1, "lost"),
    ]
    if start is None or any(_metric(period, n) is None for n, *_ in names):
        return None
    steps = [{"label": "MRR at start", "value": start, "kind": "total", "movement": "active_start"}]
    for key, label, sign, movement in names:
        steps.append(
            {
                "label": label,
                "value": sign * abs(_metric(period, key) or 0.0),
                "kind": "delta",
                "movement": movement,
            }
        )
    end = _metric(period, "mrr")
    steps.append({"label": "MRR at end", "value": end, "kind": "total", "movement": "active_end"})
    return steps


def benchmarks(crr: float | None, industry: str) -> dict[str, Any]:
    return {"crr": crr, "industry": industry, "industries": BENCHMARKS, "goal": GOAL}


def cohort_table(store: Store, as_of: dt.datetime, months: int = 18) -> dict[str, Any]:
    """Customer and MRR retention by first-activation month (DESIGN §4's cohort table).

    Uses :func:`tenure.metrics.cohorts` when the metrics module provides it; otherwise computes
    the table from the subscriptions directly: a customer is in the cohort of the month of their
    first paid subscription start and counts as retained at month k when active at the end of the
    k-th month after the cohort's (month 0 ends when the cohort's month does). MRR retention is the
    cohort's MRR at month k over its MRR at month 0.
    """
    key = f"cohorts:{month_start(as_of).date()}"
    cached = get_cached(store, key)
    if cached:
        return cached
    first_month = add_months(month_start(as_of), -months)
    with store.lock:
        rows = _cohort_rows(store, as_of, first_month)
    cohorts: dict[str, dict[str, Any]] = {}
    for cohort, size, k, n, mrr in rows:
        c = cohorts.setdefault(cohort, {"cohort": cohort, "size": int(size), "customers": {}, "mrr": {}})
        c["customers"][int(k)] = int(n)
        c["mrr"][int(k)] = float(mrr or 0.0)
    return _finish_cohorts(store, key, as_of, cohorts)


def _cohort_rows(store: Store, as_of: dt.datetime, first_month: dt.datetime) -> list:
    con = store.duckdb()
    try:
        free = "true" if store.settings.count_free_customers else "mrr > 0"
        rows = con.execute(
            f"""
            WITH firsts AS (
              SELECT customer_id, date_trunc('month', min(start_date)) AS cohort
              FROM subscriptions WHERE {free} GROUP BY customer_id),
            months AS (
              SELECT unnest(range(TIMESTAMP '{first_month:%Y-%m-%d}',
                                  TIMESTAMP '{month_start(as_of):%Y-%m-%d}' + INTERVAL 1 MONTH,
                                  INTERVAL 1 MONTH)) AS m),
            at_month AS (
              SELECT f.cohort, m.m, s.customer_id, sum(s.mrr) AS mrr
              FROM firsts f JOIN subscriptions s USING (customer_id) JOIN months m
                ON s.start_date <= m.m AND (s.end_date IS NULL OR s.end_date > m.m)
              WHERE m.m > f.cohort AND {free.replace("mrr", "s.mrr")}
              GROUP BY 1, 2, 3),
            sizes AS (SELECT cohort, count(*) AS size FROM firsts GROUP BY 1)
            SELECT strftime(a.cohort, '%Y-%m') AS cohort, z.size,
                   CAST(datediff('month', a.cohort, a.m) AS INTEGER) - 1 AS k,
                   count(DISTINCT a.customer_id) AS customers, sum(a.mrr) AS mrr
            FROM at_month a JOIN sizes z USING (cohort)
            WHERE a.cohort >= TIMESTAMP '{first_month:%Y-%m-%d}'
            GROUP BY 1, 2, 3 ORDER BY 1, 3
            """
        ).fetchall()
    finally:
        con.close()
    return rows


def _finish_cohorts(store: Store, key: str, as_of: dt.datetime, cohorts: dict[str, dict[str, Any]]) -> dict[str, Any]:
    table = []
    for c in cohorts.values():
        base_n = c["size"]
        base_mrr = c["mrr"].get(0) or None
        span = max(c["customers"]) + 1 if c["customers"] else 0
        table.append(
            {
                "cohort": c["cohort"],
                "size": c["size"],
                "customer_retention": [c["customers"].get(k, 0) / base_n if base_n else None for k in range(span)],
                "mrr_retention": [(c["mrr"].get(k, 0.0) / base_mrr) if base_mrr else None for k in range(span)],
            }
        )
    value = {"as_of": as_of.isoformat(), "cohorts": table, "source": "web"}
    put_cached(store, key, value)
    return value
