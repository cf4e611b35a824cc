"""actions: playbooks, versions, runs, deliveries, suppressions, tasks, coupons, tags

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-23 06:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import sqlite

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("actions",)
depends_on: str | Sequence[str] | None = None


def _ts() -> sa.types.TypeEngine:
    return sa.DateTime().with_variant(sqlite.DATETIME(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "playbooks",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False, comment="the current version"),
        sa.Column("updated_at", _ts(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
        comment="One row per playbook: whether the scheduler runs it, and its current version.",
    )
    op.create_table(
        "playbook_versions",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False, comment="the playbook as YAML"),
        sa.Column("created_at", _ts(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True, comment="file or 'builtin' it came from"),
        sa.PrimaryKeyConstraint("name", "version"),
        comment="Every version of every playbook, as YAML; never updated, only added to.",
    )
    op.create_table(
        "playbook_runs",
        sa.Column("run_key", sa.Text(), nullable=False, comment="playbook:window"),
        sa.Column("playbook", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("window", sa.Text(), nullable=False, comment="the run window, an ISO date"),
        sa.Column("started_at", _ts(), nullable=False),
        sa.Column("finished_at", _ts(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False, comment="running, done or failed"),
        sa.Column("summary", sa.Text(), nullable=True, comment="counts, as JSON"),
        sa.PrimaryKeyConstraint("run_key"),
        comment="One row per playbook per run window; the scheduler claims a window before running it.",
    )
    op.create_table(
        "deliveries",
        sa.Column("delivery_key", sa.Text(), nullable=False, comment="idempotency key"),
        sa.Column("playbook", sa.Text(), nullable=True),
        sa.Column("customer_id", sa.Text(), nullable=False),
        sa.Column("touch_id", sa.Text(), nullable=True),
        sa.Column("channel", sa.Text(), nullable=False, comment="email or webhook"),
        sa.Column("recipient", sa.Text(), nullable=True, comment="address or URL"),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column(
            "status",
            sa.Text(),
            nullable=False,
            comment="claimed (sending), sent, failed (may be retried), suppressed, skipped",
        ),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("claimed_at", _ts(), nullable=False),
        sa.Column("sent_at", _ts(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("delivery_key"),
        comment="Delivery log: one row per message or webhook, claimed before sending, marked after.",
    )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_deliveries_playbook", ["playbook", "customer_id"], unique=False)
    op.create_table(
        "suppressions",
        sa.Column("email", sa.Text(), nullable=False, comment="lower-cased address"),
        sa.Column("customer_id", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False, comment="unsubscribed, bounced, manual"),
        sa.Column("created_at", _ts(), nullable=False),
        sa.PrimaryKeyConstraint("email"),
        comment="Addresses no email is ever sent to.",
    )
    op.create_table(
        "tasks",
        sa.Column("task_id", sa.Text(), nullable=False, comment="idempotency key"),
        sa.Column("playbook", sa.Text(), nullable=True),
        sa.Column("customer_id", sa.Text(), nullable=False),
        sa.Column("assignee", sa.Text(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("due_at", _ts(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False, comment="open or done"),
        sa.Column("created_at", _ts(), nullable=False),
        sa.PrimaryKeyConstraint("task_id"),
        comment="Tasks for customer-success managers.",
    )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index("ix_tasks_assignee_status", ["assignee", "status"], unique=False)
    op.create_table(
        "coupons",
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("coupon_key", sa.Text(), nullable=False, comment="idempotency key"),
        sa.Column("playbook", sa.Text(), nullable=True),
        sa.Column("customer_id", sa.Text(), nullable=False),
        sa.Column("percent_off", sa.Float(precision=53), nullable=False),
        sa.Column("duration_months", sa.Integer(), nullable=True),
        sa.Column("expires_at", _ts(), nullable=True),
        sa.Column("created_at", _ts(), nullable=False),
        sa.Column("redeemed_at", _ts(), nullable=True),
        sa.PrimaryKeyConstraint("code"),
        sa.UniqueConstraint("coupon_key"),
        comment="Coupon codes issued to customers.",
    )
    op.create_table(
        "tags",
        sa.Column("customer_id", sa.Text(), nullable=False),
        sa.Column("tag", sa.Text(), nullable=False),
        sa.Column("playbook", sa.Text(), nullable=True),
        sa.Column("created_at", _ts(), nullable=False),
        sa.PrimaryKeyConstraint("customer_id", "tag"),
        comment="Tags put on customers by playbooks or people.",
    )


def downgrade() -> None:
    op.drop_table("tags")
    op.drop_table("coupons")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_tasks_assignee_status")
    op.drop_table("tasks")
    op.drop_table("suppressions")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_deliveries_playbook")
    op.drop_table("deliveries")
    op.drop_table("playbook_runs")
    op.drop_table("playbook_versions")
    op.drop_table("playbooks")
