"""The columnar copy of the events is used only while it holds exactly what the store holds."""

from __future__ import annotations

from pathlib import Path

from factories import small_business, write_table
from tenure.ingest.batch import load_records
from tenure.store import Store
from tenure.store.events_cache import cache_dir


def _events_source(store: Store) -> str:
    con = store.duckdb()
    try:
        sql = con.execute("SELECT sql FROM duckdb_views() WHERE view_name = 'events'").fetchone()[0]
        count = con.execute("SELECT count(*) FROM events").fetchone()[0]
    finally:
        con.close()
    return ("parquet" if "read_parquet" in sql else "store", count)  # type: ignore[return-value]


def test_an_import_of_events_leaves_a_current_copy_that_analytics_read(sqlite_store: Store, tmp_path: Path) -> None:
    sqlite_store.import_folder(small_business(tmp_path / "ds"))
    assert _events_source(sqlite_store) == ("parquet", 3)
    assert [p.name for p in cache_dir(sqlite_store).glob("*.parquet")] == ["events-v1.parquet"]


def test_events_written_later_make_the_copy_stale_until_refreshed(sqlite_store: Store, tmp_path: Path) -> None:
    sqlite_store.import_folder(small_business(tmp_path / "ds"))
    load_records(sqlite_store, "events", [{"customer_id": "c3", "event_type": "login", "occurred_at": "2024-03-01"}])
    assert _events_source(sqlite_store) == ("store", 4)
    more = tmp_path / "more"
    write_table(more, "events", ["customer_id", "event_type", "occurred_at"], [["c2", "login", "2024-03-02"]])
    sqlite_store.import_folder(more)
    assert _events_source(sqlite_store) == ("parquet", 5)
    assert [p.name for p in cache_dir(sqlite_store).glob("*.parquet")] == ["events-v3.parquet"]


def test_reimporting_the_same_events_keeps_the_copy(sqlite_store: Store, tmp_path: Path) -> None:
    folder = small_business(tmp_path / "ds")
    sqlite_store.import_folder(folder)
    sqlite_store.import_folder(folder)
    assert _events_source(sqlite_store) == ("parquet", 3)


def test_postgresql_stores_read_events_in_place(store: Store, tmp_path: Path) -> None:
    store.import_folder(small_business(tmp_path / "ds"))
    expected = "parquet" if store.dialect == "sqlite" else "store"
    assert _events_source(store) == (expected, 3)
