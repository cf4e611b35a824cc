"""``tenure clv``: the JSON contract of ``fit`` and the outputs of ``predict``."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import tenure.cli.clv  # noqa: F401  (mounts the clv commands on the app)
from tenure.cli import app
from tenure.errors import ConfigurationError, ModelError

from .conftest import published

runner = CliRunner()
WEEKS = ["--calibration-end", "1997-09-30", "--time-unit", "week"]


@pytest.mark.parametrize(
    ("model", "params", "ll", "n"),
    [
        ("bgnbd", {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}, -9582.4, 2357),
        ("paretonbd", {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}, -9595.0, 2357),
        ("gammagamma", {"p": 6.25, "q": 3.74, "gamma": 15.44}, -4055.9, 946),
    ],
)
def test_clv_fit_prints_the_json_contract_with_the_papers_numbers(
    cdnow_csv: Path, model: str, params: dict[str, float], ll: float, n: int
) -> None:
    result = runner.invoke(app, ["clv", "fit", str(cdnow_csv), "--model", model, *WEEKS, "--format", "json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert list(out) == ["model", "params", "std_errors", "log_likelihood", "n_customers"]
    assert out["model"] == model and out["n_customers"] == n
    assert list(out["params"]) == list(params) and list(out["std_errors"]) == list(params)
    for name, value in params.items():
        assert abs(out["params"][name] - value) <= published(value), name
    assert abs(out["log_likelihood"] - ll) < 0.1


@pytest.mark.parametrize(
    ("counts", "alpha", "beta"),
    [
        ([1000, 631, 468, 382, 326, 289, 262, 241], 0.704, 1.182),
        ([1000, 869, 743, 653, 593, 551, 517, 491], 0.668, 3.806),
    ],
)
def test_clv_fit_sbg_reads_period_and_active_counts(
    tmp_path: Path, counts: list[int], alpha: float, beta: float
) -> None:
    path = tmp_path / "cohort.csv"
    pd.DataFrame({"period": range(len(counts)), "active": counts}).to_csv(path, index=False)
    result = runner.invoke(app, ["clv", "fit", str(path), "--model", "sbg", "--format", "json"])
    out = json.loads(result.stdout)
    assert out["model"] == "sbg" and out["n_customers"] == 1000
    assert abs(out["params"]["alpha"] - alpha) <= published(alpha) and abs(out["params"]["beta"] - beta) <= published(
        beta
    )


def test_clv_fit_reads_parquet_and_prints_a_table_by_default(tmp_path: Path, cdnow_csv: Path) -> None:
    path = tmp_path / "cdnow.parquet"
    pd.read_csv(cdnow_csv, dtype={"customer_id": str}).to_parquet(path)
    result = runner.invoke(app, ["clv", "fit", str(path), "--model", "bgnbd", *WEEKS])
    assert result.exit_code == 0, result.output
    assert "BG/NBD fitted on 2,357 customers" in result.stdout and "0.2426" in result.stdout


def test_clv_predict_writes_clv_p_alive_and_expected_purchases_per_customer(tmp_path: Path, cdnow_csv: Path) -> None:
    out_path = tmp_path / "clv.parquet"
    args = [
        "clv",
        "predict",
        str(cdnow_csv),
        *WEEKS,
        "--horizon",
        "39",
        "--discount-rate",
        "0.1",
        "--margin",
        "0.3",
    ]
    result = runner.invoke(app, [*args, "--output", str(out_path)])
    assert result.exit_code == 0, result.output
    frame = pd.read_parquet(out_path)
    assert len(frame) == 2357
    for column in ("customer_id", "p_alive", "expected_purchases", "expected_spend", "clv"):
        assert column in frame.columns
    assert frame["p_alive"].between(0, 1).all() and (frame["clv"] >= 0).all()
    assert frame["expected_purchases"].sum() == pytest.approx(1653, abs=2)  # the 39-week holdout forecast


def test_clv_predict_prints_the_top_customers_without_output(cdnow_csv: Path) -> None:
    result = runner.invoke(app, ["clv", "predict", str(cdnow_csv), *WEEKS])
    assert result.exit_code == 0, result.output
    assert "Top customers by CLV over 52 weeks" in result.stdout


def test_clv_fit_names_the_missing_column(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text("customer,date,amount\n1,2024-01-01,3.0\n")
    result = runner.invoke(app, ["clv", "fit", str(path), "--model", "bgnbd"])
    assert isinstance(result.exception, ModelError)
    assert "orders.csv: missing column(s) customer_id" in str(result.exception)


def test_clv_fit_names_file_row_column_value_and_expectation_for_a_bad_date(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text("customer_id,date,amount\n1,2024-01-01,3.0\n1,2024-13-01,4.0\n")
    result = runner.invoke(app, ["clv", "fit", str(path), "--model", "bgnbd"])
    assert isinstance(result.exception, ModelError)
    message = str(result.exception)
    assert "orders.csv row 2 (line 3), column 'date': expected a date like 1997-01-25, got '2024-13-01'" in message


def test_clv_fit_names_a_bad_amount_only_when_the_model_needs_it(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text("customer_id,date,amount\n1,2024-01-01,3.0\n1,2024-02-01,N/A\n")
    result = runner.invoke(app, ["clv", "fit", str(path), "--model", "gammagamma"])
    assert isinstance(result.exception, ModelError)
    assert "row 2 (line 3), column 'amount': expected a number, got 'N/A'" in str(result.exception)


def test_clv_fit_rejects_an_unparsable_calibration_end(cdnow_csv: Path) -> None:
    result = runner.invoke(app, ["clv", "fit", str(cdnow_csv), "--model", "bgnbd", "--calibration-end", "30/09/1997"])
    assert isinstance(result.exception, ConfigurationError)
    assert "--calibration-end: expected a date YYYY-MM-DD, got '30/09/1997'" in str(result.exception)


def test_clv_fit_rejects_an_unknown_model(cdnow_csv: Path) -> None:
    result = runner.invoke(app, ["clv", "fit", str(cdnow_csv), "--model", "nbd"])
    assert result.exit_code == 2


def test_clv_group_and_commands_are_documented() -> None:
    result = runner.invoke(app, ["clv", "--help"])
    assert result.exit_code == 0
    assert "fit" in result.stdout and "predict" in result.stdout and "Customer lifetime value" in result.stdout
