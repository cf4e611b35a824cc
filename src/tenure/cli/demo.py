"""``tenure demo``: write a simulated subscription business to a folder in the canonical format."""

from __future__ import annotations

import datetime as dt
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from tenure.cli import app

console = Console(stderr=True)


class DemoFormat(StrEnum):
    parquet = "parquet"
    csv = "csv"


@app.command("demo")
def write_demo(
    directory: Annotated[Path, typer.Argument(help="Folder to write the dataset to (created if missing).")],
    customers: Annotated[int, typer.Option(min=1, help="Customers acquired over the history.")] = 2000,
    months: Annotated[int, typer.Option(min=1, max=240, help="Length of the history in months.")] = 24,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed and end give the same files.")] = 0,
    format: Annotated[DemoFormat, typer.Option("--format", help="File format of the tables.")] = DemoFormat.parquet,
    end: Annotated[
        str | None,
        typer.Option(help="The history ends at the start of this date's month (default: this month, UTC)."),
    ] = None,
) -> None:
    """Write a synthetic dataset in the canonical format, with its ground truth in ground_truth/."""
    from tenure.simulate import simulate

    try:
        end_date = dt.date.fromisoformat(end) if end else None
    except ValueError:
        raise typer.BadParameter(f"expected a date like 2025-01-01, got {end!r}", param_hint="--end") from None
    started = time.perf_counter()
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as bar:
        task = bar.add_task("simulating months", total=months)
        business = simulate(
            customers=customers,
            months=months,
            seed=seed,
            end=end_date,
            progress=lambda done, total: bar.update(task, completed=done),
        )
        names = list(business.tables) + [f"ground_truth/{k}" for k in business.truth]
        writing = bar.add_task("writing tables", total=len(names))
        business.write(directory, format.value, progress=lambda name: bar.advance(writing))
        bar.update(writing, completed=len(names))
    seconds = time.perf_counter() - started
    rows = business.tables
    typer.echo(
        f"Wrote {len(rows)} tables to {directory} in {seconds:.1f} s: "
        + ", ".join(f"{name} {table.num_rows:,}" for name, table in rows.items())
    )
    typer.echo(f"Ground truth (drivers, hazard, planted effects) in {directory / 'ground_truth'}")
