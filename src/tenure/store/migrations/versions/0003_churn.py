"""churn models, health weights and scores

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-23 05:40:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import sqlite

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("churn",)
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime().with_variant(sqlite.DATETIME(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "churn_models",
        sa.Column("version", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("kind", sa.Text(), nullable=False, comment="logistic or lightgbm"),
        sa.Column("horizon_days", sa.Integer(), nullable=False),
        sa.Column("trained_from", _TS, nullable=True, comment="first observation date trained on"),
        sa.Column("trained_to", _TS, nullable=True, comment="last observation date trained on"),
        sa.Column("metadata", sa.Text(), nullable=False, comment="features, settings, back-test figures, as JSON"),
        sa.Column("model", sa.LargeBinary(), nullable=False, comment="the fitted model, joblib-serialised"),
        sa.PrimaryKeyConstraint("version"),
        comment="Saved churn models, one row per version; scoring uses the newest unless told otherwise.",
    )
    op.create_table(
        "health_weights",
        sa.Column("version", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("fitted_at", _TS, nullable=False),
        sa.Column("weights", sa.Text(), nullable=False, comment="component name to weight, as JSON"),
        sa.Column("metadata", sa.Text(), nullable=True, comment="fit window and AUCs, as JSON"),
        sa.PrimaryKeyConstraint("version"),
        comment="Health-score weights learned by `tenure health fit`; the newest one is used.",
    )
    op.create_table(
        "churn_scores",
        sa.Column("score_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("customer_id", sa.Text(), nullable=False),
        sa.Column("scored_at", _TS, nullable=False, comment="the as-of date the features were taken at"),
        sa.Column("probability", sa.Float(precision=53), nullable=False, comment="calibrated churn probability"),
        sa.Column("band", sa.Text(), nullable=False, comment="risk band: high, medium or low"),
        sa.Column("health", sa.Float(precision=53), nullable=True, comment="health score 0-100"),
        sa.Column("health_band", sa.Text(), nullable=True, comment="red, amber or green"),
        sa.Column("reasons", sa.Text(), nullable=True, comment="top reasons in plain words, as a JSON list"),
        sa.Column("health_components", sa.Text(), nullable=True, comment="the health components (0-100), as JSON"),
        sa.Column("model_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("score_id"),
        comment="Churn scores per customer and scoring date, for the web app and playbooks.",
    )
    with op.batch_alter_table("churn_scores", schema=None) as batch_op:
        batch_op.create_index("ix_churn_scores_scored_customer", ["scored_at", "customer_id"], unique=False)
        batch_op.create_index("ix_churn_scores_customer", ["customer_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("churn_scores", schema=None) as batch_op:
        batch_op.drop_index("ix_churn_scores_customer")
        batch_op.drop_index("ix_churn_scores_scored_customer")
    op.drop_table("churn_scores")
    op.drop_table("health_weights")
    op.drop_table("churn_models")
