"""The tables the actions keep: playbooks and their versions, runs, deliveries, suppressions, tasks,
coupons and tags.

Touches (who was treated or held out) live in the canonical ``touches`` table, so imported campaign
history and Tenure's own playbooks are reported the same way.

Every row an action writes carries a unique key derived from (playbook, customer, run window,
action), and is claimed with ``INSERT ... ON CONFLICT DO NOTHING`` before the action happens: a
retry, a crash or two workers running the same playbook can never act twice.
"""

from __future__ import annotations

import sqlalchemy as sa

from tenure.store.tables import Timestamp, metadata

playbooks = sa.Table(
    "playbooks",
    metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("version", sa.Integer, nullable=False, comment="the current version"),
    sa.Column("updated_at", Timestamp, nullable=False),
    comment="One row per playbook: whether the scheduler runs it, and its current version.",
)

playbook_versions = sa.Table(
    "playbook_versions",
    metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("definition", sa.Text, nullable=False, comment="the playbook as YAML"),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("source", sa.Text, nullable=True, comment="file or 'builtin' it came from"),
    comment="Every version of every playbook, as YAML; never updated, only added to.",
)

playbook_runs = sa.Table(
    "playbook_runs",
    metadata,
    sa.Column("run_key", sa.Text, primary_key=True, comment="playbook:window"),
    sa.Column("playbook", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=True),
    sa.Column("window", sa.Text, nullable=False, comment="the run window, an ISO date"),
    sa.Column("started_at", Timestamp, nullable=False),
    sa.Column("finished_at", Timestamp, nullable=True),
    sa.Column("status", sa.Text, nullable=False, comment="running, done or failed"),
    sa.Column("summary", sa.Text, nullable=True, comment="counts, as JSON"),
    comment="One row per playbook per run window; the scheduler claims a window before running it.",
)

deliveries = sa.Table(
    "deliveries",
    metadata,
    sa.Column("delivery_key", sa.Text, primary_key=True, comment="idempotency key"),
    sa.Column("playbook", sa.Text, nullable=True),
    sa.Column("customer_id", sa.Text, nullable=False),
    sa.Column("touch_id", sa.Text, nullable=True),
    sa.Column("channel", sa.Text, nullable=False, comment="email or webhook"),
    sa.Column("recipient", sa.Text, nullable=True, comment="address or URL"),
    sa.Column("subject", sa.Text, nullable=True),
    sa.Column(
        "status",
        sa.Text,
        nullable=False,
        comment="claimed (sending), sent, failed (may be retried), suppressed, skipped",
    ),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("claimed_at", Timestamp, nullable=False),
    sa.Column("sent_at", Timestamp, nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    comment="Delivery log: one row per message or webhook, claimed before sending, marked after.",
)
sa.Index("ix_deliveries_playbook", deliveries.c.playbook, deliveries.c.customer_id)

suppressions = sa.Table(
    "suppressions",
    metadata,
    sa.Column("email", sa.Text, primary_key=True, comment="lower-cased address"),
    sa.Column("customer_id", sa.Text, nullable=True),
    sa.Column("reason", sa.Text, nullable=False, comment="unsubscribed, bounced, manual"),
    sa.Column("created_at", Timestamp, nullable=False),
    comment="Addresses no email is ever sent to.",
)

tasks = sa.Table(
    "tasks",
    metadata,
    sa.Column("task_id", sa.Text, primary_key=True, comment="idempotency key"),
    sa.Column("playbook", sa.Text, nullable=True),
    sa.Column("customer_id", sa.Text, nullable=False),
    sa.Column("assignee", sa.Text, nullable=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("due_at", Timestamp, nullable=True),
    sa.Column("status", sa.Text, nullable=False, comment="open or done"),
    sa.Column("created_at", Timestamp, nullable=False),
    comment="Tasks for customer-success managers.",
)
sa.Index("ix_tasks_assignee_status", tasks.c.assignee, tasks.c.status)

coupons = sa.Table(
    "coupons",
    metadata,
    sa.Column("code", sa.Text, primary_key=True),
    sa.Column("coupon_key", sa.Text, nullable=False, unique=True, comment="idempotency key"),
    sa.Column("playbook", sa.Text, nullable=True),
    sa.Column("customer_id", sa.Text, nullable=False),
    sa.Column("percent_off", sa.Float(53), nullable=False),
    sa.Column("duration_months", sa.Integer, nullable=True),
    sa.Column("expires_at", Timestamp, nullable=True),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("redeemed_at", Timestamp, nullable=True),
    comment="Coupon codes issued to customers.",
)

tags = sa.Table(
    "tags",
    metadata,
    sa.Column("customer_id", sa.Text, primary_key=True),
    sa.Column("tag", sa.Text, primary_key=True),
    sa.Column("playbook", sa.Text, nullable=True),
    sa.Column("created_at", Timestamp, nullable=False),
    comment="Tags put on customers by playbooks or people.",
)

ACTION_TABLES = (playbooks, playbook_versions, playbook_runs, deliveries, suppressions, tasks, coupons, tags)
