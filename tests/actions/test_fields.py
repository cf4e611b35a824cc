"""Customer fields as of a date, checked against values worked out by hand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from factories import write_table
from tenure.actions.fields import customer_fields, records
from tenure.models.churn.tables import churn_scores
from tenure.store import Store


def _business(store: Store, folder: Path) -> None:
    write_table(
        folder,
        "customers",
        ["customer_id", "name", "email", "created_at", "segment", "tier"],
        [
            ["c1", "Ann", "ann@example.com", "2024-01-10", "smb", "gold"],
            ["c2", "Bob", "bob@example.com", "2025-05-20", "smb", ""],
            ["c3", "Cy", "", "2024-03-01", "enterprise", ""],
        ],
    )
    write_table(
        folder,
        "subscriptions",
        ["customer_id", "start_date", "end_date", "mrr", "plan", "currency", "quantity", "billing_period_months"],
        [
            ["c1", "2024-01-10", "", "100", "pro", "USD", "4", "1"],
            ["c1", "2024-06-01", "", "50", "addon", "EUR", "", "1"],
            ["c2", "2025-05-20", "", "0", "free", "USD", "", "1"],
            ["c3", "2024-03-01", "2025-03-01", "900", "enterprise", "USD", "", "12"],
        ],
    )
    write_table(
        folder, "rates", ["currency", "date", "rate"], [["EUR", "2024-01-01", "1.2"], ["EUR", "2025-07-01", "2.0"]]
    )
    write_table(
        folder,
        "events",
        ["customer_id", "event_type", "occurred_at", "user_id"],
        [
            ["c1", "login", "2025-05-31T22:00:00Z", "u1"],
            ["c1", "login", "2025-05-20T10:00:00Z", "u2"],
            ["c1", "export", "2025-04-01T10:00:00Z", "u1"],
            ["c1", "login", "2025-06-02T10:00:00Z", "u1"],  # after as-of: ignored
            ["c2", "onboarding_profile", "2025-05-21T10:00:00Z", "u9"],
        ],
    )
    write_table(
        folder,
        "responses",
        ["response_id", "customer_id", "survey", "score", "submitted_at"],
        [["r1", "c1", "nps", "9", "2025-01-01"], ["r2", "c1", "nps", "4", "2025-05-01"]],
    )
    write_table(
        folder,
        "tickets",
        ["ticket_id", "customer_id", "opened_at", "category"],
        [["t1", "c1", "2025-05-25", "discount_request"], ["t2", "c1", "2025-04-01", "bug"]],
    )
    store.import_folder(folder)


def test_fields_as_of_a_date_match_the_hand_computation(store: Store, tmp_path: Path) -> None:
    _business(store, tmp_path / "data")
    frame = customer_fields(store, "2025-06-01", checklist=["onboarding_profile", "onboarding_import"])
    rows = {r["customer_id"]: r for r in records(frame)}
    ann, bob, cy = rows["c1"], rows["c2"], rows["c3"]
    assert ann["plan"] == "pro"  # the larger line
    assert ann["mrr"] == pytest.approx(100 + 50 * 1.2)  # EUR at the rate in force on 2025-06-01
    assert ann["active"] and ann["paying"]
    assert ann["seats"] == 4
    assert ann["days_since_last_activity"] == 0  # 2025-05-31 22:00 is 2 hours before
    assert ann["events_30d"] == 2 and ann["events_30d_login"] == 2
    assert ann["active_users_30d"] == 2 and ann["seat_usage"] == pytest.approx(0.5)
    assert ann["nps"] == 4 and ann["days_since_nps"] == 31
    assert ann["days_since_renewal_request"] == 7 and ann["tickets_30d"] == 1
    assert ann["days_to_renewal"] == 9  # monthly on the 10th: next 2025-06-10
    assert ann["tenure_days"] == 508  # 2024-01-10 to 2025-06-01
    assert ann["tier"] == "gold"  # an imported extra column is a field
    assert bob["plan"] == "free" and not bob["paying"] and bob["active"]
    assert bob["onboarding_progress"] == 50.0
    assert bob["days_since_signup"] == 12
    assert not cy["active"] and cy["mrr"] == 0 and cy["plan"] is None
    assert cy["days_since_last_activity"] == 457  # no events: since the subscription began
    assert ann["risk_band"] is None  # no churn model has scored anyone


def test_fields_read_the_latest_churn_score_before_the_date_when_a_model_wrote_one(
    store: Store, tmp_path: Path
) -> None:
    _business(store, tmp_path / "data")
    rows = [("2025-05-01", 0.2, "low"), ("2025-05-30", 0.7, "high"), ("2025-07-01", 0.1, "low")]
    with store.engine.begin() as conn:
        conn.execute(
            sa.insert(churn_scores),
            [
                {
                    "customer_id": "c1",
                    "scored_at": dt.datetime.fromisoformat(day),
                    "probability": p,
                    "band": band,
                    "model_version": 1,
                }
                for day, p, band in rows
            ],
        )
    rows = {r["customer_id"]: r for r in records(customer_fields(store, "2025-06-01"))}
    assert rows["c1"]["risk_band"] == "high" and rows["c1"]["churn_probability"] == pytest.approx(0.7)
    assert rows["c2"]["risk_band"] is None
