"""The REST API: keys and scopes, reads, ingestion with the importer's rules, idempotency, errors."""

from __future__ import annotations

import base64

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tenure.store import Store
from tenure.store.tables import customers, events, subscriptions


def _error(r) -> dict:  # type: ignore[no-untyped-def]
    body = r.json()
    assert set(body) == {"error"}
    assert {"code", "message", "field"} <= set(body["error"])
    return body["error"]


def _count(store: Store, table: sa.Table) -> int:
    with store.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


# -- keys and scopes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/customers"),
        ("get", "/api/v1/customers/c1"),
        ("get", "/api/v1/cohorts"),
        ("get", "/api/v1/scores"),
        ("get", "/api/v1/clv"),
        ("get", "/api/v1/metrics?start=2024-01-01&end=2024-03-01"),
        ("post", "/api/v1/events"),
        ("post", "/api/v1/customers"),
        ("post", "/api/v1/track"),
    ],
)
def test_every_endpoint_refuses_a_request_without_a_key(client: TestClient, method: str, path: str) -> None:
    r = getattr(client, method)(path, **({"json": {}} if method == "post" else {}))
    assert r.status_code == 401
    assert _error(r)["code"] == "unauthorized"


def test_an_unknown_key_is_refused_with_401(client: TestClient) -> None:
    r = client.get("/api/v1/customers", headers={"Authorization": "Bearer tnr_not-a-real-key-at-all-000000"})
    assert r.status_code == 401
    assert _error(r)["field"] == "Authorization"


def test_a_read_key_cannot_ingest(client: TestClient, read_key: dict) -> None:
    r = client.post("/api/v1/events", headers=read_key, json={"events": []})
    assert r.status_code == 403
    assert "ingest" in _error(r)["message"]


def test_an_ingest_key_cannot_read(client: TestClient, ingest_key: dict) -> None:
    r = client.get("/api/v1/customers", headers=ingest_key)
    assert r.status_code == 403
    assert _error(r)["code"] == "forbidden"


def test_a_revoked_key_is_refused(client: TestClient, web_store: Store) -> None:
    from tenure.web import auth

    key = auth.create_api_key(web_store, "read")
    key_id = auth.list_api_keys(web_store)[-1]["key_id"]
    auth.revoke_api_key(web_store, key_id)
    assert client.get("/api/v1/customers", headers={"Authorization": f"Bearer {key}"}).status_code == 401


def test_segment_basic_auth_with_the_key_as_user_name_is_accepted(client: TestClient, web_store: Store) -> None:
    from tenure.web import auth

    key = auth.create_api_key(web_store, "read")
    basic = base64.b64encode(f"{key}:".encode()).decode()
    assert client.get("/api/v1/customers", headers={"Authorization": f"Basic {basic}"}).status_code == 200


# -- reads ----------------------------------------------------------------------------------------


def test_customers_are_listed_by_mrr_now_highest_first(client: TestClient, read_key: dict) -> None:
    body = client.get("/api/v1/customers", headers=read_key).json()
    # As of 2024-04-15 (the latest change in the data): Cy 1000, Ann 150 (business plan), Bob ended that day.
    assert [(c["customer_id"], c["mrr"], c["active"]) for c in body["data"]] == [
        ("c3", 1000.0, True),
        ("c1", 150.0, True),
        ("c2", 0.0, False),
    ]
    assert body["total"] == 3


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=bob", ["c2"]),
        ("q=EXAMPLE.COM&sort=name&order=asc", ["c1", "c2", "c3"]),
        ("segment=smb&sort=customer_id&order=asc", ["c1", "c2"]),
        ("plan=enterprise", ["c3"]),
        ("risk_band=high", ["c3"]),
        ("health_band=green", ["c1"]),
        ("status=inactive", ["c2"]),
        ("sort=risk&order=desc", ["c3", "c1", "c2"]),
        ("sort=customer_id&order=asc&per_page=2&page=2", ["c3"]),
        ("q=100%25", []),
    ],
)
def test_customers_can_be_searched_filtered_sorted_and_paged(
    client: TestClient, read_key: dict, query: str, expected: list[str]
) -> None:
    body = client.get(f"/api/v1/customers?{query}", headers=read_key).json()
    assert [c["customer_id"] for c in body["data"]] == expected


