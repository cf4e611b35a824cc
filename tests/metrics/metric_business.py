"""A random subscription business in the canonical format, for engine-agreement tests and the bench.

Customers sign up over the months, pay for one of a few plans (some annual, some in EUR), upgrade or
downgrade now and then, cancel with a monthly hazard, and some come back later. Some pay late, some
answer NPS and CSAT surveys, some file tickets; their users leave usage events; there is a monthly
retention budget. Everything is drawn from one seeded generator, so a seed gives the same business.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

PLANS = (("starter", 29.0), ("pro", 99.0), ("business", 299.0), ("free", 0.0))


def random_business(
    folder: Path,
    customers: int = 300,
    months: int = 12,
    seed: int = 1,
    start: datetime = datetime(2024, 1, 1),
    events_per_customer_month: float = 3.0,
) -> Path:
    """Write ``customers``, ``subscriptions``, ``events``, ``responses``, ``tickets``, ``invoices``,
    ``costs`` and ``rates`` as Parquet files in ``folder``."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    horizon = months * 30.4375
    ids = [f"c{i:06d}" for i in range(customers)]
    # A third are customers already at the start; the rest sign up over the period.
    signup = np.where(rng.random(customers) < 0.33, -rng.random(customers) * 200, rng.random(customers) * horizon)
    countries = rng.choice(["US", "DE", "FR", "GB"], customers)
    channels = rng.choice(["organic", "paid", "partner"], customers)
    segments = rng.choice(["smb", "mid-market", "enterprise"], customers, p=[0.7, 0.25, 0.05])
    pq.write_table(
        pa.table(
            {
                "customer_id": ids,
                "name": [f"Customer {i}" for i in range(customers)],
                "country": countries,
                "channel": channels,
                "segment": segments,
            }
        ),
        folder / "customers.parquet",
    )

    sub: dict[str, list] = {
        k: []
        for k in (
            "customer_id",
            "subscription_id",
            "plan",
            "start_date",
            "end_date",
            "mrr",
            "list_mrr",
            "currency",
            "billing_period_months",
            "canceled_at",
        )
    }
    spans: list[tuple[int, float, float]] = []  # customer, start day, end day (inf = ongoing)
    for c in range(customers):
        t = float(signup[c])
        spell = 0
        eur = countries[c] in ("DE", "FR")
        while t < horizon:
            plan = int(rng.choice(4, p=[0.45, 0.35, 0.1, 0.1]))
            annual = rng.random() < 0.15
            hazard = (0.015 if annual else 0.04) * (0.5 if segments[c] == "enterprise" else 1.0)
            life = rng.exponential(30.4375 / hazard)
            end = t + life
            cursor = t
            sid = f"{ids[c]}-s{spell}"
            while cursor < min(end, horizon):
                change = rng.exponential(30.4375 * 8)
                row_end = min(cursor + change, end)
                price = PLANS[plan][1]
                discount = 0.2 if rng.random() < 0.1 else 0.0
                mrr = round(price * (1 - discount), 2)
                canceled = row_end - rng.random() * 20 if row_end == end and rng.random() < 0.5 else None
                _add(
                    sub,
                    ids[c],
                    sid,
                    PLANS[plan][0],
                    start,
                    cursor,
                    row_end if row_end < horizon else None,
                    mrr,
                    price if discount else None,
                    "EUR" if eur else "USD",
                    12 if annual else 1,
                    canceled,
                )
                spans.append((c, cursor, row_end))
                cursor = row_end
                plan = int(np.clip(plan + rng.choice([-1, 1]), 0, 2)) if plan != 3 else int(rng.choice([0, 3]))
            if rng.random() < 0.7:
                break
            t = end + rng.exponential(90)
            spell += 1
    pq.write_table(pa.table(_arrays(sub)), folder / "subscriptions.parquet")

    pq.write_table(
        pa.table(
            {
                "currency": ["EUR", "EUR", "EUR"],
                "date": [
                    start - timedelta(days=400),
                    start + timedelta(days=120),
                    start + timedelta(days=300),
                ],
                "rate": [1.08, 1.1, 1.05],
            }
        ),
        folder / "rates.parquet",
    )

    ev_c, ev_t, ev_u = [], [], []
    resp: dict[str, list] = {k: [] for k in ("response_id", "customer_id", "survey", "score", "submitted_at")}
    tick: dict[str, list] = {k: [] for k in ("ticket_id", "customer_id", "opened_at", "closed_at", "csat")}
    inv: dict[str, list] = {
        k: [] for k in ("invoice_id", "customer_id", "issued_at", "amount", "due_at", "status", "paid_at")
    }
    for c, s, e in spans:
        lo, hi = max(s, 0.0), min(e, horizon)
        if hi <= lo:
            continue
        n = rng.poisson(events_per_customer_month * (hi - lo) / 30.4375)
        when = lo + rng.random(n) * (hi - lo)
        ev_c.append(np.full(n, c))
        ev_t.append(when)
        ev_u.append(rng.integers(0, 4, n))
        if rng.random() < 0.3:
            at = start + timedelta(days=float(lo + rng.random() * (hi - lo)))
            k = len(resp["response_id"])
            survey = "nps" if rng.random() < 0.7 else "csat"
            score = (
                int(rng.choice(11, p=[0.03, 0.02, 0.03, 0.03, 0.04, 0.05, 0.07, 0.12, 0.2, 0.21, 0.2]))
                if survey == "nps"
                else int(rng.integers(1, 6))
            )
            for key, v in zip(resp, (f"r{k}", ids[c], survey, score, at), strict=True):
                resp[key].append(v)
        if rng.random() < 0.2:
            k = len(tick["ticket_id"])
            opened = start + timedelta(days=float(lo + rng.random() * (hi - lo)))
            closed = opened + timedelta(hours=float(rng.exponential(30))) if rng.random() < 0.9 else None
            csat = int(rng.integers(1, 6)) if closed and rng.random() < 0.5 else None
            for key, v in zip(tick, (f"t{k}", ids[c], opened, closed, csat), strict=True):
                tick[key].append(v)
        if rng.random() < 0.1:
            k = len(inv["invoice_id"])
            issued = start + timedelta(days=float(lo + rng.random() * (hi - lo)))
            due = issued + timedelta(days=14)
            late = rng.random()
            status, paid = (
                ("paid", due + timedelta(days=float(rng.integers(0, 60))))
                if late < 0.6
                else (("open", None) if late < 0.9 else ("void", None))
            )
            for key, v in zip(inv, (f"i{k}", ids[c], issued, 99.0, due, status, paid), strict=True):
                inv[key].append(v)
    cust = np.concatenate(ev_c) if ev_c else np.zeros(0, int)
    days = np.concatenate(ev_t) if ev_t else np.zeros(0)
    users = np.concatenate(ev_u) if ev_u else np.zeros(0, int)
    when64 = np.datetime64(start, "us") + (days * 86_400e6).astype("timedelta64[us]")
    user_names = np.array([None, "u1", "u2", "u3"], dtype=object)
    pq.write_table(
        pa.table(
            {
                "customer_id": pa.array(np.array(ids, dtype=object)[cust], pa.string()),
                "event_type": pa.array(np.full(len(cust), "login", dtype=object), pa.string()),
                "occurred_at": pa.array(when64, pa.timestamp("us")),
                "user_id": pa.array(user_names[users], pa.string()),
            }
        ),
        folder / "events.parquet",
    )
    pq.write_table(pa.table(_arrays(resp)), folder / "responses.parquet")
    pq.write_table(pa.table(_arrays(tick)), folder / "tickets.parquet")
    pq.write_table(pa.table(_arrays(inv)), folder / "invoices.parquet")
    pq.write_table(
        pa.table(
            {
                "period_start": [start + timedelta(days=91 * q) for q in range(months // 3 + 1)],
                "period_end": [start + timedelta(days=91 * (q + 1)) for q in range(months // 3 + 1)],
                "amount": [1000.0 + 250 * q for q in range(months // 3 + 1)],
                "category": ["customer_success"] * (months // 3 + 1),
            }
        ),
        folder / "costs.parquet",
    )
    return folder


def _add(
    sub: dict,
    cid: str,
    sid: str,
    plan: str,
    start: datetime,
    s: float,
    e: float | None,
    mrr: float,
    list_mrr: float | None,
    currency: str,
    period: int,
    canceled: float | None,
) -> None:
    if e is not None and _day(start, e) <= _day(start, s):
        return  # shorter than a day once cut to whole days
    values = (
        cid,
        sid,
        plan,
        _day(start, s),
        None if e is None else _day(start, e),
        mrr,
        list_mrr,
        currency,
        period,
        None if canceled is None else _day(start, canceled),
    )
    for key, v in zip(sub, values, strict=True):
        sub[key].append(v)


def _day(start: datetime, days: float) -> datetime:
    return start + timedelta(days=int(np.floor(days)))


def _arrays(columns: dict[str, list]) -> dict[str, pa.Array]:
    out = {}
    for k, v in columns.items():
        if any(isinstance(x, datetime) for x in v):
            out[k] = pa.array(v, pa.timestamp("us"))
        elif any(isinstance(x, float) for x in v):
            out[k] = pa.array(v, pa.float64())
        elif any(isinstance(x, (int, np.integer)) for x in v):
            out[k] = pa.array([None if x is None else int(x) for x in v], pa.int64())
        else:
            out[k] = pa.array(v, pa.string())
    return out
