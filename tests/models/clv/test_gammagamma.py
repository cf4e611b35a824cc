"""Gamma-Gamma: the published CDNOW spend fit, expected spend and recovery of known parameters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tenure.errors import ConvergenceError, ModelError
from tenure.models.clv import GammaGamma, simulate_gammagamma

from .conftest import published

PAPER = {"p": 6.25, "q": 3.74, "gamma": 15.44}


def test_gammagamma_reproduces_the_published_cdnow_spend_model(cdnow_summary: pd.DataFrame) -> None:
    model = GammaGamma().fit(cdnow_summary)
    for name, value in PAPER.items():
        assert model.params_[name] == pytest.approx(value, abs=published(value)), name
    assert model.log_likelihood_ == pytest.approx(-4055.9, abs=0.05)
    assert model.n_customers_ == 946


def test_gammagamma_expected_spend_shrinks_a_customer_mean_towards_the_population_mean() -> None:
    model = GammaGamma()
    model.params_ = dict(PAPER)
    population = 6.25 * 15.44 / (3.74 - 1)
    assert model.expected_spend(0, np.nan)[0] == pytest.approx(population)
    few, many = model.expected_spend([1, 50], [100.0, 100.0])
    assert population < few < many < 100.0


def test_gammagamma_rejects_a_non_positive_mean_spend_of_a_repeat_customer() -> None:
    with pytest.raises(ModelError, match="row 1: monetary_value must be a positive number"):
        GammaGamma().fit([1, 2], [10.0, 0.0])


def test_gammagamma_without_any_repeat_customer_raises_convergence_error_with_remedies() -> None:
    with pytest.raises(ConvergenceError, match=r"no customer has frequency > 0[\s\S]*1\. "):
        GammaGamma().fit([0, 0, 0], [np.nan, np.nan, np.nan])


def test_gammagamma_recovers_known_parameters_from_100000_simulated_customers() -> None:
    truth = {"p": 6.0, "q": 3.5, "gamma": 15.0}
    rng = np.random.default_rng(3)
    data = simulate_gammagamma(rng.integers(1, 10, 100_000), truth, random_state=rng)
    model = GammaGamma().fit(data)
    for name, value in truth.items():
        assert abs(model.params_[name] - value) < 3 * model.std_errors_[name], (name, model.params_[name])
