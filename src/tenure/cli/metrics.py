"""``tenure metrics``, ``tenure metrics explain`` and ``tenure cohorts``: thin wrappers over
:mod:`tenure.metrics` that parse, call and format."""

from __future__ import annotations

import json
import sys
from enum import Enum, StrEnum
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from tenure.cli import app
from tenure.cli.options import DbOption, open_store
from tenure.metrics import benchmark, cohort_table, definitions, explain, report
from tenure.metrics.cohorts import COHORT_BY
from tenure.metrics.drilldown import EXPLAINABLE, describe
from tenure.metrics.report import DEFINITIONS, records, resolve_settings


class EngineName(StrEnum):
    duckdb = "duckdb"
    postgres = "postgres"
    spark = "spark"


class PeriodName(StrEnum):
    month = "month"
    quarter = "quarter"
    year = "year"
    whole = "whole"


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


CohortBy = Enum("CohortBy", {name: name for name in COHORT_BY}, type=str)  # type: ignore[misc]

EngineOption = Annotated[
    EngineName, typer.Option("--engine", help="Where the metrics run: duckdb (default), postgres or spark.")
]
StartOption = Annotated[
    str | None,
    typer.Option("--start", help="First day (inclusive). Default: first of the month of the earliest start."),
]
EndOption = Annotated[
    str | None,
    typer.Option("--end", help="Last day (exclusive). Default: first of the month after the latest data."),
]
FormatOption = Annotated[OutputFormat, typer.Option("--format", help="table (default), json or csv.")]

metrics_app = typer.Typer(
    help="Retention and revenue metrics per period (DESIGN §4).",
    invoke_without_command=True,
    no_args_is_help=False,
)
app.add_typer(metrics_app, name="metrics")

_SUMMARY = (
    ("customers_start", "S", "{:,}"),
    ("customers_end", "E", "{:,}"),
    ("customers_new", "new", "{:,}"),
    ("customers_lost", "lost", "{:,}"),
    ("crr", "CRR", "{:.1%}"),
    ("churn_rate", "churn", "{:.2%}"),
    ("mrr_end", "MRR", "{:,.2f}"),
    ("nrr", "NRR", "{:.1%}"),
    ("grr", "GRR", "{:.1%}"),
    ("quick_ratio", "quick", "{:.2f}"),
    ("arpa", "ARPA", "{:,.2f}"),
    ("nps", "NPS", "{:.0f}"),
)


def _fmt(value: Any, pattern: str) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "—"
    return pattern.format(value)


def _print_json(payload: Any) -> None:
    sys.stdout.write(json.dumps(payload, indent=2, default=str) + "\n")


@metrics_app.callback()
def metrics_command(
    ctx: typer.Context,
    db: DbOption = None,
    engine: EngineOption = EngineName.duckdb,
    start: StartOption = None,
    end: EndOption = None,
    period: Annotated[
        PeriodName, typer.Option("--period", help="month (default), quarter, year or whole.")
    ] = PeriodName.month,
    fmt: FormatOption = OutputFormat.table,
    engagement: Annotated[
        bool,
        typer.Option(
            "--engagement/--no-engagement",
            help="Compute DAU/MAU from the events' user-day rollups (default on).",
        ),
    ] = True,
) -> None:
    """Every retention and revenue metric for each period: counts, CRR, churn, MRR movements, NRR/GRR,
    quick ratio, ARPA, LTV, ARR, NPS, CSAT, CRC, DAU/MAU, and monthly compounded rates.

    Settings (TENURE_CHURN_RECOGNITION, TENURE_DISCOUNTS, ...) change the edge cases; see docs/metrics.md.
    """
    if ctx.invoked_subcommand is not None:
        return
    store = open_store(db)
    settings = resolve_settings(store, None, {})
    frame = report(store, start, end, period.value, engine=engine.value, engagement=engagement)
    bench = [
        {"start": r["start"], "end": r["end"], **benchmark(r["crr"], r["months"], settings.industry)}
        for r in records(frame)
    ]
    if fmt == OutputFormat.json:
        _print_json({"definitions": definitions(settings), "periods": records(frame), "benchmarks": bench})
    elif fmt == OutputFormat.csv:
        frame.to_csv(sys.stdout, index=False)
    else:
        _metrics_table(frame, bench)


