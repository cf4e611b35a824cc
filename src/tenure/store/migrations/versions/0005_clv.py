"""per-customer CLV scores

Revision ID: 0005
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import sqlite

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("clv",)
depends_on: str | Sequence[str] | None = None

_ts = sa.DateTime().with_variant(sqlite.DATETIME(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "clv_scores",
        sa.Column("customer_id", sa.Text(), nullable=False),
        sa.Column("as_of", _ts, nullable=False),
        sa.Column("computed_at", _ts, nullable=False),
        sa.Column("subscription_clv", sa.Float(precision=53), nullable=True),
        sa.Column("expected_lifetime_months", sa.Float(precision=53), nullable=True),
        sa.Column("renewal_probability", sa.Float(precision=53), nullable=True),
        sa.Column("order_clv", sa.Float(precision=53), nullable=True),
        sa.Column("p_alive", sa.Float(precision=53), nullable=True),
        sa.Column("expected_orders", sa.Float(precision=53), nullable=True),
        sa.Column("clv", sa.Float(precision=53), nullable=False),
        sa.PrimaryKeyConstraint("customer_id"),
    )


def downgrade() -> None:
    op.drop_table("clv_scores")
