"""web app tables: users, sessions, API keys, idempotency records, CSM work, scores, caches

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import sqlite

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("web",)
depends_on: str | Sequence[str] | None = None


def _ts() -> sa.types.TypeEngine:
    return sa.DateTime().with_variant(sqlite.DATETIME(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "web_users",
        sa.Column("user_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False, comment="argon2id hash"),
        sa.Column("role", sa.Text(), nullable=False, comment="admin, analyst or viewer"),
        sa.Column("created_at", _ts(), nullable=False),
        sa.Column("last_login_at", _ts(), nullable=True),
        sa.Column("disabled", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("user_id"),
        sa.UniqueConstraint("email"),
        comment="People who sign in to the web app.",
    )
    op.create_table(
        "web_sessions",
        sa.Column("session_id", sa.Text(), nullable=False, comment="random; the cookie holds it signed"),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", _ts(), nullable=False),
        sa.Column("expires_at", _ts(), nullable=False),
        sa.PrimaryKeyConstraint("session_id"),
        comment="Signed-in browser sessions; deleting a row signs that browser out.",
    )
    op.create_index("ix_web_sessions_user", "web_sessions", ["user_id"])
    op.create_table(
        "web_api_keys",
        sa.Column("key_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("prefix", sa.Text(), nullable=False, comment="first characters, shown to tell keys apart"),
        sa.Column("key_hash", sa.Text(), nullable=False, comment="sha256 of the whole key"),
        sa.Column("scopes", sa.Text(), nullable=False, comment="comma-separated: ingest, read"),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("created_at", _ts(), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=True),
        sa.Column("last_used_at", _ts(), nullable=True),
        sa.Column("revoked_at", _ts(), nullable=True),
        sa.PrimaryKeyConstraint("key_id"),
        sa.UniqueConstraint("key_hash"),
        comment="API keys, stored hashed; the key itself is shown once.",
    )
    op.create_table(
        "web_idempotency_keys",
        sa.Column("key_id", sa.Integer(), nullable=False, comment="the API key that sent the request"),
        sa.Column("idempotency_key", sa.Text(), nullable=False),
        sa.Column("request_hash", sa.Text(), nullable=False, comment="sha256 of method, path and body"),
        sa.Column("status_code", sa.Integer(), nullable=True, comment="empty while the first request runs"),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.Column("created_at", _ts(), nullable=False),
        sa.PrimaryKeyConstraint("key_id", "idempotency_key"),
        comment="Responses to requests sent with an Idempotency-Key, replayed on retries.",
    )
    op.create_table(
        "web_assignments",
        sa.Column("customer_id", sa.Text(), nullable=False),
        sa.Column("csm", sa.Text(), nullable=True, comment="the user (email) the customer is assigned to"),
        sa.Column("assigned_at", _ts(), nullable=True),
        sa.Column("assigned_by", sa.Text(), nullable=True),
        sa.Column("contacted_at", _ts(), nullable=True),
        sa.Column("contacted_by", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("customer_id"),
        comment="At-risk work: who looks after a customer and when they were last contacted.",
    )
    op.create_table(
        "web_scores",
        sa.Column("customer_id", sa.Text(), nullable=False),
        sa.Column(
            "probability",
            sa.Float(precision=53),
            nullable=True,
            comment="churn probability within the horizon",
        ),
        sa.Column("risk_band", sa.Text(), nullable=True, comment="high, medium or low"),
        sa.Column("reasons", sa.Text(), nullable=True, comment="top reasons, as a JSON list of strings"),
        sa.Column("health_score", sa.Float(precision=53), nullable=True, comment="0-100"),
        sa.Column("health_band", sa.Text(), nullable=True, comment="red, amber or green"),
        sa.Column("health_components", sa.Text(), nullable=True, comment="JSON object"),
        sa.Column("clv", sa.Float(precision=53), nullable=True),
        sa.Column("p_alive", sa.Float(precision=53), nullable=True),
        sa.Column("scored_at", _ts(), nullable=True),
        sa.Column("model", sa.Text(), nullable=True, comment="which model produced the figures"),
        sa.PrimaryKeyConstraint("customer_id"),
        comment="The latest churn, health and CLV figures per customer, as the models produced them.",
    )
    op.create_index("ix_web_scores_probability", "web_scores", ["probability"])
    op.create_table(
        "web_customer_index",
        sa.Column("customer_id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("country", sa.Text(), nullable=True),
        sa.Column("segment", sa.Text(), nullable=True),
        sa.Column("channel", sa.Text(), nullable=True),
        sa.Column("plan", sa.Text(), nullable=True, comment="plan of the latest subscription row"),
        sa.Column("mrr", sa.Float(precision=53), server_default="0", nullable=False, comment="MRR now"),
        sa.Column("active", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("first_start", _ts(), nullable=True),
        sa.Column("last_end", _ts(), nullable=True),
        sa.Column("search", sa.Text(), nullable=True, comment="lower-cased id, name and email"),
        sa.PrimaryKeyConstraint("customer_id"),
        comment="One row per customer for fast lists and search; rebuilt after each import.",
    )
    op.create_index("ix_web_customer_index_mrr", "web_customer_index", ["mrr"])
    op.create_index("ix_web_customer_index_segment", "web_customer_index", ["segment"])
    op.create_table(
        "web_cache",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("computed_at", _ts(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False, comment="JSON"),
        sa.PrimaryKeyConstraint("key"),
        comment="Precomputed figures (metrics per period, cohorts) so pages answer fast.",
    )


def downgrade() -> None:
    op.drop_table("web_cache")
    op.drop_index("ix_web_customer_index_segment", "web_customer_index")
    op.drop_index("ix_web_customer_index_mrr", "web_customer_index")
    op.drop_table("web_customer_index")
    op.drop_index("ix_web_scores_probability", "web_scores")
    op.drop_table("web_scores")
    op.drop_table("web_assignments")
    op.drop_table("web_idempotency_keys")
    op.drop_table("web_api_keys")
    op.drop_index("ix_web_sessions_user", "web_sessions")
    op.drop_table("web_sessions")
    op.drop_table("web_users")
