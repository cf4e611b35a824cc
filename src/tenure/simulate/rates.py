"""Exchange rates to USD, one per currency per month, as a gentle random walk.

EUR starts near 1.08 USD and GBP near 1.27 USD and move by about 1.5% a month; USD is listed at 1
so every currency in the data has a rate.

Examples
--------
>>> import numpy as np
>>> r = monthly_rates(np.random.default_rng(0), 3)
>>> r.shape, bool((r[:, 0] == 1).all())
((3, 3), True)
"""

from __future__ import annotations

import numpy as np

START = np.array([1.0, 1.08, 1.27])
"""USD per unit of USD, EUR, GBP (the order of :data:`tenure.simulate.customers.CURRENCIES`)."""


def monthly_rates(rng: np.random.Generator, months: int) -> np.ndarray:
    """A ``months × 3`` array of USD per unit of each currency, month by month."""
    steps = rng.normal(0.0, 0.015, size=(months, 3))
    steps[:, 0] = 0.0
    steps[0] = 0.0
    return np.round(START * np.exp(np.cumsum(steps, axis=0)), 4)
