"""A short summary of what a store holds, for ``tenure status`` and the first run."""

from __future__ import annotations

from typing import Any

from tenure.schema import TABLES
from tenure.store import Store

_TIME_COLUMN = {
    "subscriptions": "start_date",
    "events": "occurred_at",
    "invoices": "issued_at",
    "payments": "attempted_at",
    "tickets": "opened_at",
    "responses": "submitted_at",
    "orders": "ordered_at",
    "costs": "period_start",
    "rates": "date",
    "touches": "touched_at",
    "customers": "created_at",
}


def summarize(store: Store) -> dict[str, Any]:
    """Rows per table with the span of their time column, and customers active at the latest start.

    Examples
    --------
    >>> summarize(store)["tables"]["customers"]["rows"]   # doctest: +SKIP
    2000
    """
    con = store.duckdb()
    try:
        tables: dict[str, dict[str, Any]] = {}
        for name in TABLES:
            column = _TIME_COLUMN[name]
            rows, first, last = con.execute(
                f'SELECT count(*), min("{column}"), max("{column}") FROM "{name}"'
            ).fetchone()  # type: ignore[misc]
            tables[name] = {"rows": rows, "from": first, "to": last}
        latest = tables["subscriptions"]["to"]
        active = None
        if latest is not None:
            active = con.execute(
                "SELECT count(DISTINCT customer_id) FROM subscriptions WHERE start_date <= ? "
                "AND (end_date IS NULL OR end_date > ?)",
                [latest, latest],
            ).fetchone()[0]  # type: ignore[index]
        return {"tables": tables, "customers_active_now": active}
    finally:
        con.close()
