"""Tags on customers, put by playbooks or people.

Examples
--------
>>> add_tag(store, "c1", "winback-2025")     # doctest: +SKIP
True
>>> customer_tags(store, "c1")               # doctest: +SKIP
['winback-2025']
"""

from __future__ import annotations

import sqlalchemy as sa

from tenure.actions.deliveries import insert_ignore, inserted, now
from tenure.actions.tables import tags
from tenure.store import Store


def add_tag(store: Store, customer_id: str, tag: str, playbook: str | None = None) -> bool:
    """Tag a customer; True when the tag is new."""
    stmt = insert_ignore(store, tags).values(customer_id=customer_id, tag=tag, playbook=playbook, created_at=now())
    with store.engine.begin() as conn:
        return inserted(conn, stmt)


def customer_tags(store: Store, customer_id: str) -> list[str]:
    """A customer's tags, sorted."""
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(tags.c.tag).where(tags.c.customer_id == customer_id).order_by(tags.c.tag))
        return list(rows.scalars())
