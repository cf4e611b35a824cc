"""The store's tables: the canonical tables of :mod:`tenure.schema`, plus what the app keeps.

Canonical tables are built from the schema so the two cannot disagree. Tables identified by a hash
of several columns (``Table.hashed_key``) get a 64-bit ``row_key`` primary key; in SQLite that is the
rowid itself, which keeps the events table compact and fast to scan.

Timestamps are naive UTC. In SQLite they are ISO 8601 text with a ``T`` separator, the form the bulk
loader writes, so text comparison and time order agree.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite

from tenure.schema import TABLES, Column

metadata = sa.MetaData()

_SQLITE_DATETIME = sqlite.DATETIME(
    storage_format="%(year)04d-%(month)02d-%(day)02dT%(hour)02d:%(minute)02d:%(second)02d.%(microsecond)06d",
    regexp=r"(\d+)-(\d+)-(\d+)(?:[T ](\d+):(\d+):(\d+)(?:\.(\d+))?)?",
)
Timestamp = sa.DateTime().with_variant(_SQLITE_DATETIME, "sqlite")
"""Naive-UTC timestamp; ISO text with a ``T`` in SQLite."""

RowKey = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
"""64-bit key; declared INTEGER in SQLite so it becomes the rowid."""

_TYPES: dict[str, sa.types.TypeEngine] = {
    "id": sa.Text(),
    "text": sa.Text(),
    "datetime": Timestamp,
    "money": sa.Float(53),
    "number": sa.Float(53),
    "integer": sa.BigInteger(),
    "currency": sa.String(3),
    "json": sa.Text(),
    "enum": sa.Text(),
}


def _column(col: Column) -> sa.Column:
    return sa.Column(col.name, _TYPES[col.kind], nullable=not col.required)


STORE_KEYS: dict[str, tuple[str, ...]] = {"events": ("customer_id", "occurred_at", "row_key")}
"""Primary keys that differ from the schema's key.

Events are clustered by customer and time (a ``WITHOUT ROWID`` table in SQLite): the key a customer's
timeline is read by, and the order bulk loads append in, so loading is fast and so is a customer's
history. The content hash ``row_key`` makes identical events one event.
"""


def store_key(name: str) -> tuple[str, ...]:
    """The primary-key columns of a canonical table in the store."""
    if name in STORE_KEYS:
        return STORE_KEYS[name]
    spec = TABLES[name]
    return ("row_key",) if spec.hashed_key else (spec.key[0],)


def _canonical_table(name: str) -> sa.Table:
    spec = TABLES[name]
    key = store_key(name)
    cols: list[sa.Column] = []
    if spec.hashed_key:
        cols.append(sa.Column("row_key", RowKey if key == ("row_key",) else sa.BigInteger(), autoincrement=False))
    cols += [_column(c) for c in spec.columns]
    if spec.keeps_extra_columns:
        cols.append(sa.Column("attributes", sa.Text(), nullable=True, comment="extra columns, as JSON"))
    kw: dict[str, Any] = {"sqlite_with_rowid": False} if name in STORE_KEYS else {}
    return sa.Table(name, metadata, *cols, sa.PrimaryKeyConstraint(*key), comment=spec.description, **kw)


customers = _canonical_table("customers")
subscriptions = _canonical_table("subscriptions")
events = _canonical_table("events")
invoices = _canonical_table("invoices")
payments = _canonical_table("payments")
tickets = _canonical_table("tickets")
responses = _canonical_table("responses")
orders = _canonical_table("orders")
costs = _canonical_table("costs")
rates = _canonical_table("rates")
touches = _canonical_table("touches")

sa.Index("ix_subscriptions_customer", subscriptions.c.customer_id)
sa.Index("ix_invoices_customer", invoices.c.customer_id)
sa.Index("ix_payments_invoice", payments.c.invoice_id)
sa.Index("ix_tickets_customer", tickets.c.customer_id)
sa.Index("ix_responses_customer", responses.c.customer_id)
sa.Index("ix_orders_customer", orders.c.customer_id)
sa.Index("ix_touches_playbook_customer", touches.c.playbook, touches.c.customer_id)

CANONICAL: dict[str, sa.Table] = {name: metadata.tables[name] for name in TABLES}

imports = sa.Table(
    "imports",
    metadata,
    sa.Column("import_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("started_at", Timestamp, nullable=False),
    sa.Column("finished_at", Timestamp, nullable=True),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("rows", sa.Text, nullable=True, comment="rows read, inserted, updated per table, as JSON"),
    comment="One row per import run.",
)

app_settings = sa.Table(
    "app_settings",
    metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
    comment="Values the app keeps for itself, such as its generated signing key.",
)
