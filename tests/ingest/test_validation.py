"""Every validation rule of the importer, each with its exact message."""

from __future__ import annotations

from pathlib import Path

import pytest

from factories import write_table
from tenure.errors import ImportValidationError
from tenure.store import Store

CUSTOMERS = (
    ["customer_id", "name", "created_at"],
    [["c1", "Ann", "2024-01-01"], ["c2", "Bob", "2024-01-01"]],
)
SUBS_HEAD = ["customer_id", "start_date", "end_date", "mrr"]


def _dataset(folder: Path, **tables: tuple[list[str], list[list[object]]]) -> Path:
    tables.setdefault("customers", CUSTOMERS)
    tables.setdefault("subscriptions", (SUBS_HEAD, [["c1", "2024-01-01", "", "10"]]))
    for name, (head, rows) in tables.items():
        write_table(folder, name, head, rows)
    return folder


def _problems(store: Store, folder: Path) -> list[str]:
    with pytest.raises(ImportValidationError) as caught:
        store.import_folder(folder)
    return [str(p) for p in caught.value.problems]


CASES = [
    pytest.param(
        {"subscriptions": (SUBS_HEAD, [["c1", "2024-01-01", "", "N/A"]])},
        "subscriptions.csv row 1, column 'mrr': expected a number (major currency unit, e.g. 19.99) ≥ 0, got 'N/A'",
        id="mrr-not-a-number",
    ),
    pytest.param(
        {"subscriptions": (SUBS_HEAD, [["c1", "2024-01-01", "", "-5"]])},
        "subscriptions.csv row 1, column 'mrr': expected a number (major currency unit, e.g. 19.99) ≥ 0, got '-5'",
        id="negative-mrr",
    ),
    pytest.param(
        {"subscriptions": (SUBS_HEAD, [["c1", "2024-03-01", "2024-02-01", "10"]])},
        "subscriptions.csv row 1, column 'end_date': expected end_date on or after start_date "
        "(start_date is 2024-03-01 00:00:00), got '2024-02-01'",
        id="end-before-start",
    ),
    pytest.param(
        {"subscriptions": (SUBS_HEAD, [["c1", "01/02/2024", "", "10"]])},
        "subscriptions.csv row 1, column 'start_date': expected an ISO 8601 date or time, e.g. 2025-01-31 or "
        "2025-01-31T09:30:00Z, in the years 1900–2200, got '01/02/2024'",
        id="date-not-iso",
    ),
    pytest.param(
        {"subscriptions": (SUBS_HEAD, [["c1", "", "", "10"]])},
        "subscriptions.csv row 1, column 'start_date': expected a value (the column is required), got nothing",
        id="required-value-missing",
    ),
    pytest.param(
        {"subscriptions": (SUBS_HEAD, [["c7", "2024-01-01", "", "10"]])},
        "subscriptions.csv row 1, column 'customer_id': expected a customer_id present in customers "
        "(in this import or already stored), got 'c7'",
        id="unknown-customer",
    ),
    pytest.param(
        {"subscriptions": ([*SUBS_HEAD, "currency"], [["c1", "2024-01-01", "", "10", "EUROS"]])},
        "subscriptions.csv row 1, column 'currency': expected an ISO 4217 currency code, e.g. USD, got 'EUROS'",
        id="unknown-currency",
    ),
    pytest.param(
        {"customers": (["customer_id", "name"], [["c1", "Ann"], ["c1", "Ann again"]])},
        "customers.csv row 2, column 'customer_id': expected a unique customer_id (the same key is on row 1), got 'c1'",
        id="duplicate-id",
    ),
    pytest.param(
        {"subscriptions": ([*SUBS_HEAD, "quantity"], [["c1", "2024-01-01", "", "10", "2.5"]])},
        "subscriptions.csv row 1, column 'quantity': expected a whole number ≥ 0, got '2.5'",
        id="fractional-quantity",
    ),
    pytest.param(
        {"subscriptions": ([*SUBS_HEAD, "billing_period_months"], [["c1", "2024-01-01", "", "10", "0"]])},
        "subscriptions.csv row 1, column 'billing_period_months': expected a whole number greater than 0, got '0'",
        id="zero-billing-period",
    ),
    pytest.param(
        {
            "invoices": (
                ["invoice_id", "customer_id", "issued_at", "amount", "status"],
                [["i1", "c1", "2024-01-01", "10", "settled"]],
            )
        },
        "invoices.csv row 1, column 'status': expected one of draft, open, paid, void, uncollectible, got 'settled'",
        id="unknown-status",
    ),
    pytest.param(
        {
            "payments": (
                ["payment_id", "invoice_id", "attempted_at", "amount", "status"],
                [["p1", "i9", "2024-01-01", "10", "failed"]],
            )
        },
        "payments.csv row 1, column 'invoice_id': expected a invoice_id present in invoices "
        "(in this import or already stored), got 'i9'",
        id="unknown-invoice",
    ),
    pytest.param(
        {
            "events": (
                ["customer_id", "event_type", "occurred_at", "properties"],
                [["c1", "login", "2024-01-01", "{not json"]],
            )
        },
        "events.csv row 1, column 'properties': expected a JSON object, got '{not json'",
        id="malformed-json-property",
    ),
    pytest.param(
        {
            "responses": (
                ["response_id", "customer_id", "survey", "score", "submitted_at"],
                [["r1", "c1", "nps", "11", "2024-01-01"]],
            )
        },
        "responses.csv row 1, column 'score': expected a score from 0 to 10 for the nps survey, got '11'",
        id="nps-out-of-range",
    ),
    pytest.param(
        {"tickets": (["ticket_id", "customer_id", "opened_at", "csat"], [["t1", "c1", "2024-01-01", "6"]])},
        "tickets.csv row 1, column 'csat': expected a whole number from 1 to 5, got '6'",
        id="csat-out-of-range",
    ),
    pytest.param(
        {"subscriptions": (SUBS_HEAD, [["c1", "1024-01-01", "", "10"]])},
        "subscriptions.csv row 1, column 'start_date': expected an ISO 8601 date or time, e.g. 2025-01-31 or "
        "2025-01-31T09:30:00Z, in the years 1900–2200, got '1024-01-01'",
        id="implausible-year",
    ),
]


