"""Pareto/NBD: the published CDNOW fit, numerical stability and recovery of known parameters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import gammaln, hyp2f1

from tenure.models.clv import ParetoNBD, compare_holdout, simulate_paretonbd
from tenure.models.clv.paretonbd import _rows

from .conftest import published

PAPER = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}


def _closed_form_log_likelihood(
    theta: tuple[float, ...], x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray
) -> np.ndarray:
    """Fader & Hardie (2005) equations with two 2F1 terms: fine for small x, overflows for large x."""
    r, alpha, s, beta = theta
    n = r + s + x
    if alpha >= beta:
        f = lambda t: hyp2f1(n, s + 1, n + 1, (alpha - beta) / (alpha + t)) / (alpha + t) ** n  # noqa: E731
    else:
        f = lambda t: hyp2f1(n, r + x, n + 1, (beta - alpha) / (beta + t)) / (beta + t) ** n  # noqa: E731
    a0 = f(t_x) - f(big_t)
    lead = np.exp(gammaln(r + x) - gammaln(r)) * alpha**r * beta**s
    return np.log(lead * (1 / ((alpha + big_t) ** (r + x) * (beta + big_t) ** s) + s / n * a0))


def test_paretonbd_reproduces_the_published_cdnow_parameters_and_log_likelihood(
    cdnow_summary: pd.DataFrame,
) -> None:
    model = ParetoNBD().fit(cdnow_summary)
    for name, value in PAPER.items():
        assert model.params_[name] == pytest.approx(value, abs=published(value)), name
    assert model.log_likelihood_ == pytest.approx(-9595.0, abs=0.05)


def test_paretonbd_expects_about_1666_holdout_purchases(cdnow_holdout: pd.DataFrame) -> None:
    comparison = compare_holdout(ParetoNBD().fit(cdnow_holdout), cdnow_holdout)
    assert comparison.expected_total == pytest.approx(1666, abs=2)


@pytest.mark.parametrize(
    "theta",
    [(0.553, 10.578, 0.606, 11.669), (0.553, 20.0, 0.606, 3.0), (2.0, 1.0, 0.3, 40.0), (0.1, 0.5, 3.0, 0.2)],
    ids=["paper", "alpha-above-beta", "beta-far-above-alpha", "small-scales"],
)
def test_paretonbd_log_likelihood_equals_the_hypergeometric_closed_form(
    cdnow_summary: pd.DataFrame, theta: tuple[float, ...]
) -> None:
    x, t_x, big_t = (cdnow_summary[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    ll, _ = _rows(np.array(theta), x, t_x, big_t)
    np.testing.assert_allclose(ll, _closed_form_log_likelihood(theta, x, t_x, big_t), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("x", [1_000, 10_000, 100_000])
def test_paretonbd_log_likelihood_and_gradient_are_finite_at_huge_frequencies(x: int) -> None:
    ll, grad = _rows(
        np.array(list(PAPER.values())), np.array([x, x], float), np.array([38.0, 1.0]), np.array([39.0, 39.0])
    )
    assert np.all(np.isfinite(ll)) and np.all(np.isfinite(grad))


def test_paretonbd_large_frequency_customer_gets_sensible_predictions() -> None:
    model = ParetoNBD()
    model.params_ = dict(PAPER)
    # 10,000 purchases in 39 weeks is ~256 a week: a day of silence already means "gone"
    alive = model.probability_alive([10_000, 10_000, 10_000], [39.0, 38.9, 5.0], [39.0, 39.0, 39.0])
    assert alive[0] == pytest.approx(1.0, abs=1e-3) and alive[1] < 1e-3 and alive[2] == 0.0
    expected = model.expected_purchases(39.0, 10_000, 39.0, 39.0)[0]
    assert np.isfinite(expected) and expected > 1000


def test_paretonbd_probability_alive_falls_with_time_since_the_last_purchase() -> None:
    model = ParetoNBD()
    model.params_ = dict(PAPER)
    p = model.probability_alive([4, 4, 4], [38.0, 25.0, 10.0], [38.5, 38.5, 38.5])
    assert np.all(np.diff(p) < 0) and np.all((p > 0) & (p <= 1))


def test_paretonbd_expected_purchases_are_continuous_across_s_equal_to_one() -> None:
    model = ParetoNBD()
    values = []
    for s in (1 - 1e-7, 1.0, 1 + 1e-7):
        model.params_ = {**PAPER, "s": s}
        values.append(model.expected_purchases(39.0, 3, 30.0, 38.0)[0])
    assert values[0] == pytest.approx(values[1], rel=1e-5) and values[2] == pytest.approx(values[1], rel=1e-5)


@pytest.mark.slow
def test_paretonbd_recovers_known_parameters_from_100000_simulated_customers() -> None:
    truth = {"r": 0.55, "alpha": 10.5, "s": 0.6, "beta": 11.5}
    rng = np.random.default_rng(11)
    data = simulate_paretonbd(100_000, truth, T=np.round(rng.uniform(26, 39, 100_000) * 7) / 7, random_state=rng)
    data["recency"] = np.round(data["recency"] * 7) / 7  # day resolution, as real data
    model = ParetoNBD().fit(data)
    for name, value in truth.items():
        assert abs(model.params_[name] - value) < 3.5 * model.std_errors_[name], (name, model.params_[name])
