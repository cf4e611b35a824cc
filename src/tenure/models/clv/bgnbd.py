"""BG/NBD: the beta-geometric/negative-binomial model of repeat purchasing.

Fader, Hardie & Lee (2005), "Counting your customers the easy way: an alternative to the Pareto/NBD
model", Marketing Science 24(2). While alive a customer buys at Poisson rate λ ~ Gamma(r, α); after each
purchase they drop out with probability p ~ Beta(a, b).

Per customer with x repeat purchases, the last at t_x, observed for T (equation 6 of the paper)::

    log L = A1 + A2 + log(exp(A3) + [x > 0] exp(A4))
    A1 = lnΓ(r+x) − lnΓ(r) + r ln α
    A2 = lnΓ(a+b) + lnΓ(b+x) − lnΓ(b) − lnΓ(a+b+x)
    A3 = −(r+x) ln(α+T)
    A4 = ln a − ln(b+x−1) − (r+x) ln(α+t_x)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
from scipy.special import digamma, gammaln, hyp2f1

from tenure.models.clv.base import CLVModel, group_rows, rfm_from, validate_rfm

__all__ = ["BGNBD"]


class BGNBD(CLVModel):
    """BG/NBD model of repeat purchases (parameters ``r, alpha, a, b``).

    Examples
    --------
    >>> from tenure.models.clv import BGNBD, simulate_bgnbd
    >>> data = simulate_bgnbd(5000, {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}, T=39, random_state=1)
    >>> model = BGNBD().fit(data["frequency"], data["recency"], data["T"])
    >>> sorted(model.params_)
    ['a', 'alpha', 'b', 'r']
    >>> bool(0 < model.probability_alive(2, 30.4, 38.9)[0] <= 1)
    True
    """

    _param_names: ClassVar[tuple[str, ...]] = ("r", "alpha", "a", "b")
    _model_name: ClassVar[str] = "BG/NBD"
    _remedies: ClassVar[tuple[str, ...]] = (
        "Check the input: frequency counts repeat purchases (not all purchases), recency and T are in "
        "the same time unit and 0 <= recency <= T for every customer.",
        "Try another time unit (weeks instead of days) so the parameters are of order 0.01-100.",
        "BG/NBD needs repeat buyers: if almost nobody has frequency > 0, the dropout parameters a and b "
        "cannot be estimated.",
    )

    @classmethod
    def _cli_name(cls) -> str:
        return "bgnbd"

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
    ) -> BGNBD:
        """Fit by maximum likelihood.

        Parameters
        ----------
        frequency, recency, T
            Per customer: repeat purchases, time of the last purchase and age, both measured from the
            first purchase, in one time unit. Or pass one table with those columns as ``frequency``.
        weights
            Optional number of customers each row stands for.
        initial_params
            Optional starting values, a dict with ``r, alpha, a, b``.

        Returns
        -------
        BGNBD
            ``self``, with ``params_``, ``std_errors_``, ``log_likelihood_`` and ``n_customers_``.
        """
        x, t_x, big_t = validate_rfm(*rfm_from(frequency, recency, T))
        w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
        (x, t_x, big_t), _, codes = group_rows(x, t_x, big_t)
        w = np.bincount(codes, weights=w, minlength=len(x))
        self._fit_mle(_prepare(x, t_x, big_t), w, initial_params)
        return self

    def _initial_params(self, data: Mapping[str, np.ndarray], weights: np.ndarray) -> list[np.ndarray]:
        mean_x = float(np.average(data["x"], weights=weights))
        mean_t = float(np.average(data["T"], weights=weights))
        alpha0 = mean_t / max(mean_x, 0.05)
        return [np.array([1.0, alpha0, 1.0, 1.0]), np.array([0.3, alpha0 / 3, 0.5, 3.0]), np.ones(4)]

    def _log_likelihood(
        self, theta: np.ndarray, data: Mapping[str, np.ndarray], weights: np.ndarray
    ) -> tuple[float, np.ndarray]:
        r, alpha, a, b = theta
        ux, xi, pos, t_x, big_t, w = data["ux"], data["xi"], data["pos"], data["t_x"], data["T"], weights
        wx = np.bincount(xi, weights=w, minlength=len(ux))  # total weight per distinct x

        # Terms that depend on x only are computed once per distinct x.
        b_x1 = np.where(ux > 0, b + ux - 1, 1.0)
        per_x_ll = gammaln(r + ux) + gammaln(b + ux) - gammaln(a + b + ux)
        ll = float(wx @ per_x_ll) + w.sum() * (-gammaln(r) + r * np.log(alpha) + gammaln(a + b) - gammaln(b))
        g_r = float(wx @ digamma(r + ux)) + w.sum() * (np.log(alpha) - digamma(r))
        g_a = float(wx @ -digamma(a + b + ux)) + w.sum() * digamma(a + b)
        g_b = float(wx @ (digamma(b + ux) - digamma(a + b + ux))) + w.sum() * (digamma(a + b) - digamma(b))

        rx = r + data["x"]
        log_at = np.log(alpha + big_t)
        log_atx = np.log(alpha + t_x)
        gap = log_at - log_atx
        d = (np.log(a) - np.log(b_x1))[xi] + rx * gap
        softplus = np.maximum(d, 0.0) + np.log1p(np.exp(-np.abs(d)))
        w4 = np.exp(d - softplus) * pos  # share of the "dropped out after t_x" branch
        softplus *= pos
        ll += float(w @ (softplus - rx * log_at))

        ww4 = w * w4
        g_r += float(w @ -log_at) + float(ww4 @ gap)
        g_alpha = w.sum() * r / alpha - float(w @ (rx / (alpha + big_t)))
        g_alpha += float(ww4 @ (rx * (1 / (alpha + big_t) - 1 / (alpha + t_x))))
        g_a += float(ww4.sum()) / a
        g_b -= float(np.bincount(xi, weights=ww4, minlength=len(ux)) @ (1 / b_x1))
        return ll, np.array([g_r, g_alpha, g_a, g_b])

    # --- predictions -----------------------------------------------------------------------------
    def probability_alive(self, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """P(alive at T) for customers with history (frequency, recency, T) (paper, equation 11).

        Examples
        --------
        >>> m = BGNBD()
        >>> m.params_ = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
        >>> round(float(m.probability_alive(0, 0, 38.86)[0]), 3)
        1.0
        """
        r, alpha, a, b = self._theta()
        x, t_x, big_t = _arrays(frequency, recency, T)
        with np.errstate(all="ignore"):
            log_odds = (
                np.log(a)
                - np.log(np.maximum(b + x - 1, 1e-300))
                + (r + x) * (np.log(alpha + big_t) - np.log(alpha + t_x))
            )
        return np.where(x > 0, 1 / (1 + np.exp(np.minimum(log_odds, 700))), 1.0)

    def expected_purchases(self, t: Any, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """Expected purchases in the next ``t`` time units for customers with history (x, t_x, T).

        Equation 10 of the paper, with the Euler transform of 2F1 so large frequencies don't overflow.

        Examples
        --------
        >>> m = BGNBD()
        >>> m.params_ = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
        >>> round(float(m.expected_purchases(39, 2, 30.43, 38.86)[0]), 2)
        1.23
        """
        r, alpha, a, b = self._theta()
        x, t_x, big_t = _arrays(frequency, recency, T)
        t = np.broadcast_to(np.asarray(t, dtype=float), x.shape)
        z = t / (alpha + big_t + t)
        # (1−z)^(r+x) 2F1(r+x, b+x; a+b+x−1; z) = (1−z)^(a−1) 2F1(a+b−1−r, a−1; a+b+x−1; z)
        tail = np.exp((a - 1) * np.log1p(-z)) * hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z)
        return (a + b + x - 1) / (a - 1) * (1 - tail) * self.probability_alive(x, t_x, big_t)

    def expected_purchases_new_customer(self, t: Any) -> np.ndarray:
        """E[X(t)]: expected purchases of a new customer in the first ``t`` time units (equation 9)."""
        r, alpha, a, b = self._theta()
        t = np.atleast_1d(np.asarray(t, dtype=float))
        tail = (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, t / (alpha + t))
        return (a + b - 1) / (a - 1) * (1 - tail)

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
        """Discounted CLV over ``horizon`` time units.

        ``spend`` is the expected spend per transaction (e.g. from :meth:`GammaGamma.expected_spend`),
        ``discount_rate`` the rate per time unit; purchases in unit k are discounted by (1+d)^-k.

        Examples
        --------
        >>> m = BGNBD()
        >>> m.params_ = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
        >>> value = m.clv(2, 30.43, 38.86, 35.0, horizon=52, discount_rate=0.002, margin=0.3)
        >>> bool(value[0] > 0)
        True
        """
        return discounted_clv(self.expected_purchases, frequency, recency, T, spend, horizon, discount_rate, margin)


def discounted_clv(
    expected: Any,
    frequency: Any,
    recency: Any,
    T: Any,
    spend: Any,
    horizon: int,
    discount_rate: float,
    margin: float,
) -> np.ndarray:
    """Σ over units k = 1..horizon of margin × spend × (E[Y(k)] − E[Y(k−1)]) / (1+d)^k."""
    x, t_x, big_t = _arrays(frequency, recency, T)
    (ux, ut, uT), _, codes = group_rows(x, t_x, big_t)
    value = np.zeros_like(ux)
    previous = np.zeros_like(ux)
    for k in range(1, int(horizon) + 1):
        current = expected(float(k), ux, ut, uT)
        value += (current - previous) / (1 + discount_rate) ** k
        previous = current
    return margin * np.asarray(spend, dtype=float) * value[codes]


def _arrays(frequency: Any, recency: Any, T: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x, t_x, big_t = (np.atleast_1d(np.asarray(v, dtype=float)) for v in (frequency, recency, T))
    return np.broadcast_arrays(x, t_x, big_t)  # type: ignore[return-value]


def _prepare(x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray) -> dict[str, np.ndarray]:
    ux, xi = np.unique(x, return_inverse=True)
    return {"x": x, "t_x": t_x, "T": big_t, "ux": ux, "xi": xi, "pos": (x > 0).astype(float)}
