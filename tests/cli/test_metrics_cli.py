"""``tenure metrics``, ``tenure metrics explain`` and ``tenure cohorts`` as a user calls them."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from factories import write_table
from tenure.cli import _mount, app
from tenure.metrics import COLUMNS


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 't.db'}"
    rows = [[f"s{k}", "2024-01-01", "2024-02-15" if k < 2 else "", 100] for k in range(10)]
    rows.append(["n", "2024-02-03", "", 50])
    folder = tmp_path / "ds"
    write_table(folder, "customers", ["customer_id"], [[r[0]] for r in rows])
    write_table(folder, "subscriptions", ["customer_id", "start_date", "end_date", "mrr"], rows)
    write_table(
        folder,
        "responses",
        ["response_id", "customer_id", "survey", "score", "submitted_at"],
        [["r", "s5", "nps", 9, "2024-02-02"]],
    )
    _mount()
    result = CliRunner().invoke(app, ["import", str(folder), "--db", url])
    assert result.exit_code == 0, result.output
    return url


def run(*args: str) -> str:
    _mount()
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_metrics_json_has_definitions_and_one_object_per_period(db: str) -> None:
    out = json.loads(run("metrics", "--db", db, "--format", "json"))
    assert out["definitions"]["settings"]["churn_recognition"] == "end"
    assert set(out["definitions"]["metrics"]) >= set(COLUMNS)
    assert [p["start"] for p in out["periods"]] == ["2024-01-01", "2024-02-01"]  # the default range
    feb = out["periods"][1]
    assert list(feb) == list(COLUMNS)
    assert (feb["customers_start"], feb["customers_lost"], feb["customers_new"]) == (10, 2, 1)
    assert feb["churn_rate"] == pytest.approx(0.2) and feb["nps"] == 100
    assert out["periods"][0]["loss_to_acquisition"] is None
    assert out["benchmarks"][1]["industry"] == "it"


def test_metrics_csv_and_table_formats(db: str) -> None:
    rows = list(
        csv.DictReader(
            io.StringIO(
                run(
                    "metrics",
                    "--db",
                    db,
                    "--period",
                    "whole",
                    "--start",
                    "2024-01-01",
                    "--end",
                    "2024-03-01",
                    "--format",
                    "csv",
                )
            )
        )
    )
    assert len(rows) == 1 and rows[0]["customers_end"] == "9"
    assert "CRR" in run("metrics", "--db", db, "--period", "month")
    assert "crr_monthly" in run("metrics", "--db", db, "--period", "whole")


def test_metrics_explain_lists_the_customers_behind_a_figure(db: str) -> None:
    out = json.loads(
        run(
            "metrics",
            "explain",
            "customers_lost",
            "--start",
            "2024-02-01",
            "--end",
            "2024-03-01",
            "--db",
            db,
            "--format",
            "json",
        )
    )
    assert [r["customer_id"] for r in out["rows"]] == ["s0", "s1"]
    assert out["definition"].startswith("Active at a, not at b")


def test_cohorts_json_gives_each_cohorts_retention_by_age(db: str) -> None:
    out = json.loads(run("cohorts", "--db", db, "--format", "json", "--end", "2024-03-01"))
    jan = out["cohorts"][0]
    assert (jan["cohort"], jan["customers"]) == ("2024-01", 10)
    assert [a["retention"] for a in jan["ages"]] == [1.0, 1.0, 0.8]
    assert "2024Q1" in run("cohorts", "--db", db, "--by", "quarter")


def test_metrics_on_an_empty_store_exits_with_a_clear_message(tmp_path: Path) -> None:
    _mount()
    result = CliRunner().invoke(app, ["metrics", "--db", f"sqlite:///{tmp_path / 'empty.db'}"])
    assert result.exit_code != 0
    assert "tenure import" in str(result.exception) + result.output


def test_metrics_explain_as_a_table_shows_the_first_rows_and_says_how_many_there_are(db: str) -> None:
    period = ["--start", "2024-02-01", "--end", "2024-03-01"]
    out = run("metrics", "explain", "customers_lost", *period, "--db", db, "--limit", "1")
    assert "2 row(s), the first 1 shown" in " ".join(out.split())
    assert "s0" in out and "s1" not in out
