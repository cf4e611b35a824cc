"""The churn models: regularised logistic regression and gradient-boosted trees, with calibration.

:class:`ChurnModel` follows the estimator contract: ``__init__`` only stores arguments, ``fit`` learns
(and returns ``self``), learned values end in ``_``, using it unfitted raises
:class:`~tenure.errors.NotFittedError`. It scores in log-odds (:meth:`ChurnModel.raw_score`), turns
scores into calibrated probabilities once :meth:`ChurnModel.calibrate` has seen a later slice, and
splits each score into per-feature contributions (:meth:`ChurnModel.contributions`): LightGBM's own
``pred_contrib`` for the trees, coefficient × standardised value for the logistic model.

:func:`fit_calibrated` is how both the back-test and ``tenure churn train`` fit: the model on every
date given, and its calibration learned on the newest of them.

LightGBM runs on one thread by default (``n_jobs``): on a shared 2-core machine its OpenMP threads
otherwise spin against other work and fits get many times slower.

Examples
--------
>>> import numpy as np, pandas as pd
>>> X = pd.DataFrame({"logins": np.r_[np.zeros(50), np.ones(50) * 10]})
>>> y = np.r_[np.ones(40), np.zeros(60)].astype(int)
>>> m = ChurnModel("logistic").fit(X, y, ["logins"])
>>> bool(m.raw_score(X.iloc[[0]])[0] > m.raw_score(X.iloc[[99]])[0])
True
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from tenure.errors import ModelError, NotFittedError
from tenure.models.churn.calibration import Calibrator
from tenure.models.churn.treeshap import TreeExplainer

KINDS = ("logistic", "lightgbm")

LIGHTGBM_DEFAULTS: dict[str, Any] = {
    "n_estimators": 300,
    "learning_rate": 0.02,
    "num_leaves": 7,
    "min_child_samples": 100,
    "subsample": 0.8,
    "subsample_freq": 1,
    "colsample_bytree": 0.7,
    "reg_lambda": 5.0,
    "max_bin": 127,
    "n_jobs": 1,
    "verbose": -1,
}
LOGISTIC_DEFAULTS: dict[str, Any] = {"C": 0.05, "max_iter": 2000}
MAX_LEVELS = 30


@dataclass
class Preprocessor:
    """Turns feature columns into the numbers a model takes, the same way at fit and score time.

    Categories keep their ``MAX_LEVELS`` most frequent values (others become ``other``). For the
    logistic model, numbers are log-compressed (sign × log1p |x|), missing values get the training
    median, categories become one-hot columns, and everything is standardised.
    """

    numeric: list[str]
    categorical: list[str]
    levels_: dict[str, list[str]] = field(default_factory=dict)
    medians_: dict[str, float] = field(default_factory=dict)
    means_: np.ndarray | None = None
    scales_: np.ndarray | None = None
    design_: list[str] = field(default_factory=list)
    source_: list[str] = field(default_factory=list)

    def fit(self, X: pd.DataFrame) -> Preprocessor:
        for c in self.categorical:
            counts = X[c].astype("string").fillna("(none)").value_counts()
            self.levels_[c] = [str(v) for v in counts.index[:MAX_LEVELS]]
        for c in self.numeric:
            med = float(np.nanmedian(_log(X[c]))) if X[c].notna().any() else 0.0
            self.medians_[c] = med if np.isfinite(med) else 0.0
        design, source = [], []
        for c in self.numeric:
            design.append(c)
            source.append(c)
        for c in self.categorical:
            for v in self.levels_[c][1:]:
                design.append(f"{c}={v}")
                source.append(c)
        self.design_, self.source_ = design, source
        Z = self._design(X)
        self.means_ = Z.mean(axis=0)
        sd = Z.std(axis=0)
        self.scales_ = np.where(sd > 0, sd, 1.0)
        return self

    def categories(self, X: pd.DataFrame) -> pd.DataFrame:
        """Features for the trees: numbers as floats, categories as fixed pandas categoricals."""
        out = pd.DataFrame(index=X.index)
        for c in self.numeric:
            out[c] = pd.to_numeric(X[c], errors="coerce").astype("float64")
        for c in self.categorical:
            levels = [*self.levels_[c], "other"]
            values = X[c].astype("string").fillna("(none)").astype(object)
            values = values.where(values.isin(levels[:-1]), "other")
            out[c] = pd.Categorical(values, categories=levels)
        return out

    def matrix(self, X: pd.DataFrame) -> np.ndarray:
        """:meth:`categories` as LightGBM reads it: one float column per feature, numbers first, then
        each category as its code (the position of its value among the fixed levels). Column-major:
        each feature's values lie together, as they are written here and read by the trees."""
        out = np.empty((len(X), len(self.numeric) + len(self.categorical)), order="F")
        for j, c in enumerate(self.numeric):
            out[:, j] = pd.to_numeric(X[c], errors="coerce").astype("float64").to_numpy()
        for k, c in enumerate(self.categorical):
            levels = [*self.levels_[c], "other"]
            values = X[c].astype("string").fillna("(none)").astype(object)
            values = values.where(values.isin(levels[:-1]), "other")
            codes = pd.Categorical(values, categories=levels).codes
            out[:, len(self.numeric) + k] = np.where(codes < 0, np.nan, codes)
        return out

    def _design(self, X: pd.DataFrame) -> np.ndarray:
        cols = []
        for c in self.numeric:
            v = _log(X[c])
            cols.append(np.where(np.isnan(v), self.medians_[c], v))
        for c in self.categorical:
            values = X[c].astype("string").fillna("(none)").to_numpy(dtype=object)
            for level in self.levels_[c][1:]:
                cols.append((values == level).astype(float))
        return np.column_stack(cols) if cols else np.zeros((len(X), 0))

    def standardised(self, X: pd.DataFrame) -> np.ndarray:
        """The logistic model's design matrix."""
        assert self.means_ is not None and self.scales_ is not None
        return (self._design(X) - self.means_) / self.scales_


