"""Shifted-beta-geometric (sBG): renewals of contracts that end when the customer stops renewing.

Fader & Hardie (2007), "How to project customer retention", Journal of Interactive Marketing 21(1);
DERL from Fader & Hardie (2010), "Customer-base valuation in a contractual setting: the perils of
ignoring heterogeneity", Marketing Science 29(1). Each customer churns at the end of each period with a
constant probability θ ~ Beta(α, β). With T the period in which a customer is lost::

    P(T = t) = B(α+1, β+t−1) / B(α, β)        S(t) = P(T > t) = B(α, β+t) / B(α, β)
    retention rate r_t = S(t) / S(t−1) = (β+t−1) / (α+β+t−1)

A customer who has made n renewals is worth, at the moment of their next renewal decision, a payment
per period times the discounted expected residual lifetime::

    DERL(d | n renewals) = (β+n)/(α+β+n) · 2F1(1, β+n+1; α+β+n+1; 1/(1+d))
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
from scipy.special import betaln, digamma, hyp2f1

from tenure.errors import ModelError
from tenure.models.clv.base import CLVModel, as_float_array, group_rows

__all__ = ["ShiftedBetaGeometric"]


class ShiftedBetaGeometric(CLVModel):
    """sBG model of contract renewals (parameters ``alpha, beta``).

    Examples
    --------
    >>> from tenure.models.clv import ShiftedBetaGeometric
    >>> m = ShiftedBetaGeometric().fit([1000, 631, 468, 382, 326, 289, 262, 241])
    >>> {k: round(v, 3) for k, v in m.params_.items()}
    {'alpha': 0.704, 'beta': 1.182}
    >>> [round(1000 * s) for s in m.survival([8, 9, 10])]
    [220, 204, 191]
    """

    _param_names: ClassVar[tuple[str, ...]] = ("alpha", "beta")
    _model_name: ClassVar[str] = "shifted-beta-geometric"
    _remedies: ClassVar[tuple[str, ...]] = (
        "sBG needs a cohort observed over at least two periods with some customers lost and, for the "
        "heterogeneity (alpha, beta) to show, a retention rate that changes over time.",
        "Counts must be customers still active at the end of each period, starting with the whole "
        "cohort at period 0, never increasing.",
    )

    @classmethod
    def _cli_name(cls) -> str:
        return "sbg"

    def __init__(self) -> None:
        pass

    def fit(
        self,
        active: Any = None,
        *,
        durations: Any = None,
        churned: Any = None,
        weights: Any = None,
        initial_params: Mapping[str, float] | None = None,
    ) -> ShiftedBetaGeometric:
        """Fit by maximum likelihood, from one cohort's counts or from per-customer durations.

        Parameters
        ----------
        active
            Customers still active at the end of periods 0, 1, 2, … (``active[0]`` is the cohort size).
        durations, churned
            Instead of ``active``: per customer (or group), the period in which they were lost
            (``churned`` true, duration >= 1) or the last period they were seen active (``churned``
            false; right-censored). Several cohorts of different ages can be pooled this way.
        weights
            With ``durations``: how many customers each row stands for.

        Returns
        -------
        ShiftedBetaGeometric
            ``self``; ``n_customers_`` is the number of customers the fit saw.
        """
        if active is not None:
            durations, churned, weights = _from_active(active)
        elif durations is None or churned is None:
            raise ModelError("pass the active counts by period, or durations and churned")
        d = as_float_array(durations, "durations")
        c = np.asarray(churned, dtype=bool)
        w = np.ones_like(d) if weights is None else as_float_array(weights, "weights")
        if not (len(d) == len(c) == len(w)):
            raise ModelError(f"durations, churned and weights lengths differ: {len(d)}, {len(c)}, {len(w)}")
        bad = (d != np.floor(d)) | (d < 0) | (c & (d < 1)) | (w < 0)
        if bad.any():
            i = int(np.argmax(bad))
            raise ModelError(
                f"row {i}: expected a whole period >= 1 when churned (>= 0 when still active) "
                "and a weight >= 0, "
                f"got duration={d[i]:g}, churned={bool(c[i])}, weight={w[i]:g}"
            )
        if not (w[c] > 0).any():
            self._raise_convergence("nobody churned, so the churn probability cannot be estimated")
        if not (w[d >= 1] > 0).any():
            self._raise_convergence("nobody was observed beyond period 0")
        (d, cf), _, codes = group_rows(d, c.astype(float))
        w = np.bincount(codes, weights=w, minlength=len(d))
        keep = w > 0
        self._fit_mle({"t": d[keep], "churned": cf[keep]}, w[keep], initial_params)
        return self

    def _initial_params(self, data: Mapping[str, np.ndarray], weights: np.ndarray) -> list[np.ndarray]:
        return [np.array([1.0, 1.0]), np.array([0.5, 2.0]), np.array([2.0, 10.0])]

    def _log_likelihood(
        self, theta: np.ndarray, data: Mapping[str, np.ndarray], weights: np.ndarray
    ) -> tuple[float, np.ndarray]:
        alpha, beta = theta
        t, churned, w = data["t"], data["churned"] > 0, weights
        base = betaln(alpha, beta)
        d_base_a = digamma(alpha) - digamma(alpha + beta)
        d_base_b = digamma(beta) - digamma(alpha + beta)
        tc = np.where(churned, t, 1.0)  # keep betaln's arguments valid on the rows it isn't used for
        ll = np.where(churned, betaln(alpha + 1, beta + tc - 1), betaln(alpha, beta + t)) - base
        psi_end = digamma(alpha + beta + t)
        g_a = np.where(churned, digamma(alpha + 1) - psi_end, digamma(alpha) - psi_end) - d_base_a
        g_b = np.where(churned, digamma(beta + tc - 1) - psi_end, digamma(beta + t) - psi_end) - d_base_b
        return float(w @ ll), np.array([w @ g_a, w @ g_b])

    # --- predictions -----------------------------------------------------------------------------
    def survival(self, t: Any) -> np.ndarray:
        """S(t): share of a new cohort still active after ``t`` periods."""
        alpha, beta = self._theta()
        t = np.atleast_1d(np.asarray(t, dtype=float))
        return np.exp(betaln(alpha, beta + t) - betaln(alpha, beta))

    def churn_probability(self, t: Any) -> np.ndarray:
        """P(T = t): probability that a new customer is lost in period ``t`` (t >= 1)."""
        alpha, beta = self._theta()
        t = np.atleast_1d(np.asarray(t, dtype=float))
        return np.exp(betaln(alpha + 1, beta + t - 1) - betaln(alpha, beta))

    def retention_rate(self, t: Any) -> np.ndarray:
        """r_t = S(t)/S(t−1): the share of customers active at t−1 who renew at t (rises with t).

        Examples
        --------
        >>> m = ShiftedBetaGeometric()
        >>> m.params_ = {"alpha": 0.704, "beta": 1.182}
        >>> [round(float(v), 3) for v in m.retention_rate([1, 2, 3])]
        [0.627, 0.756, 0.819]
        """
        alpha, beta = self._theta()
        t = np.atleast_1d(np.asarray(t, dtype=float))
        return (beta + t - 1) / (alpha + beta + t - 1)

    def retention_curve(self, periods: int) -> np.ndarray:
        """Retention rates r_1 … r_periods (the curve of the paper's Figure 3)."""
        return self.retention_rate(np.arange(1, periods + 1))

    def derl(self, discount_rate: float, renewals: Any = 0) -> np.ndarray:
        """Discounted expected residual lifetime, in periods, of a customer with ``renewals`` renewals.

        Evaluated just before the next renewal decision; a payment made at that renewal counts
        undiscounted (Fader & Hardie 2010, equation 6). ``discount_rate`` is per period.

        Examples
        --------
        >>> m = ShiftedBetaGeometric()
        >>> m.params_ = {"alpha": 0.704, "beta": 1.182}
        >>> round(float(m.derl(0.1, renewals=0)[0]), 3)
        2.965
        """
        alpha, beta = self._theta()
        if discount_rate <= 0 and alpha <= 1:
            raise ModelError(f"with alpha={alpha:.3g} <= 1 the expected lifetime is infinite: use a discount rate > 0")
        n = np.atleast_1d(np.asarray(renewals, dtype=float))
        z = 1 / (1 + discount_rate)
        return (beta + n) / (alpha + beta + n) * hyp2f1(1.0, beta + n + 1, alpha + beta + n + 1, z)

    def discounted_expected_lifetime(self, discount_rate: float) -> float:
        """DEL: discounted expected lifetime of a customer just acquired, the first payment included."""
        return float(1 + self.derl(discount_rate, 0)[0])

    def clv(self, payment: Any, discount_rate: float, renewals: Any = 0) -> np.ndarray:
        """Residual value: ``payment`` per period × DERL for customers with ``renewals`` renewals."""
        return np.asarray(payment, dtype=float) * self.derl(discount_rate, renewals)


def _from_active(active: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    counts = as_float_array(active, "active")
    if len(counts) < 2:
        raise ModelError(f"active: expected counts for period 0 and at least one later period, got {len(counts)}")
    steps = np.diff(counts)
    if counts[0] <= 0 or (steps > 0).any() or (counts < 0).any():
        i = int(np.argmax(steps > 0)) + 1 if (steps > 0).any() else 0
        raise ModelError(
            f"active: expected a cohort size > 0 followed by non-increasing counts, got {counts[i]:g} at period {i}"
        )
    periods = np.arange(1, len(counts))
    durations = np.concatenate([periods, [len(counts) - 1]])
    churned = np.concatenate([np.ones(len(periods), bool), [False]])
    weights = np.concatenate([-steps, [counts[-1]]])
    return durations.astype(float), churned, weights
