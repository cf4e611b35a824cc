"""Customer-lifetime-value models: BG/NBD, Pareto/NBD, Gamma-Gamma and shifted-beta-geometric.

Transactions (non-contractual)::

    summary = customer_summary(transactions, "1997-09-30", time_unit="week")
    purchases = BGNBD().fit(summary)                      # or ParetoNBD()
    spend = GammaGamma().fit(summary)                     # customers with repeat purchases
    value = purchases.clv(summary["frequency"], summary["recency"], summary["T"],
                          spend.expected_spend(summary["frequency"], summary["monetary_value"]),
                          horizon=52, discount_rate=0.0018, margin=0.3)

Subscriptions (contractual)::

    ShiftedBetaGeometric().fit([1000, 631, 468, 382, 326, 289, 262, 241])
    subscription_clv(subscriptions, period_months=1, discount_rate=0.1)
"""

from tenure.models.clv.base import CLVModel
from tenure.models.clv.bgnbd import BGNBD
from tenure.models.clv.gammagamma import GammaGamma
from tenure.models.clv.holdout import HoldoutComparison, compare_holdout
from tenure.models.clv.paretonbd import ParetoNBD
from tenure.models.clv.sbg import ShiftedBetaGeometric
from tenure.models.clv.simulate import simulate_bgnbd, simulate_gammagamma, simulate_paretonbd, simulate_sbg
from tenure.models.clv.subscriptions import (
    cohort_counts,
    customer_durations,
    fit_sbg_by_segment,
    subscription_clv,
)
from tenure.models.clv.summary import TIME_UNITS, customer_summary, summary_from_orders, summary_with_holdout

__all__ = [
    "BGNBD",
    "TIME_UNITS",
    "CLVModel",
    "GammaGamma",
    "HoldoutComparison",
    "ParetoNBD",
    "ShiftedBetaGeometric",
    "cohort_counts",
    "compare_holdout",
    "customer_durations",
    "customer_summary",
    "fit_sbg_by_segment",
    "simulate_bgnbd",
    "simulate_gammagamma",
    "simulate_paretonbd",
    "simulate_sbg",
    "subscription_clv",
    "summary_from_orders",
    "summary_with_holdout",
]
