"""TreeSHAP by decision pattern gives LightGBM's own contributions and exactly its raw scores."""

from __future__ import annotations

from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest

from tenure.models.churn.train import ChurnModel
from tenure.models.churn.treeshap import TreeExplainer


def _data(n: int = 3000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 6))
    X[:, 1] = np.floor(np.abs(X[:, 1]) * 3)  # small counts with many zeros
    X[rng.uniform(size=n) < 0.15, 2] = np.nan
    X[rng.uniform(size=n) < 0.3, 3] = 0.0
    X[:, 4] = rng.integers(0, 8, n)  # a category code
    X[rng.uniform(size=n) < 0.05, 4] = np.nan
    z = X[:, 0] - 0.5 * X[:, 1] + np.nan_to_num(X[:, 2]) + (X[:, 4] % 3 == 0)
    y = (z + rng.normal(size=n) > 0.5).astype(int)
    return X, y


@pytest.mark.parametrize(
    "params",
    [
        {"num_leaves": 7},
        {"num_leaves": 7, "zero_as_missing": True},
        {"num_leaves": 7, "use_missing": False},
        {"num_leaves": 31, "min_child_samples": 5},  # more splits than the pattern tables hold
    ],
)
def test_contributions_match_lightgbms_pred_contrib_and_raw_scores_are_exact(params: dict[str, Any]) -> None:
    X, y = _data()
    model = lgb.LGBMClassifier(n_estimators=40, verbose=-1, n_jobs=1, **params)
    model.fit(X, y, categorical_feature=[4])
    booster = model.booster_
    X_new, _ = _data(seed=1)
    raw, parts = TreeExplainer(booster).explain(X_new)
    expected = booster.predict(X_new, pred_contrib=True)[:, :-1]
    np.testing.assert_allclose(parts, expected, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(raw, booster.predict(X_new, raw_score=True))


def test_rows_split_between_threads_or_stored_by_column_get_the_same_values() -> None:
    X, y = _data(n=25_000)
    booster = lgb.LGBMClassifier(n_estimators=20, num_leaves=7, verbose=-1, n_jobs=1).fit(X, y).booster_
    explainer = TreeExplainer(booster)
    one = explainer.explain(X, threads=1)
    for other in (explainer.explain(X, threads=2), explainer.explain(np.asfortranarray(X), threads=2)):
        np.testing.assert_array_equal(one[0], other[0])
        np.testing.assert_array_equal(one[1], other[1])


def test_the_churn_model_explains_exactly_as_it_predicts() -> None:
    rng = np.random.default_rng(3)
    n = 4000
    frame = pd.DataFrame(
        {
            "logins": np.where(rng.uniform(size=n) < 0.1, np.nan, rng.poisson(5, n).astype(float)),
            "tickets": rng.poisson(1, n).astype(float),
            "plan": rng.choice(["basic", "pro", "team", None], n),
            "nps": np.where(rng.uniform(size=n) < 0.4, np.nan, rng.integers(0, 11, n).astype(float)),
            "segment": rng.choice(["smb", "ent"], n),
        }
    )
    risk = -0.3 * frame["logins"].fillna(0) + frame["tickets"] + (frame["plan"] == "basic") * 1.0
    y = (risk + rng.normal(size=n) > 0).astype(int).to_numpy()
    model = ChurnModel("lightgbm", {"n_estimators": 60}).fit(frame, y, list(frame.columns), ["plan", "segment"])
    model.calibrate(model.raw_score(frame), y)
    later = frame.sample(frac=1.0, random_state=0)
    later.loc[later.index[:50], "plan"] = "enterprise"  # a level never seen: "other"
    p, parts = model.explain(later)
    np.testing.assert_array_equal(p, model.predict_proba(later))
    raw = model.estimator_.predict(model.prep_.categories(later), pred_contrib=True)[:, :-1]
    lightgbm_parts = pd.DataFrame(raw, columns=model.estimator_.booster_.feature_name(), index=later.index)
    assert list(parts.columns) == model.features_
    # each feature's contribution under its own name (the trees hold categories after the numbers)
    np.testing.assert_allclose(parts.to_numpy(), lightgbm_parts[model.features_].to_numpy(), rtol=0, atol=1e-12)
    basic = later["plan"] == "basic"
    assert parts.loc[basic, "plan"].mean() > 0 > parts.loc[~basic, "plan"].mean()
    np.testing.assert_allclose(model.contributions(later).to_numpy(), parts.to_numpy(), rtol=0, atol=0)
