"""Add-on orders: the demo's repeat-purchase line, drawn from the BG/NBD and Gamma-Gamma models.

Besides subscriptions the business sells add-ons (report templates, training credits, data packs) in
its marketplace, open to anyone who ever signed up, customer or not. A share of customers become
buyers at their first order; afterwards, while "alive", each buys as a Poisson process with rate
``λ ~ Gamma(r, α)`` (per day) and after every repeat purchase drops out with probability
``p ~ Beta(a, b)`` (buy till you die). Each buyer's spend per order is ``Gamma(p_spend, ν)`` with
``ν ~ Gamma(q, γ)``, so the Gamma-Gamma model recovers the parameters in :data:`ORDER_TRUTH`.

Examples
--------
>>> ORDER_TRUTH["bgnbd"]["r"]
0.8
"""

from __future__ import annotations

from typing import Final, Literal, TypedDict

import numpy as np

from tenure.simulate.calendar import DAY, Chunks


class BgNbdTruth(TypedDict):
    """BG/NBD parameters: purchase rate ``λ ~ Gamma(r, alpha)`` per day, drop-out ``p ~ Beta(a, b)``."""

    r: float
    alpha: float
    a: float
    b: float


class GammaGammaTruth(TypedDict):
    """Gamma-Gamma parameters: spend per order ``Gamma(p, ν)`` with ``ν ~ Gamma(q, gamma)``."""

    p: float
    q: float
    gamma: float


class OrderTruth(TypedDict):
    """The true parameters of the add-on orders, as written to ``ground_truth/effects.json``."""

    buyer_share: float
    time_unit: Literal["day"]
    bgnbd: BgNbdTruth
    gammagamma: GammaGammaTruth


ORDER_TRUTH: Final[OrderTruth] = {
    "buyer_share": 0.35,
    "time_unit": "day",
    "bgnbd": {"r": 0.8, "alpha": 40.0, "a": 0.8, "b": 5.0},
    "gammagamma": {"p": 6.0, "q": 4.0, "gamma": 15.0},
}
"""The true parameters of the add-on orders (rates per day, spend in the customer's currency)."""


def simulate_orders(
    rng: np.random.Generator, created: np.ndarray, history_end: int, buyer_share: float | None = None
) -> Chunks:
    """Draw every customer's add-on orders up to ``history_end``.

    Parameters
    ----------
    rng
        Random generator.
    created
        Each customer's sign-up instant (seconds); buyers place their first order within 60 days of it.
    history_end
        No order is placed at or after this instant.
    buyer_share
        Share of customers who ever buy; defaults to :data:`ORDER_TRUTH`.

    Returns
    -------
    Chunks
        Columns ``customer``, ``at`` and ``amount``.
    """
    truth = ORDER_TRUTH
    share = truth["buyer_share"] if buyer_share is None else buyer_share
    n = len(created)
    out = Chunks()
    buyers = np.flatnonzero(rng.random(n) < share)
    first = created[buyers] + rng.integers(0, 60 * DAY, len(buyers))
    keep = first < history_end
    buyers, t = buyers[keep], first[keep]
    bg, gg = truth["bgnbd"], truth["gammagamma"]
    lam = rng.gamma(bg["r"], 1.0 / bg["alpha"], len(buyers))
    p_drop = rng.beta(bg["a"], bg["b"], len(buyers))
    nu = rng.gamma(gg["q"], 1.0 / gg["gamma"], len(buyers))

    def spend(sel: np.ndarray) -> np.ndarray:
        return np.round(rng.gamma(gg["p"], 1.0 / nu[sel]), 2)

    alive = np.arange(len(buyers))
    out.add(customer=buyers.astype(np.int32), at=t.copy(), amount=spend(alive))
    # As in BG/NBD, a buyer can drop out only after a repeat purchase.
    while len(alive):
        gap = rng.exponential(1.0 / lam[alive]) * DAY
        t[alive] = t[alive] + np.minimum(gap, 1e12).astype(np.int64)
        alive = alive[t[alive] < history_end]
        if len(alive):
            out.add(customer=buyers[alive].astype(np.int32), at=t[alive].copy(), amount=spend(alive))
        alive = alive[rng.random(len(alive)) >= p_drop[alive]]
    return out
