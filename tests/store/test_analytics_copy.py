"""The columnar copies of a SQLite store's tables are used only while they hold exactly what the store holds."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from factories import small_business, write_table
from tenure.engine import open_engine
from tenure.ingest.batch import load_records
from tenure.metrics import report
from tenure.store import Store
from tenure.store.analytics_copy import COPIED, cache_dir
from tenure.store.rollups import ROLLUPS


def _source(store: Store, table: str) -> tuple[str, int]:
    """Where DuckDB reads ``table`` from (its Parquet copy or the store), and how many rows it sees."""
    con = store.duckdb()
    try:
        sql = con.execute(f"SELECT sql FROM duckdb_views() WHERE view_name = '{table}'").fetchone()[0]
        count = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
    finally:
        con.close()
    return ("parquet" if "read_parquet" in sql else "store", count)


def _copies(store: Store) -> list[str]:
    return sorted(p.name for p in cache_dir(store).glob("*.parquet"))  # type: ignore[union-attr]


def test_an_import_leaves_a_current_copy_of_every_imported_table_that_analytics_read(
    sqlite_store: Store, tmp_path: Path
) -> None:
    sqlite_store.import_folder(small_business(tmp_path / "ds"))
    assert _source(sqlite_store, "events") == ("parquet", 3)
    assert _source(sqlite_store, "subscriptions") == ("parquet", 4)
    assert _source(sqlite_store, "customers") == ("parquet", 3)
    copies = _copies(sqlite_store)
    assert {"events-v1.parquet", "subscriptions-v1.parquet", "customers-v1.parquet"} <= set(copies)
    assert {"user_days-v1.parquet", "user_months-v1.parquet", "first_events-v1.parquet"} <= set(copies)
    assert "invoices-v0.parquet" in copies  # never written: the copy of the empty table
    assert len(copies) == len(COPIED) + len(ROLLUPS)


def test_the_events_copy_is_in_time_order_so_a_date_window_reads_only_its_row_groups(
    sqlite_store: Store, tmp_path: Path
) -> None:
    folder = small_business(tmp_path / "ds")
    stamps = [f"2024-0{1 + (i * 7) % 9}-{1 + i % 28:02d}T{i % 24:02d}:00:00" for i in range(50)]
    rows = [[f"c{3 - i % 3}", "login", t] for i, t in enumerate(stamps)]
    write_table(folder, "events", ["customer_id", "event_type", "occurred_at"], rows)
    sqlite_store.import_folder(folder)
    (copy,) = cache_dir(sqlite_store).glob("events-v*.parquet")  # type: ignore[union-attr]
    times = pq.read_table(copy, columns=["occurred_at"]).column("occurred_at").to_pylist()
    assert len(times) == 50
    assert times == sorted(times)


def test_rows_written_later_make_only_their_tables_copy_stale_until_the_next_import(
    sqlite_store: Store, tmp_path: Path
) -> None:
    sqlite_store.import_folder(small_business(tmp_path / "ds"))
    load_records(sqlite_store, "events", [{"customer_id": "c3", "event_type": "login", "occurred_at": "2024-03-01"}])
    load_records(sqlite_store, "customers", [{"customer_id": "c4", "name": "Di"}])
    assert _source(sqlite_store, "events") == ("store", 4)
    assert _source(sqlite_store, "customers") == ("store", 4)
    assert _source(sqlite_store, "subscriptions") == ("parquet", 4)
    more = tmp_path / "more"
    write_table(more, "events", ["customer_id", "event_type", "occurred_at"], [["c2", "login", "2024-03-02"]])
    sqlite_store.import_folder(more)
    assert _source(sqlite_store, "events") == ("parquet", 5)
    assert _source(sqlite_store, "customers") == ("parquet", 4)
    copies = _copies(sqlite_store)
    assert "events-v3.parquet" in copies and "customers-v2.parquet" in copies
    assert not any(name.startswith(("events-v1", "customers-v1", "user_days-v1")) for name in copies)


def test_a_corrected_row_bumps_its_tables_version(sqlite_store: Store, tmp_path: Path) -> None:
    folder = small_business(tmp_path / "ds")
    sqlite_store.import_folder(folder)
    write_table(folder, "customers", ["customer_id", "name"], [["c1", "Ann Smith"]])
    sqlite_store.import_folder(folder)
    con = sqlite_store.duckdb()
    try:
        assert con.execute("SELECT name FROM customers WHERE customer_id = 'c1'").fetchone()[0] == "Ann Smith"
    finally:
        con.close()
    assert "customers-v2.parquet" in _copies(sqlite_store)


def test_reimporting_the_same_files_keeps_the_copies(sqlite_store: Store, tmp_path: Path) -> None:
    folder = small_business(tmp_path / "ds")
    sqlite_store.import_folder(folder)
    before = _copies(sqlite_store)
    sqlite_store.import_folder(folder)
    assert _copies(sqlite_store) == before
    assert _source(sqlite_store, "events") == ("parquet", 3)


def test_the_analytics_engine_does_not_open_the_sqlite_file_when_every_copy_is_current(
    sqlite_store: Store, tmp_path: Path
) -> None:
    sqlite_store.import_folder(small_business(tmp_path / "ds"))
    engine = open_engine(sqlite_store)
    try:
        attached = engine.backend.con.execute("SELECT database_name FROM duckdb_databases()").fetchall()
        assert ("store",) not in attached
        assert engine.execute(engine.table("subscriptions").count()) == 4
    finally:
        engine.close()


def test_dau_mau_from_the_stored_rollups_equals_dau_mau_from_the_events(sqlite_store: Store, tmp_path: Path) -> None:
    folder = small_business(tmp_path / "ds")
    rows = [
        [f"c{1 + i % 3}", "login", f"2024-0{1 + i % 3}-{1 + i % 27:02d}T0{i % 9}:00:00", f"u{i % 5}"] for i in range(60)
    ]
    write_table(folder, "events", ["customer_id", "event_type", "occurred_at", "user_id"], rows)
    write_table(folder, "rates", ["currency", "date", "rate"], [["EUR", "2024-01-01", "1.1"]])
    sqlite_store.import_folder(folder)
    # a mid-month start and end: whole months from the user-month rollup, the parts from user-days
    ranges = [("2024-01-01", "2024-04-01", "month"), ("2024-01-10", "2024-03-20", "whole")]
    stored = [report(sqlite_store, a, b, period)["dau_mau"].tolist() for a, b, period in ranges]
    for copy in cache_dir(sqlite_store).glob("user_*.parquet"):  # type: ignore[union-attr]
        copy.unlink()
    computed = [report(sqlite_store, a, b, period)["dau_mau"].tolist() for a, b, period in ranges]
    assert stored == computed
    assert all(v is not None and v > 0 for v in stored[0] + stored[1])


def test_postgresql_stores_are_read_in_place(store: Store, tmp_path: Path) -> None:
    store.import_folder(small_business(tmp_path / "ds"))
    expected = "parquet" if store.dialect == "sqlite" else "store"
    assert _source(store, "events") == (expected, 3)
    assert _source(store, "subscriptions") == (expected, 4)
