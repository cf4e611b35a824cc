"""What every CLV model promises: the estimator contract, exact gradients, clear failures."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tenure.errors import ConvergenceError, ModelError, NotFittedError
from tenure.models.clv import BGNBD, CLVModel, GammaGamma, ParetoNBD, ShiftedBetaGeometric
from tenure.models.clv.bgnbd import _prepare


def _data(model: str, summary: pd.DataFrame) -> tuple[CLVModel, dict[str, np.ndarray], np.ndarray, np.ndarray]:
    x, t_x, big_t = (summary[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    if model == "bgnbd":
        return BGNBD(), _prepare(x, t_x, big_t), np.ones_like(x), np.array([0.3, 5.0, 0.9, 2.0])
    if model == "paretonbd":
        return ParetoNBD(), {"x": x, "t_x": t_x, "T": big_t}, np.ones_like(x), np.array([0.6, 9.0, 0.8, 13.0])
    if model == "gammagamma":
        keep = x > 0
        data = {"x": x[keep], "m": summary["monetary_value"].to_numpy(float)[keep]}
        return GammaGamma(), data, np.ones(keep.sum()), np.array([5.0, 3.0, 18.0])
    data = {"t": np.array([1.0, 2, 3, 4, 4]), "churned": np.array([1.0, 1, 1, 1, 0])}
    return ShiftedBetaGeometric(), data, np.array([369.0, 163, 86, 56, 326]), np.array([0.9, 1.4])


@pytest.mark.parametrize("name", ["bgnbd", "paretonbd", "gammagamma", "sbg"])
def test_analytic_gradient_agrees_with_finite_differences(name: str, cdnow_summary: pd.DataFrame) -> None:
    model, data, weights, theta = _data(name, cdnow_summary)
    _, grad = model._log_likelihood(theta, data, weights)
    numeric = np.empty_like(theta)
    for j in range(len(theta)):
        h = 1e-6 * theta[j]
        up, down = theta.copy(), theta.copy()
        up[j] += h
        down[j] -= h
        numeric[j] = (model._log_likelihood(up, data, weights)[0] - model._log_likelihood(down, data, weights)[0]) / (
            2 * h
        )
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-4)


UNFITTED_CALLS: list[tuple[type[CLVModel], Callable[[Any], Any]]] = [
    (BGNBD, lambda m: m.expected_purchases(10, 1, 5.0, 10.0)),
    (BGNBD, lambda m: m.probability_alive(1, 5.0, 10.0)),
    (ParetoNBD, lambda m: m.clv(1, 5.0, 10.0, 20.0)),
    (GammaGamma, lambda m: m.expected_spend(1, 20.0)),
    (ShiftedBetaGeometric, lambda m: m.survival(3)),
    (ShiftedBetaGeometric, lambda m: m.summary),
]


@pytest.mark.parametrize(("cls", "call"), UNFITTED_CALLS)
def test_using_an_unfitted_model_raises_not_fitted_error(cls: type[CLVModel], call: Callable[[Any], Any]) -> None:
    with pytest.raises(NotFittedError, match="call fit"):
        call(cls())


@pytest.mark.parametrize("cls", [BGNBD, ParetoNBD, GammaGamma, ShiftedBetaGeometric])
def test_init_stores_nothing_and_repr_says_not_fitted(cls: type[CLVModel]) -> None:
    model = cls()
    assert vars(model) == {}
    assert repr(model) == f"<{cls.__name__}: not fitted>"


def test_fit_returns_self_and_repr_says_what_was_fitted(cdnow_summary: pd.DataFrame) -> None:
    model = BGNBD()
    assert model.fit(cdnow_summary) is model
    assert repr(model).startswith("<BGNBD (BG/NBD) fitted on 2,357 customers: r=0.2426, alpha=4.414")


def test_fit_accepts_separate_columns_and_weights_for_grouped_rows(cdnow_summary: pd.DataFrame) -> None:
    grouped = cdnow_summary.groupby(["frequency", "recency", "T"]).size().rename("n").reset_index()
    by_table = BGNBD().fit(cdnow_summary)
    by_weights = BGNBD().fit(grouped["frequency"], grouped["recency"], grouped["T"], weights=grouped["n"])
    assert by_weights.n_customers_ == 2357
    for name in by_table.params_:
        assert by_weights.params_[name] == pytest.approx(by_table.params_[name], rel=1e-6)


@pytest.mark.parametrize("cls", [BGNBD, ParetoNBD])
def test_nobody_repeating_raises_convergence_error_with_a_numbered_checklist(cls: type[CLVModel]) -> None:
    n = 500
    with pytest.raises(ConvergenceError) as caught:
        cls().fit(np.zeros(n), np.zeros(n), np.linspace(10, 39, n))
    message = str(caught.value)
    assert "did not converge" in message and "\n  1. " in message and "\n  3. " in message
    assert "No parameters were set" in message


def test_a_failed_fit_leaves_the_model_unfitted() -> None:
    model = BGNBD()
    with pytest.raises(ConvergenceError):
        model.fit(np.zeros(100), np.zeros(100), np.full(100, 30.0))
    with pytest.raises(NotFittedError):
        model.probability_alive(1, 2.0, 3.0)


@pytest.mark.parametrize(
    ("frequency", "recency", "T", "message"),
    [
        ([1, -1], [1.0, 0.0], [5.0, 5.0], "row 1 .* frequency: expected a whole number"),
        ([1, 2], [6.0, 1.0], [5.0, 5.0], "row 0 .* recency: expected 0 <= recency <= T"),
        ([0, 2], [1.0, 1.0], [5.0, 5.0], "row 0 .* recency: expected 0 for a customer with frequency 0"),
        ([1, 2], [1.0, 1.0], [5.0, 0.0], "row 1 .* T: expected a positive age"),
        ([1, 2], [1.0, np.nan], [5.0, 5.0], "recency row 1: expected a finite number"),
    ],
)
def test_invalid_customer_rows_are_rejected_with_row_and_rule(
    frequency: list[float], recency: list[float], T: list[float], message: str
) -> None:
    with pytest.raises(ModelError, match=message):
        BGNBD().fit(frequency, recency, T)


def test_initial_params_must_name_every_parameter(cdnow_summary: pd.DataFrame) -> None:
    with pytest.raises(ModelError, match="missing"):
        BGNBD().fit(cdnow_summary, initial_params={"r": 1.0})
    fitted = BGNBD().fit(cdnow_summary, initial_params={"r": 0.5, "alpha": 2.0, "a": 1.0, "b": 1.0})
    assert fitted.params_["r"] == pytest.approx(0.243, abs=0.001)


def test_to_dict_carries_the_papers_parameter_names(cdnow_summary: pd.DataFrame) -> None:
    result = GammaGamma().fit(cdnow_summary).to_dict()
    assert list(result) == ["model", "params", "std_errors", "log_likelihood", "n_customers"]
    assert list(result["params"]) == ["p", "q", "gamma"] and result["model"] == "gammagamma"
