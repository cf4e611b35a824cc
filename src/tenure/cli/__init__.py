"""The ``tenure`` command. Thin: parse, call the library, format.

Each command group lives in its own module here and is mounted on :data:`app`.
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from tenure.errors import TenureError

app = typer.Typer(
    name="tenure",
    help="Customer retention: metrics, churn risk, CLV and playbooks with holdouts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err_console = Console(stderr=True)


@app.callback()
def _root() -> None:
    """Customer retention: metrics, churn risk, CLV and playbooks with holdouts."""


def _mount() -> None:
    from tenure.cli import commands  # noqa: F401  (registers the commands)


def main() -> None:
    """Entry point: run the app and turn Tenure's errors into a message and an exit code."""
    _mount()
    try:
        app()
    except TenureError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True, markup=True)
        sys.exit(exc.exit_code)
