"""One definition, several engines: every metric gives identical answers on DuckDB (over SQLite and over
PostgreSQL), inside PostgreSQL, and on Spark, over the same random business."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from metric_business import random_business

from tenure.engine import Engine, open_engine
from tenure.metrics import cohort_table, explain, report
from tenure.settings import Settings
from tenure.store import Store

PG = os.environ.get("TENURE_TEST_POSTGRES_URL")
EDGE_SETTINGS = Settings(
    churn_recognition="scheduled",
    delinquency_days=30,
    discounts="ignored",
    count_free_customers=True,
    same_period_churn="included",
    gross_margin=0.7,
)


@pytest.fixture(scope="module")
def business(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return random_business(tmp_path_factory.mktemp("biz") / "ds", customers=160, months=12, seed=11)


@pytest.fixture(scope="module")
def sqlite_business(business: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = Store.open(f"sqlite:///{tmp_path_factory.mktemp('db') / 'tenure.db'}")
    store.import_folder(business)
    yield store
    store.close()


@pytest.fixture(scope="module")
def postgres_business(business: Path) -> Iterator[Store]:
    if not PG:
        pytest.skip("TENURE_TEST_POSTGRES_URL is not set; .ci/run sets it")
    admin = sa.create_engine(PG.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    name = f"tenure_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    store = Store.open(sa.make_url(admin.url).set(database=name).render_as_string(hide_password=False))
    store.import_folder(business)
    yield store
    store.close()
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def spark():
    pytest.importorskip("pyspark")
    from tenure.engine import spark_session

    session = spark_session()
    yield session
    session.stop()


@pytest.fixture(scope="module")
def reference(sqlite_business: Store) -> Iterator[Engine]:
    engine = open_engine(sqlite_business, "duckdb")
    yield engine
    engine.close()


def _other(request: pytest.FixtureRequest, kind: str) -> Engine:
    if kind == "duckdb-on-postgres":
        return open_engine(request.getfixturevalue("postgres_business"), "duckdb")
    if kind == "postgres":
        return open_engine(request.getfixturevalue("postgres_business"), "postgres")
    return open_engine(request.getfixturevalue("sqlite_business"), "spark", request.getfixturevalue("spark"))


ENGINES = [
    pytest.param("duckdb-on-postgres", marks=pytest.mark.postgres),
    pytest.param("postgres", marks=pytest.mark.postgres),
    pytest.param("spark", marks=pytest.mark.spark),
]


@pytest.fixture(scope="module", params=ENGINES)
def other(request: pytest.FixtureRequest) -> Iterator[Engine]:
    engine = _other(request, request.param)
    yield engine
    engine.close()


def assert_same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.columns) == list(b.columns)
    assert len(a) == len(b)
    pd.testing.assert_frame_equal(
        a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False, rtol=0, atol=1e-12
    )


@pytest.mark.parametrize("period", ["month", "quarter", "whole"])
def test_every_metric_is_identical_on_every_engine(reference: Engine, other: Engine, period: str) -> None:
    a = report(reference, "2024-01-01", "2025-01-01", period)
    b = report(other, "2024-01-01", "2025-01-01", period)
    assert a["customers_end"].max() > 50 and a["mrr_expansion"].sum() > 0 and a["nps"].notna().any()
    assert_same(a, b)


def test_every_metric_is_identical_on_every_engine_with_every_edge_setting_changed(
    reference: Engine, other: Engine
) -> None:
    a = report(reference, "2024-01-01", "2025-01-01", "month", settings=EDGE_SETTINGS)
    b = report(other, "2024-01-01", "2025-01-01", "month", settings=EDGE_SETTINGS)
    assert not a["customers_lost"].equals(report(reference, "2024-01-01", "2025-01-01")["customers_lost"])
    assert_same(a, b)


@pytest.mark.parametrize("by", ["month", "quarter", "plan", "segment"])
def test_cohort_tables_are_identical_on_every_engine(reference: Engine, other: Engine, by: str) -> None:
    assert_same(cohort_table(reference, by=by, end="2025-01-01"), cohort_table(other, by=by, end="2025-01-01"))


@pytest.mark.parametrize("metric", ["customers_lost", "mrr_expansion", "nps", "crc", "dau_mau"])
def test_drill_downs_are_identical_on_every_engine(reference: Engine, other: Engine, metric: str) -> None:
    a = explain(reference, metric, "2024-04-01", "2024-07-01")
    b = explain(other, metric, "2024-04-01", "2024-07-01")
    assert len(a) > 0
    assert a.astype(str).values.tolist() == b.astype(str).values.tolist()
