"""Fixtures shared by the whole suite.

Every test that takes ``store`` runs twice: on a SQLite file and on a fresh PostgreSQL database.
PostgreSQL is found through ``TENURE_TEST_POSTGRES_URL`` (an admin URL such as
``postgresql://127.0.0.1:5432/postgres``); ``.ci/run`` sets it. Without it the PostgreSQL half of
each test is skipped, loudly.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tenure.store import Store

POSTGRES_ADMIN_URL = os.environ.get("TENURE_TEST_POSTGRES_URL")


def _pg_admin_engine() -> sa.Engine:
    assert POSTGRES_ADMIN_URL
    url = POSTGRES_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    return sa.create_engine(url, isolation_level="AUTOCOMMIT")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """URL of a brand-new PostgreSQL database, dropped after the test."""
    if not POSTGRES_ADMIN_URL:
        pytest.skip("TENURE_TEST_POSTGRES_URL is not set; .ci/run sets it")
    name = f"tenure_test_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin_engine()
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(admin.url).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'tenure.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh store URL, once per database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'tenure.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """A fresh, migrated store, once on SQLite and once on PostgreSQL."""
    s = Store.open(store_url)
    yield s
    s.close()


@pytest.fixture
def sqlite_store(sqlite_url: str) -> Iterator[Store]:
    """A fresh, migrated SQLite store (for tests that are about one database only)."""
    s = Store.open(sqlite_url)
    yield s
    s.close()
