"""Cohort tables, hand-computed."""

from __future__ import annotations

import pytest
from metric_helpers import memory_engine, sub

from tenure.errors import ConfigurationError
from tenure.metrics import cohort_table
from tenure.metrics.cohorts import pivot


def business():
    subs = [
        # January cohort: four customers.
        sub("a", "2024-01-05", None, 100, plan="pro"),
        sub("b", "2024-01-10", "2024-02-15", 100, plan="pro"),  # gone before Mar 1
        sub("c", "2024-01-20", "2024-03-15", 50, plan="starter"),  # gone before Apr 1
        sub("c2", "2024-01-31", "2024-02-10", 50, plan="starter"),
        sub("c2", "2024-02-10", None, 150, plan="pro"),  # upgrades
        # February cohort: two customers.
        sub("d", "2024-02-01", None, 10, plan="starter"),
        sub("e", "2024-02-20", "2024-03-01", 10, plan="starter"),  # ends at the instant: not active
    ]
    customers = [
        {"customer_id": i, "segment": "smb" if i in "abd" else "enterprise"} for i in ("a", "b", "c", "c2", "d", "e")
    ]
    return memory_engine({"subscriptions": subs, "customers": customers})


def test_cohort_by_month_counts_who_is_still_active_at_each_later_month() -> None:
    t = cohort_table(business(), by="month", start="2024-01-01", end="2024-04-01")
    jan = t[t.cohort == "2024-01"].set_index("age")
    assert jan["customers"].tolist() == [4, 4, 4, 4]
    # Feb 1: a, b, c, c2; Mar 1: a, c, c2; Apr 1: a, c2.
    assert jan["active"].tolist() == [4, 4, 3, 2]
    assert jan["retention"].tolist() == pytest.approx([1, 1, 0.75, 0.5])
    # MRR at first activation 100+100+50+50 = 300; Feb 1: 100+100+50+50 = 300; Mar 1: 100+50+150;
    # Apr 1: 100 + 150.
    assert jan["mrr_base"].iloc[0] == 300
    assert jan["mrr_retention"].tolist() == pytest.approx([1, 300 / 300, 300 / 300, 250 / 300])
    feb = t[t.cohort == "2024-02"].set_index("age")
    assert feb["active"].tolist() == [2, 1, 1]
    assert feb["observed"].tolist() == [2, 2, 2]


def test_ages_past_the_end_of_the_data_are_not_observed() -> None:
    t = cohort_table(business(), by="month", start="2024-01-01", end="2024-03-01")
    assert t[t.cohort == "2024-02"]["age"].max() == 1
    assert pivot(t).loc["2024-01"].tolist() == pytest.approx([1, 1, 0.75])


def test_cohort_by_quarter_adds_its_months() -> None:
    t = cohort_table(business(), by="quarter", start="2024-01-01", end="2024-04-01")
    q1 = t[t.cohort == "2024Q1"].set_index("age")
    assert q1["customers"].iloc[0] == 6
    # Age 1: January customers at Feb 1 (4 of 4) + February customers at Mar 1 (1 of 2).
    assert (q1.loc[1, "active"], q1.loc[1, "observed"]) == (5, 6)
    # Age 3: only January customers are observed (Apr 1); February's would be May 1.
    assert (q1.loc[3, "active"], q1.loc[3, "observed"]) == (2, 4)


def test_cohort_by_plan_uses_the_plan_at_first_activation() -> None:
    t = cohort_table(business(), by="plan", start="2024-01-01", end="2024-04-01")
    sizes = t[t.age == 0].set_index("cohort")["customers"].to_dict()
    assert sizes == {"pro": 2, "starter": 4}


def test_cohort_by_segment_groups_by_the_customer_attribute() -> None:
    t = cohort_table(business(), by="segment", start="2024-01-01", end="2024-04-01")
    assert t[t.age == 0].set_index("cohort")["customers"].to_dict() == {"enterprise": 3, "smb": 3}


def test_an_unknown_grouping_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="expected one of month, quarter"):
        cohort_table(business(), by="colour")