@pytest.mark.parametrize(
    ("metric", "start", "end", "expected"),
    [
        # February 2024: Ann goes 100 → 150 on 1 March: the only expansion.
        ("mrr_expansion", "2024-02-01", "2024-03-01", ["c1"]),
        # April 2024: Bob's subscription ends 15 April: lost.
        ("customers_lost", "2024-04-01", "2024-05-01", ["c2"]),
        # January 2024: Bob starts 15 January and Cy on 1 February (= b): both new in (a, b].
        ("customers_new", "2024-01-01", "2024-02-01", ["c3", "c2"]),
        ("customers_end", "2024-03-01", "2024-04-01", ["c3", "c1", "c2"]),
    ],
)
def test_customers_behind_a_figure_are_the_ones_metrics_explain_counts(
    client: TestClient, read_key: dict, metric: str, start: str, end: str, expected: list[str]
) -> None:
    r = client.get(f"/api/v1/customers?metric={metric}&start={start}&end={end}", headers=read_key)
    assert [c["customer_id"] for c in r.json()["data"]] == expected


def test_customers_behind_a_figure_of_one_segment_are_that_segments(client: TestClient, read_key: dict) -> None:
    r = client.get(
        "/api/v1/customers?metric=customers_end&start=2024-03-01&end=2024-04-01&segment=smb", headers=read_key
    )
    assert [c["customer_id"] for c in r.json()["data"]] == ["c1", "c2"]


def test_a_figure_without_dates_names_the_missing_field(client: TestClient, read_key: dict) -> None:
    r = client.get("/api/v1/customers?metric=customers_lost&start=2024-04-01", headers=read_key)
    assert r.status_code == 422
    assert _error(r)["field"] == "end"


def test_an_unknown_figure_is_a_422_naming_the_field(client: TestClient, read_key: dict) -> None:
    r = client.get("/api/v1/customers?metric=happiness&start=2024-04-01&end=2024-05-01", headers=read_key)
    assert r.status_code == 422
    assert _error(r)["field"] == "metric"


def test_a_customer_360_holds_profile_subscriptions_mrr_history_and_scores(client: TestClient, read_key: dict) -> None:
    body = client.get("/api/v1/customers/c1", headers=read_key).json()
    assert body["profile"]["name"] == "Ann"
    assert body["profile"]["attributes"] == {"plan_tier": "gold"}
    assert [s["plan"] for s in body["subscriptions"]] == ["pro", "business"]
    history = {p["month"]: p["mrr"] for p in body["mrr_history"]}
    assert history["2024-01-01"] == 100.0 and history["2024-02-01"] == 100.0 and history["2024-03-01"] == 150.0
    assert body["clv"]["clv"] == 900.0 and body["clv"]["expected_lifetime_months"] == 6.0
    assert (body["score"]["probability"], body["score"]["band"], body["score"]["health"]) == (0.1, "low", 81.0)
    assert sum(a["events"] for a in body["activity"]) == 2


def test_an_unknown_customer_is_a_404_naming_the_id(client: TestClient, read_key: dict) -> None:
    r = client.get("/api/v1/customers/nobody", headers=read_key)
    assert r.status_code == 404
    assert _error(r)["field"] == "customer_id"


def test_scores_are_ranked_by_churn_probability(client: TestClient, read_key: dict) -> None:
    body = client.get("/api/v1/scores", headers=read_key).json()
    assert [(s["customer_id"], s["probability"]) for s in body["data"]] == [("c3", 0.8), ("c1", 0.1)]
    assert body["data"][0]["reasons"] == ["logins in the last 28 days: 3, down from 41"]


def test_clv_is_ranked_highest_first(client: TestClient, read_key: dict) -> None:
    body = client.get("/api/v1/clv", headers=read_key).json()
    assert [(s["customer_id"], s["clv"]) for s in body["data"]] == [("c3", 5400.0), ("c1", 900.0)]


