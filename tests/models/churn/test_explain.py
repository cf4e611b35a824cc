"""Reasons in plain words: each group's sentence, and which groups are chosen."""

from __future__ import annotations

import pandas as pd
import pytest

from tenure.models.churn.explain import describe, multiple, nps_category, number, reasons
from tenure.models.churn.features import FeatureInfo

INFO = {
    "login_28d": FeatureInfo(
        "login_28d", "usage", "logins in the last 28 days", "count", "usage:login", past="login_prev_28d"
    ),
    "login_prev_28d": FeatureInfo(
        "login_prev_28d", "usage", "logins in the 28 days before that", "count", "usage:login"
    ),
    "login_usual_28d": FeatureInfo("login_usual_28d", "usage", "usual logins per 28 days", "count", "usage:login"),
    "login_trend": FeatureInfo("login_trend", "trend", "logins in the last 28 days", "ratio", "usage:login"),
    "days_since_last_login": FeatureInfo(
        "days_since_last_login", "usage", "days since the last login", "days", "recency:login"
    ),
    "days_since_last_events": FeatureInfo(
        "days_since_last_events", "usage", "days since the last activity", "days", "recency:events"
    ),
    "tickets_14d": FeatureInfo("tickets_14d", "tickets", "support tickets in the last 14 days", "count", "tickets"),
    "tickets_usual_14d": FeatureInfo(
        "tickets_usual_14d", "tickets", "usual support tickets per 14 days", "count", "tickets"
    ),
    "unrecovered_invoices": FeatureInfo(
        "unrecovered_invoices", "payments", "failed payments not recovered", "count", "payments"
    ),
    "failed_payments": FeatureInfo(
        "failed_payments", "payments", "failed payments in the last 90 days", "count", "payments"
    ),
    "nps_score": FeatureInfo("nps_score", "responses", "NPS", "nps", "sentiment:nps"),
    "nps_days_ago": FeatureInfo("nps_days_ago", "responses", "days since the last NPS answer", "days", "sentiment:nps"),
    "renewal_requests": FeatureInfo(
        "renewal_requests", "tickets", "requests near renewal", "count", "renewal_requests"
    ),
    "discount_requests": FeatureInfo("discount_requests", "tickets", "discount requests", "count", "renewal_requests"),
    "onboarding_done": FeatureInfo(
        "onboarding_done", "onboarding", "onboarding steps done (of 6)", "share", "onboarding"
    ),
    "quantity": FeatureInfo("quantity", "subscription", "seats bought", "count", "seats"),
    "active_users_28d": FeatureInfo("active_users_28d", "usage", "active users in the last 28 days", "count", "seats"),
    "plan": FeatureInfo("plan", "subscription", "plan", "category", "plan"),
}


@pytest.mark.parametrize(
    ("group", "feature", "row", "sentence"),
    [
        (
            "usage:login",
            "login_trend",
            {"login_28d": 3, "login_prev_28d": 41},
            "logins in the last 28 days: 3, down from 41",
        ),
        (
            "usage:login",
            "login_28d",
            {"login_28d": 30, "login_prev_28d": 12},
            "logins in the last 28 days: 30, up from 12",
        ),
        # no earlier window (a new customer): their usual level stands in
        (
            "usage:login",
            "login_28d",
            {"login_28d": 2, "login_prev_28d": 0, "login_usual_28d": 9.6},
            "logins in the last 28 days: 2, down from 9.6",
        ),
        ("recency:login", "days_since_last_login", {"days_since_last_login": 23}, "last login 23 days ago"),
        ("recency:events", "days_since_last_events", {"days_since_last_events": 40}, "no activity for 40 days"),
        (
            "tickets",
            "tickets_14d",
            {"tickets_14d": 5, "tickets_usual_14d": 1.2},
            "support tickets in the last 14 days: 5, four times their usual",
        ),
        (
            "tickets",
            "tickets_14d",
            {"tickets_14d": 1, "tickets_usual_14d": 0.8},
            "support tickets in the last 14 days: 1",
        ),
        (
            "payments",
            "unrecovered_invoices",
            {"unrecovered_invoices": 2, "failed_payments": 3},
            "2 failed payments not recovered",
        ),
        ("payments", "unrecovered_invoices", {"unrecovered_invoices": 1}, "1 failed payment not recovered"),
        (
            "sentiment:nps",
            "nps_score",
            {"nps_score": 6, "nps_days_ago": 30, "obs_date": pd.Timestamp("2024-04-01")},
            "NPS 6 (detractor) on 2 March",
        ),
        (
            "renewal_requests",
            "renewal_requests",
            {"renewal_requests": 1, "discount_requests": 1, "days_to_renewal": 21},
            "1 discount request with renewal in 21 days",
        ),
        (
            "onboarding",
            "onboarding_done",
            {"onboarding_done": 2 / 6, "onboarding_steps": 2},
            "onboarding: 2 of 6 steps done",
        ),
        ("seats", "quantity", {"quantity": 20, "active_users_28d": 4}, "4 of 20 seats in use"),
        ("plan", "plan", {"plan": "basic"}, "on the basic plan"),
    ],
)
def test_each_reason_reads_as_a_sentence_with_the_customers_values(
    group: str, feature: str, row: dict, sentence: str
) -> None:
    assert describe(group, feature, row, INFO) == sentence


def test_reasons_name_the_groups_pushing_churn_up_most_once_each() -> None:
    frame = pd.DataFrame(
        [{"login_28d": 3, "login_prev_28d": 41, "login_trend": 0.1, "unrecovered_invoices": 2, "plan": "basic"}]
    )
    contributions = pd.DataFrame(
        [{"login_28d": 0.4, "login_prev_28d": -0.1, "login_trend": 0.5, "unrecovered_invoices": 0.6, "plan": -0.3}]
    )
    got = reasons(frame, contributions, INFO, top=3)
    # logins: 0.4 - 0.1 + 0.5 = 0.8 as one group, above payments at 0.6; the plan lowers the risk
    assert got == [["logins in the last 28 days: 3, down from 41", "2 failed payments not recovered"]]


@pytest.mark.parametrize(
    ("ratio", "words"), [(2.0, "twice"), (3.1, "three times"), (4.2, "four times"), (7.5, "7.5 times")]
)
def test_multiples_are_spelled_out(ratio: float, words: str) -> None:
    assert multiple(ratio) == words


@pytest.mark.parametrize(
    ("score", "category"), [(0, "detractor"), (6, "detractor"), (7, "passive"), (8, "passive"), (9, "promoter")]
)
def test_nps_categories_follow_the_standard_cutoffs(score: int, category: str) -> None:
    assert nps_category(score) == category


def test_numbers_drop_needless_decimals() -> None:
    assert [number(3.0), number(2.46), number(1234.0)] == ["3", "2.5", "1,234"]
