"""One segment's metrics, from the one definition: hand-computed."""

from __future__ import annotations

import pytest
from metric_helpers import memory_engine, sub

from tenure.metrics import cohort_table, report


def business():
    subs = [
        sub("a", "2024-01-01", None, 100),
        sub("b", "2024-01-01", "2024-02-15", 50),  # smb, lost in February
        sub("c", "2024-01-01", None, 1000),  # enterprise
        sub("d", "2024-02-10", None, 30),  # smb, new in February
    ]
    customers = [{"customer_id": i, "segment": "enterprise" if i == "c" else "smb"} for i in "abcd"]
    return memory_engine({"subscriptions": subs, "customers": customers})


def test_report_for_a_segment_counts_only_that_segments_customers() -> None:
    feb = report(business(), "2024-02-01", "2024-03-01", "month", segment="smb").iloc[0]
    # S = {a, b}, E = {a, d}, N = {d}, lost = {b}.
    assert (feb.customers_start, feb.customers_end, feb.customers_new, feb.customers_lost) == (2, 2, 1, 1)
    assert feb.crr == pytest.approx((2 - 1) / 2)
    assert feb.churn_rate == pytest.approx(1 / 2)
    # MRR 100 + 50 at a, 100 + 30 at b: new 30, churn 50; NRR over S = 100 / 150.
    assert (feb.mrr_start, feb.mrr_end, feb.mrr_new, feb.mrr_churn) == (150, 130, 30, 50)
    assert feb.nrr == pytest.approx(100 / 150)


def test_report_without_a_segment_counts_every_customer() -> None:
    feb = report(business(), "2024-02-01", "2024-03-01", "month").iloc[0]
    assert (feb.customers_start, feb.customers_end, feb.mrr_start, feb.mrr_end) == (3, 3, 1150, 1130)
    assert feb.crr == pytest.approx((3 - 1) / 3)


def test_report_for_a_segment_nobody_is_in_is_empty_not_an_error() -> None:
    feb = report(business(), "2024-02-01", "2024-03-01", "month", segment="nobody").iloc[0]
    assert (feb.customers_start, feb.customers_end, feb.mrr_end) == (0, 0, 0)
    assert feb.crr is None


def test_cohort_table_for_a_segment_keeps_only_that_segments_cohorts() -> None:
    t = cohort_table(business(), by="month", start="2024-01-01", end="2024-03-01", segment="smb")
    jan = t[t.cohort == "2024-01"].set_index("age")
    # January smb cohort: a and b; Feb 1 both active, Mar 1 only a.
    assert jan["customers"].tolist() == [2, 2, 2]
    assert jan["retention"].tolist() == pytest.approx([1, 1, 0.5])
    feb = t[t.cohort == "2024-02"].set_index("age")
    assert feb["customers"].iloc[0] == 1
    assert feb.loc[1, "retention"] == pytest.approx(1.0)