def _metrics_table(frame: pd.DataFrame, bench: list[dict[str, Any]]) -> None:
    console = Console()
    rows = records(frame)
    if len(rows) == 1:
        table = Table(title=f"Metrics {rows[0]['start']} to {rows[0]['end']}", title_justify="left")
        for col in ("metric", "value", "definition"):
            table.add_column(col, justify="right" if col == "value" else "left", overflow="fold")
        for key, value in rows[0].items():
            if key in ("start", "end"):
                continue
            table.add_row(key, _fmt(value, "{:,.6g}" if isinstance(value, float) else "{:,}"), DEFINITIONS[key])
        console.print(table)
        b = bench[0]
        console.print(f"CRR against the {b['industry']} benchmark ({b['industry_crr']:.0%} a year): {b['verdict']}")
        return
    table = Table(title="Metrics per period (all metrics: --format json or csv)", title_justify="left")
    table.add_column("period")
    for _, label, _ in _SUMMARY:
        table.add_column(label, justify="right")
    for r in rows:
        table.add_row(r["start"], *(_fmt(r[k], p) for k, _, p in _SUMMARY))
    console.print(table)


@metrics_app.command("explain")
def explain_command(
    metric: Annotated[str, typer.Argument(help=f"What to drill into: {', '.join(EXPLAINABLE)}.")],
    start: Annotated[str, typer.Option("--start", help="First day of the period (inclusive).")],
    end: Annotated[str, typer.Option("--end", help="Last day of the period (exclusive).")],
    db: DbOption = None,
    engine: EngineOption = EngineName.duckdb,
    rows: Annotated[bool, typer.Option("--rows", help="List the subscription rows behind the customers.")] = False,
    fmt: FormatOption = OutputFormat.table,
    limit: Annotated[
        int, typer.Option("--limit", min=0, help="Rows shown by the table format (0: all); json and csv give all.")
    ] = 100,
) -> None:
    """List the customers (or subscription rows) behind one figure of one period."""
    store = open_store(db)
    frame = explain(store, metric, start, end, engine=engine.value, rows=rows)
    if fmt == OutputFormat.json:
        _print_json(
            {
                "metric": metric,
                "definition": describe(metric),
                "start": start,
                "end": end,
                "rows": records(frame),
            }
        )
    elif fmt == OutputFormat.csv:
        frame.to_csv(sys.stdout, index=False)
    else:
        shown = frame if limit == 0 else frame.head(limit)
        title = f"{metric} {start} to {end}: {len(frame):,} row(s)"
        if len(shown) < len(frame):
            title += f", the first {len(shown):,} shown (--limit 0 or --format csv for all)"
        _frame_table(shown, title)


def _frame_table(frame: pd.DataFrame, title: str) -> None:
    table = Table(title=title, title_justify="left")
    for col in frame.columns:
        table.add_column(str(col), overflow="fold")
    for rec in records(frame):
        table.add_row(*("" if v is None else str(v) for v in rec.values()))
    Console().print(table)


@app.command("cohorts")
def cohorts_command(
    db: DbOption = None,
    engine: EngineOption = EngineName.duckdb,
    by: Annotated[
        CohortBy,
        typer.Option("--by", help="Group by first-activation month (default), quarter, or an attribute."),
    ] = "month",  # type: ignore[assignment]
    start: StartOption = None,
    end: EndOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Cohort retention: the share of customers and of MRR still there at each month of age."""
    store = open_store(db)
    by_value = by.value if isinstance(by, Enum) else str(by)
    frame = cohort_table(store, by=by_value, start=start, end=end, engine=engine.value)
    if fmt == OutputFormat.json:
        cohorts = []
        for name, group in frame.groupby("cohort", sort=True):
            group = group.sort_values("age")
            cohorts.append(
                {
                    "cohort": name,
                    "customers": int(group["customers"].iloc[0]),
                    "mrr": float(group["mrr_base"].iloc[0]),
                    "ages": records(group.drop(columns=["cohort", "customers"])),
                }
            )
        _print_json({"by": by_value, "cohorts": cohorts})
    elif fmt == OutputFormat.csv:
        frame.to_csv(sys.stdout, index=False)
    else:
        _cohort_heat(frame, by_value)


def _cohort_heat(frame: pd.DataFrame, by: str) -> None:
    console = Console()
    if frame.empty:
        console.print("no customers")
        return
    ages = sorted(frame["age"].unique())
    table = Table(title=f"Customer retention by {by} cohort (share still active at each month of age)")
    table.add_column("cohort")
    table.add_column("customers", justify="right")
    for age in ages:
        table.add_column(str(age), justify="right")
    for name, group in frame.groupby("cohort", sort=True):
        by_age = dict(zip(group["age"], group["retention"], strict=True))
        cells = [_fmt(by_age.get(a), "{:.0%}") if a in by_age else "" for a in ages]
        table.add_row(str(name), f"{int(group['customers'].iloc[0]):,}", *cells)
    console.print(table)
