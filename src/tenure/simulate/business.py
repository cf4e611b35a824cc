"""The simulated demo business: :func:`simulate` builds it, :meth:`Business.write` writes it out.

Examples
--------
>>> b = simulate(customers=200, months=6, seed=1, end="2025-01-01")
>>> from tenure.schema import TABLES
>>> sorted(b.tables) == sorted(TABLES)
True
>>> b.tables["customers"].num_rows
200
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from tenure.errors import ConfigurationError
from tenure.simulate import costs, tables, truth
from tenure.simulate.calendar import DAY, Calendar
from tenure.simulate.customers import SEGMENTS, acquisition_months, draw_customers
from tenure.simulate.effects import EFFECTS, Effects
from tenure.simulate.engine import INVOLUNTARY, VOLUNTARY, Engine, Record
from tenure.simulate.orders import ORDER_TRUTH, simulate_orders
from tenure.simulate.playbook import holdout_mask
from tenure.simulate.rates import monthly_rates
from tenure.simulate.subscriptions import build_subscriptions
from tenure.simulate.writer import write_business

MAX_MONTHS = 240


@dataclass
class Business:
    """A simulated subscription business in the canonical format, with its ground truth.

    Attributes
    ----------
    tables
        The canonical tables (every table of :data:`tenure.schema.TABLES`) as pyarrow Tables; the
        text columns of ``events`` are dictionary-encoded.
    truth
        Ground-truth tables: ``drivers``, ``hazard``, ``customers`` (see :mod:`tenure.simulate.truth`).
    effects
        The planted effect sizes, the add-on orders' true parameters and realised summary figures.
    seed, months, end
        How it was generated.
    """

    tables: dict[str, pa.Table]
    truth: dict[str, pa.Table]
    effects: dict[str, Any]
    seed: int
    months: int
    end: dt.date
    summary: dict[str, Any] = field(default_factory=dict)

    def write(
        self, directory: str | Path, format: str = "parquet", progress: Callable[[str], None] | None = None
    ) -> list[Path]:
        """Write the tables to ``directory/<table>.<format>`` and the ground truth to ``ground_truth/``.

        Examples
        --------
        >>> import tempfile
        >>> b = simulate(customers=100, months=3, seed=2, end="2025-01-01")
        >>> with tempfile.TemporaryDirectory() as d:
        ...     paths = b.write(d, format="csv")
        >>> any(p.name == "customers.csv" for p in paths)
        True
        """
        return write_business(self.tables, self.truth, self.effects, truth.README, directory, format, progress)

    def __repr__(self) -> str:
        rows = ", ".join(f"{k}={v.num_rows:,}" for k, v in self.tables.items())
        return f"Business(seed={self.seed}, months={self.months}, end={self.end}, {rows})"


def default_end(today: dt.date | None = None) -> dt.date:
    """The first day of the current month in UTC (or of ``today``'s month)."""
    today = today or dt.datetime.now(dt.UTC).date()
    return today.replace(day=1)


def _as_date(end: str | dt.date | None) -> dt.date:
    if end is None:
        return default_end()
    if isinstance(end, dt.datetime):
        return end.date().replace(day=1)
    if isinstance(end, dt.date):
        return end.replace(day=1)
    try:
        return dt.date.fromisoformat(str(end)[:10]).replace(day=1)
    except ValueError:
        raise ConfigurationError(f"end must be a date like 2025-01-01, got {end!r}") from None


def simulate(
    customers: int = 2000,
    months: int = 24,
    seed: int = 0,
    end: str | dt.date | None = None,
    progress: Callable[[int, int], None] | None = None,
    effects: Effects = EFFECTS,
) -> Business:
    """Simulate a subscription business with known churn drivers.

    Parameters
    ----------
    customers
        Customers acquired over the history (about a fifth were already customers when it starts).
    months
        Length of the history in months.
    seed
        Random seed; the same seed and end give the same business, byte for byte.
    end
        The history ends at the start of this date's month (default: the current month, UTC).
    progress
        Called as ``progress(done, total)`` after each simulated month.
    effects
        The planted effect sizes (:mod:`tenure.simulate.effects`); change them with
        ``dataclasses.replace(EFFECTS, ...)`` to plant a different story.

    Returns
    -------
    Business
        The tables, the ground truth and the planted effects.

    Examples
    --------
    >>> b = simulate(customers=300, months=12, seed=7, end="2025-06-01")
    >>> b.tables["subscriptions"].column_names[:3]
    ['customer_id', 'start_date', 'end_date']
    """
    if not isinstance(customers, int | np.integer) or customers < 1:
        raise ConfigurationError(f"customers must be a whole number of at least 1, got {customers!r}")
    if not isinstance(months, int | np.integer) or not 1 <= months <= MAX_MONTHS:
        raise ConfigurationError(f"months must be from 1 to {MAX_MONTHS}, got {months!r}")
    end_date = _as_date(end)
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(int(seed)).spawn(4)]
    rng_customers, rng_engine, rng_orders, rng_misc = streams

    calendar = Calendar.ending(end_date, months)
    acquired = acquisition_months(rng_customers, customers, months)
    c = draw_customers(rng_customers, customers, acquired)
    first_month = min(int(acquired.min()), 0)
    all_rates = monthly_rates(rng_misc, months - first_month)
    holdout = holdout_mask(c.customer_id, effects.winback_holdout)

    engine = Engine(c, calendar, all_rates[-first_month:], holdout, rng_engine, effects)
    record = engine.run(progress)

    ids = pa.array(c.customer_id, type=pa.string())
    created = engine.created
    invoices, payments = tables.build_invoices(record.billing.invoices, record.billing.payments, ids)
    orders = simulate_orders(rng_orders, created, calendar.history_end)
    canonical = {
        "customers": tables.build_customers(c, created),
        "subscriptions": build_subscriptions(record.rows, record.ends, ids, c.currency, calendar.history_end),
        "events": tables.build_events(record.events, ids, engine.max_users),
        "invoices": invoices,
        "payments": payments,
        "tickets": tables.build_tickets(record.support.tickets, ids),
        "responses": None,
        "orders": tables.build_orders(orders, ids, c.currency),
        "costs": costs.build_costs(rng_misc, calendar, record.monthly, record.touches),
        "rates": tables.build_rates(calendar, all_rates, first_month),
        "touches": tables.build_touches(record.touches, ids),
    }
    _ticket_csat(record, calendar.history_end)
    canonical["responses"] = tables.build_responses(record.surveys.responses, record.surveys.comment_texts, ids)
    ground = {
        "drivers": truth.build_drivers(record.drivers, ids),
        "hazard": truth.build_hazard(record.hazard, ids, calendar),
        "customers": truth.build_truth_customers(c, engine.steps, holdout),
    }
    summary = summarise(record, c.segment, calendar)
    planted = {
        "effects": effects.to_dict(),
        "orders": ORDER_TRUTH,
        "summary": summary,
        "generated": {
            "customers": customers,
            "months": months,
            "seed": int(seed),
            "end": end_date.isoformat(),
        },
    }
    return Business(canonical, ground, planted, int(seed), months, end_date, summary)


