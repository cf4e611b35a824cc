"""Cross-check against an independent implementation: the churn rate and net retention of
"Fighting Churn With Data" (chapter 2) on the book's socialnet7 business (see tests/data/socialnet7)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fightchurn_sql import SUBSCRIPTION_TABLE, book_figures

from tenure.metrics import report
from tenure.store import Store

DATA = Path(__file__).parent.parent / "data" / "socialnet7"
BOOK = [  # published by the book's pipeline (tests/data/socialnet7/README.md)
    ("2020-02-01", 9997, 620, 0.062018605581674505, 0.9379813944183255),
    ("2020-03-01", 10393, 285, 0.027422303473491772, 0.9725776965265083),
    ("2020-04-01", 11213, 286, 0.025506108980647462, 0.9744938910193526),
    ("2020-05-01", 12125, 242, 0.01995876288659794, 0.9800412371134021),
]
MONTHS = [
    ("2020-02-01", "2020-03-01"),
    ("2020-03-01", "2020-04-01"),
    ("2020-04-01", "2020-05-01"),
    ("2020-05-01", "2020-06-01"),
]


@pytest.fixture(scope="module")
def socialnet7(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = Store.open(f"sqlite:///{tmp_path_factory.mktemp('sn7') / 'tenure.db'}")
    store.import_folder(DATA)
    yield store
    store.close()


def test_monthly_churn_rate_and_nrr_equal_the_books_published_figures(socialnet7: Store) -> None:
    frame = report(socialnet7, "2020-02-01", "2020-06-01", "month")
    for (start, n_start, n_churn, churn, nrr), p in zip(BOOK, frame.to_dict("records"), strict=True):
        assert p["start"] == start
        assert (p["customers_start"], p["customers_lost"]) == (n_start, n_churn)
        assert p["churn_rate"] == pytest.approx(churn, rel=1e-15)
        assert p["nrr"] == pytest.approx(nrr, rel=1e-15)
        assert p["mrr_start"] == 10 * n_start  # one plan at 10.0


def test_march_mrr_churn_equals_the_books_listing_2_4(socialnet7: Store) -> None:
    p = report(socialnet7, "2020-03-01", "2020-04-01", "whole").iloc[0]
    assert (p["mrr_start"], p["mrr_churn"], p["mrr_contraction"]) == (103930, 2850, 0)


@pytest.mark.postgres
def test_the_books_sql_on_postgresql_gives_tenures_numbers() -> None:
    admin_url = os.environ.get("TENURE_TEST_POSTGRES_URL")
    if not admin_url:
        pytest.skip("TENURE_TEST_POSTGRES_URL is not set; .ci/run sets it")
    admin = sa.create_engine(
        admin_url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    name = f"tenure_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(admin.url).set(database=name).render_as_string(hide_password=False)
    try:
        store = Store.open(url)
        store.import_folder(DATA)
        with store.engine.begin() as conn:
            conn.execute(sa.text(SUBSCRIPTION_TABLE))
            conn.execute(
                sa.text(
                    "insert into subscription (account_id, start_date, end_date, mrr) "
                    "select customer_id::int, start_date::date, end_date::date, mrr from subscriptions"
                )
            )
        raw = store.engine.raw_connection()
        try:
            book = book_figures(raw.cursor(), MONTHS)
        finally:
            raw.close()
        tenure = report(store, "2020-02-01", "2020-06-01", "month", engine="postgres")
        for b, p in zip(book, tenure.to_dict("records"), strict=True):
            assert (b["n_start"], b["n_churn"]) == (p["customers_start"], p["customers_lost"])
            assert b["churn_rate"] == pytest.approx(p["churn_rate"], rel=1e-15)
            assert b["nrr"] == pytest.approx(p["nrr"], rel=1e-15)
        store.close()
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
