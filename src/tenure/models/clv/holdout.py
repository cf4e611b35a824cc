"""Checking a transaction model against what customers did after the calibration period.

The papers' validation: expected vs actual repeat purchases in the holdout period, in total and by
calibration frequency (0, 1, …, 7+), the table of Fader, Hardie & Lee (2005), Figure 4.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from tenure.errors import ModelError

__all__ = ["HoldoutComparison", "compare_holdout"]


@dataclass(frozen=True)
class HoldoutComparison:
    """Expected against actual holdout purchases.

    ``by_frequency`` has one row per calibration frequency 0..max (the last bucket "max+") with
    columns ``customers, actual, expected`` (means per customer).
    """

    expected_total: float
    actual_total: float
    n_customers: int
    by_frequency: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        return {
            "expected_total": self.expected_total,
            "actual_total": self.actual_total,
            "n_customers": self.n_customers,
            "by_frequency": self.by_frequency.reset_index().to_dict("records"),
        }


def compare_holdout(model: Any, data: pd.DataFrame, *, max_frequency: int = 7) -> HoldoutComparison:
    """Compare a fitted BG/NBD or Pareto/NBD model with the holdout purchases in ``data``.

    ``data`` is the output of :func:`tenure.models.clv.summary_with_holdout` (columns frequency,
    recency, T, frequency_holdout, duration_holdout).

    Examples
    --------
    >>> import pandas as pd
    >>> from tenure.models.clv import BGNBD
    >>> m = BGNBD()
    >>> m.params_ = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    >>> data = pd.DataFrame({"frequency": [0, 2], "recency": [0.0, 30.4], "T": [38.9, 38.9],
    ...                      "frequency_holdout": [0, 1], "duration_holdout": [39.0, 39.0]})
    >>> c = compare_holdout(m, data)
    >>> c.actual_total
    1.0
    """
    needed = ["frequency", "recency", "T", "frequency_holdout", "duration_holdout"]
    missing = [c for c in needed if c not in data.columns]
    if missing:
        raise ModelError(f"holdout data: missing column(s) {missing}; build it with summary_with_holdout()")
    expected = model.expected_purchases(
        data["duration_holdout"].to_numpy(float),
        data["frequency"].to_numpy(float),
        data["recency"].to_numpy(float),
        data["T"].to_numpy(float),
    )
    actual = data["frequency_holdout"].to_numpy(float)
    bucket = np.minimum(data["frequency"].to_numpy(int), max_frequency)
    labels = [str(i) for i in range(max_frequency)] + [f"{max_frequency}+"]
    frame = pd.DataFrame({"bucket": bucket, "actual": actual, "expected": expected})
    table = frame.groupby("bucket").agg(
        customers=("actual", "size"), actual=("actual", "mean"), expected=("expected", "mean")
    )
    table = table.reindex(range(max_frequency + 1))
    table.index = pd.Index(labels, name="frequency")
    table["customers"] = table["customers"].fillna(0).astype(int)
    return HoldoutComparison(float(expected.sum()), float(actual.sum()), len(frame), table)
