"""Shifted-beta-geometric: Fader & Hardie (2007) "regular" and "high end" fits, projections and DERL."""

from __future__ import annotations

import numpy as np
import pytest

from tenure.errors import ConvergenceError, ModelError
from tenure.models.clv import ShiftedBetaGeometric, simulate_sbg

from .conftest import published

REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241]
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491]


@pytest.mark.parametrize(
    ("active", "alpha", "beta", "ll"),
    [(REGULAR, 0.704, 1.182, -1680.3), (HIGH_END, 0.668, 3.806, -1611.2)],
    ids=["regular", "high-end"],
)
def test_sbg_reproduces_fader_hardie_2007(active: list[int], alpha: float, beta: float, ll: float) -> None:
    model = ShiftedBetaGeometric().fit(active)
    assert model.params_["alpha"] == pytest.approx(alpha, abs=published(alpha))
    assert model.params_["beta"] == pytest.approx(beta, abs=published(beta))
    assert model.log_likelihood_ == pytest.approx(ll, abs=0.05)
    assert model.n_customers_ == 1000


def test_sbg_projects_survival_for_years_8_to_12_as_the_hand_formula_does() -> None:
    model = ShiftedBetaGeometric().fit(REGULAR)
    alpha, beta = model.params_["alpha"], model.params_["beta"]
    # S(t) = Π_{i=1..t} (β+i−1)/(α+β+i−1), the paper's recursion
    by_hand = np.cumprod([(beta + i - 1) / (alpha + beta + i - 1) for i in range(1, 13)])
    np.testing.assert_allclose(model.survival(np.arange(8, 13)), by_hand[7:12], rtol=1e-12)
    # and at the published parameters the projection for years 8-12 (per 1,000) is
    model.params_ = {"alpha": 0.704, "beta": 1.182}
    assert np.round(1000 * model.survival(np.arange(8, 13))).tolist() == [220, 204, 191, 180, 170]


def test_sbg_fitted_survival_tracks_the_observed_counts() -> None:
    model = ShiftedBetaGeometric().fit(REGULAR)
    np.testing.assert_allclose(1000 * model.survival(np.arange(1, 8)), REGULAR[1:], atol=12)


def test_sbg_retention_rate_rises_over_time_and_churn_probabilities_sum_with_survival_to_one() -> None:
    model = ShiftedBetaGeometric().fit(HIGH_END)
    curve = model.retention_curve(10)
    assert np.all(np.diff(curve) > 0)
    t = np.arange(1, 30)
    np.testing.assert_allclose(model.churn_probability(t).sum() + model.survival(29)[0], 1.0, rtol=1e-12)
    np.testing.assert_allclose(curve, model.survival(np.arange(1, 11)) / model.survival(np.arange(0, 10)))


@pytest.mark.parametrize("renewals", [0, 1, 4, 20])
def test_sbg_derl_equals_the_discounted_sum_of_conditional_survival(renewals: int) -> None:
    model = ShiftedBetaGeometric()
    model.params_ = {"alpha": 0.704, "beta": 1.182}
    d = 0.10
    t = np.arange(renewals + 1, renewals + 3_000)
    direct = np.sum(model.survival(t) / model.survival(renewals) / (1 + d) ** (t - renewals - 1))
    assert model.derl(d, renewals)[0] == pytest.approx(direct, rel=1e-8)


def test_sbg_derl_grows_with_tenure_and_clv_scales_with_payment() -> None:
    model = ShiftedBetaGeometric()
    model.params_ = {"alpha": 0.704, "beta": 1.182}
    derl = model.derl(0.1, [0, 1, 2, 5])
    assert np.all(np.diff(derl) > 0)
    assert model.clv(100.0, 0.1, 2)[0] == pytest.approx(100 * derl[2])
    assert model.discounted_expected_lifetime(0.1) == pytest.approx(1 + derl[0])


def test_sbg_refuses_an_undiscounted_derl_when_the_expected_lifetime_is_infinite() -> None:
    model = ShiftedBetaGeometric()
    model.params_ = {"alpha": 0.704, "beta": 1.182}
    with pytest.raises(ModelError, match="infinite"):
        model.derl(0.0)


def test_sbg_pooled_cohorts_of_different_ages_fit_like_the_single_cohort() -> None:
    durations = [*range(1, 8), 7]
    weights = [*(-np.diff(REGULAR)).tolist(), REGULAR[-1]]
    churned = [True] * 7 + [False]
    pooled = ShiftedBetaGeometric().fit(durations=durations, churned=churned, weights=weights)
    assert pooled.params_["alpha"] == pytest.approx(0.704, abs=published(0.704))


@pytest.mark.parametrize(
    "active",
    [[1000, 1000, 1000], [1000, 1100, 900], [1000]],
    ids=["nobody-lost", "count-rises", "one-period"],
)
def test_sbg_degenerate_or_invalid_counts_raise_a_model_error(active: list[int]) -> None:
    with pytest.raises(ModelError):
        ShiftedBetaGeometric().fit(active)


def test_sbg_nobody_lost_raises_convergence_error_with_a_numbered_checklist() -> None:
    with pytest.raises(ConvergenceError, match=r"nobody churned[\s\S]*\n  1\. [\s\S]*\n  2\. "):
        ShiftedBetaGeometric().fit([500, 500, 500, 500])


def test_sbg_recovers_known_parameters_from_100000_simulated_customers() -> None:
    truth = {"alpha": 0.7, "beta": 1.2}
    model = ShiftedBetaGeometric().fit(simulate_sbg(100_000, truth, 8, random_state=5))
    for name, value in truth.items():
        assert abs(model.params_[name] - value) < 3 * model.std_errors_[name], name
