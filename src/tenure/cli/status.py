"""``tenure status``: what the store holds."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from tenure.cli import app
from tenure.cli.options import DbOption, open_store
from tenure.store.database import display_url
from tenure.store.summary import summarize


@app.command("status")
def status_command(
    db: DbOption = None,
    fmt: Annotated[str, typer.Option("--format", help="table or json")] = "table",
) -> None:
    """Show where the store is and what it holds: rows per table, the span of time, money totals."""
    store = open_store(db)
    summary = summarize(store)
    if fmt == "json":
        typer.echo(json.dumps(summary, indent=2, default=str))
        return
    console = Console()
    console.print(f"store: {display_url(store.url)}")
    table = Table(title_justify="left")
    for col in ("table", "rows", "from", "to"):
        table.add_column(col, justify="right" if col == "rows" else "left")
    for name, info in summary["tables"].items():
        table.add_row(name, f"{info['rows']:,}", str(info.get("from") or ""), str(info.get("to") or ""))
    console.print(table)
    if summary["customers_active_now"] is not None:
        console.print(f"active customers at the latest date: {summary['customers_active_now']:,}")
