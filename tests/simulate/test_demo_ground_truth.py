"""The ground truth is written beside the dataset and agrees with it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from tenure.simulate import DRIVERS, EFFECTS


def test_ground_truth_is_written_to_its_own_folder(dataset: Path) -> None:
    folder = dataset / "ground_truth"
    for name in ("drivers.parquet", "hazard.parquet", "customers.parquet", "effects.json", "README.md"):
        assert (folder / name).exists(), name
    assert not (dataset / "drivers.parquet").exists()


def test_effects_json_records_the_planted_effects_and_the_winback_effect(dataset: Path) -> None:
    effects = json.loads((dataset / "ground_truth" / "effects.json").read_text())
    assert effects["effects"]["winback_hazard_ratio"] == EFFECTS.winback_hazard_ratio == 0.7
    assert effects["effects"]["winback_effect_days"] == 60
    assert effects["effects"]["nps_detractor_hazard_ratio"] == EFFECTS.nps_detractor_hazard_ratio
    assert effects["orders"]["bgnbd"]["r"] > 0
    assert set(effects["summary"]["monthly_logo_churn"]) == {"smb", "mid-market", "enterprise"}


def test_every_churned_customer_has_a_driver_entry(
    frames: dict[str, pd.DataFrame], truth: dict[str, pd.DataFrame]
) -> None:
    s, drivers = frames["subscriptions"], truth["drivers"]
    churned = s[s.cancel_reason.notna()].set_index("subscription_id")
    d = drivers.set_index("subscription_id")
    assert set(churned.index) == set(d.index)
    d = d.loc[churned.index]
    assert (d.churned_at == churned.end_date).all()
    involuntary = churned.cancel_reason == "payment_failed"
    assert ((d.churn_type == "involuntary") == involuntary).all()
    assert (d.loc[involuntary.to_numpy(), "drivers"] == "failed_payment").all()
    assert d.drivers.str.len().gt(0).all()


def test_listed_drivers_match_their_hazard_ratios(truth: dict[str, pd.DataFrame]) -> None:
    d = truth["drivers"].query("churn_type == 'voluntary'")
    for name in DRIVERS:
        listed = d.drivers.str.split(";").apply(lambda xs, n=name: n in xs)
        threshold = 1.5 if name == "usage_decline" else 1.0
        ratio = d[f"hr_{name}"]
        assert (listed == ((ratio >= threshold) if name == "usage_decline" else (ratio > threshold))).all(), name
    assert d.dominant_driver.isin([*DRIVERS, "noise"]).all()
    assert d.dominant_driver.nunique() >= 5


def test_churners_had_more_active_drivers_than_the_customers_who_stayed(
    truth: dict[str, pd.DataFrame],
) -> None:
    h = truth["hazard"].query("at_risk")
    assert h.loc[h.churned, "hazard"].mean() > 2 * h.loc[~h.churned, "hazard"].mean()


def test_hazard_is_the_base_times_every_driver_ratio(truth: dict[str, pd.DataFrame]) -> None:
    h = truth["hazard"]
    ratios = h[[f"hr_{n}" for n in (*DRIVERS, "frailty", "winback")]].prod(axis=1)
    expected = np.where(h.at_risk, h.base_hazard * ratios, 0.0)
    assert np.allclose(h.hazard, expected, rtol=1e-3)
    assert np.allclose(h.churn_probability, 1 - np.exp(-h.hazard))
    assert not h.loc[~h.at_risk, "churned"].any(), "annual plans churn only at renewal"
    assert (h.loc[h.billing == "annual", "at_risk"].mean()) < 0.15
