"""The health score: 0 to 100, red, amber or green, from components anyone can read.

Each component is a number from 0 (worst) to 100 (best), computed from the churn features:

==============  ============================================================================
usage           where the customer's events in the last 28 days rank among all customers
                observed on the same date (percentile)
trend           the last 28 days against their own usual level: 100 when steady or growing,
                50 at half their usual
support         100, less 15 per ticket in the last 28 days, 10 per open ticket and 20 per
                discount or contract-change request near renewal
sentiment       latest NPS × 10 and latest CSAT (1-5) scaled to 0-100, averaged
payments        100, less 40 per failed payment not recovered, 15 per one recovered, 20 per
                overdue invoice
onboarding      the share of onboarding steps done × 100
==============  ============================================================================

The score is the weighted mean of the components the customer has (a business without tickets
simply has no support component). Default weights are hand-set (:data:`DEFAULT_WEIGHTS`), like the
established customer-success products; :func:`fit_weights` learns non-negative weights from past
churn instead (``tenure health fit``), and the back-test reports how well each would have ranked
the customers who then left. Bands: green from 70, amber from 40, red below.

Examples
--------
>>> band(82.0), band(55.0), band(12.0)
('green', 'amber', 'red')
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from tenure.errors import ModelError

COMPONENTS = ("usage", "trend", "support", "sentiment", "payments", "onboarding")
DEFAULT_WEIGHTS: dict[str, float] = {
    "usage": 0.30,
    "trend": 0.20,
    "support": 0.15,
    "sentiment": 0.15,
    "payments": 0.10,
    "onboarding": 0.10,
}
GREEN, AMBER = 70.0, 40.0


def band(score: float) -> str:
    """``green`` from 70, ``amber`` from 40, ``red`` below (and for a missing score)."""
    if score is None or not np.isfinite(score):
        return "red"
    return "green" if score >= GREEN else "amber" if score >= AMBER else "red"


def bands(scores: np.ndarray | pd.Series) -> np.ndarray:
    """:func:`band` of every score at once.

    Examples
    --------
    >>> bands(np.array([82.0, 55.0, 12.0, np.nan])).tolist()
    ['green', 'amber', 'red', 'red']
    """
    s = np.asarray(scores, dtype=float)
    s = np.where(np.isfinite(s), s, -np.inf)  # missing (or infinite) scores are red, as in band()
    return np.where(s >= GREEN, "green", np.where(s >= AMBER, "amber", "red")).astype(object)


def _col(frame: pd.DataFrame, name: str) -> pd.Series | None:
    return _num(frame, name) if name in frame else None


def _num(frame: pd.DataFrame, name: str) -> pd.Series:
    """Column ``name`` as floats (all missing when the frame has no such column)."""
    if name not in frame:
        return pd.Series(np.nan, index=frame.index)
    return pd.to_numeric(frame[name], errors="coerce").astype(float)


def components(frame: pd.DataFrame) -> pd.DataFrame:
    """The six components (0-100, NaN where the data for one are missing) of each row of features.

    Examples
    --------
    >>> f = pd.DataFrame({"obs_date": [1, 1], "events_28d": [10, 0], "events_trend": [1.2, 0.5]})
    >>> components(f)[["usage", "trend"]].to_dict("list")
    {'usage': [100.0, 50.0], 'trend': [100.0, 50.0]}
    """
    out = pd.DataFrame(index=frame.index, columns=list(COMPONENTS), dtype=float)
    events = _col(frame, "events_28d")
    if events is not None:
        group = frame["obs_date"] if "obs_date" in frame else pd.Series(0, index=frame.index)
        out["usage"] = events.groupby(group).rank(pct=True, method="average") * 100.0
    trend = _col(frame, "events_trend")
    if trend is not None:
        out["trend"] = trend.clip(0.0, 1.0) * 100.0
    if "tickets_28d" in frame:
        load = 15 * _num(frame, "tickets_28d").fillna(0) + 10 * _num(frame, "open_tickets").fillna(0)
        if "renewal_requests" in frame:
            load = load + 20 * _num(frame, "renewal_requests").fillna(0)
        out["support"] = (100.0 - load).clip(0.0, 100.0)
    parts: list[pd.Series] = []
    if "nps_score" in frame:
        parts.append(_num(frame, "nps_score") * 10.0)
    csat = _col(frame, "csat_score")
    if "ticket_csat" in frame:
        csat = _num(frame, "ticket_csat") if csat is None else csat.fillna(_num(frame, "ticket_csat"))
    if csat is not None:
        parts.append((csat - 1.0) / 4.0 * 100.0)
    if parts:
        out["sentiment"] = pd.concat(parts, axis=1).mean(axis=1, skipna=True).clip(0.0, 100.0)
    if "unrecovered_invoices" in frame:
        hit = (
            40 * _num(frame, "unrecovered_invoices").fillna(0)
            + 15 * _num(frame, "recovered_invoices").fillna(0)
            + 20 * _num(frame, "overdue_invoices").fillna(0)
        )
        out["payments"] = (100.0 - hit).clip(0.0, 100.0)
    if "onboarding_done" in frame:
        out["onboarding"] = _num(frame, "onboarding_done").clip(0.0, 1.0) * 100.0
    return out


def score(comps: pd.DataFrame, weights: Mapping[str, float] | None = None) -> pd.Series:
    """The health score: the weighted mean of the components each row has.

    Examples
    --------
    >>> c = pd.DataFrame({"usage": [80.0], "trend": [40.0]})
    >>> float(score(c, {"usage": 0.5, "trend": 0.5}).iloc[0])
    60.0
    """
    weights = dict(weights or DEFAULT_WEIGHTS)
    names = [c for c in COMPONENTS if c in comps and weights.get(c, 0) > 0]
    if not names:
        return pd.Series(np.nan, index=comps.index)
    values = comps[names].to_numpy(float)
    w = np.array([weights[c] for c in names])
    have = ~np.isnan(values)
    total = (np.where(have, values, 0.0) * w).sum(axis=1)
    norm = (have * w).sum(axis=1)
    return pd.Series(np.where(norm > 0, total / np.where(norm > 0, norm, 1.0), np.nan), index=comps.index)


def fit_weights(comps: pd.DataFrame, churned: np.ndarray, l2: float = 1e-3) -> dict[str, float]:
    """Non-negative component weights learned from past churn, summing to one.

    A logistic model of churn on the components' shortfalls (``1 - component / 100``; a missing
    component counts as the average) with every weight constrained to be ≥ 0, fitted by
    L-BFGS-B; components with no data get weight 0.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> c = pd.DataFrame({"usage": rng.uniform(0, 100, 4000), "trend": rng.uniform(0, 100, 4000)})
    >>> y = (rng.uniform(size=4000) < 1 / (1 + np.exp(-(2 - 5 * c.usage / 100)))).astype(int)
    >>> w = fit_weights(c, y)
    >>> w["usage"] > 0.8
    True
    """
    y = np.asarray(churned, float)
    if len(np.unique(y)) < 2:
        raise ModelError("health fit: the history holds no churns (or only churns); nothing to learn from")
    names = [c for c in COMPONENTS if c in comps and comps[c].notna().any()]
    if not names:
        raise ModelError("health fit: no health component has data; import events, tickets, responses or payments")
    X = 1.0 - comps[names].to_numpy(float) / 100.0
    means = np.nanmean(X, axis=0)
    X = np.where(np.isnan(X), means, X)
    n, k = X.shape

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        b, w = theta[0], theta[1:]
        z = b + X @ w
        p = 1.0 / (1.0 + np.exp(-z))
        ll = np.sum(np.logaddexp(0, z) - y * z) / n + l2 * np.sum(w**2)
        g = p - y
        grad = np.r_[g.mean(), X.T @ g / n + 2 * l2 * w]
        return float(ll), grad

    rate = np.clip(y.mean(), 1e-6, 1 - 1e-6)
    theta0 = np.r_[np.log(rate / (1 - rate)), np.zeros(k)]
    res = minimize(loss, theta0, jac=True, method="L-BFGS-B", bounds=[(None, None)] + [(0.0, None)] * k)
    w = np.maximum(res.x[1:], 0.0)
    if w.sum() <= 0:
        return {c: DEFAULT_WEIGHTS[c] for c in names}
    w = w / w.sum()
    out = dict.fromkeys(COMPONENTS, 0.0)
    out.update({c: round(float(v), 4) for c, v in zip(names, w, strict=True)})
    return out
