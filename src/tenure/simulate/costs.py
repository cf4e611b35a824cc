"""Monthly retention spend, in USD, for the customer retention cost (CRC).

Four categories, each month: ``customer_success`` (CSM time, 85 USD per managed mid-market or
enterprise account), ``tools`` (1,500 USD plus 0.40 per paying customer), ``incentives`` (40 USD per
retention discount granted) and ``email`` (300 USD plus 0.50 per win-back e-mail sent), each with
±5% noise.

Examples
--------
>>> CATEGORIES
('customer_success', 'tools', 'incentives', 'email')
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from tenure.simulate.calendar import Calendar, Chunks, timestamps
from tenure.simulate.tables import ordered

CATEGORIES = ("customer_success", "tools", "incentives", "email")


def build_costs(rng: np.random.Generator, calendar: Calendar, monthly: Chunks, touches: Chunks) -> pa.Table:
    """The ``costs`` table, one row per month and category."""
    m = monthly.columns()
    months = m["month"]
    t = touches.columns()
    sent = np.zeros(calendar.months)
    if t:
        month_of = np.searchsorted(calendar.start(np.arange(calendar.months + 1)), t["at"], side="right") - 1
        np.add.at(sent, month_of[~t["holdout"]], 1)
    amounts = np.stack(
        [
            85.0 * m["managed"],
            1500.0 + 0.4 * m["paying"],
            40.0 * m["granted"],
            300.0 + 0.5 * sent[months],
        ],
        axis=1,
    )
    amounts = np.round(amounts * rng.uniform(0.95, 1.05, amounts.shape), 2)
    k = len(CATEGORIES)
    return ordered(
        "costs",
        {
            "period_start": timestamps(np.repeat(calendar.start(months), k)),
            "period_end": timestamps(np.repeat(calendar.start(months + 1), k)),
            "amount": pa.array(amounts.ravel(), type=pa.float64()),
            "category": pa.array(list(CATEGORIES) * len(months), type=pa.string()),
            "currency": pa.array(["USD"] * (k * len(months)), type=pa.string()),
        },
    )
