"""Importing a dataset folder: all or nothing, rejects, idempotence, formats, both databases."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from factories import small_business, write_table
from tenure.errors import ImportValidationError
from tenure.store import Store
from tenure.store.tables import customers, events, subscriptions


def _rows(store: Store, table: sa.Table, order: str) -> list[tuple]:
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(table).order_by(sa.text(order)))]


def test_import_loads_every_table_and_counts_what_it_did(store: Store, tmp_path: Path) -> None:
    report = store.import_folder(small_business(tmp_path / "ds"))
    assert {t: c.inserted for t, c in report.tables.items()} == {
        "customers": 3,
        "subscriptions": 4,
        "events": 3,
    }
    assert store.counts()["subscriptions"] == 4


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_import_reads_csv_parquet_and_json_lines_alike(sqlite_store: Store, tmp_path: Path, fmt: str) -> None:
    sqlite_store.import_folder(small_business(tmp_path / "ds", fmt))
    got = _rows(sqlite_store, events, "occurred_at")
    assert [(r[1], r[2], r[3].isoformat(), r[4], r[5]) for r in got] == [
        ("c1", "login", "2024-01-02T10:00:00", "u1", None),
        ("c1", "login", "2024-01-03T08:00:00", "u2", None),  # +02:00 converted to UTC
        ("c2", "export", "2024-02-02T10:00:00", "u3", 3.5),
    ]


def test_a_failed_import_changes_nothing(store: Store, tmp_path: Path) -> None:
    store.import_folder(small_business(tmp_path / "first"))
    before = store.counts()
    bad = small_business(tmp_path / "second")
    write_table(bad, "customers", ["customer_id", "name"], [["c4", "Dee"], ["c5", "Eve"]])
    write_table(
        bad,
        "subscriptions",
        ["customer_id", "start_date", "mrr"],
        [["c4", "2024-05-01", "10"], ["c5", "2024-05-01", "lots"]],
    )
    with pytest.raises(ImportValidationError):
        store.import_folder(bad)
    assert store.counts() == before


def test_skip_invalid_loads_good_rows_and_writes_rejects_with_reasons(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "ds"
    write_table(folder, "customers", ["customer_id", "name"], [["c1", "Ann"], ["", "Nobody"], ["c3", "Cy"]])
    write_table(
        folder,
        "subscriptions",
        ["customer_id", "start_date", "mrr"],
        [["c1", "2024-01-01", "10"], ["c3", "2024-01-01", "N/A"], ["c9", "2024-01-01", "5"]],
    )
    report = store.import_folder(folder, skip_invalid=True)
    assert report.tables["customers"].inserted == 2
    assert report.tables["subscriptions"].inserted == 1
    with (folder / "subscriptions.rejects.csv").open() as handle:
        rejects = list(csv.DictReader(handle))
    assert [(r["row"], r["customer_id"], r["reasons"]) for r in rejects] == [
        ("2", "c3", "column 'mrr': expected a number (major currency unit, e.g. 19.99) ≥ 0, got 'N/A'"),
        (
            "3",
            "c9",
            "column 'customer_id': expected a customer_id present in customers "
            "(in this import or already stored), got 'c9'",
        ),
    ]
    with (folder / "customers.rejects.csv").open() as handle:
        assert [r["reasons"] for r in csv.DictReader(handle)] == [
            "column 'customer_id': expected a value (the column is required), got nothing"
        ]


def test_reimporting_the_same_files_changes_nothing(store: Store, tmp_path: Path) -> None:
    folder = small_business(tmp_path / "ds")
    store.import_folder(folder)
    snapshot = _rows(store, subscriptions, "row_key")
    report = store.import_folder(folder)
    assert not report.changed
    assert {t: (c.inserted, c.updated, c.unchanged) for t, c in report.tables.items()} == {
        "customers": (0, 0, 3),
        "subscriptions": (0, 0, 4),
        "events": (0, 0, 3),
    }
    assert _rows(store, subscriptions, "row_key") == snapshot


def test_a_corrected_file_updates_only_the_rows_it_changed(store: Store, tmp_path: Path) -> None:
    folder = small_business(tmp_path / "ds")
    store.import_folder(folder)
    write_table(
        folder,
        "subscriptions",
        ["customer_id", "start_date", "end_date", "mrr", "plan", "currency"],
        [
            ["c1", "2024-01-01", "2024-03-01", "100", "pro", "USD"],
            ["c1", "2024-03-01", "", "175", "business", "USD"],  # price corrected
            ["c2", "2024-01-15", "2024-04-15", "50", "starter", "EUR"],
            ["c3", "2024-02-01", "", "1000", "enterprise", "USD"],
        ],
    )
    report = store.import_folder(folder)
    counts = report.tables["subscriptions"]
    assert (counts.inserted, counts.updated, counts.unchanged) == (0, 1, 3)
    with store.engine.connect() as conn:
        mrr = conn.execute(sa.select(subscriptions.c.mrr).where(subscriptions.c.plan == "business")).scalar_one()
    assert mrr == 175


def test_extra_customer_columns_are_kept_as_attributes(store: Store, tmp_path: Path) -> None:
    store.import_folder(small_business(tmp_path / "ds"))
    with store.engine.connect() as conn:
        attrs = dict(conn.execute(sa.select(customers.c.customer_id, customers.c.attributes)).all())
    assert json.loads(attrs["c1"]) == {"plan_tier": "gold"}
    assert json.loads(attrs["c2"]) == {"plan_tier": None}


def test_empty_currency_means_the_reporting_currency(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "ds"
    write_table(folder, "customers", ["customer_id"], [["c1"]])
    write_table(
        folder,
        "subscriptions",
        ["customer_id", "start_date", "mrr", "currency"],
        [["c1", "2024-01-01", "10", ""]],
    )
    store.import_folder(folder)
    row = _rows(store, subscriptions, "row_key")[0]
    assert (row[10], row[9]) == ("USD", 1)  # currency, billing_period_months default


def test_identical_events_are_one_event(sqlite_store: Store, tmp_path: Path) -> None:
    folder = small_business(tmp_path / "ds")
    write_table(
        folder,
        "events",
        ["customer_id", "event_type", "occurred_at"],
        [["c1", "login", "2024-01-02T10:00:00Z"], ["c1", "login", "2024-01-02 10:00:00"]],
    )
    report = sqlite_store.import_folder(folder)
    assert report.tables["events"].inserted == 1


def test_later_imports_may_refer_to_customers_already_stored(store: Store, tmp_path: Path) -> None:
    store.import_folder(small_business(tmp_path / "ds"))
    more = tmp_path / "more"
    write_table(
        more,
        "tickets",
        ["ticket_id", "customer_id", "opened_at", "category"],
        [["t1", "c3", "2024-03-01", "discount_request"]],
    )
    report = store.import_folder(more)
    assert report.tables["tickets"].inserted == 1


def test_a_first_import_needs_customers_and_subscriptions(sqlite_store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "ds"
    write_table(folder, "customers", ["customer_id"], [["c1"]])
    with pytest.raises(ImportValidationError, match="no subscriptions file, and the store has no subscriptions"):
        sqlite_store.import_folder(folder)


def test_files_that_are_not_tables_are_ignored_and_listed(sqlite_store: Store, tmp_path: Path) -> None:
    folder = small_business(tmp_path / "ds")
    (folder / "notes.txt").write_text("hello")
    (folder / "ground_truth").mkdir()
    report = sqlite_store.import_folder(folder)
    assert [p.name for p in report.ignored] == ["notes.txt"]
