"""Back-test figures checked against values worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from tenure.models.churn.calibration import Calibrator, calibration_curve, classification_figures, top_decile_lift


def test_top_decile_lift_is_the_top_tenths_churn_rate_over_the_overall_rate() -> None:
    # 20 observations, 4 churns (20%); the top 2 by score hold 1 churn (50%): lift 2.5
    y = np.array([1, 0] + [1, 1, 1] + [0] * 15)
    p = np.linspace(1, 0, 20)
    assert top_decile_lift(y, p) == pytest.approx(2.5)


def test_figures_match_a_hand_computed_example() -> None:
    y = np.array([0, 0, 1, 1])
    p = np.array([0.1, 0.4, 0.35, 0.8])
    f = classification_figures(y, p)
    assert f.auc == pytest.approx(0.75)  # 3 of the 4 (churn, stay) pairs ordered right
    assert f.brier == pytest.approx((0.01 + 0.16 + 0.4225 + 0.04) / 4)
    assert f.log_loss == pytest.approx(-(np.log(0.9) + np.log(0.6) + np.log(0.35) + np.log(0.8)) / 4)
    assert (f.n_observations, f.n_churns) == (4, 2)


def test_calibration_curve_compares_predicted_and_observed_rates_by_decile() -> None:
    p = np.repeat(np.arange(10) / 10 + 0.05, 10)
    y = np.concatenate([[1] * k + [0] * (10 - k) for k in range(10)])
    curve = calibration_curve(y, p)
    assert [c["observed"] for c in curve] == pytest.approx([k / 10 for k in range(10)])
    assert [c["predicted"] for c in curve] == pytest.approx([k / 10 + 0.05 for k in range(10)])


@pytest.mark.parametrize("method", ["platt", "isotonic"])
def test_calibrators_recover_the_true_probability(method: str) -> None:
    rng = np.random.default_rng(0)
    score = rng.normal(size=200_000)
    truth = 1 / (1 + np.exp(-(2 * score - 3)))  # the model is twice as confident as it should be
    y = (rng.uniform(size=score.size) < truth).astype(int)
    p = Calibrator(method).fit(score, y).predict(np.array([-1.0, 0.0, 1.5]))
    assert p == pytest.approx(1 / (1 + np.exp(-(2 * np.array([-1.0, 0.0, 1.5]) - 3))), abs=0.03)


def test_isotonic_calibration_keeps_the_models_ranking() -> None:
    rng = np.random.default_rng(1)
    score = rng.normal(size=2000)
    y = (rng.uniform(size=2000) < 1 / (1 + np.exp(-score))).astype(int)
    p = Calibrator("isotonic").fit(score, y).predict(score)
    assert len(np.unique(p)) == len(np.unique(score))
    assert np.all(np.diff(p[np.argsort(score)]) > 0)
