"""``tenure churn`` and ``tenure health``: back-test, train and score churn models; health weights;
retention curves. Thin: parse, call :mod:`tenure.models.churn.pipeline`, format."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from tenure.cli import app
from tenure.cli.options import DbOption, open_store

churn_app = typer.Typer(help="Churn risk: back-test, train and score models; retention curves.", no_args_is_help=True)
health_app = typer.Typer(help="The health score: learn its weights from past churn.", no_args_is_help=True)
app.add_typer(churn_app, name="churn")
app.add_typer(health_app, name="health")

err = Console(stderr=True)
TABLE_ROWS = 100
"""Customers the score table shows unless ``--limit`` says otherwise: the riskiest first."""


class Format(StrEnum):
    table = "table"
    json = "json"


class ScoreFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class ModelKind(StrEnum):
    lightgbm = "lightgbm"
    logistic = "logistic"


class Grouping(StrEnum):
    all = "all"
    segment = "segment"
    plan = "plan"
    channel = "channel"
    cohort = "cohort"


HorizonOption = Annotated[
    int | None,
    typer.Option("--horizon", help="Churn horizon in days (default: TENURE_CHURN_HORIZON_DAYS, 28).", min=1),
]
FrequencyOption = Annotated[
    str | None,
    typer.Option("--frequency", help="Observation dates: monthly (default), weekly or every N days (e.g. 14d)."),
]
EngineOption = Annotated[str, typer.Option("--engine", help="Analytics engine: duckdb (default), postgres or spark.")]


def _config(store: Any, horizon: int | None, frequency: str | None, engine: str) -> Any:
    from tenure.models.churn.pipeline import ChurnConfig

    config = ChurnConfig.from_store(store, horizon_days=horizon, frequency=frequency)
    config.engine = engine
    return config


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, default=str) + "\n")


def _figures_table(d: dict[str, Any]) -> None:
    out = Console()
    t = Table(
        title=f"Churn back-test: {d['horizon_days']}-day horizon, tested on {', '.join(d['test_dates'])}",
        title_justify="left",
    )
    for col in ("model", "AUC", "top-decile lift", "Brier", "log loss"):
        t.add_column(col, justify="left" if col == "model" else "right")
    for name, f in d["models"].items():
        mark = " (chosen)" if name == d["model"] else ""
        t.add_row(name + mark, str(f["auc"]), str(f["top_decile_lift"]), str(f["brier"]), str(f["log_loss"]))
    t.add_row("baseline: fewest events first", str(d["baseline_auc"]), "", "", "")
    t.add_row("health score, hand-set weights", str(d["health_auc"]), "", "", "")
    t.add_row("health score, learned weights", str(d["health_fitted_auc"]), "", "", "")
    out.print(t)
    out.print(f"{d['n_observations']:,} test observations, {d['n_churns']:,} churns")
    cal = Table(title="Calibration (deciles of predicted probability)", title_justify="left")
    for col in ("decile", "customers", "predicted", "observed"):
        cal.add_column(col, justify="right")
    for row in d["calibration"]:
        cal.add_row(str(row["decile"]), f"{row['n']:,}", f"{row['predicted']:.2%}", f"{row['observed']:.2%}")
    out.print(cal)
    imp = Table(title="Strongest features (mean |contribution|, log-odds)", title_justify="left")
    imp.add_column("feature")
    imp.add_column("weight", justify="right")
    for k, v in d["feature_importance"].items():
        imp.add_row(k, f"{v:.4f}")
    out.print(imp)


@churn_app.command("backtest")
def backtest_command(
    db: DbOption = None,
    horizon: HorizonOption = None,
    frequency: FrequencyOption = None,
    engine: EngineOption = "duckdb",
    format: Annotated[Format, typer.Option("--format", help="table or json.")] = Format.table,
) -> None:
    """Train on earlier observation dates, test on later ones; print AUC, lift, Brier, calibration."""
    from tenure.models.churn.pipeline import run_backtest

    store = open_store(db)
    with err.status("back-testing churn models"):
        result = run_backtest(store, _config(store, horizon, frequency, engine))
    d = result.as_dict()
    if format == Format.json:
        _print_json(d)
    else:
        _figures_table(d)


@churn_app.command("train")
def train_command(
    db: DbOption = None,
    horizon: HorizonOption = None,
    frequency: FrequencyOption = None,
    engine: EngineOption = "duckdb",
    model: Annotated[
        ModelKind | None, typer.Option("--model", help="Fit this model whatever the back-test prefers.")
    ] = None,
    format: Annotated[Format, typer.Option("--format", help="table or json.")] = Format.table,
) -> None:
    """Back-test, fit the best model on all history, and save it as a new version in the store."""
    from tenure.models.churn.pipeline import train

    store = open_store(db)
    with err.status("training the churn model"):
        version, result = train(store, _config(store, horizon, frequency, engine), model.value if model else None)
    d = result.as_dict() if result else {}
    if format == Format.json:
        _print_json({"version": version, **d})
    else:
        _figures_table(d)
        Console().print(f"saved churn model version {version} ({model.value if model else d['model']})")


@churn_app.command("score")
def score_command(
    db: DbOption = None,
    as_of: Annotated[
        datetime | None,
        typer.Option("--as-of", help="Score customers active on this date (default: data end)."),
    ] = None,
    version: Annotated[int | None, typer.Option("--version", help="Model version (default: newest).")] = None,
    format: Annotated[ScoreFormat, typer.Option("--format", help="table, json or csv.")] = ScoreFormat.table,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit",
            min=0,
            help="Show only the N riskiest customers (0: all). Default: 100 in the table, all in json and csv.",
        ),
    ] = None,
    save: Annotated[bool, typer.Option("--save/--no-save", help="Keep the scores in the store.")] = True,
    engine: EngineOption = "duckdb",
) -> None:
    """Score customers: churn probability, risk band, health score and top reasons."""
    from tenure.models.churn.pipeline import score

    store = open_store(db)
    with err.status("scoring customers"):
        result = score(store, as_of, version, save=save, engine=engine)
    if limit is None and format == ScoreFormat.table:
        limit = TABLE_ROWS
    frame = result.frame if not limit else result.frame.head(limit)
    if format == ScoreFormat.json:
        _print_json(
            {
                "as_of": f"{result.as_of:%Y-%m-%d}",
                "model_version": result.model_version,
                "customers": frame.to_dict("records"),
            }
        )
    elif format == ScoreFormat.csv:
        out = frame.assign(reasons=frame["reasons"].map(lambda r: "; ".join(r)))
        out.drop(columns=["health_components"]).to_csv(sys.stdout, index=False)
    else:
        title = (
            f"Churn risk on {result.as_of:%Y-%m-%d} (model v{result.model_version}): {len(result.frame):,} customers"
        )
        if len(frame) < len(result.frame):
            title += f", the {len(frame):,} riskiest shown (--limit 0 or --format csv for all)"
        t = Table(title=title, title_justify="left")
        for col in ("customer", "probability", "risk", "health", "reasons"):
            t.add_column(col, justify="right" if col in ("probability", "health") else "left")
        for r in frame.itertuples(index=False):
            t.add_row(
                str(r.customer_id),
                f"{r.probability:.1%}",
                str(r.band),
                f"{r.health:.0f} {r.health_band}",
                "; ".join(r.reasons),  # type: ignore[arg-type]
            )
        Console().print(t)


@churn_app.command("models")
def models_command(
    db: DbOption = None,
    format: Annotated[Format, typer.Option("--format", help="table or json.")] = Format.table,
) -> None:
    """List the saved churn model versions."""
    from tenure.models.churn.registry import versions

    rows = versions(open_store(db))
    if format == Format.json:
        _print_json(rows)
        return
    t = Table(title="Saved churn models", title_justify="left")
    for col in ("version", "created", "model", "horizon", "trained on", "back-test AUC", "lift"):
        t.add_column(col)
    for r in rows:
        bt = r["metadata"].get("backtest", {})
        t.add_row(
            str(r["version"]),
            f"{r['created_at']:%Y-%m-%d %H:%M}",
            r["kind"],
            f"{r['horizon_days']} days",
            f"{r['trained_from']:%Y-%m-%d} to {r['trained_to']:%Y-%m-%d}",
            str(bt.get("auc")),
            str(bt.get("top_decile_lift")),
        )
    Console().print(t)


@churn_app.command("survival")
def survival_command(
    db: DbOption = None,
    by: Annotated[Grouping, typer.Option("--by", help="Group by segment, plan, channel or cohort.")] = Grouping.all,
    format: Annotated[Format, typer.Option("--format", help="table or json.")] = Format.table,
    engine: EngineOption = "duckdb",
) -> None:
    """Kaplan–Meier retention curves and median customer lifetime, by group."""
    from tenure.models.survival import retention_curves

    store = open_store(db)
    curves = retention_curves(store, by.value, engine=engine)
    records = curves.summary.replace({float("nan"): None}).to_dict("records")
    if format == Format.json:
        _print_json({"by": by.value, "as_of": f"{curves.as_of:%Y-%m-%d}", "groups": records})
        return
    t = Table(title=f"Retention by {by.value} (Kaplan–Meier, as of {curves.as_of:%Y-%m-%d})", title_justify="left")
    cols = list(curves.summary.columns)
    for c in cols:
        t.add_column(c.replace("_", " "), justify="left" if c == "group" else "right")
    for r in records:
        cells = []
        for c in cols:
            v = r[c]
            if v is None:
                cells.append("∞" if c == "median_months" else "")
            elif c.startswith("retained"):
                cells.append(f"{v:.1%}")
            else:
                cells.append(f"{v:,}" if isinstance(v, int) else str(v))
        t.add_row(*cells)
    Console().print(t)


@health_app.command("fit")
def health_fit_command(
    db: DbOption = None,
    horizon: HorizonOption = None,
    frequency: FrequencyOption = None,
    engine: EngineOption = "duckdb",
    format: Annotated[Format, typer.Option("--format", help="table or json.")] = Format.table,
) -> None:
    """Learn non-negative health-score weights from past churn and keep them in the store."""
    from tenure.models.churn.pipeline import fit_health

    store = open_store(db)
    with err.status("fitting health weights"):
        result = fit_health(store, _config(store, horizon, frequency, engine))
    if format == Format.json:
        _print_json(result)
        return
    t = Table(title="Health-score weights (learned)", title_justify="left")
    t.add_column("component")
    t.add_column("weight", justify="right")
    for k, v in result["weights"].items():
        t.add_row(k, f"{v:.3f}")
    Console().print(t)
    if "auc_fitted" in result:
        Console().print(
            f"AUC on {result['tested_on']}: hand-set weights {result['auc_default']}, "
            f"learned weights {result['auc_fitted']}"
        )
