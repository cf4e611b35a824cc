"""Draw data from each CLV model's own generative process (for tests, benchmarks and teaching).

Every function takes the model's parameters by the papers' names and a ``random_state`` (an int or a
NumPy ``Generator``) and is vectorised: a million customers take well under a second.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["simulate_bgnbd", "simulate_gammagamma", "simulate_paretonbd", "simulate_sbg"]


def _rng(random_state: Any) -> np.random.Generator:
    return random_state if isinstance(random_state, np.random.Generator) else np.random.default_rng(random_state)


def _ages(n: int, T: Any) -> np.ndarray:
    return np.broadcast_to(np.asarray(T, dtype=float), (n,)).copy()


def _last_arrival(rng: np.random.Generator, x: np.ndarray, m: np.ndarray, window: np.ndarray) -> np.ndarray:
    """Time of the x-th of m uniform arrivals on [0, window]: window × Beta(x, m − x + 1)."""
    out = np.zeros_like(window)
    pos = x > 0
    out[pos] = window[pos] * rng.beta(x[pos], m[pos] - x[pos] + 1)
    return out


def simulate_bgnbd(n: int, params: Mapping[str, float], T: Any, random_state: Any = None) -> pd.DataFrame:
    """Customers from the BG/NBD process: columns ``frequency, recency, T``.

    Examples
    --------
    >>> d = simulate_bgnbd(3, {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}, T=39, random_state=0)
    >>> list(d.columns)
    ['frequency', 'recency', 'T']
    """
    rng = _rng(random_state)
    big_t = _ages(n, T)
    lam = rng.gamma(params["r"], 1 / params["alpha"], n)
    p = rng.beta(params["a"], params["b"], n)
    m = rng.poisson(lam * big_t)  # purchases in (0, T] if nobody ever dropped out
    k = rng.geometric(np.clip(p, 1e-300, 1))  # the k-th repeat purchase is the last one
    x = np.minimum(m, k)
    return pd.DataFrame({"frequency": x, "recency": _last_arrival(rng, x, m, big_t), "T": big_t})


def simulate_paretonbd(n: int, params: Mapping[str, float], T: Any, random_state: Any = None) -> pd.DataFrame:
    """Customers from the Pareto/NBD process: columns ``frequency, recency, T``.

    Examples
    --------
    >>> d = simulate_paretonbd(3, {"r": 0.55, "alpha": 10.6, "s": 0.6, "beta": 11.7}, T=39, random_state=0)
    >>> len(d)
    3
    """
    rng = _rng(random_state)
    big_t = _ages(n, T)
    lam = rng.gamma(params["r"], 1 / params["alpha"], n)
    mu = rng.gamma(params["s"], 1 / params["beta"], n)
    window = np.minimum(rng.exponential(1 / np.maximum(mu, 1e-300)), big_t)
    x = rng.poisson(lam * window)
    return pd.DataFrame({"frequency": x, "recency": _last_arrival(rng, x, x, window), "T": big_t})


def simulate_gammagamma(frequency: Any, params: Mapping[str, float], random_state: Any = None) -> pd.DataFrame:
    """Mean spend per transaction for customers with the given frequencies (>= 1).

    Examples
    --------
    >>> d = simulate_gammagamma([1, 4, 2], {"p": 6.25, "q": 3.74, "gamma": 15.44}, random_state=0)
    >>> list(d.columns)
    ['frequency', 'monetary_value']
    """
    rng = _rng(random_state)
    x = np.asarray(frequency, dtype=float)
    nu = rng.gamma(params["q"], 1 / params["gamma"], len(x))
    total = rng.gamma(params["p"] * x, 1 / nu)
    return pd.DataFrame({"frequency": x, "monetary_value": total / x})


def simulate_sbg(n: int, params: Mapping[str, float], periods: int, random_state: Any = None) -> np.ndarray:
    """Active counts at periods 0..``periods`` for a cohort of ``n`` customers from the sBG process.

    Examples
    --------
    >>> int(simulate_sbg(1000, {"alpha": 0.7, "beta": 1.2}, 3, random_state=0)[0])
    1000
    """
    rng = _rng(random_state)
    theta = rng.beta(params["alpha"], params["beta"], n)
    lifetime = rng.geometric(np.clip(theta, 1e-300, 1))
    return np.array([int((lifetime > t).sum()) for t in range(periods + 1)])
