"""``tenure playbook`` and ``tenure newsletter``: run playbooks, report their uplift, manage them."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from tenure.cli import app
from tenure.cli.options import DbOption, open_store

playbook_app = typer.Typer(
    name="playbook",
    help="Playbooks: act on customers (email, task, coupon, tag, webhook) with a holdout; report the uplift.",
    no_args_is_help=True,
)
newsletter_app = typer.Typer(
    name="newsletter",
    help="Newsletters to a segment, through the playbooks' send path.",
    no_args_is_help=True,
)
app.add_typer(playbook_app)
app.add_typer(newsletter_app)

console = Console(soft_wrap=True)
err = Console(stderr=True)


class Format(StrEnum):
    table = "table"
    json = "json"


AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Run as of this date (start of the day, UTC) or time. Default: now.",
        show_default=False,
    ),
]
FormatOption = Annotated[Format, typer.Option("--format", help="Output format.")]


@playbook_app.command("run")
def run_command(
    file: Annotated[Path, typer.Argument(help="Playbook YAML file, or the name of a kept or built-in playbook.")],
    db: DbOption = None,
    as_of: AsOfOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List who would be touched and why; send and write nothing.")
    ] = False,
    fmt: FormatOption = Format.table,
    queue: Annotated[
        bool,
        typer.Option("--queue", help="Put the run on the worker queue (TENURE_REDIS_URL) instead of running it here."),
    ] = False,
) -> None:
    """Run a playbook once: pick eligible customers, hold some out, act on the rest exactly once."""
    from tenure.actions.playbooks import Playbook, builtin, builtin_names, load, save
    from tenure.actions.runner import run_playbook

    store = open_store(db)
    if queue:
        from tenure.errors import ConfigurationError
        from tenure.jobs.queue import enqueue_run, queue_app

        if not store.settings.redis_url:
            raise ConfigurationError("--queue needs TENURE_REDIS_URL, e.g. redis://127.0.0.1:6379/0")
        name = str(file)
        if file.suffix in (".yaml", ".yml"):
            name = save(store, Playbook.from_file(file)).name
        enqueue_run(queue_app(store.settings.redis_url), name, as_of)
        console.print(f"queued a run of {name}")
        return
    if file.exists() or file.suffix in (".yaml", ".yml"):
        pb = Playbook.from_file(file)
    else:
        try:
            pb = load(store, str(file))
        except LookupError:
            if str(file) not in builtin_names():
                raise
            pb = builtin(str(file))
    result = run_playbook(store, pb, as_of, dry_run=dry_run)
    if fmt == Format.json:
        data = result.summary()
        if dry_run:
            data["customers"] = [c.__dict__ for c in result.candidates]
        console.print_json(json.dumps(data, default=str))
        return
    if dry_run:
        table = Table(
            title=f"Dry run of {result.playbook} as of {result.as_of:%Y-%m-%d %H:%M} UTC",
            title_justify="left",
        )
        for col in ("customer", "arm", "why"):
            table.add_column(col)
        for c in result.candidates:
            table.add_row(c.customer_id, c.arm, c.reason)
        console.print(table)
    s = result.summary()
    verb = "would touch" if dry_run else "touched"
    console.print(
        f"{result.playbook} (version {s['version']}) window {s['window']}: {s['matched']} matched, "
        f"{s['throttled']} throttled, {verb} {s['eligible']} "
        f"({s['treated']} treated, {s['holdout']} held out)"
    )
    if not dry_run:
        console.print(f"new touches: {s['new_touches']}")
        for k, v in s["outcomes"].items():
            console.print(f"  {k}: {v}")


@playbook_app.command("report")
def report_command(
    name: Annotated[str, typer.Argument(help="Playbook name (as in touches.playbook).")],
    db: DbOption = None,
    horizon: Annotated[int, typer.Option("--horizon", help="Days after the touch retention is measured at.")] = 60,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Measure touches whose horizon has passed by then. Default: end of the data.",
            show_default=False,
        ),
    ] = None,
    min_lift: Annotated[
        float, typer.Option("--lift", help="Absolute retention lift to size customers_needed for.")
    ] = 0.02,
    method: Annotated[str, typer.Option("--method", help="Interval: newcombe or wald.")] = "newcombe",
    fmt: FormatOption = Format.table,
) -> None:
    """Retention and MRR retained of treated vs holdout customers, the lift and its 95% interval."""
    from tenure.actions.experiments import uplift_report
    from tenure.errors import ConfigurationError

    if method not in ("newcombe", "wald"):
        raise ConfigurationError(f"--method: expected newcombe or wald, got {method!r}")
    store = open_store(db)
    report = uplift_report(store, name, horizon_days=horizon, as_of=as_of, min_lift=min_lift, method=method)  # type: ignore[arg-type]
    data = report.to_dict()
    if fmt == Format.json:
        typer.echo(json.dumps(data, default=str))
        return

    def pct(v: float | None) -> str:
        return "-" if v is None else f"{v:.1%}"

    table = Table(
        title=f"{name}: retention {horizon} days after the touch (as of {report.as_of[:10]})",
        title_justify="left",
    )
    for col in ("", "treated", "holdout"):
        table.add_column(col, justify="right" if col else "left")
    table.add_row("customers touched", str(report.treated), str(report.holdout))
    table.add_row("touches measured", str(report.measured_treated), str(report.measured_holdout))
    table.add_row("retention", pct(report.retention_treated), pct(report.retention_holdout))
    table.add_row("MRR retained", pct(report.mrr_retained_treated), pct(report.mrr_retained_holdout))
    console.print(table)
    if report.lift is None or report.ci_low is None or report.ci_high is None:
        console.print("lift: not measurable yet (no touch in one of the arms has reached the horizon)")
    else:
        console.print(
            f"lift: {report.lift * 100:+.1f} points, "
            f"95% CI {report.ci_low * 100:+.1f} to {report.ci_high * 100:+.1f} ({report.method})"
        )
    if report.customers_needed is not None:
        console.print(
            f"to detect a {min_lift * 100:.1f}-point lift: {report.customers_needed:,} touches "
            f"({report.additional_customers_needed:,} more than measured)"
        )


@playbook_app.command("list")
def list_command(db: DbOption = None, fmt: FormatOption = Format.table) -> None:
    """Playbooks kept in the store, and the built-in ones ready to enable."""
    from tenure.actions.playbooks import listing

    rows = listing(open_store(db))
    if fmt == Format.json:
        typer.echo(json.dumps(rows, default=str))
        return
    table = Table(title="Playbooks", title_justify="left")
    for col in ("name", "enabled", "version", "trigger", "actions", "last run"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r["name"],
            "yes" if r["enabled"] else "no",
            "built-in" if r["builtin"] else str(r["version"]),
            json.dumps(r["trigger"]),
            r["actions"],
            r["last_run"] or "-",
        )
    console.print(table)


@playbook_app.command("show")
def show_command(
    name: Annotated[str, typer.Argument(help="Playbook name.")],
    db: DbOption = None,
    version: Annotated[int | None, typer.Option("--version", help="Show this version.", show_default=False)] = None,
) -> None:
    """Print a playbook's YAML (its current version, or --version) and its versions."""
    from tenure.actions.playbooks import builtin, builtin_names, load, versions

    store = open_store(db)
    try:
        pb = load(store, name, version)
    except LookupError:
        if name not in builtin_names() or version is not None:
            raise
        pb = builtin(name)
    typer.echo(pb.text.rstrip("\n"))
    kept = versions(store, name)
    if kept:
        err.print(", ".join(f"v{v['version']} {v['created_at']:%Y-%m-%d %H:%M}" for v in kept), style="dim")


