"""Customer-lifetime-value models."""
from tenure.models.clv.bgnbd import BGNBD
from tenure.models.clv.summary import customer_summary, summary_from_orders, summary_with_holdout

__all__ = ["BGNBD", "customer_summary", "summary_from_orders", "summary_with_holdout"]
from tenure.models.clv.paretonbd import ParetoNBD
from tenure.models.clv.gammagamma import GammaGamma
from tenure.models.clv.sbg import ShiftedBetaGeometric