@pytest.mark.parametrize(("tables", "message"), CASES)
def test_import_reports_each_rule_with_an_exact_message(
    sqlite_store: Store, tmp_path: Path, tables: dict, message: str
) -> None:
    problems = _problems(sqlite_store, _dataset(tmp_path / "ds", **tables))
    assert message in problems, problems


def test_import_names_a_missing_required_column_and_what_the_file_has(sqlite_store: Store, tmp_path: Path) -> None:
    folder = _dataset(tmp_path / "ds", subscriptions=(["customer_id", "start_date"], [["c1", "2024-01-01"]]))
    with pytest.raises(
        ImportValidationError,
        match=r"subscriptions.csv: required column 'mrr' missing; "
        r"the file has 'customer_id', 'start_date'",
    ):
        sqlite_store.import_folder(folder)


def test_import_reports_a_ragged_csv_row_with_its_number(sqlite_store: Store, tmp_path: Path) -> None:
    folder = _dataset(tmp_path / "ds")
    (folder / "customers.csv").write_text("customer_id,name\nc1,Ann\nc2,Bob,extra\nc3,Cy\n")
    problems = _problems(sqlite_store, folder)
    assert problems == [
        "customers.csv row 2: expected a row with one field per header column, got '3 fields, expected 2'"
    ]


def test_import_reports_a_malformed_json_line_by_line_number(sqlite_store: Store, tmp_path: Path) -> None:
    folder = _dataset(tmp_path / "ds")
    (folder / "events.jsonl").write_text(
        '{"customer_id": "c1", "event_type": "login", "occurred_at": "2024-01-02"}\n{"customer_id": "c1",\n'
    )
    with pytest.raises(ImportValidationError, match=r"events.jsonl line 2: expected a JSON object"):
        sqlite_store.import_folder(folder)


def test_import_shows_fifty_problems_and_counts_the_rest(sqlite_store: Store, tmp_path: Path) -> None:
    rows = [["c1", f"2024-01-01T00:{i // 60:02d}:{i % 60:02d}", "", "bad"] for i in range(80)]
    folder = _dataset(tmp_path / "ds", subscriptions=(SUBS_HEAD, rows))
    with pytest.raises(ImportValidationError) as caught:
        sqlite_store.import_folder(folder)
    text = str(caught.value)
    assert text.startswith(f"{folder}: 80 problems found; nothing was imported.")
    assert text.count("column 'mrr'") == 50
    assert "… and 30 more" in text


def test_import_reports_every_problem_in_every_file_at_once(sqlite_store: Store, tmp_path: Path) -> None:
    folder = _dataset(
        tmp_path / "ds",
        customers=(["customer_id", "created_at"], [["c1", "yesterday"]]),
        subscriptions=(SUBS_HEAD, [["c1", "2024-01-01", "", "x"], ["c1", "2024-02-01", "", "5"]]),
    )
    problems = _problems(sqlite_store, folder)
    assert [p.split(",")[0] for p in problems] == ["customers.csv row 1", "subscriptions.csv row 1"]
