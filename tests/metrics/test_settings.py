"""Each edge-case setting of DESIGN §4 changes the numbers exactly as documented."""

from __future__ import annotations

import math

import pytest
from metric_helpers import memory_engine, sub

from tenure.metrics import benchmark, report
from tenure.settings import Settings


def period(eng, start, end, **settings) -> dict:
    frame = report(eng, start, end, "whole", settings=Settings(**settings))
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in frame.iloc[0].items()}


def test_scheduled_churn_recognition_counts_the_loss_when_the_cancellation_is_made() -> None:
    rows = [
        sub("a", "2024-01-01", "2024-06-01", 100, canceled_at="2024-03-15"),
        sub("b", "2024-01-01", None, 100),
    ]
    eng = memory_engine({"subscriptions": rows})
    assert period(eng, "2024-03-01", "2024-04-01")["customers_lost"] == 0  # default: at the end (June)
    assert period(eng, "2024-05-01", "2024-06-01")["customers_lost"] == 1  # gone at Jun 1
    scheduled = period(eng, "2024-03-01", "2024-04-01", churn_recognition="scheduled")
    assert (scheduled["customers_lost"], scheduled["mrr_churn"]) == (1, 100)


def test_delinquency_ends_activity_n_days_past_due_until_paid() -> None:
    rows = [sub("a", "2024-01-01", None, 100), sub("b", "2024-01-01", None, 100)]
    invoices = [
        {
            "invoice_id": "i1",
            "customer_id": "a",
            "issued_at": "2024-01-15",
            "amount": 100.0,
            "due_at": "2024-02-01",
            "status": "paid",
            "paid_at": "2024-04-10",
        },
        {
            "invoice_id": "i2",
            "customer_id": "b",
            "issued_at": "2024-01-15",
            "amount": 100.0,
            "due_at": "2024-02-01",
            "status": "void",
        },
    ]
    eng = memory_engine({"subscriptions": rows, "invoices": invoices})
    assert period(eng, "2024-03-01", "2024-04-01")["customers_lost"] == 0  # off by default
    march = period(eng, "2024-03-01", "2024-04-01", delinquency_days=30)  # delinquent from Mar 2
    assert (march["customers_lost"], march["mrr_churn"]) == (1, 100)
    april = period(eng, "2024-04-01", "2024-05-01", delinquency_days=30)  # paid Apr 10: back
    assert (april["customers_reactivated"], april["mrr_reactivation"]) == (1, 100)
    assert period(eng, "2024-03-01", "2024-04-01", delinquency_days=70)["customers_lost"] == 0  # paid first


def test_ignoring_discounts_uses_list_mrr_but_keeps_a_hundred_percent_off_line_free() -> None:
    rows = [
        sub("a", "2024-01-01", None, 80, list_mrr=100),
        sub("b", "2024-01-01", None, 50),
        sub("free", "2024-01-01", None, 0, list_mrr=30),
    ]
    eng = memory_engine({"subscriptions": rows})
    deducted = period(eng, "2024-01-01", "2024-02-01")
    ignored = period(eng, "2024-01-01", "2024-02-01", discounts="ignored")
    assert (deducted["mrr_end"], deducted["customers_end"]) == (130, 2)
    assert (ignored["mrr_end"], ignored["customers_end"]) == (150, 2)


def test_counting_free_customers_adds_them_to_the_counts_but_not_to_mrr() -> None:
    rows = [
        sub("a", "2024-01-01", None, 90),
        sub("trial", "2024-01-01", "2024-01-20", 0),
        sub("trial", "2024-01-20", None, 30),
    ]
    eng = memory_engine({"subscriptions": rows})
    paying = period(eng, "2024-01-10", "2024-02-01")
    assert (paying["customers_start"], paying["customers_new"], paying["mrr_new"]) == (1, 1, 30)
    free = period(eng, "2024-01-10", "2024-02-01", count_free_customers=True)
    # The trial was a customer already; converting to paid is still new MRR (first payment).
    assert (free["customers_start"], free["customers_new"], free["mrr_new"]) == (2, 0, 30)
    assert (free["arpa"], paying["arpa"]) == (60, 60)
    only_free = period(eng, "2024-01-10", "2024-01-15", count_free_customers=True)
    assert (only_free["customers_end"], only_free["arpa"]) == (2, 45)


def test_same_period_sign_up_then_churn_is_excluded_by_default_and_included_on_request() -> None:
    rows = [sub(f"s{k}", "2024-01-01", "2024-02-10" if k == 0 else None, 10) for k in range(10)]
    rows.append(sub("flash", "2024-02-05", "2024-02-20", 10))
    eng = memory_engine({"subscriptions": rows})
    excluded = period(eng, "2024-02-01", "2024-03-01")
    included = period(eng, "2024-02-01", "2024-03-01", same_period_churn="included")
    assert (excluded["customers_lost"], included["customers_lost"]) == (1, 2)
    assert (excluded["churn_rate"], included["churn_rate"]) == (pytest.approx(0.1), pytest.approx(0.2))
    assert excluded["customers_acquired"] == included["customers_acquired"] == 1
    assert included["retention_rate"] == excluded["retention_rate"] == pytest.approx(0.9)


def test_reporting_currency_converts_every_row_into_it() -> None:
    rows = [sub("us", "2024-01-01", None, 110, currency="USD"), sub("eu", "2024-01-01", None, 100, currency="EUR")]
    rates = [{"currency": "USD", "date": "2023-01-01", "rate": 0.5}]
    eur = period(
        memory_engine({"subscriptions": rows, "rates": rates}), "2024-01-01", "2024-02-01", reporting_currency="EUR"
    )
    assert eur["mrr_end"] == 155  # 110 × 0.5 + 100


def test_gross_margin_scales_ltv() -> None:
    rows = [sub(f"s{k}", "2024-01-01", "2024-02-15" if k < 2 else None, 100) for k in range(10)]
    eng = memory_engine({"subscriptions": rows})
    full = period(eng, "2024-02-01", "2024-03-01")
    margin = period(eng, "2024-02-01", "2024-03-01", gross_margin=0.8)
    assert full["ltv"] == pytest.approx(100 / 0.2)
    assert margin["ltv"] == pytest.approx(0.8 * 100 / 0.2)


@pytest.mark.parametrize(
    ("industry", "crr", "months", "verdict"),
    [
        ("it", 0.99, 1, "meets the 85% goal"),
        ("it", 0.82, 12, "at or above the it benchmark"),
        ("retail", 0.60, 12, "below the retail benchmark"),
        ("banking", 0.10, 12, "alarmingly low"),
    ],
)
def test_industry_chooses_the_benchmark_crr_is_compared_with(industry, crr, months, verdict) -> None:
    b = benchmark(crr, months, industry)
    assert b["verdict"] == verdict
    assert b["industry_crr"] == {"it": 0.81, "retail": 0.63, "banking": 0.75}[industry]
    assert b["crr_annual"] == pytest.approx(crr ** (12 / months))
