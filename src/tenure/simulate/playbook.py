"""The win-back playbook the demo business has been running, with its holdout.

On the first day of each month, customers who pay at least ``winback_min_mrr_usd`` a month, had no
product event for ``winback_inactive_days`` days and were not touched in the last
``winback_throttle_days`` days are eligible. :func:`tenure.actions.experiments.assign_arm` (the same
stable hash Tenure's playbooks use) holds out ``winback_holdout`` of them; every eligible customer
gets a ``touches`` row with its arm, and the treated arm gets ``email:winback``, whose true effect is
``winback_hazard_ratio`` on the voluntary churn hazard for ``winback_effect_days`` days.

Examples
--------
>>> import numpy as np
>>> arms = holdout_mask(np.array(["C000001", "C000002"]))
>>> arms.dtype == bool
True
"""

from __future__ import annotations

import numpy as np

from tenure.actions.experiments import assign_arm
from tenure.simulate.calendar import DAY
from tenure.simulate.effects import Effects

PLAYBOOK = "winback"
ACTION = "email:winback"
ARMS = ("treated", "holdout")


def holdout_mask(customer_ids: np.ndarray, holdout: float = 0.2) -> np.ndarray:
    """True for the customers :func:`assign_arm` holds out of the win-back playbook."""
    return np.fromiter(
        (assign_arm(PLAYBOOK, str(c), holdout) == "holdout" for c in customer_ids),
        dtype=bool,
        count=len(customer_ids),
    )


def eligible(
    now: int,
    paying: np.ndarray,
    mrr_usd: np.ndarray,
    last_event: np.ndarray,
    last_touch: np.ndarray,
    fx: Effects,
) -> np.ndarray:
    """Which customers the playbook's run at ``now`` (seconds) picks up."""
    return (
        paying
        & (mrr_usd >= fx.winback_min_mrr_usd)
        & (last_event < now - fx.winback_inactive_days * DAY)
        & (last_touch <= now - fx.winback_throttle_days * DAY)
    )
