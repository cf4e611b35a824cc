"""The win-back playbook's touches follow its rules, hold out a fifth, and the treated arm churns less."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tenure.actions.experiments import assign_arm

from .helpers import DAY, active_paying, count_in_windows


def test_touches_use_the_playbooks_stable_holdout_assignment(frames: dict[str, pd.DataFrame]) -> None:
    touches = frames["touches"]
    assert len(touches) > 300
    assert (touches.playbook == "winback").all()
    assert (touches.action == "email:winback").all()
    expected = [assign_arm("winback", c, 0.2) for c in touches.customer_id]
    assert (touches.arm == expected).all()


def test_about_a_fifth_of_the_eligible_customers_are_held_out(frames: dict[str, pd.DataFrame]) -> None:
    arms = frames["touches"].drop_duplicates("customer_id").arm
    assert 0.15 <= (arms == "holdout").mean() <= 0.25


def test_a_customer_is_touched_at_most_once_in_30_days(frames: dict[str, pd.DataFrame]) -> None:
    touches = frames["touches"].sort_values(["customer_id", "touched_at"])
    gaps = touches.groupby("customer_id").touched_at.diff().dropna()
    assert (gaps >= 30 * DAY).all()


def test_touched_customers_were_inactive_for_14_days_and_paying_at_least_50(
    frames: dict[str, pd.DataFrame],
) -> None:
    touches, events = frames["touches"], frames["events"]
    at = touches.touched_at.to_numpy()
    recent = count_in_windows(events, touches.customer_id.to_numpy(), at - 14 * DAY, at)
    assert (recent == 0).all()
    rates = frames["rates"].sort_values("date")
    sample = touches.sample(50, random_state=0)
    for row in sample.itertuples():
        paying = active_paying(frames["subscriptions"], row.touched_at).query("customer_id == @row.customer_id")
        assert len(paying) == 1
        rate = rates[(rates.currency == paying.currency.iloc[0]) & (rates.date <= row.touched_at)].rate.iloc[-1]
        assert paying.mrr.iloc[0] * rate >= 50


def test_the_treated_arm_churns_less_within_60_days_of_its_first_touch(
    frames: dict[str, pd.DataFrame],
) -> None:
    touches = frames["touches"].sort_values("touched_at").drop_duplicates("customer_id")
    s = frames["subscriptions"]
    voluntary = s[s.cancel_reason.notna() & (s.cancel_reason != "payment_failed")]
    joined = touches.merge(voluntary[["customer_id", "end_date"]], on="customer_id", how="left")
    joined["churned"] = (joined.end_date > joined.touched_at) & (joined.end_date <= joined.touched_at + 60 * DAY)
    per_touch = joined.groupby("touch_id").agg(arm=("arm", "first"), churned=("churned", "any"))
    rate = per_touch.groupby("arm").churned.mean()
    assert rate["treated"] < rate["holdout"]
    assert np.isfinite(rate).all()
