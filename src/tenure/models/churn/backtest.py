"""The time-based back-test: train on earlier observation dates, test on later ones.

For each test date ``T`` (the newest ``n_test_dates`` dates that have enough history before them),
each candidate model is fitted on every observation whose label was known by ``T``
(``obs_date + horizon ≤ T``), calibrated out of time (see :func:`~tenure.models.churn.train.fit_calibrated`),
and scores the customers observed at ``T``. The predictions of all test dates are pooled and judged:
AUC, top-decile lift, Brier score, log loss, calibration curve. The model with the best AUC is chosen.
Beside them: a naive baseline (customers with the fewest events in the last 28 days first) and the
health score with hand-set and with learned weights.

Examples
--------
>>> result = backtest(features, horizon_days=28)     # doctest: +SKIP
>>> result.as_dict()["auc"]                          # doctest: +SKIP
0.81
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from tenure.errors import ModelError
from tenure.models import health
from tenure.models.churn.calibration import Figures, _round, auc, classification_figures
from tenure.models.churn.train import KINDS, fit_calibrated

if TYPE_CHECKING:
    from tenure.models.churn.features import FeatureSet


@dataclass(frozen=True)
class BacktestSpec:
    """How the back-test runs.

    Parameters
    ----------
    kinds
        Candidate models.
    n_test_dates
        How many of the newest observation dates are test dates.
    min_train_churns
        A date is a test date only when the observations before it (less the calibration slice)
        hold at least this many churns.
    calibration, max_train_rows, params
        Passed to the models (``params`` maps a kind to its parameter overrides).
    """

    kinds: tuple[str, ...] = KINDS
    n_test_dates: int = 3
    min_train_churns: int = 20
    calibration: str = "auto"
    max_train_rows: int = 400_000
    params: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class BacktestResult:
    """What the back-test found; :meth:`as_dict` is what ``tenure churn backtest`` prints."""

    model: str
    figures: dict[str, Figures]
    baseline_auc: float
    health_auc: float
    health_fitted_auc: float
    health_weights: dict[str, float]
    test_dates: list[pd.Timestamp]
    train_from: pd.Timestamp
    horizon_days: int
    importances: dict[str, float]
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def chosen(self) -> Figures:
        return self.figures[self.model]

    def as_dict(self, top_features: int = 15) -> dict[str, Any]:
        out: dict[str, Any] = {
            "model": self.model,
            **self.chosen.as_dict(),
            "baseline_auc": _round(self.baseline_auc),
        }
        out["health_auc"] = _round(self.health_auc)
        out["health_fitted_auc"] = _round(self.health_fitted_auc)
        out["health_weights"] = self.health_weights
        out["horizon_days"] = self.horizon_days
        out["train_from"] = f"{self.train_from:%Y-%m-%d}"
        out["test_dates"] = [f"{d:%Y-%m-%d}" for d in self.test_dates]
        out["models"] = {k: f.as_dict() for k, f in self.figures.items()}
        out["calibration"] = self.chosen.calibration
        out["feature_importance"] = dict(list(self.importances.items())[:top_features])
        out["seconds"] = {k: round(v, 2) for k, v in self.timings.items()}
        return out


def test_plan(frame: pd.DataFrame, horizon_days: int, spec: BacktestSpec) -> list[tuple[pd.Timestamp, pd.DataFrame]]:
    """The test dates and, for each, the observations whose label was known by then."""
    dates = sorted(pd.to_datetime(frame["obs_date"].unique()))
    horizon = timedelta(days=horizon_days)
    plan = []
    for t in dates:
        train = frame[frame["obs_date"] + horizon <= t]
        train_dates = sorted(train["obs_date"].unique())
        if len(train_dates) < 2:
            continue
        fit_part = train[train["obs_date"] < train_dates[-1]]
        cal_part = train[train["obs_date"] == train_dates[-1]]
        if fit_part["churned"].sum() < spec.min_train_churns or cal_part["churned"].sum() < 1:
            continue
        plan.append((pd.Timestamp(t), train))
    return plan[-spec.n_test_dates :]


def backtest(fs: FeatureSet, horizon_days: int, spec: BacktestSpec | None = None) -> BacktestResult:
    """Run the back-test on labelled features (see the module docstring)."""
    spec = spec or BacktestSpec()
    frame = fs.frame[fs.frame["churned"].notna()].copy()
    frame["churned"] = frame["churned"].astype(int)
    plan = test_plan(frame, horizon_days, spec)
    if not plan:
        n_dates = frame["obs_date"].nunique()
        raise ModelError(
            f"churn back-test: {n_dates} labelled observation date(s) with {int(frame['churned'].sum())} "
            "churns is not enough to train on earlier dates and test on later ones; it needs at least three "
            f"dates and {spec.min_train_churns} churns before the first test date. Import a longer history, "
            "or observe more often (--frequency 14d)"
        )
    features, categorical = fs.columns, fs.categorical
    comps_all = health.components(frame)
    preds: dict[str, list[np.ndarray]] = {k: [] for k in spec.kinds}
    ys, baseline, health_default, health_fitted = [], [], [], []
    models: dict[str, Any] = {}
    timings: dict[str, float] = dict.fromkeys(spec.kinds, 0.0)
    test_rows = []
    for t, train in plan:
        test = frame[frame["obs_date"] == t]
        test_rows.append(test)
        ys.append(test["churned"].to_numpy(int))
        for kind in spec.kinds:
            started = time.perf_counter()
            model = fit_calibrated(
                train,
                features,
                categorical,
                kind,
                spec.params.get(kind),
                spec.calibration,
                spec.max_train_rows,
            )
            preds[kind].append(model.predict_proba(test))
            models[kind] = model
            timings[kind] += time.perf_counter() - started
        baseline.append(_baseline(test))
        health_default.append(health.score(comps_all.loc[test.index]).to_numpy())
        weights = health.fit_weights(comps_all.loc[train.index], train["churned"].to_numpy(int))
        health_fitted.append(health.score(comps_all.loc[test.index], weights).to_numpy())
    y = np.concatenate(ys)
    figures = {k: classification_figures(y, np.concatenate(v)) for k, v in preds.items()}
    chosen = max(figures, key=lambda k: (np.nan_to_num(figures[k].auc, nan=-1), k == "lightgbm"))
    last_test = test_rows[-1]
    full_train = plan[-1][1]
    return BacktestResult(
        model=chosen,
        figures=figures,
        baseline_auc=auc(y, np.concatenate(baseline)),
        health_auc=auc(y, -np.nan_to_num(np.concatenate(health_default), nan=50.0)),
        health_fitted_auc=auc(y, -np.nan_to_num(np.concatenate(health_fitted), nan=50.0)),
        health_weights=health.fit_weights(comps_all.loc[full_train.index], full_train["churned"].to_numpy(int)),
        test_dates=[t for t, _ in plan],
        train_from=pd.Timestamp(frame["obs_date"].min()),
        horizon_days=horizon_days,
        importances=models[chosen].importances(last_test),
        timings=timings,
    )


def _baseline(test: pd.DataFrame) -> np.ndarray:
    """The naive rule: the fewer events in the last 28 days, the riskier (else: the newer, the riskier)."""
    for col in ("events_28d", "tenure_days"):
        if col in test:
            return -pd.to_numeric(test[col], errors="coerce").fillna(0.0).to_numpy(float)
    return np.zeros(len(test))
