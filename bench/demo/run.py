"""Measure demo generation at scale: rows per table, seconds, events per second.

Run from the repository root::

    PYTHONPATH=src python bench/demo/run.py [--customers 100000] [--months 36] [--out DIR]

Writes ``bench/demo/RESULTS.md`` with the figures and the command that reproduces them.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

from tenure.simulate import simulate

HERE = Path(__file__).parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--end", default="2025-01-01")
    parser.add_argument("--out", type=Path, default=None, help="where to write (default: a temporary folder)")
    args = parser.parse_args()

    out = args.out or Path(tempfile.mkdtemp(prefix="tenure-demo-bench-"))
    started = time.perf_counter()
    business = simulate(customers=args.customers, months=args.months, seed=args.seed, end=args.end)
    simulated = time.perf_counter() - started
    business.write(out)
    total = time.perf_counter() - started
    written = time.perf_counter() - started - simulated
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    events = business.tables["events"].num_rows

    summary = business.summary
    lapsed = summary["lapsed_subscriptions"]
    lines = [
        "# Demo generation benchmark",
        "",
        f"`tenure.simulate.simulate(customers={args.customers:,}, months={args.months}, seed={args.seed}, "
        f'end="{args.end}")` then `Business.write(DIR)` (Parquet, zstd).',
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}.",
        "",
        "| step | seconds |",
        "| --- | ---: |",
        f"| simulate | {simulated:.1f} |",
        f"| write Parquet | {written:.1f} |",
        f"| total | {total:.1f} |",
        "",
        f"Events per second (end to end): {events / total:,.0f}. Files on disk: {size / 1e6:,.0f} MB.",
        "",
        "| table | rows |",
        "| --- | ---: |",
        *[f"| {name} | {table.num_rows:,} |" for name, table in business.tables.items()],
        *[f"| ground_truth/{name} | {table.num_rows:,} |" for name, table in business.truth.items()],
        "",
        "Realised figures (from `ground_truth/effects.json`):",
        "",
        "| figure | value |",
        "| --- | ---: |",
        *[f"| monthly logo churn, {k} | {v:.2%} |" for k, v in summary["monthly_logo_churn"].items()],
        f"| involuntary share of lapsed subscriptions | {lapsed['involuntary_share']:.1%} |",
        f"| failed invoices recovered by retries | {summary['recovered_by_retries']:.1%} |",
        *[
            f"| win-back {arm}: customers, 60-day voluntary churn after first touch | "
            f"{v['customers']:,}, {v['voluntary_churn_60d']:.1%} |"
            for arm, v in summary["winback"].items()
        ],
        "",
        "Reproduce:",
        "",
        "```",
        f"PYTHONPATH=src python bench/demo/run.py --customers {args.customers} --months {args.months} "
        f"--seed {args.seed} --end {args.end}",
        "```",
        "",
    ]
    (HERE / "RESULTS.md").write_text("\n".join(lines))
    print("\n".join(lines))
    if args.out is None:
        shutil.rmtree(out)


if __name__ == "__main__":
    main()
