"""The delivery log: claim a message before sending it, mark it after, so nothing is sent twice.

Every message and webhook has an idempotency key built from (playbook, customer, run window, action).
Sending is *claim, send, mark*:

1. ``claim`` inserts the key with status ``claimed`` (``INSERT ... ON CONFLICT DO NOTHING``). Only the
   caller whose insert went in may send; a retry, a second worker or a rerun finds the row and skips.
2. The message is sent.
3. ``mark`` records ``sent`` (or ``failed`` with the error).

A ``failed`` delivery (the server refused it, so nothing went out) may be claimed again, by one caller
only. A delivery left ``claimed`` by a crash between send and mark is never retried automatically:
the message may have gone out, and sending it twice is the one thing the log exists to prevent.

Examples
--------
>>> claim(store, "winback:2025-06-01:c1:0:email", customer_id="c1", channel="email")  # doctest: +SKIP
True
>>> claim(store, "winback:2025-06-01:c1:0:email", customer_id="c1", channel="email")  # doctest: +SKIP
False
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from tenure.actions.tables import deliveries
from tenure.store import Store

MAX_ATTEMPTS = 3
"""A failed delivery is tried at most this many times in all."""


def now() -> dt.datetime:
    """The current naive-UTC time (what the store keeps)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def insert_ignore(store: Store, table: sa.Table) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING`` for ``table`` in the store's dialect."""
    stmt = postgresql.insert(table) if store.dialect == "postgresql" else sqlite.insert(table)
    return stmt.on_conflict_do_nothing()


def inserted(conn: sa.Connection, stmt: Any) -> bool:
    """Run an ``insert_ignore`` statement for one row; True when the row went in.

    Uses ``RETURNING`` rather than the row count, which some drivers do not report for
    ``ON CONFLICT DO NOTHING``.
    """
    table = stmt.table
    key = next(iter(table.primary_key.columns))
    return conn.execute(stmt.returning(key)).first() is not None


def claim(
    store: Store,
    key: str,
    *,
    customer_id: str,
    channel: str,
    playbook: str | None = None,
    touch_id: str | None = None,
    recipient: str | None = None,
    subject: str | None = None,
    status: str = "claimed",
) -> bool:
    """Claim delivery ``key``; True when this caller now owns it and may send.

    With ``status`` other than ``claimed`` (``suppressed``, ``skipped``) the row records why nothing
    is sent, and the result says whether this caller wrote it.
    """
    values = {
        "delivery_key": key,
        "playbook": playbook,
        "customer_id": customer_id,
        "touch_id": touch_id,
        "channel": channel,
        "recipient": recipient,
        "subject": subject,
        "status": status,
        "attempts": 1 if status == "claimed" else 0,
        "claimed_at": now(),
    }
    with store.engine.begin() as conn:
        if inserted(conn, insert_ignore(store, deliveries).values(**values)):
            return True
        if status != "claimed":
            return False
        retaken = conn.execute(
            sa.update(deliveries)
            .where(
                deliveries.c.delivery_key == key,
                deliveries.c.status == "failed",
                deliveries.c.attempts < MAX_ATTEMPTS,
            )
            .values(status="claimed", attempts=deliveries.c.attempts + 1, claimed_at=now(), error=None)
        ).rowcount
    return retaken == 1


def mark(store: Store, key: str, status: str, error: str | None = None) -> None:
    """Record the outcome of a claimed delivery: ``sent`` or ``failed``."""
    values: dict[str, Any] = {"status": status, "error": error}
    if status == "sent":
        values["sent_at"] = now()
    with store.engine.begin() as conn:
        conn.execute(sa.update(deliveries).where(deliveries.c.delivery_key == key).values(**values))


def status_counts(store: Store, playbook: str | None = None) -> dict[str, int]:
    """Deliveries per status (of one playbook, or all)."""
    stmt = sa.select(deliveries.c.status, sa.func.count()).group_by(deliveries.c.status)
    if playbook is not None:
        stmt = stmt.where(deliveries.c.playbook == playbook)
    with store.engine.connect() as conn:
        return {s: int(n) for s, n in conn.execute(stmt).all()}