def test_cohorts_count_customers_still_active_at_each_later_month(client: TestClient, read_key: dict) -> None:
    body = client.get("/api/v1/cohorts", headers=read_key).json()
    table = {c["cohort"]: c for c in body["cohorts"]}
    # January 2024: Ann (1 Jan, ongoing) and Bob (15 Jan to 15 Apr). Age k is the first instant of the
    # k-th month after: both active on 1 Feb, 1 Mar, 1 Apr; on 1 May only Ann (the data ends in May).
    assert table["2024-01"]["size"] == 2
    assert table["2024-01"]["customer_retention"] == [1.0, 1.0, 1.0, 1.0, 0.5]
    # MRR at first activation 100 + 50 = 150; 1 Feb 150; 1 Mar and 1 Apr 150 + 50; 1 May Ann's 150.
    assert table["2024-01"]["mrr_retention"] == pytest.approx([1.0, 1.0, 200 / 150, 200 / 150, 1.0])
    # February: Cy alone, 1000 throughout.
    assert table["2024-02"]["customer_retention"] == [1.0, 1.0, 1.0, 1.0]


def test_cohorts_of_one_segment_hold_only_its_customers(client: TestClient, read_key: dict) -> None:
    body = client.get("/api/v1/cohorts?segment=enterprise", headers=read_key).json()
    assert [(c["cohort"], c["size"]) for c in body["cohorts"]] == [("2024-02", 1)]


def test_metrics_of_a_month_are_the_hand_computed_ones(client: TestClient, read_key: dict) -> None:
    r = client.get("/api/v1/metrics?start=2024-03-01&end=2024-05-01&period=month", headers=read_key)
    assert r.status_code == 200 and r.json()["status"] == "ok"
    march, april = r.json()["periods"]
    # March: 3 customers and 1,200 MRR at both ends; NPS from 10, 9, 8, 6 = (2 − 1) / 4 = +25.
    assert (march["customers_start"], march["customers_end"], march["mrr_end"], march["crr"]) == (3, 3, 1200, 1)
    assert march["nps"] == pytest.approx(25.0)
    # April: Bob (50) lost. CRR (2 − 0) / 3; NRR 1,150 / 1,200; ARPA 1,150 / 2; LTV = 575 / (1/3).
    assert (april["customers_lost"], april["mrr_churn"], april["mrr_end"]) == (1, 50, 1150)
    assert april["crr"] == pytest.approx(2 / 3)
    assert april["churn_rate"] == pytest.approx(1 / 3)
    assert april["nrr"] == pytest.approx(1150 / 1200)
    assert april["grr"] == pytest.approx(1150 / 1200)
    assert april["arpa"] == pytest.approx(575)
    assert april["arr"] == pytest.approx(13800)
    assert april["ltv"] == pytest.approx(575 * 3)


def test_metrics_of_one_segment_count_only_its_customers(client: TestClient, read_key: dict) -> None:
    r = client.get("/api/v1/metrics?start=2024-04-01&end=2024-05-01&segment=smb", headers=read_key)
    april = r.json()["periods"][0]
    # smb: Ann 150 and Bob 50 on 1 April; Ann alone on 1 May.
    assert (april["customers_start"], april["customers_end"], april["mrr_start"], april["mrr_end"]) == (2, 1, 200, 150)
    assert april["crr"] == pytest.approx(1 / 2)
    assert april["nrr"] == pytest.approx(150 / 200)


def test_metrics_refuse_an_end_before_the_start(client: TestClient, read_key: dict) -> None:
    r = client.get("/api/v1/metrics?start=2024-04-01&end=2024-01-01", headers=read_key)
    assert r.status_code == 422
    assert _error(r)["field"] == "end"


# -- ingestion ------------------------------------------------------------------------------------


def test_an_event_without_customer_id_is_refused_naming_the_field(client: TestClient, ingest_key: dict) -> None:
    r = client.post(
        "/api/v1/events",
        headers=ingest_key,
        json={"events": [{"event_type": "login", "occurred_at": "2025-01-01T00:00:00Z"}]},
    )
    assert r.status_code == 422
    err = _error(r)
    assert err["code"] == "invalid_input"
    assert err["field"] == "events[0].customer_id"


