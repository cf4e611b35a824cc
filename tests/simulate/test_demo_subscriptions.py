"""Subscription histories look like a billing system's: half-open rows, trials, changes, annual plans."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tenure.simulate.customers import ANNUAL_PRICE_FACTOR, PLANS, SEAT_PRICE


def test_rows_of_one_subscription_are_half_open_and_never_overlap(frames: dict[str, pd.DataFrame]) -> None:
    s = frames["subscriptions"].sort_values(["subscription_id", "start_date"])
    assert (s.end_date.isna() | (s.end_date > s.start_date)).all()
    same = s.subscription_id.to_numpy()[1:] == s.subscription_id.to_numpy()[:-1]
    previous_end = s.end_date.to_numpy()[:-1][same]
    next_start = s.start_date.to_numpy()[1:][same]
    assert not pd.isna(previous_end).any(), "only the last row of a subscription may be open"
    assert (previous_end == next_start).all(), "each change closes a row exactly where the next opens"


def test_a_customer_has_at_most_one_open_subscription_at_a_time(frames: dict[str, pd.DataFrame]) -> None:
    s = frames["subscriptions"]
    per = (
        s.groupby("subscription_id")
        .agg(
            customer_id=("customer_id", "first"),
            start=("start_date", "min"),
            end=("end_date", "max"),
            open=("end_date", lambda e: e.isna().any()),
        )
        .sort_values(["customer_id", "start"])
    )
    same = per.customer_id.to_numpy()[1:] == per.customer_id.to_numpy()[:-1]
    earlier_end = per.end.to_numpy()[:-1][same]
    assert not per.open.to_numpy()[:-1][same].any()
    assert (earlier_end <= per.start.to_numpy()[1:][same]).all()


def test_annual_mrr_is_normalised_to_a_month(frames: dict[str, pd.DataFrame]) -> None:
    s = frames["subscriptions"]
    paid = s[s.status != "trialing"]
    price = pd.Series(SEAT_PRICE, index=PLANS)
    factor = np.where(paid.billing_period_months == 12, ANNUAL_PRICE_FACTOR, 1.0)
    expected_list = np.round(price.loc[paid.plan].to_numpy() * paid.quantity * factor, 2)
    assert np.allclose(paid.list_mrr, expected_list)
    assert np.allclose(paid.mrr, np.round(paid.list_mrr * (1 - paid.discount), 2))

    invoices = frames["invoices"].sort_values("issued_at")
    annual = s[(s.billing_period_months == 12) & (s.mrr > 0)]
    joined = invoices.merge(annual, left_on=["customer_id", "issued_at"], right_on=["customer_id", "start_date"])
    assert len(joined) > 50
    assert np.allclose(joined.amount, np.round(joined.mrr * 12, 2), atol=0.01)


def test_trials_are_zero_mrr_rows_and_some_never_convert(frames: dict[str, pd.DataFrame]) -> None:
    s = frames["subscriptions"]
    trials = s[s.status == "trialing"]
    assert len(trials) > 100
    assert (trials.mrr == 0).all()
    converted = trials.subscription_id.isin(s.loc[s.mrr > 0, "subscription_id"])
    assert 0.4 < converted.mean() < 0.85


def test_plans_changes_discounts_and_reactivations_all_occur(frames: dict[str, pd.DataFrame]) -> None:
    s = frames["subscriptions"]
    assert set(s.plan) == {"free", "starter", "pro", "business", "enterprise"}
    assert set(s.billing_period_months) == {1, 12}
    assert ((s.discount > 0) & (s.mrr < s.list_mrr)).any()
    rows_per_line = s.groupby("subscription_id").size()
    assert (rows_per_line > 2).sum() > 100
    ordered = s.sort_values(["subscription_id", "start_date"])
    step = ordered.groupby("subscription_id").quantity.diff()
    assert (step > 0).any() and (step < 0).any()
    price = ordered.groupby("subscription_id").plan.shift()
    assert ((price == "starter") & (ordered.plan == "pro")).any()
    assert ((price == "business") & (ordered.plan == "pro")).any()
    lines = s.groupby("customer_id").subscription_id.nunique()
    assert (lines > 1).sum() > 20, "some churned customers come back months later"


def test_cancellations_carry_a_reason_and_a_scheduled_date(frames: dict[str, pd.DataFrame]) -> None:
    s = frames["subscriptions"]
    canceled = s[s.cancel_reason.notna()]
    assert (canceled.status == "canceled").all()
    assert canceled.end_date.notna().all()
    assert (canceled.canceled_at <= canceled.end_date).all()
    assert canceled.cancel_reason.nunique() >= 6


def test_acquisitions_spread_over_the_history_with_existing_customers_at_the_start(
    frames: dict[str, pd.DataFrame],
) -> None:
    customers = frames["customers"]
    start = pd.Timestamp("2022-01-01", tz="UTC")
    before = (customers.created_at < start).mean()
    assert 0.1 < before < 0.3
    per_year = customers[customers.created_at >= start].created_at.dt.year.value_counts().sort_index()
    assert per_year.is_monotonic_increasing, "the business grows"
