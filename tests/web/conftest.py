"""Fixtures for the web app and API: a store holding the small business, a client, keys and users."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from factories import small_business, write_table
from tenure.models.churn.tables import churn_scores
from tenure.models.clv.tables import clv_scores
from tenure.store import Store
from tenure.web import auth, create_app, directory, scoring

APR15 = dt.datetime(2024, 4, 15)


def web_business(folder: Path) -> Path:
    """The small business (c1 Ann and c2 Bob in segment smb, c3 Cy enterprise), all in USD, with four
    NPS answers in March 2024 (10, 9, 8, 6: NPS (2 − 1) / 4 = +25).

    Subscriptions: c1 100 from 1 Jan, 150 from 1 Mar (ongoing); c2 50 from 15 Jan to 15 Apr; c3 1000
    from 1 Feb (ongoing). So MRR is 1,150 on 1 Feb, 1,200 on 1 Mar and 1 Apr, 1,150 on 1 May.
    """
    small_business(folder)
    write_table(
        folder,
        "subscriptions",
        ["customer_id", "start_date", "end_date", "mrr", "plan", "currency"],
        [
            ["c1", "2024-01-01", "2024-03-01", "100", "pro", "USD"],
            ["c1", "2024-03-01", "", "150", "business", "USD"],
            ["c2", "2024-01-15", APR15, "50", "starter", "USD"],
            ["c3", "2024-02-01", "", "1000", "enterprise", "USD"],
        ],
        "csv",
    )
    write_table(
        folder,
        "responses",
        ["response_id", "customer_id", "survey", "score", "submitted_at"],
        [
            ["r1", "c1", "nps", "10", "2024-03-05"],
            ["r2", "c2", "nps", "9", "2024-03-06"],
            ["r3", "c3", "nps", "8", "2024-03-07"],
            ["r4", "c3", "nps", "6", "2024-03-20"],
        ],
        "csv",
    )
    return folder


@pytest.fixture
def web_store(store: Store, tmp_path: Path) -> Store:
    """:func:`web_business` imported and indexed, with hand-set model rows (churn and CLV)."""
    store.import_folder(web_business(tmp_path / "data"))
    directory.rebuild(store)
    with store.engine.begin() as conn:
        conn.execute(
            sa.insert(clv_scores),
            [
                {
                    "customer_id": "c1",
                    "as_of": APR15,
                    "computed_at": APR15,
                    "subscription_clv": 900.0,
                    "expected_lifetime_months": 6.0,
                    "renewal_probability": 0.9,
                    "order_clv": None,
                    "p_alive": None,
                    "expected_orders": None,
                    "clv": 900.0,
                },
                {
                    "customer_id": "c3",
                    "as_of": APR15,
                    "computed_at": APR15,
                    "subscription_clv": 5400.0,
                    "expected_lifetime_months": 30.0,
                    "renewal_probability": 0.97,
                    "order_clv": 0.0,
                    "p_alive": 0.75,
                    "expected_orders": 0.0,
                    "clv": 5400.0,
                },
            ],
        )
        conn.execute(
            sa.insert(churn_scores),
            [
                {
                    "customer_id": "c3",
                    "scored_at": APR15,
                    "probability": 0.8,
                    "band": "high",
                    "reasons": json.dumps(["logins in the last 28 days: 3, down from 41"]),
                    "health": 22.0,
                    "health_band": "red",
                    "health_components": json.dumps({"usage": 10.0, "trend": 34.0}),
                    "model_version": 1,
                },
                {
                    "customer_id": "c1",
                    "scored_at": APR15,
                    "probability": 0.1,
                    "band": "low",
                    "reasons": json.dumps([]),
                    "health": 81.0,
                    "health_band": "green",
                    "health_components": None,
                    "model_version": 1,
                },
                # An older score of c3 that the newer one replaces.
                {
                    "customer_id": "c3",
                    "scored_at": dt.datetime(2024, 3, 1),
                    "probability": 0.3,
                    "band": "medium",
                    "reasons": json.dumps([]),
                    "health": 50.0,
                    "health_band": "amber",
                    "health_components": None,
                    "model_version": 1,
                },
            ],
        )
    scoring.refresh_scores(store)
    return store


@pytest.fixture
def client(web_store: Store) -> Iterator[TestClient]:
    app = create_app(web_store, background=False)
    with TestClient(app, base_url="http://testserver") as c:
        yield c
    app.state.background.join()  # refreshes started by ingestion finish before the database goes


@pytest.fixture
def read_key(web_store: Store) -> dict[str, str]:
    return {"Authorization": f"Bearer {auth.create_api_key(web_store, 'read')}"}


@pytest.fixture
def ingest_key(web_store: Store) -> dict[str, str]:
    return {"Authorization": f"Bearer {auth.create_api_key(web_store, 'ingest')}"}


@pytest.fixture
def full_key(web_store: Store) -> dict[str, str]:
    return {"Authorization": f"Bearer {auth.create_api_key(web_store, 'ingest,read')}"}
