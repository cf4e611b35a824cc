"""Gamma-Gamma: how much a customer spends per transaction.

Fader, Hardie & Lee (2005), "RFM and CLV: using iso-value curves for customer base analysis"; the
notation of Fader & Hardie (2013), "The Gamma-Gamma model of monetary value". Spend per transaction is
Gamma(p, ν) around the customer's mean p/ν, and ν ~ Gamma(q, γ) across customers. For a customer with
x transactions of mean value m::

    log f(m | x) = lnΓ(px+q) − lnΓ(px) − lnΓ(q) + q ln γ + (px−1) ln m + px ln x − (px+q) ln(γ + m x)

The model is fitted on customers with at least one repeat transaction, on their mean repeat spend.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
from scipy.special import digamma, gammaln

from tenure.errors import ModelError
from tenure.models.clv.base import CLVModel, as_float_array, group_rows

__all__ = ["GammaGamma"]


class GammaGamma(CLVModel):
    """Gamma-Gamma model of spend per transaction (parameters ``p, q, gamma``).

    Examples
    --------
    >>> from tenure.models.clv import GammaGamma, simulate_gammagamma
    >>> data = simulate_gammagamma([1, 2, 5, 3] * 500, {"p": 6.0, "q": 4.0, "gamma": 15.0}, random_state=0)
    >>> m = GammaGamma().fit(data["frequency"], data["monetary_value"])
    >>> sorted(m.params_)
    ['gamma', 'p', 'q']
    >>> bool(m.expected_spend(2, 30.0)[0] > 0)
    True
    """

    _param_names: ClassVar[tuple[str, ...]] = ("p", "q", "gamma")
    _model_name: ClassVar[str] = "Gamma-Gamma"
    _data_description: ClassVar[str] = "customers with repeat purchases"
    _remedies: ClassVar[tuple[str, ...]] = (
        "Gamma-Gamma needs customers with frequency > 0 and a positive mean spend; check that monetary "
        "value is the mean spend per repeat transaction, not the total.",
        "q must exceed 1 for the mean spend to exist: if spend has a very heavy tail, cap outliers.",
    )

    @classmethod
    def _cli_name(cls) -> str:
        return "gammagamma"

    def __init__(self) -> None:
        pass

    def fit(
        self,
        frequency: Any,
        monetary_value: Any = None,
        *,
        weights: Any = None,
        initial_params: Mapping[str, float] | None = None,
    ) -> GammaGamma:
        """Fit by maximum likelihood on customers with ``frequency > 0`` (the others are ignored).

        Parameters
        ----------
        frequency
            Repeat transactions per customer, or a table with columns ``frequency, monetary_value``.
        monetary_value
            Mean spend per repeat transaction (must be > 0 where frequency > 0).

        Returns
        -------
        GammaGamma
            ``self``; ``n_customers_`` counts the customers used.
        """
        if monetary_value is None:
            table = frequency.to_pandas() if hasattr(frequency, "to_pandas") else frequency
            if not hasattr(table, "columns") or not {"frequency", "monetary_value"} <= set(table.columns):
                raise ModelError("pass frequency and monetary_value, or a table with those columns")
            frequency, monetary_value = table["frequency"], table["monetary_value"]
        x = as_float_array(frequency, "frequency")
        keep = x > 0
        m = np.asarray(monetary_value.to_numpy() if hasattr(monetary_value, "to_numpy") else monetary_value, float)
        if len(m) != len(x):
            raise ModelError(f"frequency and monetary_value lengths differ: {len(x)} vs {len(m)}")
        w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
        x, m, w = x[keep], m[keep], w[keep]
        bad = ~np.isfinite(m) | (m <= 0)
        if bad.any():
            i = int(np.flatnonzero(keep)[np.argmax(bad)])
            raise ModelError(
                f"row {i}: monetary_value must be a positive number for a customer with repeat purchases, "
                f"got {m[np.argmax(bad)]!r}"
            )
        if len(x) == 0:
            self._raise_convergence("no customer has frequency > 0, so there is no repeat spend to model")
        (x, m), _, codes = group_rows(x, m)
        w = np.bincount(codes, weights=w, minlength=len(x))
        self._fit_mle({"x": x, "m": m}, w, initial_params)
        return self

    def _initial_params(self, data: Mapping[str, np.ndarray], weights: np.ndarray) -> list[np.ndarray]:
        mean_m = float(np.average(data["m"], weights=weights))
        return [np.array([1.0, 2.0, mean_m]), np.array([5.0, 3.0, 3.0 * mean_m / 5.0]), np.ones(3)]

    def _log_likelihood(
        self, theta: np.ndarray, data: Mapping[str, np.ndarray], weights: np.ndarray
    ) -> tuple[float, np.ndarray]:
        p, q, gamma = theta
        x, m, w = data["x"], data["m"], weights
        px = p * x
        log_gm = np.log(gamma + m * x)
        log_mx = np.log(m) + np.log(x)
        ll = gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(gamma) + (px - 1) * np.log(m)
        ll += px * np.log(x) - (px + q) * log_gm
        psi = digamma(px + q)
        g_p = x * (psi - digamma(px) + log_mx - log_gm)
        g_q = psi - digamma(q) + np.log(gamma) - log_gm
        g_gamma = q / gamma - (px + q) / (gamma + m * x)
        return float(w @ ll), np.array([w @ g_p, w @ g_q, w @ g_gamma])

    def expected_spend(self, frequency: Any, monetary_value: Any) -> np.ndarray:
        """E[spend per transaction | x, m]: a weighted mean of the population mean and the customer's own.

        Customers with frequency 0 (or no mean) get the population mean p·γ/(q−1).

        Examples
        --------
        >>> m = GammaGamma()
        >>> m.params_ = {"p": 6.25, "q": 3.74, "gamma": 15.44}
        >>> round(float(m.expected_spend(0, float("nan"))[0]), 2)
        35.22
        """
        p, q, gamma = self._theta()
        x = np.atleast_1d(np.asarray(frequency, dtype=float))
        m = np.atleast_1d(np.asarray(monetary_value, dtype=float))
        x, m = np.broadcast_arrays(x, m)
        population = p * gamma / (q - 1) if q > 1 else np.nan
        own = np.where((x > 0) & np.isfinite(m), m, 0.0)
        x = np.where(np.isfinite(m), x, 0.0)
        return (q - 1) / (p * x + q - 1) * population + p * x / (p * x + q - 1) * own