@pytest.mark.parametrize(
    ("table", "row", "field", "words"),
    [
        ("events", {"customer_id": "c1", "event_type": "login", "occurred_at": "yesterday"}, "occurred_at", "ISO 8601"),
        (
            "events",
            {"customer_id": "zz", "event_type": "login", "occurred_at": "2025-01-01"},
            "customer_id",
            "present in customers",
        ),
        ("subscriptions", {"customer_id": "c1", "start_date": "2025-01-01", "mrr": "N/A"}, "mrr", "a number"),
        (
            "subscriptions",
            {"customer_id": "c1", "start_date": "2025-02-01", "end_date": "2025-01-01", "mrr": 5},
            "end_date",
            "on or after start_date",
        ),
        (
            "invoices",
            {"invoice_id": "i1", "customer_id": "c1", "issued_at": "2025-01-01", "amount": 10, "status": "lost"},
            "status",
            "one of draft",
        ),
        (
            "payments",
            {"payment_id": "p1", "invoice_id": "nope", "attempted_at": "2025-01-01", "amount": 1, "status": "failed"},
            "invoice_id",
            "present in invoices",
        ),
        (
            "tickets",
            {"ticket_id": "t1", "customer_id": "c1", "opened_at": "2025-01-01", "csat": 9},
            "csat",
            "from 1 to 5",
        ),
        (
            "responses",
            {"response_id": "r1", "customer_id": "c1", "survey": "nps", "score": 11, "submitted_at": "2025-01-01"},
            "score",
            "from 0 to 10",
        ),
        ("customers", {"customer_id": "c9", "created_at": "31/01/2025"}, "created_at", "ISO 8601"),
    ],
)
def test_ingestion_applies_the_importers_rules_and_names_the_field(
    client: TestClient, web_store: Store, ingest_key: dict, table: str, row: dict, field: str, words: str
) -> None:
    before = web_store.counts()
    good = {"events": {"customer_id": "c1", "event_type": "login", "occurred_at": "2025-03-01T00:00:00Z"}}
    rows = [good[table], row] if table in good else [row]
    r = client.post(f"/api/v1/{table}", headers=ingest_key, json={table: rows})
    assert r.status_code == 422, r.text
    err = _error(r)
    assert err["field"] == f"{table}[{len(rows) - 1}].{field}"
    assert words in err["message"]
    assert web_store.counts() == before, "a refused batch loads nothing"


@pytest.mark.parametrize(
    ("table", "row"),
    [
        ("customers", {"customer_id": "c9", "name": "Dee", "email": "dee@example.com", "tier": "gold"}),
        ("subscriptions", {"customer_id": "c1", "start_date": "2025-01-01", "mrr": 12.5, "plan": "pro"}),
        (
            "events",
            {
                "customer_id": "c1",
                "event_type": "report",
                "occurred_at": "2025-01-01T09:00:00Z",
                "properties": {"n": 1},
            },
        ),
        (
            "invoices",
            {"invoice_id": "i9", "customer_id": "c1", "issued_at": "2025-01-01", "amount": 150, "status": "open"},
        ),
        ("tickets", {"ticket_id": "t9", "customer_id": "c1", "opened_at": "2025-01-01", "category": "billing"}),
        (
            "responses",
            {"response_id": "r9", "customer_id": "c1", "survey": "nps", "score": 9, "submitted_at": "2025-01-01"},
        ),
    ],
)
def test_a_good_row_is_loaded_and_counted(
    client: TestClient, web_store: Store, ingest_key: dict, table: str, row: dict
) -> None:
    before = web_store.counts()[table]
    r = client.post(f"/api/v1/{table}", headers=ingest_key, json={table: [row]})
    assert r.status_code == 200, r.text
    assert r.json() == {"table": table, "received": 1, "inserted": 1, "updated": 0, "unchanged": 0}
    assert web_store.counts()[table] == before + 1


def test_a_payment_against_an_ingested_invoice_is_loaded(
    client: TestClient, web_store: Store, ingest_key: dict
) -> None:
    client.post(
        "/api/v1/invoices",
        headers=ingest_key,
        json={"invoices": [{"invoice_id": "i1", "customer_id": "c1", "issued_at": "2025-01-01", "amount": 150}]},
    )
    r = client.post(
        "/api/v1/payments",
        headers=ingest_key,
        json={
            "payments": [
                {
                    "payment_id": "p1",
                    "invoice_id": "i1",
                    "attempted_at": "2025-01-02",
                    "amount": 150,
                    "status": "succeeded",
                }
            ]
        },
    )
    assert r.json()["inserted"] == 1


