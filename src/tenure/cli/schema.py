"""``tenure schema``: print the data-format reference."""

from __future__ import annotations

import typer

from tenure.cli import app
from tenure.schema import reference_markdown


@app.command("schema")
def schema_command() -> None:
    """Print the data-format reference (tables, columns, rules) as Markdown."""
    typer.echo(reference_markdown(), nl=False)
