"""Scoring built features: the ranking the model gives is the ranking the scores keep."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tenure.models import health
from tenure.models.churn.features import FeatureInfo, FeatureSpec
from tenure.models.churn.observations import ObservationSpec
from tenure.models.churn.pipeline import score_features
from tenure.models.churn.registry import ModelBundle


class _Fixed:
    """A model whose probabilities are given: what an isotonic step with the model's tilt looks like."""

    def __init__(self, p: list[float]) -> None:
        self.p = np.array(p)

    def explain(self, frame: pd.DataFrame, threads: int = 1) -> tuple[np.ndarray, pd.DataFrame]:
        return self.p, pd.DataFrame({"events_28d": np.zeros(len(frame))}, index=frame.index)


def _bundle(p: list[float]) -> ModelBundle:
    return ModelBundle(
        model=_Fixed(p),  # type: ignore[arg-type]
        observation_spec=ObservationSpec(),
        feature_spec=FeatureSpec(),
        info={"events_28d": FeatureInfo("events_28d", "usage", "events in the last 28 days")},
        health_weights=dict(health.DEFAULT_WEIGHTS),
        metadata={"base_rate": 0.02},
    )


def test_customers_equal_to_five_places_keep_the_models_order() -> None:
    # one isotonic step at 0.02152, told apart by the model's tilt of under 1e-7
    p = [0.02152 + 1e-8, 0.02152 + 3e-8, 0.5, 0.02152 + 2e-8, 0.0000012]
    frame = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d", "e"],
            "obs_date": pd.Timestamp("2024-06-01"),
            "events_28d": [5, 1, 0, 3, 40],
        }
    )
    out, parts = score_features(_bundle(p), frame)
    assert out["customer_id"].tolist() == ["c", "b", "d", "a", "e"]
    assert out["probability"].tolist() == [0.5, 0.02152, 0.02152, 0.02152, 0.0]
    # each customer's health components travel with their row
    assert [parts_of["usage"] for parts_of in out["health_components"]] == [20.0, 40.0, 60.0, 80.0, 100.0]
    assert len(parts) == 5 and '"usage": 40.0' in parts[1]
