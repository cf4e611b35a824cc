"""The planted churn mechanisms of the demo business and their effect sizes.

This module is the one place the demo's causal story is written down; the simulation reads every
number from :data:`EFFECTS`, and ``ground_truth/effects.json`` is written from it, so a model or an
uplift report can be checked against what was really planted.

Voluntary churn is a monthly hazard, decided at each billing anchor (monthly plans) or at renewal
only (annual plans)::

    hazard = base[segment, billing period] × Π hazard ratios
    P(churn at this anchor) = 1 − exp(−hazard)

The hazard ratios (each customer-month's values are in ``ground_truth/hazard.parquet``):

===================  ===========================================================  ==================
driver               mechanism                                                    hazard ratio
===================  ===========================================================  ==================
usage_decline        a latent engagement state drives events; customers fall      exp(−1.2 × z):
                     into a disengagement spell (3.5%/month, ends 20%/month)      about 11× at z = −2,
                     in which engagement sinks 0.7 a month; usage therefore       37× at z = −3
                     decays months before the cancellation it causes
ticket_spike         a product problem (4%/month) brings a burst of 3–8 bug      2.0 for 2 months
                     and how-to tickets, and half the time a disengagement spell
nps_detractor        an NPS answer of 0–6 (likelier when engagement is low)       2.5 for 6 months
nps_passive          an NPS answer of 7–8                                         1.3 for 6 months
renewal_request      a discount_request or contract_change ticket 2–6 weeks       2.0 at that renewal
                     before renewal, filed mostly by already at-risk customers
poor_onboarding      0–1 of the 4 onboarding steps done in the first 30 days      2.0 for 6 months
                     (2 steps: 1.4); such customers also start at z = −0.8
noise                a per-customer frailty, Gamma with mean 1 and sd 0.5         frailty
winback (treatment)  treated arm of the built-in ``winback`` playbook             0.7 for 60 days
===================  ===========================================================  ==================

Base hazards per month (monthly plans): smb 1.1%, mid-market 0.4%, enterprise 0.12%; per renewal
(annual plans): smb 9%, mid-market 5%, enterprise 2%. Annual plans churn only at renewal. With the
drivers this gives monthly logo churn of about 3.5–4% (smb), 1.8% (mid-market) and 0.7% (enterprise).

Involuntary churn: a card payment fails at its first attempt (smb 1.6%, mid-market 1.1%, enterprise
0.4% of card invoices; enterprise mostly pays by bank transfer and never fails), retries 3, 5 and 7
days later each succeed with a probability set by the failure code, together recovering about a
fifth of failed invoices; an unrecovered invoice turns uncollectible and the subscription ends at
the last retry. This makes about a quarter of lapsed subscriptions lapse through failed payments.

The win-back playbook: on the first day of each month, paying customers (MRR ≥ 50 USD) with no
event in the last 14 days, not touched in the last 30 days, are eligible; ``assign_arm("winback",
customer_id, 0.2)`` holds out about 20%; both arms get a ``touches`` row; the treated arm's voluntary
hazard is multiplied by 0.7 for the 60 days after the touch. Because the hazards of disengaged
customers are high and probabilities saturate, the realised 60-day voluntary churn after a first
touch falls by about 15–30% (relative) rather than the full 30%.

Examples
--------
>>> EFFECTS.winback_hazard_ratio
0.7
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Effects:
    """Every planted effect size of the demo business (see the module docstring for the story)."""

    base_monthly_hazard: dict[str, float] = field(
        default_factory=lambda: {"smb": 0.011, "mid-market": 0.004, "enterprise": 0.0012}
    )
    base_renewal_hazard: dict[str, float] = field(
        default_factory=lambda: {"smb": 0.09, "mid-market": 0.05, "enterprise": 0.02}
    )
    usage_coefficient: float = 1.2
    """Hazard ratio of engagement ``z`` is ``exp(-usage_coefficient * z)``."""
    engagement_persistence: float = 0.7
    engagement_noise_sd: float = 0.25
    decline_start_probability: float = 0.035
    decline_end_probability: float = 0.20
    decline_step: float = 0.7
    decline_floor: float = -3.0
    ticket_spike_probability: float = 0.04
    ticket_spike_hazard_ratio: float = 2.0
    spike_disengagement_probability: float = 0.5
    """Chance that a ticket spike starts a disengagement spell."""
    ticket_spike_months: int = 2
    nps_detractor_hazard_ratio: float = 2.5
    nps_passive_hazard_ratio: float = 1.3
    nps_effect_months: int = 6
    renewal_request_hazard_ratio: float = 2.0
    renewal_request_monthly_probability: float = 0.006
    renewal_request_annual_probability: float = 0.06
    renewal_request_risk_exponent: float = 0.7
    poor_onboarding_hazard_ratio: float = 2.0
    partial_onboarding_hazard_ratio: float = 1.4
    poor_onboarding_engagement: float = -0.8
    """Starting engagement of customers who did 0–1 onboarding steps."""
    onboarding_effect_months: int = 6
    frailty_sd: float = 0.5
    winback_hazard_ratio: float = 0.7
    winback_effect_days: int = 60
    winback_holdout: float = 0.2
    winback_inactive_days: int = 14
    winback_min_mrr_usd: float = 50.0
    winback_throttle_days: int = 30
    payment_failure_probability: dict[str, float] = field(
        default_factory=lambda: {"smb": 0.016, "mid-market": 0.011, "enterprise": 0.004}
    )
    retry_days: tuple[int, ...] = (3, 5, 7)
    retry_success: dict[str, float] = field(
        default_factory=lambda: {
            "card_declined": 0.05,
            "insufficient_funds": 0.09,
            "expired_card": 0.02,
            "processing_error": 0.45,
        }
    )
    failure_code_shares: dict[str, float] = field(
        default_factory=lambda: {
            "card_declined": 0.45,
            "insufficient_funds": 0.30,
            "expired_card": 0.18,
            "processing_error": 0.07,
        }
    )
    reactivation_monthly_probability: dict[str, float] = field(
        default_factory=lambda: {"voluntary": 0.012, "involuntary": 0.03}
    )

    def to_dict(self) -> dict[str, Any]:
        """The effects as plain JSON-ready data."""
        data = asdict(self)
        data["retry_days"] = list(self.retry_days)
        return data


EFFECTS = Effects()
"""The effect sizes the demo business is generated with."""

DRIVERS: tuple[str, ...] = (
    "usage_decline",
    "ticket_spike",
    "nps_detractor",
    "nps_passive",
    "renewal_request",
    "poor_onboarding",
)
"""Voluntary churn drivers named in the ground truth, in the order of ``hazard.parquet``'s columns."""
