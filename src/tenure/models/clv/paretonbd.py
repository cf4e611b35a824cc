"""Pareto/NBD: Poisson purchasing with exponential lifetimes, both rates gamma-distributed.

Schmittlein, Morrison & Colombo (1987); the likelihood as in Fader & Hardie (2005), "A note on deriving
the Pareto/NBD model and related expressions". While alive a customer buys at rate λ ~ Gamma(r, α) and
dies at rate μ ~ Gamma(s, β). For x repeat purchases, the last at t_x, observed for T::

    L = Γ(r+x) α^r β^s / Γ(r) × [ (α+T)^−(r+x) (β+T)^−s  +  s I ]
    I = ∫_{t_x}^{T} (α+τ)^−(r+x) (β+τ)^−(s+1) dτ

The paper writes s·I as a difference of two Gauss hypergeometric functions 2F1(r+s+x, s+1; r+s+x+1; ·)
scaled by (α+t_x)^−(r+s+x) and (α+T)^−(r+s+x); for large x both terms overflow and their difference
cancels catastrophically. Tenure evaluates the same quantity from 2F1's Euler integral, as one
integral of a positive function: with τ = (α+t_x)·e^(y/n) − α and n = r+s+x the integrand becomes
e^−y times a smooth bounded factor, which Gauss-Legendre integrates to machine precision, in log space
(log-sum-exp over nodes). The same nodes give the analytic gradient (differentiation under the
integral sign), and nothing overflows at x = 10,000 or beyond.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
from scipy.special import digamma, gammaln

from tenure.models.clv.base import CLVModel, group_rows, rfm_from, validate_rfm
from tenure.models.clv.bgnbd import _arrays, discounted_clv

__all__ = ["ParetoNBD"]

_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(32)
_LOG_WEIGHTS = np.log(_WEIGHTS)
_CHUNK = 20_000  # rows per block: keeps the rows × nodes arrays small


class ParetoNBD(CLVModel):
    """Pareto/NBD model of repeat purchases (parameters ``r, alpha, s, beta``).

    Examples
    --------
    >>> from tenure.models.clv import ParetoNBD
    >>> m = ParetoNBD()
    >>> m.params_ = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
    >>> round(float(m.probability_alive(2, 30.43, 38.86)[0]), 3)
    0.869
    >>> bool(np.isfinite(m.log_likelihood_rows(10_000, 38.0, 39.0)[0]))
    True
    """

    _param_names: ClassVar[tuple[str, ...]] = ("r", "alpha", "s", "beta")
    _model_name: ClassVar[str] = "Pareto/NBD"
    _remedies: ClassVar[tuple[str, ...]] = (
        "Check the input: frequency counts repeat purchases (not all purchases), recency and T are in "
        "the same time unit and 0 <= recency <= T for every customer.",
        "Try another time unit (weeks instead of days) so the parameters are of order 0.01-100.",
        "Pareto/NBD's dropout parameters s and beta are weakly identified when few customers lapse "
        "during calibration; a longer calibration period helps, or use BG/NBD.",
    )

    @classmethod
    def _cli_name(cls) -> str:
        return "paretonbd"

    def __init__(self) -> None:
        pass

    def fit(
        self,
        frequency: Any,
        recency: Any = None,
        T: Any = None,
        *,
        weights: Any = None,
        initial_params: Mapping[str, float] | None = None,
    ) -> ParetoNBD:
        """Fit by maximum likelihood; arguments as for :meth:`BGNBD.fit`.

        Returns
        -------
        ParetoNBD
            ``self``, with ``params_``, ``std_errors_``, ``log_likelihood_`` and ``n_customers_``.
        """
        x, t_x, big_t = validate_rfm(*rfm_from(frequency, recency, T))
        w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
        (x, t_x, big_t), _, codes = group_rows(x, t_x, big_t)
        w = np.bincount(codes, weights=w, minlength=len(x))
        self._fit_mle({"x": x, "t_x": t_x, "T": big_t}, w, initial_params)
        return self

    def _initial_params(self, data: Mapping[str, np.ndarray], weights: np.ndarray) -> list[np.ndarray]:
        mean_x = float(np.average(data["x"], weights=weights))
        mean_t = float(np.average(data["T"], weights=weights))
        alpha0 = mean_t / max(mean_x, 0.05)
        return [
            np.array([1.0, alpha0, 1.0, mean_t]),
            np.array([0.5, alpha0 / 2, 0.5, mean_t / 3]),
            np.ones(4),
        ]

    def _log_likelihood(
        self, theta: np.ndarray, data: Mapping[str, np.ndarray], weights: np.ndarray
    ) -> tuple[float, np.ndarray]:
        total = 0.0
        grad = np.zeros(4)
        n = len(weights)
        for start in range(0, n, _CHUNK):
            part = slice(start, start + _CHUNK)
            ll, g = _rows(theta, data["x"][part], data["t_x"][part], data["T"][part])
            w = weights[part]
            total += float(w @ ll)
            grad += w @ g
        return total, grad

    def log_likelihood_rows(self, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """Per-customer log-likelihood at the fitted (or assigned) parameters."""
        x, t_x, big_t = _arrays(frequency, recency, T)
        return _rows(np.array(self._theta()), x, t_x, big_t)[0]

    # --- predictions -----------------------------------------------------------------------------
    def probability_alive(self, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """P(alive at T) given (x, t_x, T) (Fader & Hardie 2005, equation 18)."""
        r, alpha, s, beta = theta = np.array(self._theta())
        x, t_x, big_t = _arrays(frequency, recency, T)
        e1 = -(r + x) * np.log(alpha + big_t) - s * np.log(beta + big_t)
        tail = _rows(theta, x, t_x, big_t, want_tail=True)
        return np.exp(e1 - tail)

    def expected_purchases(self, t: Any, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """Expected purchases in the next ``t`` time units given (x, t_x, T) (equation 21)."""
        r, alpha, s, beta = self._theta()
        x, t_x, big_t = _arrays(frequency, recency, T)
        t = np.broadcast_to(np.asarray(t, dtype=float), x.shape)
        log_ratio = np.log(beta + big_t) - np.log(beta + big_t + t)
        # [1 − ((β+T)/(β+T+t))^(s−1)] / (s−1), stable at s = 1
        factor = -np.expm1((s - 1) * log_ratio) / (s - 1) if abs(s - 1) > 1e-9 else -log_ratio
        return (r + x) * (beta + big_t) / (alpha + big_t) * factor * self.probability_alive(x, t_x, big_t)

    def expected_purchases_new_customer(self, t: Any) -> np.ndarray:
        """E[X(t)] for a customer just acquired (equation 17)."""
        r, alpha, s, beta = self._theta()
        t = np.atleast_1d(np.asarray(t, dtype=float))
        log_ratio = np.log(beta) - np.log(beta + t)
        factor = -np.expm1((s - 1) * log_ratio) / (s - 1) if abs(s - 1) > 1e-9 else -log_ratio
        return r * beta / alpha * factor

    def clv(
        self,
        frequency: Any,
        recency: Any,
        T: Any,
        spend: Any,
        *,
        horizon: int = 52,
        discount_rate: float = 0.0,
        margin: float = 1.0,
    ) -> np.ndarray:
        """Discounted CLV over ``horizon`` time units; see :meth:`BGNBD.clv`."""
        return discounted_clv(self.expected_purchases, frequency, recency, T, spend, horizon, discount_rate, margin)


def _rows(theta: np.ndarray, x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray, want_tail: bool = False) -> Any:
    """Per-row log-likelihood and gradient (rows × 4); with ``want_tail`` the log of the bracket."""
    r, alpha, s, beta = (float(v) for v in theta)
    a_exp = r + x  # exponent of (α+τ)
    b_exp = s + 1.0  # exponent of (β+τ)
    n = r + s + x
    log_a_tx = np.log(alpha + t_x)
    log_at = np.log(alpha + big_t)
    log_bt = np.log(beta + big_t)

    # Integration range in y, cut where the integrand has decayed by e^-80 (it decays at least as
    # fast as e^(-y(r+x-1)/n)).
    y_t = n * (log_at - log_a_tx)
    rate = (a_exp - 1) / n
    y_max = np.where(rate > 0, np.minimum(y_t, 80 / np.where(rate > 0, rate, 1.0)), y_t)
    half = y_max / 2
    y = half[:, None] * (_NODES[None, :] + 1)  # rows × nodes
    la = log_a_tx[:, None] + y / n[:, None]  # log(α+τ)
    lb = np.log(beta - alpha + np.exp(la))  # log(β+τ)
    with np.errstate(divide="ignore"):
        log_terms = _LOG_WEIGHTS + np.log(half)[:, None] - (a_exp - 1)[:, None] * la - b_exp * lb - np.log(n)[:, None]
    has_integral = y_max > 0
    safe_terms = np.where(has_integral[:, None], log_terms, 0.0)
    peak = safe_terms.max(axis=1)
    shares = np.exp(safe_terms - peak[:, None])
    total = shares.sum(axis=1)
    log_i = np.where(has_integral, peak + np.log(total), -np.inf)

    e1 = -a_exp * log_at - s * log_bt
    e2 = np.log(s) + log_i
    tail = np.logaddexp(e1, e2)
    if want_tail:
        return tail
    ll = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta) + tail

    p1 = np.exp(e1 - tail)
    p2 = 1 - p1
    q = np.where(has_integral[:, None], shares / total[:, None], 0.0)  # node shares of I
    di_r = -(q * la).sum(axis=1)
    di_alpha = -a_exp * (q * np.exp(-la)).sum(axis=1)
    di_s = -(q * lb).sum(axis=1)
    di_beta = -b_exp * (q * np.exp(-lb)).sum(axis=1)
    grad = np.empty((len(x), 4))
    grad[:, 0] = digamma(r + x) - digamma(r) + np.log(alpha) - p1 * log_at + p2 * di_r
    grad[:, 1] = r / alpha - p1 * a_exp / (alpha + big_t) + p2 * di_alpha
    grad[:, 2] = np.log(beta) - p1 * log_bt + p2 * (1 / s + di_s)
    grad[:, 3] = s / beta - p1 * s / (beta + big_t) + p2 * di_beta
    return ll, grad
