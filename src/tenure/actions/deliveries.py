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

Playbook runs claim in batches (:func:`claim_many`, one commit per batch of ``BATCH`` messages) and
record ``sent`` per batch (:func:`mark_sent`); a crash therefore leaves at most one batch claimed but
not sent, and those are never sent twice.

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
BATCH = 25
"""Messages claimed per transaction by a playbook run."""


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


def claim_many(store: Store, rows: list[dict[str, Any]]) -> dict[str, str]:
    """Claim many deliveries in one transaction; returns, per key, what this caller should do.

    Each row holds the columns of :func:`claim` (``delivery_key``, ``customer_id``, ``channel``, ...)
    and a ``status``: ``claimed`` to send, or ``suppressed``/``skipped`` to record why not. The
    answer is that status for rows this caller wrote (or a failed one it took back), else
    ``duplicate``. One commit for a whole batch keeps sending fast on a disk that syncs each commit.
    """
    if not rows:
        return {}
    stamp = now()
    full = [
        {
            "playbook": None,
            "touch_id": None,
            "recipient": None,
            "subject": None,
            **r,
            "attempts": 1 if r["status"] == "claimed" else 0,
            "claimed_at": stamp,
        }
        for r in rows
    ]
    out = {r["delivery_key"]: "duplicate" for r in full}
    with store.engine.begin() as conn:
        for row in full:
            if inserted(conn, insert_ignore(store, deliveries).values(**row)):
                out[row["delivery_key"]] = row["status"]
            elif row["status"] == "claimed":
                retaken = conn.execute(
                    sa.update(deliveries)
                    .where(
                        deliveries.c.delivery_key == row["delivery_key"],
                        deliveries.c.status == "failed",
                        deliveries.c.attempts < MAX_ATTEMPTS,
                    )
                    .values(status="claimed", attempts=deliveries.c.attempts + 1, claimed_at=stamp, error=None)
                ).rowcount
                if retaken == 1:
                    out[row["delivery_key"]] = "claimed"
    return out


def mark_sent(store: Store, keys: list[str]) -> None:
    """Record many claimed deliveries as sent, in one transaction."""
    if not keys:
        return
    with store.engine.begin() as conn:
        for start in range(0, len(keys), 500):
            conn.execute(
                sa.update(deliveries)
                .where(deliveries.c.delivery_key.in_(keys[start : start + 500]))
                .values(status="sent", sent_at=now(), error=None)
            )


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
