"""``tenure clv``: fit CLV models on a file and write per-customer predictions.

Thin: reads the file, calls :mod:`tenure.models.clv`, formats the result.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from tenure.cli import app
from tenure.cli.options import DbOption, open_store
from tenure.errors import ConfigurationError, ModelError
from tenure.models.clv import (
    BGNBD,
    TIME_UNITS,
    GammaGamma,
    ParetoNBD,
    ShiftedBetaGeometric,
    customer_summary,
)

clv_app = typer.Typer(
    help="Customer lifetime value: fit BG/NBD, Pareto/NBD, Gamma-Gamma or sBG models and predict CLV.",
    no_args_is_help=True,
)
app.add_typer(clv_app, name="clv")
console = Console()


class ModelName(enum.StrEnum):
    bgnbd = "bgnbd"
    paretonbd = "paretonbd"
    gammagamma = "gammagamma"
    sbg = "sbg"


class TimeUnit(enum.StrEnum):
    day = "day"
    week = "week"
    month = "month"


class OutputFormat(enum.StrEnum):
    table = "table"
    json = "json"


FileArg = Annotated[
    Path,
    typer.Argument(
        exists=True,
        dir_okay=False,
        help="CSV or Parquet file: customer_id, date, amount (for sbg: period, active).",
    ),
]
CalibrationEnd = Annotated[
    str | None,
    typer.Option(help="Last day of the calibration period, YYYY-MM-DD (default: last date in FILE)."),
]
TimeUnitOpt = Annotated[TimeUnit, typer.Option(help="Time unit of recency, T and the parameters.")]


@clv_app.command("fit")
def fit_model(
    file: FileArg,
    model: Annotated[ModelName, typer.Option(help="Model to fit.")],
    calibration_end: CalibrationEnd = None,
    time_unit: TimeUnitOpt = TimeUnit.week,
    output_format: Annotated[OutputFormat, typer.Option("--format", help="Output format.")] = OutputFormat.table,
) -> None:
    """Fit a CLV model on FILE and print its parameters, standard errors and log-likelihood.

    Gamma-Gamma is fitted on customers with repeat purchases, on their mean spend per repeat
    transaction. sbg reads a cohort's counts still active at each period (period 0 = the cohort).
    """
    fitted: BGNBD | ParetoNBD | GammaGamma | ShiftedBetaGeometric
    if model is ModelName.sbg:
        fitted = ShiftedBetaGeometric().fit(_read_cohort(file))
    else:
        summary = _summary(file, calibration_end, time_unit.value, with_amount=model is ModelName.gammagamma)
        if model is ModelName.bgnbd:
            fitted = BGNBD().fit(summary)
        elif model is ModelName.paretonbd:
            fitted = ParetoNBD().fit(summary)
        else:
            fitted = GammaGamma().fit(summary)
    result = fitted.to_dict()
    if output_format is OutputFormat.json:
        typer.echo(json.dumps(result))
        return
    table = Table(title=f"{fitted._model_name} fitted on {result['n_customers']:,} {fitted._data_description}")
    for column in ("parameter", "estimate", "std. error", "95% interval"):
        table.add_column(column, justify="left" if column == "parameter" else "right")
    for name, row in fitted.summary.iterrows():
        table.add_row(
            str(name),
            f"{row['estimate']:.4g}",
            f"{row['std_error']:.3g}",
            f"{row['lower_95']:.3g} – {row['upper_95']:.3g}",
        )
    console.print(table)
    console.print(f"log-likelihood {result['log_likelihood']:.2f}")


@clv_app.command("predict")
def predict_clv(
    file: FileArg,
    calibration_end: Annotated[str, typer.Option(help="Last day of the calibration period, YYYY-MM-DD.")],
    time_unit: TimeUnitOpt = TimeUnit.week,
    horizon: Annotated[int | None, typer.Option(help="Horizon in time units (default: one year).", min=1)] = None,
    discount_rate: Annotated[float, typer.Option(help="Annual discount rate, e.g. 0.1 for 10%.")] = 0.10,
    margin: Annotated[float, typer.Option(help="Profit margin on spend, between 0 and 1.")] = 1.0,
    output: Annotated[Path | None, typer.Option(help="Write the predictions to a .csv or .parquet file.")] = None,
) -> None:
    """Per-customer CLV, P(alive) and expected purchases from BG/NBD and Gamma-Gamma fits."""
    if discount_rate <= -1:
        raise ConfigurationError(f"--discount-rate: expected an annual rate > -1 such as 0.1, got {discount_rate}")
    if output is not None and output.suffix.lower() not in (".csv", ".parquet"):
        raise ConfigurationError(f"--output {output}: expected a .csv or .parquet file name")
    unit_days = TIME_UNITS[time_unit.value]
    horizon = horizon or round(365.25 / unit_days)
    per_unit = (1 + discount_rate) ** (unit_days / 365.25) - 1
    summary = _summary(file, calibration_end, time_unit.value, with_amount=True)
    purchases = BGNBD().fit(summary)
    spend = GammaGamma().fit(summary)
    x, t_x, big_t = summary["frequency"], summary["recency"], summary["T"]
    out = summary[["frequency", "recency", "T", "monetary_value"]].copy()
    out["p_alive"] = purchases.probability_alive(x, t_x, big_t)
    out["expected_purchases"] = purchases.expected_purchases(horizon, x, t_x, big_t)
    out["expected_spend"] = spend.expected_spend(x, summary["monetary_value"])
    out["clv"] = purchases.clv(
        x, t_x, big_t, out["expected_spend"], horizon=horizon, discount_rate=per_unit, margin=margin
    )
    out = out.reset_index()
    if output is None:
        _print_top(out, purchases, spend, horizon, time_unit.value)
    elif output.suffix.lower() == ".parquet":
        out.to_parquet(output, index=False)
        console.print(f"wrote {len(out):,} customers to {output}")
    else:
        out.to_csv(output, index=False)
        console.print(f"wrote {len(out):,} customers to {output}")


def _print_top(out: pd.DataFrame, purchases: BGNBD, spend: GammaGamma, horizon: int, unit: str) -> None:
    console.print(repr(purchases))
    console.print(repr(spend))
    table = Table(title=f"Top customers by CLV over {horizon} {unit}s (of {len(out):,})")
    for column in ("customer_id", "frequency", "p_alive", "expected_purchases", "expected_spend", "clv"):
        table.add_column(column, justify="right")
    for _, row in out.nlargest(20, "clv").iterrows():
        table.add_row(
            str(row["customer_id"]),
            str(int(row["frequency"])),
            f"{row['p_alive']:.3f}",
            f"{row['expected_purchases']:.2f}",
            f"{row['expected_spend']:.2f}",
            f"{row['clv']:.2f}",
        )
    console.print(table)


def _summary(file: Path, calibration_end: str | None, time_unit: str, *, with_amount: bool) -> pd.DataFrame:
    columns = ["customer_id", "date"] + (["amount"] if with_amount else [])
    frame = _read(file)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ModelError(
            f"{file.name}: missing column(s) {', '.join(missing)}; expected {', '.join(columns)}, "
            f"found {', '.join(map(str, frame.columns))}"
        )
    header = 1 if file.suffix.lower() == ".csv" else 0
    dates = pd.to_datetime(frame["date"], errors="coerce", format="mixed")
    _first_bad(file, frame, "date", dates.isna(), "a date like 1997-01-25", header)
    if with_amount:
        amounts = pd.to_numeric(frame["amount"], errors="coerce")
        _first_bad(file, frame, "amount", amounts.isna(), "a number", header)
        frame = frame.assign(amount=amounts)
    else:
        frame = frame.assign(amount=0.0)
    if calibration_end is not None:
        _parse_date(calibration_end, "--calibration-end")
    data = pd.DataFrame({"customer_id": frame["customer_id"], "date": dates.dt.normalize(), "amount": frame["amount"]})
    return customer_summary(data, calibration_end, time_unit=time_unit)


def _read(file: Path) -> pd.DataFrame:
    suffix = file.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            return pd.read_parquet(file)
        if suffix in (".csv", ".txt"):
            return pd.read_csv(file, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as exc:
        raise ModelError(f"{file.name}: could not be read as {suffix[1:]} ({exc})") from exc
    raise ConfigurationError(f"{file.name}: expected a .csv or .parquet file")


def _first_bad(file: Path, frame: pd.DataFrame, column: str, bad: pd.Series, expected: str, header: int) -> None:
    if bad.any():
        i = int(bad.to_numpy().argmax())
        where = f"row {i + 1:,}" + (f" (line {i + 1 + header:,})" if header else "")
        raise ModelError(
            f"{file.name} {where}, column {column!r}: expected {expected}, got {frame[column].iloc[i]!r}"
            f" ({int(bad.sum()):,} bad row(s) in all)"
        )


def _parse_date(value: str, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ConfigurationError(f"{what}: expected a date YYYY-MM-DD, got {value!r}") from None


def _read_cohort(file: Path) -> list[float]:
    frame = _read(file)
    missing = [c for c in ("period", "active") if c not in frame.columns]
    if missing:
        raise ModelError(
            f"{file.name}: missing column(s) {', '.join(missing)}; sbg expects columns period, active "
            f"(customers still active at each period, period 0 = the cohort)"
        )
    header = 1 if file.suffix.lower() == ".csv" else 0
    parsed: dict[str, Any] = {}
    for column in ("period", "active"):
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = values.isna() | (values < 0) | (values != values.round())
        _first_bad(file, frame, column, bad, "a whole number >= 0", header)
        parsed[column] = values.astype(int)
    table = pd.DataFrame(parsed).sort_values("period")
    periods = table["period"].tolist()
    if periods != list(range(len(periods))):
        raise ModelError(f"{file.name}: expected periods 0, 1, 2, … with none missing, got {periods}")
    return [float(v) for v in table["active"]]


@clv_app.command("score")
def score_store(
    db: DbOption = None,
    as_of: Annotated[
        str | None, typer.Option(help="Date the values look forward from (default: the latest data).")
    ] = None,
    discount_rate: Annotated[float, typer.Option(help="Annual discount rate.")] = 0.10,
    horizon_months: Annotated[int, typer.Option(help="Horizon of the order-based CLV, in months.")] = 12,
) -> None:
    """Compute every active customer's CLV from the store and keep it there (for the web app)."""
    from tenure.models.clv.scores import save_scores, score_customers

    store = open_store(db)
    with console.status("fitting CLV models"):
        scores = score_customers(store, as_of, discount_rate=discount_rate, horizon_months=horizon_months)
        written = save_scores(store, scores)
    for note in scores.notes:
        console.print(f"[yellow]note:[/] {note}")
    values = scores.values
    console.print(
        f"CLV as of {scores.as_of:%Y-%m-%d} stored for {written:,} customers: total {values['clv'].sum():,.0f}, "
        f"median {values['clv'].median():,.0f} ({store.settings.reporting_currency})"
    )
