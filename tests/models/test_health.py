"""The health score: components by hand, weighted means, bands, learned weights."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tenure.models.health import band, bands, components, fit_weights, score


def test_components_are_computed_as_documented() -> None:
    frame = pd.DataFrame(
        {
            "obs_date": [1, 1, 1, 1],
            "events_28d": [40, 10, 0, 10],
            "events_trend": [1.3, 0.5, 0.1, 1.0],
            "tickets_28d": [0, 2, 1, 0],
            "open_tickets": [0, 1, 0, 0],
            "renewal_requests": [0, 1, 0, 0],
            "nps_score": [9, 3, np.nan, np.nan],
            "csat_score": [5, np.nan, 2, np.nan],
            "unrecovered_invoices": [0, 1, 0, 3],
            "recovered_invoices": [0, 1, 0, 0],
            "overdue_invoices": [0, 0, 1, 0],
            "onboarding_done": [1.0, 0.5, 0.0, 0.25],
        }
    )
    c = components(frame)
    assert c["usage"].tolist() == [100.0, 62.5, 25.0, 62.5]  # percentile ranks, ties averaged
    assert c["trend"].tolist() == pytest.approx([100.0, 50.0, 10.0, 100.0])
    assert c["support"].tolist() == [100.0, 100 - 30 - 10 - 20, 85.0, 100.0]
    assert c["sentiment"].tolist()[:3] == pytest.approx([95.0, 30.0, 25.0])  # mean(90, 100); 30; 25
    assert np.isnan(c["sentiment"].iloc[3])
    assert c["payments"].tolist() == [100.0, 45.0, 80.0, 0.0]
    assert c["onboarding"].tolist() == [100.0, 50.0, 0.0, 25.0]


def test_score_is_the_weighted_mean_of_the_components_a_customer_has() -> None:
    comps = pd.DataFrame({"usage": [80.0, 80.0], "sentiment": [20.0, np.nan]})
    got = score(comps, {"usage": 0.75, "sentiment": 0.25})
    assert got.tolist() == [65.0, 80.0]


@pytest.mark.parametrize(
    ("value", "expected"), [(70, "green"), (69.9, "amber"), (40, "amber"), (39.9, "red"), (np.nan, "red")]
)
def test_bands_cut_at_70_and_40(value: float, expected: str) -> None:
    assert band(value) == expected


def test_bands_of_many_scores_are_the_band_of_each() -> None:
    values = np.array([70, 69.9, 40, 39.9, np.nan, np.inf, -np.inf, 100, 0, 55.5])
    assert bands(values).tolist() == [band(v) for v in values]


def test_fitted_weights_are_non_negative_and_favour_the_component_that_predicts_churn() -> None:
    rng = np.random.default_rng(3)
    n = 6000
    comps = pd.DataFrame(
        {
            "usage": rng.uniform(0, 100, n),
            "payments": rng.uniform(0, 100, n),
            "trend": rng.uniform(0, 100, n),
        }
    )
    # churn depends on poor payments and not at all on trend; usage *raises* churn here, which a
    # health score cannot express: its weight must be 0, not negative
    z = -2 + 3 * (1 - comps.payments / 100) - 1.5 * (1 - comps.usage / 100)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-z))).astype(int)
    w = fit_weights(comps, y)
    assert all(v >= 0 for v in w.values())
    assert sum(w.values()) == pytest.approx(1.0, abs=1e-3)
    assert w["payments"] > 0.9
    assert w["usage"] == 0.0
