"""sBG on subscription history: durations, cohort counts, per-segment fits and per-customer CLV."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from tenure.errors import ModelError
from tenure.models.clv import (
    cohort_counts,
    customer_durations,
    fit_sbg_by_segment,
    simulate_sbg,
    subscription_clv,
)


def _yearly_cohort(counts: np.ndarray, segment: str, start: str = "2015-01-01") -> pd.DataFrame:
    """Subscriptions of one annual cohort whose active counts by year are ``counts``."""
    rows = []
    start_year = int(start[:4])
    for year in range(1, len(counts) + 1):
        lost = counts[year - 1] - (counts[year] if year < len(counts) else 0)
        end = f"{start_year + year}{start[4:]}" if year < len(counts) else None
        rows += [(f"{segment}-{year}-{i}", start, end, 100.0, segment) for i in range(lost)]
    return pd.DataFrame(rows, columns=["customer_id", "start_date", "end_date", "mrr", "segment"])


@pytest.fixture(scope="module")
def subscriptions() -> pd.DataFrame:
    regular = np.array([1000, 631, 468, 382, 326, 289, 262, 241])
    high_end = np.array([1000, 869, 743, 653, 593, 551, 517, 491])
    return pd.concat([_yearly_cohort(regular, "regular"), _yearly_cohort(high_end, "high end")], ignore_index=True)


AS_OF = "2022-06-01"  # 7.4 years after the cohorts started: 7 whole years observed


def test_cohort_counts_rebuild_the_active_counts_by_period(subscriptions: pd.DataFrame) -> None:
    table = cohort_counts(subscriptions, period_months=12, as_of=AS_OF)
    regular = table[table["group"] == "regular"]
    assert regular["active"].tolist() == [1000, 631, 468, 382, 326, 289, 262, 241]
    assert (regular["customers"] == 1000).all()


def test_fit_per_segment_reproduces_the_papers_parameters(subscriptions: pd.DataFrame) -> None:
    models = fit_sbg_by_segment(subscriptions, period_months=12, as_of=AS_OF)
    assert set(models) == {"all", "regular", "high end"}
    assert models["regular"].params_["alpha"] == pytest.approx(0.704, abs=0.004)
    assert models["high end"].params_["beta"] == pytest.approx(3.806, abs=0.02)


def test_subscription_clv_values_each_active_customer_with_their_segments_derl(
    subscriptions: pd.DataFrame,
) -> None:
    out = subscription_clv(subscriptions, period_months=12, as_of=AS_OF, discount_rate=0.10, margin=0.5)
    assert len(out) == 241 + 491
    models = fit_sbg_by_segment(subscriptions, period_months=12, as_of=AS_OF)
    row = out.loc["regular-8-0"]
    assert row["renewals"] == 7 and row["fit_group"] == "regular"
    derl = models["regular"].derl(0.10, 7)[0]
    assert row["derl_periods"] == pytest.approx(derl) and row["derl_months"] == pytest.approx(12 * derl)
    assert row["clv"] == pytest.approx(100.0 * 12 * 0.5 * derl)
    assert out.groupby("segment")["clv"].mean()["high end"] > out.groupby("segment")["clv"].mean()["regular"]


def test_monthly_periods_follow_calendar_months_and_half_open_ends() -> None:
    subs = pd.DataFrame(
        {
            "customer_id": ["exact", "just-after", "short", "open"],
            "start_date": ["2024-01-31", "2024-01-15", "2024-01-15", "2024-01-15"],
            "end_date": ["2024-03-31", "2024-02-16", "2024-02-01", None],
            "mrr": [10.0, 10.0, 10.0, 10.0],
        }
    )
    d = customer_durations(subs, period_months=1, as_of="2024-04-20")
    # active at t while start + t months < end
    assert d.loc["exact", "duration"] == 2 and d.loc["just-after", "duration"] == 2
    assert d.loc["short", "duration"] == 1
    assert not d.loc["open", "churned"] and d.loc["open", "duration"] == 3 and d.loc["open", "mrr"] == 10.0


def test_a_customer_with_several_subscription_rows_is_one_lifetime_with_current_mrr() -> None:
    subs = pa.table(
        {
            "customer_id": ["a", "a", "a"],
            "start_date": ["2024-01-01", "2024-03-01", "2024-03-01"],
            "end_date": ["2024-03-01", None, None],
            "mrr": [10.0, 20.0, 5.0],
            "segment": ["smb", "smb", "smb"],
        }
    )
    d = customer_durations(subs, period_months=1, as_of="2024-06-15")
    assert d.loc["a", "duration"] == 5 and d.loc["a", "mrr"] == 25.0 and not d.loc["a", "churned"]


def test_a_segment_too_small_to_fit_falls_back_to_the_pooled_model() -> None:
    counts = simulate_sbg(2000, {"alpha": 0.8, "beta": 2.0}, 6, random_state=2)
    big = _yearly_cohort(counts, "big")
    tiny = pd.DataFrame(
        {
            "customer_id": ["t1"],
            "start_date": ["2015-01-01"],
            "end_date": [None],
            "mrr": [50.0],
            "segment": ["tiny"],
        }
    )
    out = subscription_clv(pd.concat([big, tiny], ignore_index=True), period_months=12, as_of="2021-06-01")
    assert out.loc["t1", "fit_group"] == "all" and out.loc["t1", "clv"] > 0


def test_subscription_rows_ending_before_they_start_are_rejected() -> None:
    subs = pd.DataFrame({"customer_id": ["a"], "start_date": ["2024-03-01"], "end_date": ["2024-01-01"], "mrr": [1.0]})
    with pytest.raises(ModelError, match="row 1: end_date 2024-01-01 is before start_date 2024-03-01"):
        customer_durations(subs)
