"""Customer fields: one row per customer as of a moment, the facts conditions and templates read.

Computed in one DuckDB query over the store (SQLite or PostgreSQL scanned in place), so a playbook
over 100,000 customers is evaluated in seconds. ``as_of`` is a moment; everything is measured from
data strictly before it (``--as-of 2025-06-01`` means the start of that day, UTC).

=============================  =====================================================================
field                          meaning
=============================  =====================================================================
customer_id, name, email,      the customer's own columns; each key of ``attributes`` (the extra
segment, country, channel,     columns imported with the customer) is a field too, unless it
owner, created_at              clashes with one of these names
plan                           plan of the customer's largest active subscription line
mrr                            MRR of all active lines, in the reporting currency
active                         has an active subscription line
paying                         mrr > 0
billing_period_months          longest billing period among active lines (1 monthly, 12 annual)
seats                          quantity summed over active lines (None when not given)
days_to_renewal                days to the next renewal of an active line that does not end first
tenure_days                    days since the first subscription started (or since sign-up)
days_since_signup              days since ``created_at``
days_since_last_activity       days since the last event (since sign-up when there is none)
events_30d                     events in the last 30 days; ``events_30d_<type>`` per event type
active_users_30d               distinct users with an event in the last 30 days
seat_usage                     active_users_30d / seats
nps, days_since_nps            the last NPS answer and its age in days
days_since_renewal_request     days since the last discount_request or contract_change ticket
tickets_30d                    tickets opened in the last 30 days
failed_payments_30d            failed payment attempts in the last 30 days
days_since_payment_failed      days since the last failed payment attempt
risk_band, churn_probability,  the latest churn score before ``as_of`` (table ``churn_scores``;
health_score                   None when no model has scored the customer)
onboarding_progress            percent of a playbook's ``checklist`` events done (when it has one)
days_since_<event>             for event types a playbook's trigger names
=============================  =====================================================================
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from tenure.store import Store

BASE_FIELDS: tuple[str, ...] = (
    "customer_id",
    "name",
    "email",
    "segment",
    "country",
    "channel",
    "owner",
    "created_at",
    "plan",
    "mrr",
    "active",
    "paying",
    "billing_period_months",
    "seats",
    "days_to_renewal",
    "tenure_days",
    "days_since_signup",
    "days_since_last_activity",
    "events_30d",
    "active_users_30d",
    "seat_usage",
    "nps",
    "days_since_nps",
    "days_since_renewal_request",
    "tickets_30d",
    "failed_payments_30d",
    "days_since_payment_failed",
    "risk_band",
    "churn_probability",
    "health_score",
    "onboarding_progress",
)
"""Fields every customer has (some may be None)."""

RENEWAL_REQUEST_CATEGORIES = ("discount_request", "contract_change")
MAX_EVENT_TYPE_FIELDS = 50


def as_of_moment(value: str | dt.date | dt.datetime | None) -> dt.datetime:
    """The naive-UTC moment a run is measured at: a date means the start of that day; None means now.

    Examples
    --------
    >>> as_of_moment("2025-06-01")
    datetime.datetime(2025, 6, 1, 0, 0)
    >>> as_of_moment("2025-06-01T12:30:00+02:00")
    datetime.datetime(2025, 6, 1, 10, 30)
    """
    if value is None:
        return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    if isinstance(value, str):
        text = value.strip()
        try:
            value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            from tenure.errors import ConfigurationError

            raise ConfigurationError(
                f"as-of {text!r}: expected an ISO date or time, e.g. 2025-06-01 or 2025-06-01T09:00:00Z"
            ) from None
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value
    return dt.datetime(value.year, value.month, value.day)


def field_name(text: str) -> str:
    """A safe field name from an event type or attribute key: lower case, ``_`` for anything else.

    Examples
    --------
    >>> field_name("Report Created")
    'report_created'
    """
    name = re.sub(r"[^0-9a-zA-Z_]+", "_", text.strip()).strip("_").lower()
    if not name or name[0].isdigit():
        name = f"f_{name}"
    return name


def customer_fields(
    store: Store,
    as_of: str | dt.date | dt.datetime | None = None,
    checklist: Iterable[str] = (),
    event_types: Iterable[str] = (),
) -> pd.DataFrame:
    """Every customer's fields as of ``as_of``: a DataFrame, one row per customer.

    Parameters
    ----------
    store
        The store to read.
    as_of
        The moment to measure at (a date means the start of that day, UTC); default now.
    checklist
        Event types of an onboarding checklist; ``onboarding_progress`` is the percent of them the
        customer has done (ever, before ``as_of``).
    event_types
        Event types to give a ``days_since_<type>`` field (for event triggers).

    Examples
    --------
    >>> frame = customer_fields(store, "2025-06-01")          # doctest: +SKIP
    >>> frame.loc[frame.mrr >= 50, ["customer_id", "plan"]]   # doctest: +SKIP
    """
    t = as_of_moment(as_of)
    checklist = [c for c in dict.fromkeys(checklist) if c]
    event_types = [e for e in dict.fromkeys(event_types) if e]
    con = store.duckdb()
    try:
        return _compute(con, store, t, checklist, event_types)
    finally:
        con.close()


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _has_table(con: Any, name: str) -> bool:
    rows = con.execute(
        "SELECT 1 FROM duckdb_tables() WHERE database_name = 'store' AND table_name = ?", [name]
    ).fetchall()
    if rows:
        return True
    rows = con.execute(
        "SELECT 1 FROM duckdb_views() WHERE database_name = 'store' AND view_name = ?", [name]
    ).fetchall()
    return bool(rows)


def _compute(con: Any, store: Store, t: dt.datetime, checklist: list[str], event_types: list[str]) -> pd.DataFrame:
    ts = f"TIMESTAMP '{t.isoformat(sep=' ')}'"
    reporting = _lit(store.settings.reporting_currency)
    day = 86400.0
    days = f"floor((epoch({ts}) - epoch({{col}})) / {day})"
    con.execute(f"""
        CREATE TEMP TABLE fx AS
        SELECT currency,
               coalesce(arg_max(rate, date) FILTER (WHERE date <= {ts}), arg_min(rate, date)) AS rate
        FROM rates GROUP BY currency
    """)
    con.execute(f"""
        CREATE TEMP TABLE subs AS
        SELECT s.customer_id, s.plan, s.quantity,
               coalesce(s.billing_period_months, 1) AS bpm,
               s.start_date, s.end_date,
               s.mrr * CASE WHEN s.currency IS NULL OR s.currency = {reporting} THEN 1.0
                            ELSE coalesce(fx.rate, 1.0) END AS mrr_rep
        FROM subscriptions s LEFT JOIN fx ON fx.currency = s.currency
        WHERE s.start_date <= {ts} AND (s.end_date IS NULL OR s.end_date > {ts})
    """)
    # the first anniversary of start_date, in steps of the billing period, after as_of
    periods = f"(date_diff('month', start_date, {ts}) // bpm)"
    r0 = f"start_date + to_months(CAST({periods} * bpm AS INTEGER))"
    r1 = f"start_date + to_months(CAST(({periods} + 1) * bpm AS INTEGER))"
    renewal = f"CASE WHEN {r0} > {ts} THEN {r0} ELSE {r1} END"
    con.execute(f"""
        CREATE TEMP TABLE sub_agg AS
        SELECT customer_id,
               arg_max(plan, mrr_rep) AS plan,
               sum(mrr_rep) AS mrr,
               max(bpm) AS billing_period_months,
               sum(quantity) AS seats,
               min(CASE WHEN end_date IS NULL OR end_date > r THEN {days.format(col="r")} * -1 END)
                   AS days_to_renewal
        FROM (SELECT *, {renewal} AS r FROM subs)
        GROUP BY customer_id
    """)
    since30 = f"{ts} - INTERVAL 30 DAY"
    con.execute(f"""
        CREATE TEMP TABLE ev AS
        SELECT customer_id,
               max(occurred_at) AS last_event,
               count(*) FILTER (WHERE occurred_at >= {since30}) AS events_30d,
               count(DISTINCT user_id) FILTER (WHERE occurred_at >= {since30}) AS active_users_30d
        FROM events WHERE occurred_at < {ts}
        GROUP BY customer_id
    """)
    first_sub = con.execute(
        f"SELECT customer_id, min(start_date) AS first_start FROM subscriptions "
        f"WHERE start_date <= {ts} GROUP BY customer_id"
    ).df()
    nps_exists = True
    con.execute(f"""
        CREATE TEMP TABLE nps AS
        SELECT customer_id, arg_max(score, submitted_at) AS nps, max(submitted_at) AS nps_at
        FROM responses WHERE survey = 'nps' AND submitted_at < {ts} GROUP BY customer_id
    """)
    cats = ", ".join(_lit(c) for c in RENEWAL_REQUEST_CATEGORIES)
    con.execute(f"""
        CREATE TEMP TABLE tk AS
        SELECT customer_id,
               max(opened_at) FILTER (WHERE category IN ({cats})) AS renewal_request_at,
               count(*) FILTER (WHERE opened_at >= {since30}) AS tickets_30d
        FROM tickets WHERE opened_at < {ts} GROUP BY customer_id
    """)
    con.execute(f"""
        CREATE TEMP TABLE pay AS
        SELECT i.customer_id,
               count(*) FILTER (WHERE p.attempted_at >= {since30}) AS failed_payments_30d,
               max(p.attempted_at) AS failed_at
        FROM payments p JOIN invoices i ON i.invoice_id = p.invoice_id
        WHERE p.status = 'failed' AND p.attempted_at < {ts} GROUP BY i.customer_id
    """)
    frame = con.execute(f"""
        SELECT c.customer_id, c.name, c.email, c.segment, c.country, c.channel, c.owner, c.created_at,
               c.attributes,
               s.plan, coalesce(s.mrr, 0.0) AS mrr,
               s.customer_id IS NOT NULL AS active,
               coalesce(s.mrr, 0.0) > 0 AS paying,
               s.billing_period_months, s.seats, s.days_to_renewal,
               {days.format(col="c.created_at")} AS days_since_signup,
               e.last_event,
               coalesce(e.events_30d, 0) AS events_30d,
               coalesce(e.active_users_30d, 0) AS active_users_30d,
               n.nps, {days.format(col="n.nps_at")} AS days_since_nps,
               {days.format(col="k.renewal_request_at")} AS days_since_renewal_request,
               coalesce(k.tickets_30d, 0) AS tickets_30d,
               coalesce(p.failed_payments_30d, 0) AS failed_payments_30d,
               {days.format(col="p.failed_at")} AS days_since_payment_failed
        FROM customers c
        LEFT JOIN sub_agg s ON s.customer_id = c.customer_id
        LEFT JOIN ev e ON e.customer_id = c.customer_id
        LEFT JOIN nps n ON n.customer_id = c.customer_id
        LEFT JOIN tk k ON k.customer_id = c.customer_id
        LEFT JOIN pay p ON p.customer_id = c.customer_id
        ORDER BY c.customer_id
    """).df()
    del nps_exists
    first = frame[["customer_id"]].merge(first_sub, on="customer_id", how="left")["first_start"]
    start = first.where(first.notna(), frame["created_at"])
    frame["tenure_days"] = _days_between(start, t)
    last = frame["last_event"].where(frame["last_event"].notna(), start)
    frame["days_since_last_activity"] = _days_between(last, t)
    frame = frame.drop(columns=["last_event"])
    with np.errstate(all="ignore"):
        seats = frame["seats"].astype(float)
        frame["seat_usage"] = np.where(seats > 0, frame["active_users_30d"] / seats, np.nan)
    frame = _add_event_type_counts(con, frame, ts, since30)
    frame = _add_scores(con, frame, ts)
    frame = _add_checklist(con, frame, ts, checklist)
    frame = _add_days_since_events(con, frame, ts, event_types)
    frame = _add_attributes(frame)
    for col in (
        "days_to_renewal",
        "days_since_signup",
        "days_since_nps",
        "days_since_renewal_request",
        "days_since_payment_failed",
        "tenure_days",
        "days_since_last_activity",
        "billing_period_months",
        "seats",
    ):
        frame[col] = frame[col].astype("Float64").astype(float)
    return frame


def _days_between(start: pd.Series, t: dt.datetime) -> np.ndarray:
    stamps = pd.to_datetime(start, errors="coerce")
    seconds = (pd.Timestamp(t) - stamps).dt.total_seconds().to_numpy(dtype=float)
    return np.floor(seconds / 86400.0)


def _add_event_type_counts(con: Any, frame: pd.DataFrame, ts: str, since30: str) -> pd.DataFrame:
    counts = con.execute(f"""
        SELECT customer_id, event_type, count(*) AS n FROM events
        WHERE occurred_at < {ts} AND occurred_at >= {since30} GROUP BY customer_id, event_type
    """).df()
    if counts.empty:
        return frame
    top = counts.groupby("event_type")["n"].sum().sort_values(ascending=False).index[:MAX_EVENT_TYPE_FIELDS]
    wide = counts[counts.event_type.isin(top)].pivot(index="customer_id", columns="event_type", values="n")
    wide.columns = [f"events_30d_{field_name(c)}" for c in wide.columns]
    wide = wide.T.groupby(level=0).sum().T  # two types may map to one field name
    frame = frame.merge(wide, left_on="customer_id", right_index=True, how="left")
    for col in wide.columns:
        frame[col] = frame[col].fillna(0).astype(int)
    return frame


def _add_scores(con: Any, frame: pd.DataFrame, ts: str) -> pd.DataFrame:
    """The latest churn score before ``ts`` (``tenure.models.churn``'s ``churn_scores``), if any."""
    scores = con.execute(f"""
        SELECT customer_id, arg_max(band, scored_at) AS risk_band,
               arg_max(probability, scored_at) AS churn_probability, arg_max(health, scored_at) AS health_score
        FROM store.churn_scores WHERE scored_at < {ts} GROUP BY customer_id
    """).df()
    frame = frame.merge(scores, on="customer_id", how="left")
    frame["risk_band"] = frame["risk_band"].astype(object).where(frame["risk_band"].notna(), None)
    return frame


def _add_checklist(con: Any, frame: pd.DataFrame, ts: str, checklist: list[str]) -> pd.DataFrame:
    if not checklist:
        frame["onboarding_progress"] = np.nan
        return frame
    steps = ", ".join(_lit(c) for c in checklist)
    done = con.execute(f"""
        SELECT customer_id, count(DISTINCT event_type) AS done FROM events
        WHERE occurred_at < {ts} AND event_type IN ({steps}) GROUP BY customer_id
    """).df()
    frame = frame.merge(done, on="customer_id", how="left")
    frame["onboarding_progress"] = frame["done"].fillna(0) * 100.0 / len(checklist)
    return frame.drop(columns=["done"])


def _add_days_since_events(con: Any, frame: pd.DataFrame, ts: str, event_types: list[str]) -> pd.DataFrame:
    for event in event_types:
        col = f"days_since_{field_name(event)}"
        if col in frame.columns:
            continue
        last = con.execute(
            f"SELECT customer_id, max(occurred_at) AS at FROM events "
            f"WHERE occurred_at < {ts} AND event_type = ? GROUP BY customer_id",
            [event],
        ).df()
        merged = frame[["customer_id"]].merge(last, on="customer_id", how="left")["at"]
        t = pd.Timestamp(con.execute(f"SELECT {ts}").fetchone()[0])
        frame[col] = _days_between(merged, t.to_pydatetime())
    return frame


def _add_attributes(frame: pd.DataFrame) -> pd.DataFrame:
    raw = frame.pop("attributes")
    parsed = [_parse_json(v) for v in raw]
    frame["attributes"] = pd.Series(parsed, index=frame.index, dtype=object)
    keys: dict[str, str] = {}
    for attrs in parsed:
        for k in attrs:
            name = field_name(k)
            if name not in frame.columns and name not in keys.values():
                keys[k] = name
    for k, name in keys.items():
        frame[name] = [a.get(k) for a in parsed]
    return frame


def _parse_json(value: Any) -> dict:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return {}
    try:
        data = json.loads(value)
    except (TypeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of a field frame as plain Python dicts (None for missing values)."""
    out: list[dict[str, Any]] = frame.astype(object).where(frame.notna(), None).to_dict("records")  # type: ignore[assignment]
    for row in out:
        for k, v in row.items():
            if isinstance(v, np.generic):
                row[k] = v.item()
            elif isinstance(v, pd.Timestamp):
                row[k] = v.to_pydatetime()
    return out
