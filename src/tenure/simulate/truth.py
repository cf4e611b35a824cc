"""The ground truth of the demo business: what really drove each churn, and the planted effects.

Written to ``DIR/ground_truth/`` (the importer reads only files named by tables at the top level, so
this folder is ignored by ``tenure import``):

- ``drivers.parquet``: one row per ended paid subscription (a churn): who, when, voluntary or
  involuntary, the drivers active when the decision was made, the dominant one, and every hazard ratio;
- ``hazard.parquet``: one row per paying customer per month: the base hazard, each driver's hazard
  ratio, the hazard and the churn probability used, and whether the customer churned;
- ``customers.parquet``: latent per-customer traits (onboarding steps, frailty, engagement level,
  payment method, win-back arm);
- ``effects.json``: every planted effect size (:mod:`tenure.simulate.effects`), the add-on order
  model's true parameters, and realised summary figures;
- ``README.md``: this description.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tenure.simulate.calendar import Calendar, Chunks, timestamps
from tenure.simulate.customers import SEGMENTS, Customers
from tenure.simulate.effects import DRIVERS
from tenure.simulate.engine import END_KINDS
from tenure.simulate.subscriptions import subscription_ids

README = """# Ground truth of the Tenure demo business

This folder is not part of the canonical dataset (`tenure import` ignores it). It records what the
simulation really did, so models and uplift reports can be checked against it.

- `drivers.<format>`, one row per churn (an ended paid subscription): customer_id, subscription_id,
  churned_at, churn_type (voluntary / involuntary), dominant_driver, drivers (the active drivers
  joined by `;`: usage_decline, ticket_spike, nps_detractor, nps_passive, renewal_request,
  poor_onboarding, or `noise` when none was; `failed_payment` for involuntary churn), hr_<driver>
  (each driver's hazard ratio at the decision), hr_frailty, hr_winback.
- `hazard.<format>`, one row per paying customer and month (at the billing anchor): customer_id,
  month, billing (monthly / annual), at_risk (false for annual plans between renewals), base_hazard,
  hr_<driver>, hr_frailty, hr_winback, hazard, churn_probability = 1 − exp(−hazard), churned
  (voluntarily, at this anchor).
- `customers.<format>`, one row per customer: customer_id, segment, onboarding_steps (−1: joined
  before the history), frailty, engagement_level, card_payer, winback_arm.
- `effects.json`: `effects`, every planted effect size; `orders`, the add-on orders' true BG/NBD and
  Gamma-Gamma parameters; `summary`, realised figures; `generated`, the arguments used.

A driver is *active* when its hazard ratio exceeds 1 (for usage_decline: at least 1.5, i.e. engagement
0.5 or more below the customer's normal). The dominant driver is the active one with the largest
hazard ratio. The win-back playbook's true effect is `effects.winback_hazard_ratio` on the voluntary
hazard for `effects.winback_effect_days` days after a treated touch.
"""


def build_drivers(drivers: Chunks, customer_ids: pa.Array) -> pa.Table:
    """``drivers.parquet``: one row per churn with its drivers."""
    d = drivers.columns()
    if not d:
        d = {
            "customer": np.empty(0, np.int32),
            "stint": np.empty(0, np.int32),
            "at": np.empty(0, np.int64),
            "kind": np.empty(0, np.int8),
            "dominant": np.empty(0, object),
            "active": np.empty((0, len(DRIVERS)), bool),
            "ratios": np.empty((0, len(DRIVERS))),
            "frailty": np.empty(0),
            "winback": np.empty(0),
        }
    order = np.lexsort((d["at"], d["customer"]))
    d = {k: v[order] for k, v in d.items()}
    names = np.asarray(DRIVERS, dtype=object)
    listed = [";".join(names[row]) for row in d["active"]]
    kind = d["kind"].astype(np.int64)
    listed = ["failed_payment" if k == 1 else (s or "noise") for k, s in zip(kind, listed, strict=True)]
    columns = {
        "customer_id": pc.take(customer_ids, pa.array(d["customer"].astype(np.int64))),
        "subscription_id": subscription_ids(customer_ids, d["customer"].astype(np.int64), d["stint"]),
        "churned_at": timestamps(d["at"]),
        "churn_type": pa.array(np.asarray(END_KINDS, dtype=object)[kind], type=pa.string()),
        "dominant_driver": pa.array(d["dominant"].astype(object), type=pa.string()),
        "drivers": pa.array(listed, type=pa.string()),
    }
    for j, name in enumerate(DRIVERS):
        columns[f"hr_{name}"] = pa.array(np.round(d["ratios"][:, j], 4))
    columns["hr_frailty"] = pa.array(np.round(d["frailty"], 4))
    columns["hr_winback"] = pa.array(d["winback"].astype(np.float64))
    return pa.table(columns)


def build_hazard(hazard: Chunks, customer_ids: pa.Array, calendar: Calendar) -> pa.Table:
    """``hazard.parquet``: one row per paying customer per month."""
    h = hazard.columns()
    month = h["month"].astype(np.int64)
    columns = {
        "customer_id": pc.take(customer_ids, pa.array(h["customer"].astype(np.int64))),
        "month": timestamps(calendar.start(month)),
        "billing": pa.array(np.where(h["annual"], "annual", "monthly").astype(object), type=pa.string()),
        "at_risk": pa.array(h["at_risk"]),
        "base_hazard": pa.array(h["base"]),
    }
    for name in (*DRIVERS, "frailty", "winback"):
        columns[f"hr_{name}"] = pa.array(np.round(h[name], 4))
    columns["hazard"] = pa.array(h["hazard"])
    columns["churn_probability"] = pa.array(h["probability"])
    columns["churned"] = pa.array(h["churned"])
    return pa.table(columns)


def build_truth_customers(c: Customers, steps: np.ndarray, holdout: np.ndarray) -> pa.Table:
    """``customers.parquet``: latent traits per customer."""
    return pa.table(
        {
            "customer_id": pa.array(c.customer_id, type=pa.string()),
            "segment": pa.array(np.asarray(SEGMENTS, dtype=object)[c.segment], type=pa.string()),
            "onboarding_steps": pa.array(steps.astype(np.int64)),
            "frailty": pa.array(np.round(c.frailty, 4)),
            "engagement_level": pa.array(np.round(c.engagement_level, 4)),
            "card_payer": pa.array(c.card_payer),
            "winback_arm": pa.array(np.where(holdout, "holdout", "treated").astype(object), type=pa.string()),
        }
    )
