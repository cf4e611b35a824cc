"""The web app's own tables: users, sessions, API keys, idempotency records, CSM work and caches.

They live beside the canonical tables in the same store, on the ``web`` branch of migrations
(``store/migrations/versions/0002_web.py``), and use :data:`tenure.store.tables.Timestamp` so times
are naive UTC everywhere.
"""

from __future__ import annotations

import sqlalchemy as sa

from tenure.store.tables import Timestamp, metadata

users = sa.Table(
    "web_users",
    metadata,
    sa.Column("user_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("email", sa.Text, nullable=False, unique=True),
    sa.Column("password_hash", sa.Text, nullable=False, comment="argon2id hash"),
    sa.Column("role", sa.Text, nullable=False, comment="admin, analyst or viewer"),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("last_login_at", Timestamp, nullable=True),
    sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
    comment="People who sign in to the web app.",
)

sessions = sa.Table(
    "web_sessions",
    metadata,
    sa.Column("session_id", sa.Text, primary_key=True, comment="random; the cookie holds it signed"),
    sa.Column("user_id", sa.Integer, nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("expires_at", Timestamp, nullable=False),
    comment="Signed-in browser sessions; deleting a row signs that browser out.",
)

api_keys = sa.Table(
    "web_api_keys",
    metadata,
    sa.Column("key_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("prefix", sa.Text, nullable=False, comment="first characters, shown to tell keys apart"),
    sa.Column("key_hash", sa.Text, nullable=False, unique=True, comment="sha256 of the whole key"),
    sa.Column("scopes", sa.Text, nullable=False, comment="comma-separated: ingest, read"),
    sa.Column("name", sa.Text, nullable=True),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("created_by", sa.Text, nullable=True),
    sa.Column("last_used_at", Timestamp, nullable=True),
    sa.Column("revoked_at", Timestamp, nullable=True),
    comment="API keys, stored hashed; the key itself is shown once.",
)

idempotency_keys = sa.Table(
    "web_idempotency_keys",
    metadata,
    sa.Column("key_id", sa.Integer, primary_key=True, comment="the API key that sent the request"),
    sa.Column("idempotency_key", sa.Text, primary_key=True),
    sa.Column("request_hash", sa.Text, nullable=False, comment="sha256 of method, path and body"),
    sa.Column("status_code", sa.Integer, nullable=True, comment="empty while the first request runs"),
    sa.Column("response_body", sa.Text, nullable=True),
    sa.Column("created_at", Timestamp, nullable=False),
    comment="Responses to requests sent with an Idempotency-Key, replayed on retries.",
)

assignments = sa.Table(
    "web_assignments",
    metadata,
    sa.Column("customer_id", sa.Text, primary_key=True),
    sa.Column("csm", sa.Text, nullable=True, comment="the user (email) the customer is assigned to"),
    sa.Column("assigned_at", Timestamp, nullable=True),
    sa.Column("assigned_by", sa.Text, nullable=True),
    sa.Column("contacted_at", Timestamp, nullable=True),
    sa.Column("contacted_by", sa.Text, nullable=True),
    sa.Column("note", sa.Text, nullable=True),
    comment="At-risk work: who looks after a customer and when they were last contacted.",
)

scores = sa.Table(
    "web_scores",
    metadata,
    sa.Column("customer_id", sa.Text, primary_key=True),
    sa.Column("probability", sa.Float(53), nullable=True, comment="churn probability within the horizon"),
    sa.Column("risk_band", sa.Text, nullable=True, comment="high, medium or low"),
    sa.Column("reasons", sa.Text, nullable=True, comment="top reasons, as a JSON list of strings"),
    sa.Column("health_score", sa.Float(53), nullable=True, comment="0-100"),
    sa.Column("health_band", sa.Text, nullable=True, comment="red, amber or green"),
    sa.Column("health_components", sa.Text, nullable=True, comment="JSON object"),
    sa.Column("clv", sa.Float(53), nullable=True),
    sa.Column("p_alive", sa.Float(53), nullable=True),
    sa.Column("scored_at", Timestamp, nullable=True),
    sa.Column("model", sa.Text, nullable=True, comment="which model produced the figures"),
    comment="The latest churn, health and CLV figures per customer, as the models produced them.",
)

customer_index = sa.Table(
    "web_customer_index",
    metadata,
    sa.Column("customer_id", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=True),
    sa.Column("email", sa.Text, nullable=True),
    sa.Column("country", sa.Text, nullable=True),
    sa.Column("segment", sa.Text, nullable=True),
    sa.Column("channel", sa.Text, nullable=True),
    sa.Column("plan", sa.Text, nullable=True, comment="plan of the latest subscription row"),
    sa.Column("mrr", sa.Float(53), nullable=False, server_default="0", comment="MRR now"),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("first_start", Timestamp, nullable=True),
    sa.Column("last_end", Timestamp, nullable=True),
    sa.Column("search", sa.Text, nullable=True, comment="lower-cased id, name and email"),
    comment="One row per customer for fast lists and search; rebuilt after each import.",
)

cache = sa.Table(
    "web_cache",
    metadata,
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("computed_at", Timestamp, nullable=False),
    sa.Column("value", sa.Text, nullable=False, comment="JSON"),
    comment="Precomputed figures (metrics per period, cohorts) so pages answer fast.",
)

sa.Index("ix_web_sessions_user", sessions.c.user_id)
sa.Index("ix_web_customer_index_mrr", customer_index.c.mrr)
sa.Index("ix_web_customer_index_segment", customer_index.c.segment)
sa.Index("ix_web_scores_probability", scores.c.probability)

ROLES = ("admin", "analyst", "viewer")
SCOPES = ("ingest", "read")
