"""Fixtures for the web app and API: a store holding the small business, a client, keys and users."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from factories import small_business
from tenure.store import Store
from tenure.web import auth, create_app, directory
from tenure.web.tables import scores


@pytest.fixture
def web_store(store: Store, tmp_path: Path) -> Store:
    """The small business (c1 Ann, c2 Bob, c3 Cy) imported and indexed, with hand-set scores."""
    store.import_folder(small_business(tmp_path / "data"))
    directory.rebuild(store)
    with store.engine.begin() as conn:
        conn.execute(
            sa.insert(scores),
            [
                {
                    "customer_id": "c3",
                    "probability": 0.8,
                    "risk_band": "high",
                    "reasons": json.dumps(["logins in the last 28 days: 3, down from 41"]),
                    "health_score": 22.0,
                    "health_band": "red",
                    "clv": 5400.0,
                    "model": "test",
                },
                {
                    "customer_id": "c1",
                    "probability": 0.1,
                    "risk_band": "low",
                    "reasons": json.dumps([]),
                    "health_score": 81.0,
                    "health_band": "green",
                    "clv": 900.0,
                    "model": "test",
                },
            ],
        )
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
