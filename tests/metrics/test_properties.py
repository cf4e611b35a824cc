"""Invariants over random subscription histories (hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from metric_helpers import memory_engine, sub

from tenure.metrics import report
from tenure.settings import Settings

DAY0 = date(2024, 1, 1)


@st.composite
def histories(draw):
    """Up to 12 customers, each with up to 4 rows (gaps, overlaps, plan changes, free rows, cents)."""
    rows = []
    for c in range(draw(st.integers(1, 12))):
        t = draw(st.integers(0, 200))
        for _ in range(draw(st.integers(1, 4))):
            length = draw(st.integers(1, 150))
            ongoing = draw(st.booleans()) and draw(st.booleans())
            mrr = draw(st.sampled_from([0, 0.01, 9.99, 10, 19.995, 100, 250.5]))
            end = None if ongoing else str(DAY0 + timedelta(days=t + length))
            rows.append(sub(f"c{c}", str(DAY0 + timedelta(days=t)), end, mrr))
            t += length + draw(st.sampled_from([0, 0, 3, 40]))  # contiguous, short gap, long gap
    return rows


def cents(x: float) -> int:
    return round(x * 100)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=histories(), period=st.sampled_from(["month", "quarter", "whole"]), free=st.booleans())
def test_mrr_movements_reconcile_and_rates_add_up(rows, period, free) -> None:
    frame = report(
        memory_engine({"subscriptions": rows}),
        "2024-01-01",
        "2025-01-01",
        period,
        settings=Settings(count_free_customers=free),
    )
    for p in frame.to_dict("records"):
        # MRR(b) = MRR(a) + new + reactivation + expansion − contraction − churn, exactly (in cents).
        assert cents(p["mrr_end"]) == cents(p["mrr_start"]) + cents(p["mrr_new"]) + cents(
            p["mrr_reactivation"]
        ) + cents(p["mrr_expansion"]) - cents(p["mrr_contraction"]) - cents(p["mrr_churn"])
        s = p["customers_start"]
        assert p["customers_end"] == s - p["customers_lost"] + p["customers_new"] + p["customers_reactivated"]
        if s:
            assert abs(p["retention_rate"] + p["churn_rate"] - 1) < 1e-12
            assert abs(p["crr"] - (p["retention_rate"] + p["customers_reactivated"] / s)) < 1e-12
        if p["mrr_start"] > 0:
            assert 0 <= p["grr"] <= 1
            assert abs(p["grr"] + p["revenue_churn_rate"] - 1) < 1e-12
        assert p["customers_new"] <= p["customers_acquired"]
