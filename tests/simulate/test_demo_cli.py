"""``tenure demo`` writes the same files for the same seed, in Parquet or CSV."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
import typer
from typer.testing import CliRunner, Result

import tenure.cli.demo  # noqa: F401  (registers the command)
from tenure.cli import app
from tenure.errors import ConfigurationError
from tenure.schema import TABLES
from tenure.simulate import simulate

SMALL = ["--customers", "500", "--months", "12", "--end", "2025-01-01"]


def run_demo(*args: str) -> Result:
    """Invoke ``tenure demo``; with no other command mounted Typer runs ``demo`` as the app itself.

    Typer 0.29 vendors its own click, so a group is recognised by its ``commands``, not by type.
    """
    command = typer.main.get_command(app)
    argv = ["demo", *args] if hasattr(command, "commands") else list(args)
    return CliRunner().invoke(app, argv)


def digests(directory: Path) -> dict[str, str]:
    return {
        str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def test_the_same_seed_writes_identical_files(tmp_path: Path) -> None:
    for name in ("a", "b"):
        result = run_demo(str(tmp_path / name), *SMALL, "--seed", "4")
        assert result.exit_code == 0, result.output
    first, second = digests(tmp_path / "a"), digests(tmp_path / "b")
    assert len(first) == len(TABLES) + 5
    assert first == second


def test_a_different_seed_writes_different_files(tmp_path: Path) -> None:
    run_demo(str(tmp_path / "a"), *SMALL, "--seed", "4")
    run_demo(str(tmp_path / "b"), *SMALL, "--seed", "5")
    first, second = digests(tmp_path / "a"), digests(tmp_path / "b")
    assert first["customers.parquet"] != second["customers.parquet"]
    assert first["events.parquet"] != second["events.parquet"]


def test_csv_format_writes_every_table_with_the_schema_columns(tmp_path: Path) -> None:
    result = run_demo(str(tmp_path), *SMALL, "--format", "csv")
    assert result.exit_code == 0, result.output
    parquet = simulate(customers=500, months=12, seed=0, end="2025-01-01")
    for name, table in TABLES.items():
        read = pacsv.read_csv(tmp_path / f"{name}.csv")
        assert tuple(read.column_names) == table.column_names
        assert read.num_rows == parquet.tables[name].num_rows
    assert (tmp_path / "ground_truth" / "drivers.csv").exists()
    first_line = (tmp_path / "subscriptions.csv").read_text().splitlines()[1]
    assert "T" in first_line and "Z" in first_line, "times are ISO 8601 in UTC"


def test_demo_reports_what_it_wrote(tmp_path: Path) -> None:
    result = run_demo(str(tmp_path), *SMALL)
    assert result.exit_code == 0, result.output
    assert "customers 500" in result.output
    assert pq.read_metadata(tmp_path / "customers.parquet").num_rows == 500


def test_demo_refuses_a_malformed_end_date(tmp_path: Path) -> None:
    result = run_demo(str(tmp_path), "--end", "not-a-date")
    assert result.exit_code != 0
    assert "2025-01-01" in result.output


@pytest.mark.parametrize(("kwargs", "fragment"), [({"customers": 0}, "customers"), ({"months": 0}, "months")])
def test_simulate_refuses_impossible_sizes(kwargs: dict, fragment: str) -> None:
    with pytest.raises(ConfigurationError, match=fragment):
        simulate(**kwargs)


def test_the_default_history_ends_at_the_start_of_the_current_month() -> None:
    import datetime as dt

    from tenure.simulate.business import default_end

    assert default_end(dt.date(2025, 3, 17)) == dt.date(2025, 3, 1)
    business = simulate(customers=50, months=2, seed=0)
    assert business.end == dt.datetime.now(dt.UTC).date().replace(day=1)
