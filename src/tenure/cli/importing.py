"""``tenure import``: load a dataset folder into the store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from tenure.cli import app
from tenure.cli.options import DbOption, open_store
from tenure.metrics import spans

console = Console(stderr=True)


@app.command("import")
def import_command(
    folder: Annotated[Path, typer.Argument(help="Folder of dataset files named by table (customers.csv, ...).")],
    db: DbOption = None,
    skip_invalid: Annotated[
        bool,
        typer.Option(
            "--skip-invalid",
            help="Load the good rows; write bad ones, with reasons, to <table>.rejects.csv beside the input.",
        ),
    ] = False,
) -> None:
    """Validate a dataset folder and load it into the store, all or nothing.

    Re-importing the same files changes nothing; a corrected file updates the rows it changed.
    """
    store = open_store(db)
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("starting", total=None)

        def progress(step: str, table: str) -> None:
            verb = {"read": "reading", "validate": "validating", "write": "writing"}[step]
            bar.update(task, description=f"{verb} {table}")

        report = store.import_folder(folder, skip_invalid=skip_invalid, progress=progress)
        if report.changed:
            bar.update(task, description="keeping the customer spans for the metrics")
            spans.keep(store)
    out = Console()
    table = Table(title=f"Imported {folder}", title_justify="left")
    for col in ("table", "read", "inserted", "updated", "unchanged", "rejected"):
        table.add_column(col, justify="left" if col == "table" else "right")
    for name, c in report.tables.items():
        table.add_row(name, *(f"{v:,}" for v in (c.read, c.inserted, c.updated, c.unchanged, c.rejected)))
    out.print(table)
    for warning in report.warnings:
        console.print(f"[yellow]warning:[/] {warning}")
    for path in report.ignored:
        console.print(f"[dim]ignored {path.name} (not a table name)[/]")
    if report.rejects:
        console.print(f"[yellow]{report.problem_count:,} problem(s); rejected rows written to:[/]")
        for path in report.rejects.values():
            console.print(f"  {path}")
    if not report.changed:
        console.print("nothing changed: the store already held these rows")