def test_a_customer_row_sent_again_changed_updates_it(client: TestClient, web_store: Store, ingest_key: dict) -> None:
    r = client.post(
        "/api/v1/customers", headers=ingest_key, json={"customers": [{"customer_id": "c1", "name": "Ann B."}]}
    )
    assert r.json()["updated"] == 1
    with web_store.engine.connect() as conn:
        assert conn.execute(sa.select(customers.c.name).where(customers.c.customer_id == "c1")).scalar() == "Ann B."


def test_a_batch_over_ten_thousand_rows_is_refused(client: TestClient, ingest_key: dict) -> None:
    row = {"customer_id": "c1", "event_type": "x", "occurred_at": "2025-01-01"}
    r = client.post("/api/v1/events", headers=ingest_key, json={"events": [row] * 10_001})
    assert r.status_code == 422
    assert _error(r)["field"] == "events"


def test_a_body_that_is_not_json_is_refused_with_the_envelope(client: TestClient, ingest_key: dict) -> None:
    r = client.post("/api/v1/events", headers={**ingest_key, "Content-Type": "application/json"}, content=b"{nope")
    assert r.status_code == 422
    assert _error(r)["code"] == "invalid_input"


def test_text_with_a_nul_character_is_refused_not_crashed_on(client: TestClient, ingest_key: dict) -> None:
    r = client.post(
        "/api/v1/customers", headers=ingest_key, json={"customers": [{"customer_id": "c8", "name": "a\u0000b"}]}
    )
    assert r.status_code == 422
    assert _error(r)["field"] == "customers[0].name"


# -- idempotency ----------------------------------------------------------------------------------


def test_a_retried_request_returns_the_first_answer_and_adds_nothing(
    client: TestClient, web_store: Store, ingest_key: dict
) -> None:
    body = {"events": [{"customer_id": "c1", "event_type": "retry", "occurred_at": "2025-01-01T00:00:00Z"}]}
    headers = {**ingest_key, "Idempotency-Key": "k-1"}
    first = client.post("/api/v1/events", headers=headers, json=body)
    before = _count(web_store, events)
    second = client.post("/api/v1/events", headers=headers, json=body)
    assert first.status_code == second.status_code == 200
    assert (
        second.json() == first.json() == {"table": "events", "received": 1, "inserted": 1, "updated": 0, "unchanged": 0}
    )
    assert second.headers["Idempotent-Replayed"] == "true"
    assert _count(web_store, events) == before


def test_an_idempotency_key_reused_for_other_data_is_refused(client: TestClient, ingest_key: dict) -> None:
    headers = {**ingest_key, "Idempotency-Key": "k-2"}
    row = {"customer_id": "c1", "event_type": "a", "occurred_at": "2025-01-01"}
    assert client.post("/api/v1/events", headers=headers, json={"events": [row]}).status_code == 200
    r = client.post("/api/v1/events", headers=headers, json={"events": [{**row, "event_type": "b"}]})
    assert r.status_code == 409
    assert _error(r) == {
        "code": "idempotency_key_reused",
        "message": r.json()["error"]["message"],
        "field": "Idempotency-Key",
    }


def test_a_refused_request_does_not_use_up_its_idempotency_key(client: TestClient, ingest_key: dict) -> None:
    headers = {**ingest_key, "Idempotency-Key": "k-3"}
    bad = {"subscriptions": [{"customer_id": "zz", "start_date": "2025-01-01", "mrr": 1}]}
    assert client.post("/api/v1/subscriptions", headers=headers, json=bad).status_code == 422
    good = {"subscriptions": [{"customer_id": "c1", "start_date": "2025-01-01", "mrr": 1}]}
    assert client.post("/api/v1/subscriptions", headers=headers, json=good).status_code == 200


def test_the_same_events_sent_twice_without_a_key_are_stored_once(
    client: TestClient, web_store: Store, ingest_key: dict
) -> None:
    body = {"events": [{"customer_id": "c2", "event_type": "x", "occurred_at": "2025-01-01"}]}
    client.post("/api/v1/events", headers=ingest_key, json=body)
    before = _count(web_store, events)
    r = client.post("/api/v1/events", headers=ingest_key, json=body)
    assert r.json()["unchanged"] == 1
    assert _count(web_store, events) == before


