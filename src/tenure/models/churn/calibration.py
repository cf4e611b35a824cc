"""Calibrated probabilities and the figures that judge them.

A model's raw score (log-odds) ranks customers; a :class:`Calibrator` maps it to a probability that
matches observed churn, learned on a *later* slice of observations than the model was fitted on
(isotonic regression when the slice holds enough churns, Platt's logistic map otherwise).
:func:`classification_figures` gives the back-test's numbers: AUC, top-decile lift, Brier score,
log loss, and the calibration curve by decile of predicted probability.

Examples
--------
>>> import numpy as np
>>> top_decile_lift(np.array([1, 0, 0, 0, 0, 0, 0, 0, 0, 0]), np.linspace(1, 0, 10))
10.0
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

from tenure.errors import NotFittedError

EPS = 1e-6


@dataclass
class Calibrator:
    """Maps raw scores (log-odds) to calibrated probabilities.

    Parameters
    ----------
    method
        ``isotonic``, ``platt`` or ``auto`` (isotonic when the slice holds at least
        ``min_isotonic_churns`` churns, else Platt).

    Examples
    --------
    >>> import numpy as np
    >>> c = Calibrator("platt").fit(np.array([-2.0, -1, 0, 1, 2, 3]), np.array([0, 0, 0, 1, 1, 1]))
    >>> bool(c.predict(np.array([3.0]))[0] > c.predict(np.array([-2.0]))[0])
    True
    """

    method: str = "auto"
    min_isotonic_churns: int = 400
    method_: str | None = None
    model_: Any = None
    n_: int = 0
    rate_: float = float("nan")

    def fit(self, scores: np.ndarray, y: np.ndarray) -> Calibrator:
        scores, y = np.asarray(scores, float), np.asarray(y, int)
        method = self.method
        if method == "auto":
            method = "isotonic" if int(y.sum()) >= self.min_isotonic_churns else "platt"
        if len(np.unique(y)) < 2:
            method = "constant"
            self.model_ = float(np.clip(y.mean() if len(y) else 0.0, EPS, 1 - EPS))
        elif method == "isotonic":
            self.model_ = IsotonicRegression(y_min=EPS, y_max=1 - EPS, out_of_bounds="clip").fit(scores, y)
        else:
            method = "platt"
            self.model_ = LogisticRegression(C=1e6).fit(scores.reshape(-1, 1), y)
        self.method_, self.n_, self.rate_ = method, len(y), float(y.mean())
        return self

    def predict(self, scores: np.ndarray) -> np.ndarray:
        if self.method_ is None:
            raise NotFittedError("the calibrator is used before fit(); fit it on a validation slice first")
        scores = np.asarray(scores, float)
        if self.method_ == "constant":
            return np.full(len(scores), self.model_)
        if self.method_ == "isotonic":
            # Isotonic maps are flat in steps; a vanishing tilt by the raw score keeps the model's
            # ranking inside a step (so AUC and lift are the model's) without moving any probability
            # by more than 1e-7.
            tilt = 1e-7 * (1.0 / (1.0 + np.exp(-scores)) - 0.5)
            return np.clip(self.model_.predict(scores), 2 * EPS, 1 - 2 * EPS) + tilt
        return self.model_.predict_proba(scores.reshape(-1, 1))[:, 1]


def top_decile_lift(y: np.ndarray, p: np.ndarray, share: float = 0.1) -> float:
    """Churn rate among the riskiest ``share`` of observations over the overall churn rate."""
    y, p = np.asarray(y, float), np.asarray(p, float)
    if len(y) == 0 or y.mean() == 0:
        return float("nan")
    k = max(1, int(np.ceil(len(y) * share)))
    top = np.argsort(-p, kind="stable")[:k]
    return float(y[top].mean() / y.mean())


def auc(y: np.ndarray, p: np.ndarray) -> float:
    """Area under the ROC curve (NaN when only one class is present)."""
    y = np.asarray(y, int)
    if len(np.unique(y)) < 2:
        return float("nan")
    return float(roc_auc_score(y, np.asarray(p, float)))


def calibration_curve(y: np.ndarray, p: np.ndarray, bins: int = 10) -> list[dict[str, float]]:
    """Predicted against observed churn in deciles of predicted probability."""
    y, p = np.asarray(y, float), np.asarray(p, float)
    order = np.argsort(p, kind="stable")
    out = []
    for i, part in enumerate(np.array_split(order, bins)):
        if len(part) == 0:
            continue
        out.append(
            {
                "decile": i + 1,
                "n": len(part),
                "predicted": round(float(p[part].mean()), 6),
                "observed": round(float(y[part].mean()), 6),
            }
        )
    return out


@dataclass
class Figures:
    """How well probabilities ``p`` predicted outcomes ``y``."""

    auc: float
    top_decile_lift: float
    brier: float
    log_loss: float
    n_observations: int
    n_churns: int
    calibration: list[dict[str, float]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "auc": _round(self.auc),
            "top_decile_lift": _round(self.top_decile_lift),
            "brier": _round(self.brier),
            "log_loss": _round(self.log_loss),
            "n_observations": self.n_observations,
            "n_churns": self.n_churns,
        }


def _round(x: float, digits: int = 4) -> float | None:
    return None if x is None or not np.isfinite(x) else round(float(x), digits)


def classification_figures(y: np.ndarray, p: np.ndarray) -> Figures:
    """AUC, top-decile lift, Brier score, log loss and calibration curve of probabilities ``p``."""
    y, p = np.asarray(y, int), np.clip(np.asarray(p, float), EPS, 1 - EPS)
    two = len(np.unique(y)) == 2
    return Figures(
        auc=auc(y, p),
        top_decile_lift=top_decile_lift(y, p),
        brier=float(brier_score_loss(y, p)) if len(y) else float("nan"),
        log_loss=float(log_loss(y, p, labels=[0, 1])) if two else float("nan"),
        n_observations=len(y),
        n_churns=int(y.sum()),
        calibration=calibration_curve(y, p),
    )