def _ticket_csat(record: Record, history_end: int) -> None:
    """Rated tickets also appear as ``csat`` survey answers, an hour after they closed."""
    t = record.support.tickets.columns()
    if not t:
        return
    at = t["closed"] + 3600
    rated = (t["csat"] >= 0) & (at < history_end)
    record.surveys.csat(t["customer"][rated], at[rated], t["csat"][rated])


def summarise(record: Record, segment: np.ndarray, calendar: Calendar) -> dict[str, Any]:
    """Realised headline figures: churn per segment, involuntary share, recoveries, win-back arms."""
    h = record.hazard.columns()
    d = record.drivers.columns()
    out: dict[str, Any] = {}
    if h:
        seg = segment[h["customer"]]
        churn: dict[str, float | None] = {}
        for s, name in enumerate(SEGMENTS):
            customer_months = int((seg == s).sum())
            vol = int((h["churned"] & (seg == s)).sum())
            inv = int(((d["kind"] == INVOLUNTARY) & (segment[d["customer"]] == s)).sum()) if d else 0
            churn[name] = round((vol + inv) / customer_months, 4) if customer_months else None
        out["monthly_logo_churn"] = churn
    if d:
        vol = int((d["kind"] == VOLUNTARY).sum())
        inv = int((d["kind"] == INVOLUNTARY).sum())
        out["lapsed_subscriptions"] = {
            "voluntary": vol,
            "involuntary": inv,
            "involuntary_share": round(inv / max(vol + inv, 1), 4),
        }
    b = record.billing
    out["failed_invoices"] = b.failed_invoices
    out["recovered_by_retries"] = round(b.recovered_invoices / max(b.failed_invoices, 1), 4)
    t = record.touches.columns()
    if t and d:
        vol_at = d["at"][d["kind"] == VOLUNTARY]
        vol_cust = d["customer"][d["kind"] == VOLUNTARY]
        arms: dict[str, dict[str, int | float | None]] = {}
        # Each customer's first touch: later touches go to the survivors of earlier ones.
        first = np.zeros(len(t["customer"]), dtype=bool)
        first[np.unique(t["customer"], return_index=True)[1]] = True
        for arm, held in (("treated", False), ("holdout", True)):
            sel = first & (t["holdout"] == held)
            cust, at = t["customer"][sel], t["at"][sel]
            churned = _churned_within(cust, at, vol_cust, vol_at, 60 * DAY)
            arms[arm] = {
                "customers": int(sel.sum()),
                "voluntary_churn_60d": round(float(churned.mean()), 4) if len(churned) else None,
            }
        out["winback"] = arms
    return out


def _churned_within(
    cust: np.ndarray, at: np.ndarray, churn_cust: np.ndarray, churn_at: np.ndarray, window: int
) -> np.ndarray:
    """For each (customer, instant), whether the customer churned within ``window`` seconds after it."""
    key = churn_cust.astype(np.int64)
    order = np.lexsort((churn_at, key))
    key, times = key[order], churn_at[order]
    pos = np.searchsorted(
        key * 2**40 + (times - times.min() if len(times) else times),
        cust.astype(np.int64) * 2**40 + (at - (times.min() if len(times) else 0)),
        side="right",
    )
    hit = np.zeros(len(cust), dtype=bool)
    ok = pos < len(key)
    p = np.minimum(pos, max(len(key) - 1, 0))
    if len(key):
        hit = ok & (key[p] == cust) & (times[p] - at <= window)
    return hit
