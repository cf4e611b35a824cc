"""Loading an in-memory batch with the importer's rules (the REST API's path into the store)."""

from __future__ import annotations

from pathlib import Path

import pytest

from factories import small_business, write_table
from tenure.errors import ImportValidationError
from tenure.ingest.batch import load_records, preview_folder
from tenure.store import Store


def test_a_batch_missing_a_required_value_names_the_record_and_column(store: Store, tmp_path: Path) -> None:
    store.import_folder(small_business(tmp_path / "d"))
    with pytest.raises(ImportValidationError) as info:
        load_records(
            store,
            "events",
            [
                {"customer_id": "c1", "event_type": "x", "occurred_at": "2025-01-01"},
                {"event_type": "x", "occurred_at": "2025-01-01"},
            ],
        )
    assert [(p.row, p.column) for p in info.value.problems] == [(2, "customer_id")]
    assert store.counts()["events"] == 3


def test_a_batch_loaded_twice_changes_nothing_the_second_time(store: Store, tmp_path: Path) -> None:
    store.import_folder(small_business(tmp_path / "d"))
    rows = [{"customer_id": "c2", "event_type": "x", "occurred_at": "2025-01-01", "properties": {"a": 1}}]
    assert load_records(store, "events", rows).inserted == 1
    again = load_records(store, "events", rows)
    assert (again.inserted, again.unchanged) == (0, 1)


def test_extra_fields_of_a_customer_are_kept_as_attributes(store: Store, tmp_path: Path) -> None:
    store.import_folder(small_business(tmp_path / "d"))
    load_records(store, "customers", [{"customer_id": "c9", "tier": "gold"}])
    attributes = store.read_arrow("SELECT attributes FROM customers WHERE customer_id = 'c9'").to_pylist()
    assert attributes == [{"attributes": '{"tier":"gold"}'}]


def test_a_preview_reports_problems_and_writes_nothing(store: Store, tmp_path: Path) -> None:
    folder = small_business(tmp_path / "d")
    write_table(folder, "tickets", ["ticket_id", "customer_id", "opened_at", "csat"], [["t1", "c1", "2024-01-01", "9"]])
    report = preview_folder(store, folder)
    assert report.problem_count == 1
    assert report.tables["tickets"].rejected == 1
    assert store.counts()["customers"] == 0