@playbook_app.command("enable")
def enable_command(
    name: Annotated[str, typer.Argument(help="Playbook name (kept or built-in), or a YAML file.")],
    db: DbOption = None,
) -> None:
    """Let the scheduler run a playbook (a built-in one or a YAML file is added to the store first)."""
    from tenure.actions.playbooks import Playbook, save, set_enabled

    store = open_store(db)
    path = Path(name)
    if path.suffix in (".yaml", ".yml"):
        pb = save(store, Playbook.from_file(path), enabled=True)
    else:
        pb = set_enabled(store, name, True)
    console.print(f"{pb.name} enabled (version {pb.version})")


@playbook_app.command("disable")
def disable_command(name: Annotated[str, typer.Argument(help="Playbook name.")], db: DbOption = None) -> None:
    """Stop the scheduler running a playbook."""
    from tenure.actions.playbooks import set_enabled

    pb = set_enabled(open_store(db), name, False)
    console.print(f"{pb.name} disabled")


@newsletter_app.command("send")
def newsletter_send(
    segment: Annotated[str, typer.Option("--segment", help="Customers of this segment ('all' for everyone).")],
    template: Annotated[str, typer.Option("--template", help="Template name or path to NAME.txt.")],
    subject: Annotated[str, typer.Option("--subject", help="Subject line (a Jinja2 template).")] = "News from us",
    issue: Annotated[
        str | None,
        typer.Option(
            "--issue",
            help="Identifier of this issue; sending the same issue again sends nothing. "
            "Default: template and today's date.",
            show_default=False,
        ),
    ] = None,
    db: DbOption = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count recipients; send nothing.")] = False,
) -> None:
    """Send a newsletter to every active customer of a segment, once per issue."""
    from tenure.actions.newsletters import send_newsletter

    result = send_newsletter(
        open_store(db), segment=segment, template=template, subject=subject, issue=issue, dry_run=dry_run
    )
    console.print(f"issue {result['issue']}: {result['recipients']} recipients")
    for k, v in sorted(result["outcomes"].items()):
        console.print(f"  {k}: {v}")
