"""CSM tasks: work for a customer-success manager, created by playbooks (or by hand).

A task is created once per key (playbook, customer, run window, action), so reruns add nothing.

Examples
--------
>>> create_task(store, "nps:2025-06-01:c1:0", customer_id="c1", title="Call Ann")   # doctest: +SKIP
True
>>> [t["title"] for t in open_tasks(store)]                                          # doctest: +SKIP
['Call Ann']
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from tenure.actions.deliveries import insert_ignore, inserted, now
from tenure.actions.tables import tasks
from tenure.errors import NotFoundError
from tenure.store import Store


def create_task(
    store: Store,
    task_id: str,
    *,
    customer_id: str,
    title: str,
    assignee: str | None = None,
    due_at: dt.datetime | None = None,
    playbook: str | None = None,
) -> bool:
    """Create a task unless one with ``task_id`` exists; True when this call created it."""
    stmt = insert_ignore(store, tasks).values(
        task_id=task_id,
        playbook=playbook,
        customer_id=customer_id,
        assignee=assignee,
        title=title,
        due_at=due_at,
        status="open",
        created_at=now(),
    )
    with store.engine.begin() as conn:
        return inserted(conn, stmt)


def open_tasks(store: Store, assignee: str | None = None) -> list[dict[str, Any]]:
    """Open tasks, soonest due first (all, or one assignee's)."""
    stmt = sa.select(tasks).where(tasks.c.status == "open").order_by(tasks.c.due_at, tasks.c.task_id)
    if assignee is not None:
        stmt = stmt.where(tasks.c.assignee == assignee)
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(stmt).mappings().all()]


def complete_task(store: Store, task_id: str) -> None:
    """Mark a task done."""
    with store.engine.begin() as conn:
        done = conn.execute(sa.update(tasks).where(tasks.c.task_id == task_id).values(status="done")).rowcount
    if not done:
        raise NotFoundError(f"no task {task_id!r}")
