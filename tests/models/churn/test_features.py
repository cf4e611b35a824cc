"""Churn features on a customer whose every value was worked out by hand; no leakage; Spark agrees."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from factories import write_table
from tenure.engine import open_engine
from tenure.models.churn.features import FeatureSet, FeatureSpec, build_features, days_to_renewal, plural, slug
from tenure.models.churn.observations import ObservationSpec, build_observations
from tenure.store import Store

OBS_DATE = datetime(2024, 3, 1)


def business(folder: Path) -> Path:
    """c1 is the customer under study; c2 only adds an onboarding step type and some noise."""
    write_table(folder, "customers", ["customer_id", "segment", "channel"], [["c1", "smb", "paid"], ["c2", "ent", ""]])
    write_table(
        folder,
        "subscriptions",
        ["customer_id", "start_date", "end_date", "mrr", "quantity", "plan"],
        [["c1", "2024-01-15", "", "100", "5", "pro"], ["c2", "2023-12-01", "", "300", "20", "team"]],
    )
    events = [
        # (customer, type, time, user)
        ("c1", "login", "2024-01-20T10:00:00", "u1"),
        ("c1", "login", "2024-01-20T11:00:00", "u1"),
        ("c1", "login", "2024-01-21T11:00:00", "u2"),
        ("c1", "login", "2024-02-10T09:00:00", "u1"),
        ("c1", "login", "2024-02-28T09:00:00", "u1"),
        ("c1", "login", "2024-02-28T17:00:00", "u3"),
        ("c1", "login", "2024-03-01T00:00:00", "u1"),  # on the date: not before it
        ("c1", "login", "2024-03-05T08:00:00", "u1"),  # after
        ("c1", "export", "2024-02-20T08:00:00", "u1"),
        ("c1", "onboarding_invite", "2024-01-16T08:00:00", "u1"),
        ("c1", "onboarding_import", "2024-03-03T08:00:00", "u1"),  # after
        ("c2", "onboarding_profile", "2024-01-02T08:00:00", "u9"),
        ("c2", "login", "2024-02-27T08:00:00", "u9"),
    ]
    write_table(folder, "events", ["customer_id", "event_type", "occurred_at", "user_id"], events)
    write_table(
        folder,
        "tickets",
        ["ticket_id", "customer_id", "opened_at", "first_response_at", "closed_at", "category", "csat"],
        [
            ["t1", "c1", "2024-02-20T10:00:00", "2024-02-20T15:00:00", "", "discount_request", ""],
            ["t2", "c1", "2024-02-25T10:00:00", "", "", "bug", ""],
            ["t3", "c1", "2024-01-05T10:00:00", "2024-01-05T11:00:00", "2024-01-06T10:00:00", "how_to", "2"],
            ["t4", "c1", "2024-03-02T10:00:00", "", "", "contract_change", ""],  # after
        ],
    )
    write_table(
        folder,
        "responses",
        ["response_id", "customer_id", "survey", "score", "submitted_at"],
        [
            ["r1", "c1", "nps", "9", "2024-01-10T10:00:00"],
            ["r2", "c1", "nps", "4", "2024-02-15T10:00:00"],
            ["r3", "c1", "nps", "10", "2024-03-02T10:00:00"],  # after
        ],
    )
    write_table(
        folder,
        "invoices",
        ["invoice_id", "customer_id", "issued_at", "amount", "due_at", "status", "paid_at"],
        [
            ["i1", "c1", "2024-02-01", "100", "2024-02-08", "open", ""],
            ["i2", "c1", "2024-01-15", "100", "2024-01-22", "paid", "2024-01-18"],
        ],
    )
    write_table(
        folder,
        "payments",
        ["payment_id", "invoice_id", "attempted_at", "amount", "status"],
        [
            ["p1", "i1", "2024-02-01T06:00:00", "100", "failed"],
            ["p2", "i1", "2024-02-04T06:00:00", "100", "failed"],
            ["p3", "i2", "2024-01-15T06:00:00", "100", "failed"],
            ["p4", "i2", "2024-01-18T06:00:00", "100", "succeeded"],
        ],
    )
    return folder


def features_at(store: Store, when: datetime, engine_name: str = "duckdb", **spec: object) -> FeatureSet:
    engine = open_engine(store, engine_name)
    try:
        obs = build_observations(engine, ObservationSpec(), [when])
        return build_features(engine, obs, FeatureSpec(**spec))  # type: ignore[arg-type]
    finally:
        engine.close()


@pytest.fixture
def loaded(store: Store, tmp_path: Path) -> Store:
    store.import_folder(business(tmp_path / "data"))
    return store


def test_a_day_on_a_windows_edge_counts_in_it_and_the_day_before_in_the_next_one(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "edges"
    write_table(folder, "customers", ["customer_id"], [["c1"]])
    write_table(folder, "subscriptions", ["customer_id", "start_date", "mrr"], [["c1", "2023-11-01", "100"]])
    # logins 7, 8, 28, 29, 56, 57, 84 and 85 days before the date (29 February 2024 included)
    days = [
        "2024-02-23",
        "2024-02-22",
        "2024-02-02",
        "2024-02-01",
        "2024-01-05",
        "2024-01-04",
        "2023-12-08",
        "2023-12-07",
    ]
    write_table(
        folder, "events", ["customer_id", "event_type", "occurred_at"], [["c1", "login", f"{d}T12:00:00"] for d in days]
    )
    store.import_folder(folder)
    row = features_at(store, OBS_DATE).frame.set_index("customer_id").loc["c1"]
    assert row["login_7d"] == 1  # 23 Feb
    assert row["login_28d"] == 3  # 23, 22 and 2 Feb
    assert row["login_prev_28d"] == 2  # 1 Feb and 5 Jan: 29 and 56 days before
    assert row["login_usual_28d"] == pytest.approx(7 / 84 * 28)  # 7 in 84 days: all but 7 Dec, 85 days before
    assert row["active_days_28d"] == 3
    assert row["days_since_last_login"] == 7


def test_features_match_values_worked_out_by_hand(loaded: Store) -> None:
    fs = features_at(loaded, OBS_DATE)
    row = fs.frame.set_index("customer_id").loc["c1"]
    expected = {
        "login_7d": 2,  # 28 Feb ×2
        "login_28d": 3,  # 10 Feb, 28 Feb ×2
        "login_prev_28d": 3,  # 20 Jan ×2, 21 Jan
        "days_since_last_login": 2,  # 28 Feb to 1 Mar 2024 (a leap year)
        "export_28d": 1,
        "events_28d": 4,
        "active_days_28d": 3,  # 10, 20, 28 Feb
        "active_users_28d": 2,  # u1, u3
        "seat_use": 2 / 5,
        "mrr": 100,
        "mrr_28d_ago": 100,  # 2 Feb
        "mrr_84d_ago": 0,  # 7 Dec 2023
        "quantity": 5,
        "days_to_renewal": 14,  # renews on the 15th
        "tenure_days": 46,  # 15 Jan to 1 Mar
        "tickets_14d": 2,  # t1, t2
        "tickets_90d": 3,
        "discount_requests": 1,
        "contract_changes": 0,  # t4 comes after the date
        "renewal_requests": 1,  # renewal within 60 days
        "open_tickets": 2,
        "unanswered_tickets": 1,
        "first_response_hours": 3.0,  # (5 + 1) / 2
        "ticket_csat": 2.0,
        "nps_score": 4,
        "nps_days_ago": 14 + 14 / 24,  # 15 Feb 10:00
        "nps_answers": 2,
        "failed_payments": 3,
        "unrecovered_invoices": 1,  # i1
        "recovered_invoices": 1,  # i2
        "overdue_invoices": 1,  # i1, due 8 Feb
        "onboarding_done": 1 / 2,  # invite of (invite, profile); import comes later
    }
    got = {k: float(row[k]) for k in expected}
    assert got == pytest.approx({k: float(v) for k, v in expected.items()})
    assert row["plan"] == "pro"
    assert row["segment"] == "smb"


def test_trends_compare_the_customer_with_their_own_past(loaded: Store) -> None:
    row = features_at(loaded, OBS_DATE).frame.set_index("customer_id").loc["c1"]
    # 6 logins in the last 84 days over 46 days of tenure = 3.652 per 28 days
    assert row["login_usual_28d"] == pytest.approx(6 / 46 * 28)
    assert row["login_trend"] == pytest.approx((3 + 1) / (6 / 46 * 28 + 1))
    assert row["login_change"] == pytest.approx(0.0)  # 3 against 3


def perturbed(folder: Path, when: datetime, seed: int) -> Path:
    """The same business, with everything after ``when`` replaced by other random data."""
    rng = np.random.default_rng(seed)
    business(folder)
    cut = pd.Timestamp(when)
    ev = pd.read_csv(folder / "events.csv")
    ev = ev[pd.to_datetime(ev.occurred_at) < cut]
    extra = pd.DataFrame(
        {
            "customer_id": rng.choice(["c1", "c2"], 40),
            "event_type": rng.choice(["login", "export", "onboarding_import", "brand_new_type"], 40),
            "occurred_at": [
                (cut + pd.Timedelta(minutes=int(m))).isoformat() for m in rng.integers(0, 60 * 24 * 60, 40)
            ],
            "user_id": rng.choice(["u1", "u7"], 40),
        }
    )
    pd.concat([ev, extra]).to_csv(folder / "events.csv", index=False)
    tickets = pd.read_csv(folder / "tickets.csv")
    late = pd.to_datetime(tickets.first_response_at) > cut
    tickets.loc[late, "first_response_at"] = (cut + pd.Timedelta(days=9)).isoformat()
    tickets = tickets[pd.to_datetime(tickets.opened_at) < cut]
    tickets.to_csv(folder / "tickets.csv", index=False)
    subs = pd.read_csv(folder / "subscriptions.csv", dtype=str)
    subs.loc[subs.customer_id == "c1", "end_date"] = (
        (cut + pd.Timedelta(days=int(rng.integers(1, 90)))).date().isoformat()
    )
    subs.loc[len(subs)] = ["c2", (cut + pd.Timedelta(days=3)).date().isoformat(), "", "999", "1", "later"]
    subs.to_csv(folder / "subscriptions.csv", index=False)
    pay = pd.read_csv(folder / "payments.csv")
    pay.loc[len(pay)] = ["p9", "i1", (cut + pd.Timedelta(hours=5)).isoformat(), 100, "succeeded"]
    pay.to_csv(folder / "payments.csv", index=False)
    inv = pd.read_csv(folder / "invoices.csv")
    inv.loc[inv.invoice_id == "i1", "paid_at"] = (cut + pd.Timedelta(hours=5)).isoformat()
    inv.to_csv(folder / "invoices.csv", index=False)
    resp = pd.read_csv(folder / "responses.csv")
    resp.loc[len(resp)] = ["r9", "c1", "csat", 1, (cut + pd.Timedelta(days=1)).isoformat()]
    resp.to_csv(folder / "responses.csv", index=False)
    return folder


@pytest.mark.parametrize("seed", [1, 2])
def test_perturbing_everything_after_the_date_changes_no_feature_at_the_date(tmp_path: Path, seed: int) -> None:
    original = Store.open(f"sqlite:///{tmp_path / 'a.db'}")
    original.import_folder(business(tmp_path / "a"))
    changed = Store.open(f"sqlite:///{tmp_path / 'b.db'}")
    changed.import_folder(perturbed(tmp_path / "b", OBS_DATE, seed))
    a = features_at(original, OBS_DATE).frame
    b = features_at(changed, OBS_DATE).frame
    cols = [c for c in a.columns if c not in ("churned", "churned_at")]
    assert list(b.columns) == list(a.columns)
    pd.testing.assert_frame_equal(a[cols], b[cols])


def test_days_to_renewal_follows_calendar_months_and_billing_periods() -> None:
    obs = pd.to_datetime(pd.Series(["2024-02-10", "2024-03-01", "2024-03-01", "2024-02-01"]))
    anchor = pd.to_datetime(pd.Series(["2024-01-31", "2024-02-12", "2024-03-01", "2023-03-01"]))
    got = days_to_renewal(obs, anchor, pd.Series([1, 1, 1, 12]))
    # 29 Feb (31 Jan + 1 month), 12 Mar, 1 Apr (renewing on the date itself counts from the next), 1 Mar
    assert got.tolist() == [19.0, 11.0, 31.0, 29.0]


@pytest.mark.parametrize(
    ("event_type", "words"),
    [("login", "logins"), ("reply", "replies"), ("like", "likes"), ("report_created", "report created events")],
)
def test_event_types_are_named_in_plain_words(event_type: str, words: str) -> None:
    assert plural(event_type) == words


def test_event_type_names_become_safe_column_names() -> None:
    assert slug("Report Created!") == "report_created"


@pytest.mark.spark
def test_spark_computes_the_same_features_as_duckdb(sqlite_store: Store, tmp_path: Path) -> None:
    sqlite_store.import_folder(business(tmp_path / "data"))
    duck = features_at(sqlite_store, OBS_DATE).frame
    spark = features_at(sqlite_store, OBS_DATE, "spark").frame
    assert list(spark.columns) == list(duck.columns)
    duck, spark = (
        duck.sort_values("customer_id").reset_index(drop=True),
        spark.sort_values("customer_id").reset_index(drop=True),
    )
    for col in duck.columns:
        if pd.api.types.is_numeric_dtype(duck[col]):
            np.testing.assert_allclose(
                pd.to_numeric(spark[col], errors="coerce").to_numpy(float),
                duck[col].to_numpy(float),
                rtol=1e-9,
                err_msg=col,
            )
        else:
            assert _text(spark[col]) == _text(duck[col]), col


def _text(s: pd.Series) -> list[str | None]:
    return [None if pd.isna(v) else str(v) for v in s]


def test_features_built_from_saved_event_types_equal_those_found_in_the_events(loaded: Store) -> None:
    found = features_at(loaded, OBS_DATE)
    assert found.event_types == ["login", "export"]
    assert found.onboarding_steps == ["onboarding_invite", "onboarding_profile"]
    engine = open_engine(loaded)
    try:
        obs = build_observations(engine, ObservationSpec(), [OBS_DATE])
        given = build_features(engine, obs, FeatureSpec(), kinds=(found.event_types, found.onboarding_steps))
    finally:
        engine.close()
    pd.testing.assert_frame_equal(given.frame, found.frame)
    assert given.info == found.info
