"""The scores table: what scoring writes for each customer, put together without a loop per row."""

from __future__ import annotations

import json
from datetime import datetime

import numpy as np
import pandas as pd

from tenure.models import health
from tenure.models.churn.pipeline import _reasons_json, component_records, save_scores
from tenure.models.churn.tables import churn_scores
from tenure.store import Store


def test_health_components_match_row_by_row_rounding_and_json() -> None:
    rng = np.random.default_rng(0)
    comps = pd.DataFrame(
        rng.choice(
            [np.nan, 0.35, 0.25, 2.675, 100.0, 33.333, 12.05, 1e-9, -0.01, -0.35, -7.25, 1e12 + 0.05],
            size=(400, len(health.COMPONENTS)),
        ),
        columns=list(health.COMPONENTS),
    )
    comps["usage"] = np.where(rng.uniform(size=400) < 0.5, rng.uniform(0, 100, 400), comps["usage"])
    expected = [{k: round(float(v), 1) for k, v in row.items() if np.isfinite(v)} for row in comps.to_dict("records")]
    parts, text = component_records(comps)
    assert parts == expected
    assert text.tolist() == [json.dumps(d) for d in expected]
    none, no_text = component_records(comps.iloc[:0])
    assert none == [] and len(no_text) == 0


def test_reasons_are_written_as_the_json_lists_they_were() -> None:
    said = [["logins in the last 28 days: 3, down from 41", 'a "quoted" één'], [], ["x"]]
    assert _reasons_json(said) == [json.dumps(r) for r in said]


def test_saving_scores_replaces_that_date_and_version_in_one_go(store: Store) -> None:
    when = datetime(2024, 3, 1)
    frame = pd.DataFrame(
        {
            "customer_id": ["c1", "c2"],
            "probability": [0.5, 0.01],
            "band": ["high", "low"],
            "health": [np.nan, 80.5],
            "health_band": ["red", "green"],
            "reasons": [["2 failed payments not recovered"], []],
            "health_components": [{}, {"usage": 80.5}],
        }
    )
    save_scores(store, frame, when, 1)
    save_scores(store, frame.iloc[[1]], when, 1)
    save_scores(store, frame.iloc[[0]], datetime(2024, 4, 1), 1)
    with store.engine.connect() as conn:
        rows = conn.execute(churn_scores.select().order_by(churn_scores.c.scored_at, churn_scores.c.customer_id)).all()
    got = [
        (r.customer_id, r.scored_at, r.probability, r.band, r.health, r.health_band, r.reasons, r.health_components)
        for r in rows
    ]
    assert got == [
        ("c2", when, 0.01, "low", 80.5, "green", "[]", '{"usage": 80.5}'),
        ("c1", datetime(2024, 4, 1), 0.5, "high", None, "red", '["2 failed payments not recovered"]', "{}"),
    ]
