"""Saved churn models: versioned in the store, with what they were trained on and how they scored.

Each :func:`save` adds a version (1, 2, ...) to the ``churn_models`` table: the fitted model
(joblib-serialised into a blob) and its metadata as JSON (training window, features, settings,
back-test figures). :func:`load` returns the newest unless a version is asked for.

Examples
--------
>>> version = save(store, bundle)          # doctest: +SKIP
>>> load(store).version == version          # doctest: +SKIP
True
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import joblib
import pandas as pd
import sqlalchemy as sa

from tenure.errors import NotFoundError
from tenure.models.churn.tables import churn_models

if TYPE_CHECKING:
    from tenure.models.churn.features import FeatureInfo, FeatureSpec
    from tenure.models.churn.observations import ObservationSpec
    from tenure.models.churn.train import ChurnModel
    from tenure.store import Store


@dataclass
class ModelBundle:
    """Everything scoring needs: the model, how its features were built, what they mean."""

    model: ChurnModel
    observation_spec: ObservationSpec
    feature_spec: FeatureSpec
    info: dict[str, FeatureInfo]
    health_weights: dict[str, float]
    metadata: dict[str, Any] = field(default_factory=dict)
    version: int | None = None
    baselines: dict[str, float] = field(default_factory=dict)
    """Peer medians of each numeric feature at training time (for "against peers" reasons)."""
    event_types: list[str] | None = None
    """The event types the model's usage features count (``None`` in models saved before they were kept)."""
    onboarding_steps: list[str] | None = None
    """The onboarding step types of its ``onboarding_done`` share."""

    @property
    def kinds(self) -> tuple[list[str], list[str]] | None:
        """The event and onboarding types to build the model's features with (``None``: find them
        in the events, as models saved before they were kept need)."""
        types = getattr(self, "event_types", None)
        steps = getattr(self, "onboarding_steps", None)
        if not types or steps is None:
            return None
        return list(types), list(steps)


def save(store: Store, bundle: ModelBundle) -> int:
    """Store ``bundle`` as a new version and return its number."""
    buffer = io.BytesIO()
    bundle.version = None
    joblib.dump(bundle, buffer, compress=3)
    meta = bundle.metadata
    with store.engine.begin() as conn:
        result = conn.execute(
            sa.insert(churn_models).values(
                created_at=datetime.now(UTC).replace(tzinfo=None),
                kind=bundle.model.kind,
                horizon_days=bundle.observation_spec.horizon_days,
                trained_from=_ts(meta.get("trained_from")),
                trained_to=_ts(meta.get("trained_to")),
                metadata=json.dumps(meta, default=str),
                model=buffer.getvalue(),
            )
        )
        key = result.inserted_primary_key
        assert key is not None
        version = int(key[0])
    bundle.version = version
    return version


def _ts(value: Any) -> datetime | None:
    return None if value is None else pd.Timestamp(value).to_pydatetime()


def load(store: Store, version: int | None = None) -> ModelBundle:
    """The saved model ``version`` (default: the newest)."""
    query = sa.select(churn_models.c.version, churn_models.c.model)
    if version is None:
        query = query.order_by(churn_models.c.version.desc()).limit(1)
    else:
        query = query.where(churn_models.c.version == version)
    with store.engine.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        if version is None:
            raise NotFoundError("no churn model is saved in this store yet; train one with `tenure churn train`")
        raise NotFoundError(f"churn model version {version} does not exist; `tenure churn models` lists them")
    bundle: ModelBundle = joblib.load(io.BytesIO(row.model))
    bundle.version = int(row.version)
    return bundle


def versions(store: Store) -> list[dict[str, Any]]:
    """Every saved version, newest first, with its metadata."""
    query = sa.select(
        churn_models.c.version,
        churn_models.c.created_at,
        churn_models.c.kind,
        churn_models.c.horizon_days,
        churn_models.c.trained_from,
        churn_models.c.trained_to,
        churn_models.c.metadata,
    ).order_by(churn_models.c.version.desc())
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    return [{**row._asdict(), "metadata": json.loads(row.metadata)} for row in rows]
