"""Churn in the demo looks like a real business's: rates per segment, payment failures, usage decay."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from .conftest import END
from .helpers import DAY, count_in_windows, month_starts, monthly_logo_churn

BANDS = {"smb": (0.015, 0.06), "mid-market": (0.005, 0.03), "enterprise": (0.0, 0.01)}


@pytest.fixture(scope="module")
def churn_by_segment(frames: dict[str, pd.DataFrame]) -> pd.Series:
    return monthly_logo_churn(frames["subscriptions"], frames["customers"], month_starts(END, 36), "segment")


@pytest.mark.parametrize("segment", list(BANDS))
def test_monthly_logo_churn_is_plausible_for_each_segment(churn_by_segment: pd.Series, segment: str) -> None:
    lo, hi = BANDS[segment]
    assert lo <= churn_by_segment[segment] <= hi


def test_smaller_customers_churn_more(churn_by_segment: pd.Series) -> None:
    assert churn_by_segment["smb"] > churn_by_segment["mid-market"] > churn_by_segment["enterprise"]


def test_annual_plans_churn_less_than_monthly_plans(frames: dict[str, pd.DataFrame]) -> None:
    by_period = monthly_logo_churn(
        frames["subscriptions"], frames["customers"], month_starts(END, 36), "billing_period_months"
    )
    assert by_period[12] < 0.6 * by_period[1]


def test_nps_answers_cluster_at_eight_to_ten_with_a_tail_of_detractors(
    frames: dict[str, pd.DataFrame],
) -> None:
    scores = frames["responses"].query("survey == 'nps'").score
    assert len(scores) > 500
    assert scores.between(8, 10).mean() > 0.6
    assert scores.value_counts().idxmax() in (9, 10)
    assert 0.05 < (scores <= 6).mean() < 0.3
    assert set(range(11)) <= set(scores.astype(int)), "every score from 0 to 10 occurs"


def test_about_a_quarter_of_lapsed_subscriptions_lapse_through_failed_payments(
    frames: dict[str, pd.DataFrame],
) -> None:
    lapsed = frames["subscriptions"].cancel_reason.dropna()
    assert len(lapsed) > 300
    assert 0.15 <= (lapsed == "payment_failed").mean() <= 0.35


def test_retries_recover_about_a_fifth_of_failed_payments(frames: dict[str, pd.DataFrame]) -> None:
    payments, invoices = frames["payments"], frames["invoices"]
    failed = payments.loc[payments.status == "failed", "invoice_id"].unique()
    assert {"card_declined", "insufficient_funds", "expired_card", "processing_error"} <= set(
        payments.failure_code.dropna()
    )
    outcome = invoices.set_index("invoice_id").loc[failed, "status"]
    settled = outcome[outcome != "open"]
    assert 0.1 <= (settled == "paid").mean() <= 0.3
    assert (settled.isin(["paid", "uncollectible"])).all()


def test_unrecovered_invoices_end_the_subscription_involuntarily(frames: dict[str, pd.DataFrame]) -> None:
    invoices, s = frames["invoices"], frames["subscriptions"]
    lost = invoices[invoices.status == "uncollectible"]
    involuntary = s[s.cancel_reason == "payment_failed"]
    assert len(lost) == len(involuntary)
    assert set(lost.customer_id) == set(involuntary.customer_id)


def test_usage_falls_before_a_voluntary_cancellation(frames: dict[str, pd.DataFrame]) -> None:
    s, events = frames["subscriptions"], frames["events"]
    first = s.groupby("subscription_id").start_date.min()
    gone = s[s.cancel_reason.notna() & (s.cancel_reason != "payment_failed")].copy()
    gone["first"] = first.loc[gone.subscription_id].to_numpy()
    history_start = pd.Timestamp("2022-01-01", tz="UTC")
    gone = gone[(gone.end_date - 150 * DAY >= gone["first"]) & (gone.end_date - 150 * DAY >= history_start)]
    assert len(gone) > 100
    end = gone.end_date.to_numpy()
    ids = gone.customer_id.to_numpy()
    last_month = count_in_windows(events, ids, end - 30 * DAY, end)
    earlier = count_in_windows(events, ids, end - 150 * DAY, end - 60 * DAY) / 3
    assert last_month.sum() < 0.8 * earlier.sum()
    assert np.median(last_month / np.maximum(earlier, 1)) < 0.7


def test_customers_who_stay_keep_their_usage(frames: dict[str, pd.DataFrame]) -> None:
    """The decay is specific to churners: stayers' usage is roughly flat over the same spans."""
    s, events = frames["subscriptions"], frames["events"]
    stayers = s[s.end_date.isna() & (s.start_date < pd.Timestamp("2023-06-01", tz="UTC")) & (s.mrr > 0)]
    ids = stayers.customer_id.unique()
    end = np.full(len(ids), pd.Timestamp(END, tz="UTC"))
    last_month = count_in_windows(events, ids, end - 30 * DAY, end)
    earlier = count_in_windows(events, ids, end - 150 * DAY, end - 60 * DAY) / 3
    assert last_month.mean() > 0.8 * earlier.mean()