# -- Segment --------------------------------------------------------------------------------------


def test_segment_group_identify_and_track_land_as_customers_and_events(
    client: TestClient, web_store: Store, ingest_key: dict
) -> None:
    batch = {
        "batch": [
            {
                "type": "group",
                "groupId": "acme",
                "userId": "u1",
                "traits": {"name": "Acme", "industry": "it", "plan": "pro"},
            },
            {"type": "identify", "userId": "u1", "traits": {"email": "ops@acme.test"}, "context": {"groupId": "acme"}},
            {
                "type": "track",
                "userId": "u1",
                "event": "Report Built",
                "timestamp": "2025-02-01T10:00:00Z",
                "properties": {"value": 3},
                "context": {"groupId": "acme"},
            },
            {"type": "track", "userId": "newbie", "event": "Signed Up", "timestamp": "2025-02-01T10:00:00Z"},
        ]
    }
    r = client.post("/api/v1/batch", headers=ingest_key, json=batch)
    assert r.status_code == 200, r.text
    assert r.json() == {"success": True, "customers": 2, "events": 2}
    with web_store.engine.connect() as conn:
        acme = conn.execute(sa.select(customers).where(customers.c.customer_id == "acme")).one()
        assert (acme.name, acme.email) == ("Acme", "ops@acme.test")
        tracked = conn.execute(
            sa.select(events.c.event_type, events.c.user_id, events.c.value).where(events.c.customer_id == "acme")
        ).all()
        assert [tuple(t) for t in tracked] == [("Report Built", "u1", 3.0)]
        assert conn.execute(sa.select(customers.c.customer_id).where(customers.c.customer_id == "newbie")).scalar()


def test_a_segment_identify_with_some_traits_keeps_the_others(
    client: TestClient, web_store: Store, ingest_key: dict
) -> None:
    r = client.post("/api/v1/identify", headers=ingest_key, json={"userId": "c1", "traits": {"country": "NZ"}})
    assert r.status_code == 200
    with web_store.engine.connect() as conn:
        row = conn.execute(sa.select(customers).where(customers.c.customer_id == "c1")).one()
    assert (row.name, row.email, row.country) == ("Ann", "ann@example.com", "NZ")


def test_a_segment_track_without_any_id_names_the_field(client: TestClient, ingest_key: dict) -> None:
    r = client.post(
        "/api/v1/segment",
        headers=ingest_key,
        json={"batch": [{"type": "track", "userId": "c1", "event": "ok"}, {"type": "track", "event": "lost"}]},
    )
    assert r.status_code == 422
    assert _error(r)["field"] == "batch[1].userId"


def test_a_segment_track_without_event_names_it(client: TestClient, ingest_key: dict) -> None:
    r = client.post("/api/v1/track", headers=ingest_key, json={"userId": "c1"})
    assert r.status_code == 422
    assert _error(r)["field"] == "event"


def test_ingesting_subscriptions_refreshes_the_directory(client: TestClient, web_store: Store, full_key: dict) -> None:
    from tenure.web import directory

    client.post("/api/v1/customers", headers=full_key, json={"customers": [{"customer_id": "c7", "name": "Eve"}]})
    client.post(
        "/api/v1/subscriptions",
        headers=full_key,
        json={"subscriptions": [{"customer_id": "c7", "start_date": "2024-01-01", "mrr": 70}]},
    )
    client.app.state.background.join()  # type: ignore[attr-defined]
    rows, _ = directory.list_customers(web_store, directory.CustomerQuery(q="eve"))
    assert [(r["customer_id"], r["mrr"]) for r in rows] == [("c7", 70.0)]
    assert _count(web_store, subscriptions) == 5


def test_the_openapi_document_is_served_at_both_addresses(client: TestClient) -> None:
    a = client.get("/openapi.json").json()
    b = client.get("/api/v1/openapi.json").json()
    assert a == b
    assert {"/api/v1/customers", "/api/v1/events", "/api/v1/track", "/api/v1/metrics"} <= set(a["paths"])