def _log(s: pd.Series) -> np.ndarray:
    v = pd.to_numeric(s, errors="coerce").astype("float64").to_numpy()
    return np.sign(v) * np.log1p(np.abs(v))


class ChurnModel:
    """A churn model on a set of feature columns.

    Parameters
    ----------
    kind
        ``lightgbm`` (gradient-boosted trees) or ``logistic`` (L2-regularised logistic regression
        on standardised, log-compressed features).
    params
        Overrides of the defaults (:data:`LIGHTGBM_DEFAULTS`, :data:`LOGISTIC_DEFAULTS`).
    calibration
        ``auto``, ``isotonic`` or ``platt``.
    max_train_rows
        Above this many rows, non-churn rows are sampled down (churns all kept) to bound fit time;
        calibration undoes the change in base rate.
    random_state
        Seed for sampling and the trees.

    Examples
    --------
    >>> ChurnModel("lightgbm")
    ChurnModel(kind='lightgbm', unfitted)
    """

    estimator_: Any
    features_: list[str]
    prep_: Preprocessor
    calibration_note_: str = ""
    explainer_: TreeExplainer | None = None

    def __init__(
        self,
        kind: str = "lightgbm",
        params: dict[str, Any] | None = None,
        calibration: str = "auto",
        max_train_rows: int = 400_000,
        random_state: int = 0,
    ) -> None:
        self.kind = kind
        self.params = params
        self.calibration = calibration
        self.max_train_rows = max_train_rows
        self.random_state = random_state

    def __repr__(self) -> str:
        state = f"{len(self.features_)} features" if hasattr(self, "estimator_") else "unfitted"
        return f"ChurnModel(kind={self.kind!r}, {state})"

    # -- fitting ---------------------------------------------------------------------------------

    def fit(
        self, X: pd.DataFrame, y: np.ndarray, features: list[str], categorical: list[str] | None = None
    ) -> ChurnModel:
        if self.kind not in KINDS:
            raise ModelError(f"churn model: unknown kind {self.kind!r}; expected one of {', '.join(KINDS)}")
        y = np.asarray(y, int)
        if len(np.unique(y)) < 2:
            raise ModelError(
                f"churn model: the training observations hold {int(y.sum())} churns out of {len(y)}; "
                "both churned and retained customers are needed. Use a longer history or a longer horizon"
            )
        categorical = [c for c in (categorical or []) if c in features]
        X, y = self._sample(X, y)
        usable = [c for c in features if _varies(X[c])]
        self.features_ = usable
        self.prep_ = Preprocessor(
            [c for c in usable if c not in categorical], [c for c in usable if c in categorical]
        ).fit(X)
        if self.kind == "lightgbm":
            import lightgbm as lgb

            params = {**LIGHTGBM_DEFAULTS, "random_state": self.random_state, **(self.params or {})}
            est = lgb.LGBMClassifier(**params)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                est.fit(self.prep_.categories(X), y)
        else:
            from sklearn.linear_model import LogisticRegression

            params = {**LOGISTIC_DEFAULTS, **(self.params or {})}
            est = LogisticRegression(**params)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                est.fit(self.prep_.standardised(X), y)
        self.estimator_ = est
        self.explainer_ = None
        self.calibrator_: Calibrator | None = None
        self.n_train_ = len(y)
        self.train_rate_ = float(y.mean())
        return self

    def _sample(self, X: pd.DataFrame, y: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
        if len(y) <= self.max_train_rows:
            return X, y
        rng = np.random.default_rng(self.random_state)
        pos = np.flatnonzero(y == 1)
        neg = np.flatnonzero(y == 0)
        keep_neg = rng.choice(neg, size=max(self.max_train_rows - len(pos), len(pos)), replace=False)
        idx = np.sort(np.r_[pos, keep_neg])
        return X.iloc[idx], y[idx]

    def calibrate(self, scores: np.ndarray, y: np.ndarray) -> ChurnModel:
        """Learn the map from raw scores to probabilities on a later slice (see :func:`fit_calibrated`)."""
        self._check()
        self.calibrator_ = Calibrator(self.calibration).fit(scores, y)
        return self

    # -- using -----------------------------------------------------------------------------------

    def _check(self) -> None:
        if not hasattr(self, "estimator_"):
            raise NotFittedError("this churn model is used before fit(); train one with `tenure churn train`")

    def _complete(self, X: pd.DataFrame) -> pd.DataFrame:
        missing = [c for c in self.features_ if c not in X]
        return X.assign(**dict.fromkeys(missing, np.nan)) if missing else X

    def raw_score(self, X: pd.DataFrame) -> np.ndarray:
        """Log-odds of churn (uncalibrated)."""
        self._check()
        X = self._complete(X)
        if self.kind == "lightgbm":
            return self.estimator_.predict(self.prep_.categories(X), raw_score=True)
        return self.estimator_.decision_function(self.prep_.standardised(X))

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Calibrated churn probability (the model's own probability before calibration)."""
        s = self.raw_score(X)
        if self.calibrator_ is not None:
            return self.calibrator_.predict(s)
        return 1.0 / (1.0 + np.exp(-s))

    def contributions(self, X: pd.DataFrame) -> pd.DataFrame:
        """Each feature's share of each score, in log-odds (positive: pushes towards churn).

        For the trees, TreeSHAP as LightGBM's ``pred_contrib`` computes it, by decision pattern
        (:mod:`.treeshap`): the same values up to the last bits, many times faster.
        """
        self._check()
        X = self._complete(X)
        if self.kind == "lightgbm":
            _, parts = self.explainer().explain(self.prep_.matrix(X))
            return self._labelled(parts, X.index)
        Z = self.prep_.standardised(X)
        parts = Z * self.estimator_.coef_[0]
        frame = pd.DataFrame(parts, columns=self.prep_.design_, index=X.index)
        return frame.T.groupby(self.prep_.source_, sort=False).sum().T.reindex(columns=self.features_, fill_value=0.0)

    def explain(self, X: pd.DataFrame, threads: int = 1) -> tuple[np.ndarray, pd.DataFrame]:
        """:meth:`predict_proba` and :meth:`contributions` together, reading the features once.

        For the trees both come from one pass (:meth:`.treeshap.TreeExplainer.explain`), whose raw
        scores are exactly LightGBM's; ``threads`` splits the rows between threads.

        Examples
        --------
        >>> p, parts = model.explain(features.frame)     # doctest: +SKIP
        """
        self._check()
        X = self._complete(X)
        if self.kind != "lightgbm":
            return self.predict_proba(X), self.contributions(X)
        s, parts = self.explainer().explain(self.prep_.matrix(X), threads)
        p = self.calibrator_.predict(s) if self.calibrator_ is not None else 1.0 / (1.0 + np.exp(-s))
        return p, self._labelled(parts, X.index)

    def _labelled(self, parts: np.ndarray, index: pd.Index) -> pd.DataFrame:
        """Tree contributions named by feature: the trees read numbers first, then categories
        (:meth:`Preprocessor.matrix`), so that is the order of their columns."""
        columns = [*self.prep_.numeric, *self.prep_.categorical]
        return pd.DataFrame(parts, columns=columns, index=index)[self.features_]

    def explainer(self) -> TreeExplainer:
        """The TreeSHAP explainer of the trees (made on first use, and kept with the model)."""
        self._check()
        explainer = getattr(self, "explainer_", None)
        if explainer is None:
            explainer = self.explainer_ = TreeExplainer(self.estimator_.booster_)
        return explainer

    def importances(self, X: pd.DataFrame) -> dict[str, float]:
        """Mean absolute contribution of each feature over ``X``, largest first."""
        mean = self.contributions(X).abs().mean().sort_values(ascending=False)
        return {str(k): round(float(v), 5) for k, v in mean.items()}


def _varies(s: pd.Series) -> bool:
    v = s.dropna()
    return len(v) > 0 and v.nunique() > 1


def fit_calibrated(
    frame: pd.DataFrame,
    features: list[str],
    categorical: list[str],
    kind: str,
    params: dict[str, Any] | None = None,
    calibration: str = "auto",
    max_train_rows: int = 400_000,
    random_state: int = 0,
) -> ChurnModel:
    """Fit on every observation date in ``frame``, then calibrate on the newest date.

    The calibration map is learned from the model's scores of the newest observation date (the
    validation slice, later than everything else it learned from) against what happened there; it
    corrects the level of churn, which drifts over time, and the spread of the scores. The model
    itself keeps the newest date in its training data because the freshest behaviour predicts
    best: the back-test (whose test dates the model never saw) is what shows the probabilities hold.
    """
    y = frame["churned"].to_numpy(int)
    model = ChurnModel(kind, params, calibration, max_train_rows, random_state).fit(frame, y, features, categorical)
    dates = np.sort(frame["obs_date"].unique())
    latest = frame[frame["obs_date"] == dates[-1]]
    model.calibrate(model.raw_score(latest), latest["churned"].to_numpy(int))
    model.calibration_note_ = f"learned on the observations of {pd.Timestamp(dates[-1]):%Y-%m-%d}"
    return model
