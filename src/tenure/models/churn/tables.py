"""The store tables of the churn models: saved model versions, health-score weights, and scores.

The web app reads ``churn_scores``; the CLI writes all three. Created by migration ``0003`` (branch
``churn``).
"""

from __future__ import annotations

import sqlalchemy as sa

from tenure.store.tables import Timestamp, metadata

churn_models = sa.Table(
    "churn_models",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("kind", sa.Text, nullable=False, comment="logistic or lightgbm"),
    sa.Column("horizon_days", sa.Integer, nullable=False),
    sa.Column("trained_from", Timestamp, nullable=True, comment="first observation date trained on"),
    sa.Column("trained_to", Timestamp, nullable=True, comment="last observation date trained on"),
    sa.Column("metadata", sa.Text, nullable=False, comment="features, settings, back-test figures, as JSON"),
    sa.Column("model", sa.LargeBinary, nullable=False, comment="the fitted model, joblib-serialised"),
    comment="Saved churn models, one row per version; scoring uses the newest unless told otherwise.",
)

health_weights = sa.Table(
    "health_weights",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("fitted_at", Timestamp, nullable=False),
    sa.Column("weights", sa.Text, nullable=False, comment="component name to weight, as JSON"),
    sa.Column("metadata", sa.Text, nullable=True, comment="fit window and AUCs, as JSON"),
    comment="Health-score weights learned by `tenure health fit`; the newest one is used.",
)

churn_scores = sa.Table(
    "churn_scores",
    metadata,
    sa.Column("score_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("customer_id", sa.Text, nullable=False),
    sa.Column("scored_at", Timestamp, nullable=False, comment="the as-of date the features were taken at"),
    sa.Column("probability", sa.Float(53), nullable=False, comment="calibrated churn probability"),
    sa.Column("band", sa.Text, nullable=False, comment="risk band: high, medium or low"),
    sa.Column("health", sa.Float(53), nullable=True, comment="health score 0-100"),
    sa.Column("health_band", sa.Text, nullable=True, comment="red, amber or green"),
    sa.Column("reasons", sa.Text, nullable=True, comment="top reasons in plain words, as a JSON list"),
    sa.Column("health_components", sa.Text, nullable=True, comment="the health components (0-100), as JSON"),
    sa.Column("model_version", sa.Integer, nullable=False),
    comment="Churn scores per customer and scoring date, for the web app and playbooks.",
)

sa.Index("ix_churn_scores_scored_customer", churn_scores.c.scored_at, churn_scores.c.customer_id)
sa.Index("ix_churn_scores_customer", churn_scores.c.customer_id)

CHURN_TABLES = (churn_models, health_weights, churn_scores)
