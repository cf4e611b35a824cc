"""Support tickets: everyday questions, spikes after product problems, renewal requests, cancellations.

Every active customer opens tickets at a segment rate (more seats, more questions). A product
problem (``ticket_spike_probability`` a month) brings a burst of 3–8 high-priority bug and how-to
tickets and raises the churn hazard for two months. At-risk customers ask for a discount or a
contract change 2–6 weeks before a renewal; some voluntary churners open a cancellation ticket; a
failed payment sometimes brings a billing question. Response and resolution times follow the
priority; about 40% of closed tickets get a 1–5 satisfaction rating, lower when the customer is
disengaged or in a spike.

Examples
--------
>>> CATEGORIES.index("discount_request")
5
"""

from __future__ import annotations

import numpy as np

from tenure.simulate.calendar import DAY, Chunks

CATEGORIES = (
    "how_to",
    "bug",
    "billing",
    "feature_request",
    "account",
    "discount_request",
    "contract_change",
    "cancellation",
)
EVERYDAY_SHARES = np.array([0.45, 0.28, 0.10, 0.12, 0.05])
PRIORITIES = ("low", "normal", "high", "urgent")
MONTHLY_TICKETS = np.array([0.10, 0.40, 1.10])
"""Everyday tickets a month per customer at normal engagement, by segment."""
RESPONSE_HOURS = np.array([20.0, 6.0, 2.0, 0.5])
"""Median hours to first response, by priority."""
HOW_TO_BURST, BUG = 0, 1
DISCOUNT_REQUEST, CONTRACT_CHANGE, CANCELLATION, BILLING = 5, 6, 7, 2


class Support:
    """Collects the tickets of the simulation."""

    def __init__(self, history_end: int) -> None:
        self.history_end = history_end
        self.tickets = Chunks()

    def everyday(
        self,
        rng: np.random.Generator,
        customers: np.ndarray,
        segment: np.ndarray,
        lo: np.ndarray,
        hi: np.ndarray,
        mood: np.ndarray,
    ) -> None:
        """Everyday tickets over each customer's active window [lo, hi)."""
        fraction = (hi - lo) / (30.4 * DAY)
        counts = rng.poisson(MONTHLY_TICKETS[segment] * fraction)
        idx = np.repeat(np.arange(len(customers)), counts)
        if not len(idx):
            return
        opened = lo[idx] + (rng.random(len(idx)) * (hi - lo)[idx]).astype(np.int64)
        category = rng.choice(len(EVERYDAY_SHARES), size=len(idx), p=EVERYDAY_SHARES)
        priority = rng.choice(4, size=len(idx), p=[0.22, 0.58, 0.16, 0.04])
        priority = np.where(segment[idx] == 2, np.maximum(priority, 1), priority)
        self.add(rng, customers[idx], opened, category, priority, mood[idx])

    def spike(
        self,
        rng: np.random.Generator,
        customers: np.ndarray,
        lo: np.ndarray,
        hi: np.ndarray,
        mood: np.ndarray,
    ) -> None:
        """A burst of 3–8 bug and how-to tickets within a week, for customers hitting a product problem."""
        counts = rng.integers(3, 9, len(customers))
        idx = np.repeat(np.arange(len(customers)), counts)
        start = lo + (rng.random(len(customers)) * np.maximum(hi - lo - 7 * DAY, DAY)).astype(np.int64)
        opened = np.minimum(start[idx] + rng.integers(0, 7 * DAY, len(idx)), hi[idx] - 1)
        category = np.where(rng.random(len(idx)) < 0.7, BUG, HOW_TO_BURST)
        priority = rng.choice(4, size=len(idx), p=[0.0, 0.35, 0.45, 0.20])
        self.add(rng, customers[idx], opened, category, priority, mood[idx] - 1.0)

    def single(
        self,
        rng: np.random.Generator,
        customers: np.ndarray,
        opened: np.ndarray,
        category: int | np.ndarray,
        mood: np.ndarray,
    ) -> None:
        """One ticket per customer, opened at ``opened``, of ``category``, normal or high priority."""
        n = len(customers)
        priority = np.where(rng.random(n) < 0.3, 2, 1)
        self.add(rng, customers, opened, np.broadcast_to(category, n), priority, mood)

    def add(
        self,
        rng: np.random.Generator,
        customers: np.ndarray,
        opened: np.ndarray,
        category: np.ndarray,
        priority: np.ndarray,
        mood: np.ndarray,
    ) -> None:
        """Record tickets; response, close and rating times past the history's end stay empty."""
        n = len(customers)
        keep = opened < self.history_end
        hours = RESPONSE_HOURS[priority] * rng.lognormal(0.0, 0.7, n)
        first = opened + (hours * 3600).astype(np.int64)
        closed = first + (rng.lognormal(np.log(1.2 * DAY), 1.0, n)).astype(np.int64)
        p_low = 1.0 / (1.0 + np.exp(1.8 + 1.2 * mood))
        rated = rng.random(n) < 0.4
        low = rng.random(n) < p_low
        csat = np.where(
            low,
            rng.choice([1, 2, 3], size=n, p=[0.4, 0.35, 0.25]),
            rng.choice([4, 5], size=n, p=[0.35, 0.65]),
        )
        csat = np.where(rated & (closed < self.history_end), csat, -1)
        self.tickets.add(
            customer=customers[keep].astype(np.int32),
            opened=opened[keep],
            first_response=np.where(first < self.history_end, first, -1)[keep],
            closed=np.where(closed < self.history_end, closed, -1)[keep],
            priority=np.asarray(priority, dtype=np.int8)[keep],
            category=np.asarray(category, dtype=np.int8)[keep],
            csat=csat.astype(np.int8)[keep],
        )
