"""The demo business survives the trip into the store: same rows, same money, on both databases."""

from __future__ import annotations

from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from tenure.schema import TABLES
from tenure.simulate import simulate
from tenure.store import Store

MONEY = {"subscriptions": "mrr", "invoices": "amount", "payments": "amount", "orders": "amount", "costs": "amount"}


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    simulate(customers=300, months=12, seed=5, end="2026-12-01").write(folder)
    return folder


def test_the_demo_business_imports_with_equal_row_counts_and_money_totals(store: Store, demo_dir: Path) -> None:
    report = store.import_folder(demo_dir)
    counts = store.counts()
    con = store.duckdb()
    for name in TABLES:
        source = pq.read_table(demo_dir / f"{name}.parquet")
        assert report.tables[name].rejected == 0
        expected = source.num_rows
        if name == "events":  # identical events (same customer, type, second, user, value) are one event
            expected = con.execute(
                f"SELECT count(*) FROM (SELECT DISTINCT * FROM read_parquet('{demo_dir / 'events.parquet'}'))"
            ).fetchone()[0]
        assert counts[name] == expected, name
        if name in MONEY:
            stored = con.execute(f'SELECT sum("{MONEY[name]}") FROM "{name}"').fetchone()[0]
            assert stored == pytest.approx(pc.sum(source[MONEY[name]]).as_py(), abs=0.005), name
    con.close()


def test_reimporting_the_demo_business_changes_nothing(sqlite_store: Store, demo_dir: Path) -> None:
    sqlite_store.import_folder(demo_dir)
    assert not sqlite_store.import_folder(demo_dir).changed
