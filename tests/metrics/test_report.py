"""Every metric of DESIGN §4 on small hand-built businesses, against answers computed by hand."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from metric_helpers import memory_engine, sub, write_business

from tenure.errors import ConfigurationError
from tenure.metrics import COLUMNS, METRIC_KEYS, report
from tenure.store import Store


def one(frame: pd.DataFrame, i: int = 0) -> dict:
    return {k: (None if (isinstance(v, float) and math.isnan(v)) else v) for k, v in frame.iloc[i].items()}


def design_example() -> dict[str, list[dict]]:
    """DESIGN §4: S = 200 at the start, 20 lost, 30 new, E = 210; everyone pays 100 a month."""
    rows = [sub(f"s{k:03d}", "2024-06-01", "2025-06-01" if k < 20 else None, 100) for k in range(200)]
    rows += [sub(f"n{k:02d}", "2025-03-01", None, 100) for k in range(30)]
    return {"subscriptions": rows}


def test_report_reproduces_the_design_example_in_a_real_store(store: Store, tmp_path: Path) -> None:
    store.import_folder(write_business(tmp_path / "ds", design_example()))
    p = one(report(store, "2025-01-01", "2026-01-01", "whole"))
    assert (p["customers_start"], p["customers_lost"], p["customers_new"], p["customers_end"]) == (200, 20, 30, 210)
    assert p["crr"] == pytest.approx((210 - 30) / 200) == pytest.approx(0.9)
    assert p["retention_rate"] == pytest.approx(0.9)
    assert p["churn_rate"] == pytest.approx(0.1)
    assert p["customers_acquired"] == 30
    assert p["loss_to_acquisition"] == pytest.approx(20 / 30)
    assert (p["mrr_start"], p["mrr_end"], p["mrr_new"], p["mrr_churn"]) == (20000, 21000, 3000, 2000)
    assert (p["mrr_expansion"], p["mrr_contraction"], p["mrr_reactivation"]) == (0, 0, 0)
    assert p["nrr"] == pytest.approx(18000 / 20000)
    assert p["grr"] == pytest.approx(18000 / 20000)
    assert p["revenue_churn_rate"] == pytest.approx(0.1)
    assert p["quick_ratio"] == pytest.approx(3000 / 2000)
    assert p["arpa"] == pytest.approx(100)
    assert p["arr"] == pytest.approx(12 * 21000)
    monthly_churn = 1 - 0.9 ** (1 / 12)
    assert p["churn_rate_monthly"] == pytest.approx(monthly_churn)
    assert p["retention_rate_monthly"] == pytest.approx(0.9 ** (1 / 12))
    assert p["crr_monthly"] == pytest.approx(0.9 ** (1 / 12))
    assert p["ltv"] == pytest.approx(100 / monthly_churn)
    assert p["months"] == 12


def test_report_has_every_metric_key_of_the_issue() -> None:
    wanted = [
        "start",
        "end",
        "customers_start",
        "customers_end",
        "customers_new",
        "customers_reactivated",
        "customers_lost",
        "customers_acquired",
        "crr",
        "retention_rate",
        "churn_rate",
        "loss_to_acquisition",
        "mrr_start",
        "mrr_end",
        "mrr_new",
        "mrr_expansion",
        "mrr_contraction",
        "mrr_churn",
        "mrr_reactivation",
        "nrr",
        "grr",
        "revenue_churn_rate",
        "quick_ratio",
        "arpa",
        "ltv",
        "arr",
        "nps",
        "nps_promoters",
        "nps_passives",
        "nps_detractors",
        "csat",
        "crc",
        "dau_mau",
    ]
    assert set(wanted) <= set(COLUMNS)
    assert set(METRIC_KEYS) == set(wanted) - {"start", "end"}


def test_loss_to_acquisition_is_ten_lost_of_two_hundred_fifty_acquired() -> None:
    rows = [sub(f"old{k}", "2024-01-01", "2024-03-10" if k < 10 else None, 50) for k in range(100)]
    rows += [sub(f"new{k}", "2024-02-15", None, 50) for k in range(250)]
    p = one(report(memory_engine({"subscriptions": rows}), "2024-01-01", "2025-01-01", "whole"))
    assert (p["customers_lost"], p["customers_acquired"]) == (10, 250)
    assert p["loss_to_acquisition"] == pytest.approx(0.04)


def test_nps_and_csat_come_from_known_answers() -> None:
    nps = [10, 9, 9, 8, 7, 6, 0, 3, 10, 10]  # 5 promoters, 2 passives, 3 detractors
    answers = [
        {"response_id": f"n{i}", "customer_id": "a", "survey": "nps", "score": s, "submitted_at": "2024-01-10"}
        for i, s in enumerate(nps)
    ]
    answers += [
        {"response_id": f"c{i}", "customer_id": "a", "survey": "csat", "score": s, "submitted_at": "2024-01-20"}
        for i, s in enumerate([5, 4, 3, 1])
    ]
    answers.append(  # outside January: not counted
        {"response_id": "late", "customer_id": "a", "survey": "nps", "score": 0, "submitted_at": "2024-02-01"}
    )
    tickets = [{"ticket_id": "t1", "customer_id": "a", "opened_at": "2024-01-05", "closed_at": "2024-01-06", "csat": 5}]
    eng = memory_engine({"subscriptions": [sub("a", "2023-01-01", None, 10)], "responses": answers, "tickets": tickets})
    p = one(report(eng, "2024-01-01", "2024-02-01"))
    assert (p["nps_promoters"], p["nps_passives"], p["nps_detractors"]) == (5, 2, 3)
    assert p["nps"] == pytest.approx(100 * (5 - 3) / 10)
    assert p["csat"] == pytest.approx(3 / 5)  # 5, 4 and the ticket's 5 of five ratings


@pytest.mark.parametrize(
    ("start", "end", "counted"),
    [
        ("2024-01-01", "2024-02-01", ["in", "first-instant"]),  # midnight boundaries: counted per day
        ("2024-01-01T12:00:00", "2024-02-01T12:00:00", ["in", "before-noon-end"]),  # exact instants
    ],
)
def test_survey_answers_count_in_the_period_holding_their_instant(start: str, end: str, counted: list[str]) -> None:
    at = {
        "first-instant": "2024-01-01T00:00:00",
        "in": "2024-01-15T09:00:00",
        "before-noon-end": "2024-02-01T11:59:00",
        "after": "2024-02-01T12:00:00",
    }
    answers = [
        {"response_id": k, "customer_id": "a", "survey": "nps", "score": 10, "submitted_at": t} for k, t in at.items()
    ]
    eng = memory_engine({"subscriptions": [sub("a", "2023-01-01", None, 10)], "responses": answers})
    p = one(report(eng, start, end, "whole"))
    assert p["nps_promoters"] == len(counted)


def test_annual_plan_counts_its_monthly_normalised_mrr() -> None:
    rows = [sub("a", "2024-01-01", "2025-01-01", 100, billing_period_months=12, plan="annual")]
    p = one(report(memory_engine({"subscriptions": rows}), "2024-03-01", "2024-04-01"))
    assert (p["mrr_start"], p["mrr_end"], p["arr"], p["arpa"]) == (100, 100, 1200, 100)


def test_upgrade_downgrade_and_leave_in_one_quarter_is_one_churn_of_the_starting_mrr() -> None:
    rows = [
        sub("a", "2024-01-01", "2024-02-10", 100),
        sub("a", "2024-02-10", "2024-03-05", 200),
        sub("a", "2024-03-05", "2024-03-20", 50),
        sub("b", "2023-06-01", None, 10),
    ]
    eng = memory_engine({"subscriptions": rows})
    q = one(report(eng, "2024-01-01", "2024-04-01", "quarter"))
    assert (q["customers_start"], q["customers_lost"], q["customers_end"]) == (2, 1, 1)
    assert (q["mrr_churn"], q["mrr_expansion"], q["mrr_contraction"]) == (100, 0, 0)
    # Month by month "a" pays 100 at Jan 1 and Feb 1, 200 at Mar 1, nothing at Apr 1: the
    # downgrade to 50 falls between two instants, and §4 compares MRR at the instants only.
    months = report(eng, "2024-01-01", "2024-04-01", "month")
    assert months["mrr_expansion"].tolist() == [0, 100, 0]
    assert months["mrr_contraction"].tolist() == [0, 0, 0]
    assert months["mrr_churn"].tolist() == [0, 0, 200]
    assert months["customers_lost"].tolist() == [0, 0, 1]


def test_a_customer_coming_back_is_a_reactivation_not_new_business() -> None:
    rows = [sub("a", "2024-01-01", "2024-03-01", 100), sub("a", "2024-05-15", None, 120)]
    rows += [sub(f"b{k}", "2024-01-01", None, 10) for k in range(9)]
    p = one(report(memory_engine({"subscriptions": rows}), "2024-05-01", "2024-06-01"))
    assert (p["customers_start"], p["customers_end"], p["customers_reactivated"], p["customers_new"]) == (9, 10, 1, 0)
    assert (p["mrr_reactivation"], p["mrr_new"]) == (120, 0)
    assert p["crr"] == pytest.approx((10 - 0) / 9)
    assert p["retention_rate"] == 1.0
    assert p["customers_acquired"] == 0


def test_two_currencies_convert_at_the_rate_of_each_rows_start() -> None:
    rates = [
        {"currency": "EUR", "date": "2023-12-01", "rate": 1.1},
        {"currency": "EUR", "date": "2024-02-01", "rate": 1.2},
    ]
    rows = [
        sub("us", "2024-01-01", None, 100, currency="USD"),
        sub("eu", "2024-01-01", None, 100, currency="EUR"),
        sub("eu2", "2024-02-15", None, 50, currency="EUR"),
    ]
    m = report(memory_engine({"subscriptions": rows, "rates": rates}), "2024-01-01", "2024-04-01")
    # The EUR row started at 1.1 keeps 110 after the rate moves: no expansion from exchange rates.
    assert m["mrr_end"].tolist() == [210, 270, 270]
    assert m["mrr_expansion"].tolist() == [0, 0, 0]
    assert m["mrr_new"].tolist() == [0, 60, 0]


def test_a_currency_without_a_rate_is_refused_with_what_to_add() -> None:
    rows = [sub("eu", "2024-01-01", None, 100, currency="EUR")]
    with pytest.raises(ConfigurationError, match="EUR needed from 2024-01-01"):
        report(memory_engine({"subscriptions": rows}), "2024-01-01", "2024-02-01")


def test_crc_is_retention_spend_per_customer_active_in_the_period() -> None:
    rows = [sub("a", "2024-01-01", None, 10), sub("b", "2023-01-01", "2024-01-20", 10), sub("c", "2024-01-31", None, 5)]
    costs = [
        {"period_start": "2024-01-01", "period_end": "2024-02-01", "amount": 300.0, "category": "csm"},
        {"period_start": "2024-01-01", "period_end": "2024-04-01", "amount": 910.0, "category": "tools"},
    ]
    m = report(memory_engine({"subscriptions": rows, "costs": costs}), "2024-01-01", "2024-03-01")
    # January: 300 + 910 × 31/91 = 610.00 over a, b and c; February: 910 × 29/91 = 290.00 over a and c.
    assert m["crc"].tolist() == pytest.approx([610 / 3, 290 / 2])


def test_dau_mau_is_mean_daily_users_over_monthly_users() -> None:
    events = [
        {"customer_id": "a", "event_type": "login", "occurred_at": f"2024-01-{d:02d}T10:00:00", "user_id": "u1"}
        for d in range(1, 32)
    ]
    events += [
        {"customer_id": "a", "event_type": "login", "occurred_at": f"2024-01-{d:02d}T1{h}:00:00", "user_id": "u2"}
        for d in range(1, 11)
        for h in (1, 2)  # twice a day is still one daily user
    ]
    events.append({"customer_id": "b", "event_type": "export", "occurred_at": "2024-01-05T08:00:00"})
    subs = [sub("a", "2023-01-01", None, 10), sub("b", "2023-01-01", None, 10)]
    p = one(report(memory_engine({"subscriptions": subs, "events": events}), "2024-01-01", "2024-02-01"))
    assert p["dau_mau"] == pytest.approx(((31 + 10 + 1) / 31) / 3)


def test_dau_mau_over_a_range_starting_and_ending_mid_month_counts_each_months_part() -> None:
    def login(day: str, user: str) -> dict:
        return {"customer_id": "a", "event_type": "login", "occurred_at": f"{day}T09:00:00", "user_id": user}

    events = [login("2024-01-05", "u3"), login("2024-01-20", "u1"), login("2024-02-05", "u1")]
    events += [login("2024-02-10", "u2"), login("2024-02-25", "u2")]  # the 25th is after the range
    subs = [sub("a", "2023-01-01", None, 10)]
    p = one(report(memory_engine({"subscriptions": subs, "events": events}), "2024-01-15", "2024-02-20", "whole"))
    # 36 days, 3 user-days in them; January's part has u1, February's part u1 and u2: mean MAU (1 + 2) / 2
    assert p["dau_mau"] == pytest.approx((3 / 36) / 1.5)


def test_undefined_rates_are_null_when_nobody_was_there() -> None:
    p = one(report(memory_engine({"subscriptions": [sub("a", "2024-02-10", None, 10)]}), "2024-01-01", "2024-02-01"))
    assert p["customers_start"] == 0
    for key in ("crr", "retention_rate", "churn_rate", "nrr", "grr", "revenue_churn_rate", "quick_ratio", "arpa"):
        assert p[key] is None, key
    assert p["loss_to_acquisition"] is None and p["nps"] is None and p["csat"] is None


def test_a_customer_starting_exactly_at_the_end_counts_in_that_period() -> None:
    rows = [sub("a", "2024-01-01", None, 10), sub("b", "2024-02-01", None, 10)]
    m = report(memory_engine({"subscriptions": rows}), "2024-01-01", "2024-03-01")
    assert m["customers_new"].tolist() == [1, 0]  # b is active at Feb 1, the end of January
    assert m["customers_acquired"].tolist() == [1, 0]
    assert m["customers_start"].tolist() == [1, 2]


def test_default_range_runs_from_the_first_start_month_to_the_month_after_the_last_data() -> None:
    rows = [sub("a", "2024-01-15", "2024-03-10", 10), sub("b", "2024-02-03", None, 10)]
    m = report(memory_engine({"subscriptions": rows}))
    assert (m["start"].iloc[0], m["end"].iloc[-1]) == ("2024-01-01", "2024-04-01")


def test_a_report_on_an_empty_store_says_to_import_first() -> None:
    with pytest.raises(ConfigurationError, match="tenure import"):
        report(memory_engine({}))


def test_arrow_output_has_the_same_columns() -> None:
    t = report(
        memory_engine({"subscriptions": [sub("a", "2024-01-01", None, 10)]}), "2024-01-01", "2024-02-01", arrow=True
    )
    assert t.column_names == list(COLUMNS)
