"""Metrics benchmark: the full report (every metric, monthly periods) on each engine, against the
chapter-2 SQL of "Fighting Churn With Data" on PostgreSQL for the same churn rates and net retention.

Steps, all on this machine in one run:

1. the demo business (``tenure.simulate``, N customers over M months), imported into a SQLite store (the
   embedded default) and into a PostgreSQL store;
2. Tenure's full report, 36 monthly periods, every metric, on DuckDB over the SQLite store (with and
   without DAU/MAU, the one metric that reads every event), inside PostgreSQL, and on Spark;
3. the book's churn-rate and net-retention queries (listings 2.2 and 2.1, as the book runs them: one
   query per month over a ``subscription`` table) on PostgreSQL, checked to give Tenure's numbers;
4. the ratios, written to ``bench/metrics/RESULTS.md``.

Usage::

    PYTHONPATH=src:tests/metrics python bench/metrics/run.py --customers 100000 --months 36
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests" / "metrics")]

from fightchurn_sql import SUBSCRIPTION_TABLE, book_figures  # noqa: E402

from tenure.engine import open_engine, spark_session  # noqa: E402
from tenure.metrics import report, spans  # noqa: E402
from tenure.metrics.activity import subscription_rows  # noqa: E402
from tenure.metrics.periods import add_months, as_datetime  # noqa: E402
from tenure.settings import Settings  # noqa: E402
from tenure.store import Store, analytics_copy  # noqa: E402
from tenure.store.rollups import ROLLUPS  # noqa: E402


def timed(fn, repeat: int = 1):
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--end", default="2025-01-01")
    parser.add_argument("--repeat", type=int, default=2, help="best of N runs for each timing")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("TENURE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument("--no-spark", action="store_true")
    parser.add_argument(
        "--pg-events",
        action="store_true",
        help="also import the events into PostgreSQL (slow); without it the PostgreSQL "
        "report runs without events (dau_mau null)",
    )
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument(
        "--work",
        type=Path,
        help="keep the simulated demo and the SQLite store in this folder and reuse them on the next run "
        "(default: a temporary folder, removed at the end)",
    )
    args = parser.parse_args()

    work = args.work or Path(tempfile.mkdtemp(prefix="tenure-bench-metrics-"))
    work.mkdir(parents=True, exist_ok=True)
    admin = sa.create_engine(
        args.postgres.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    pg_name = f"tenure_bench_{uuid.uuid4().hex[:10]}"
    try:
        from tenure.simulate import simulate

        demo = work / "demo"
        if not (demo / "subscriptions.parquet").exists() and not (demo / "subscriptions.csv").exists():
            t_sim, business = timed(
                lambda: simulate(customers=args.customers, months=args.months, seed=args.seed, end=args.end)
            )
            business.write(demo)
            print(f"demo: {args.customers:,} customers, {args.months} months, simulated in {t_sim:.1f} s", flush=True)
        end = as_datetime(args.end)
        start = add_months(end, -args.months)

        sqlite = Store.open(f"sqlite:///{work / 'tenure.db'}")
        t_import: float | None = None
        if not sqlite.counts()["subscriptions"]:
            t_import, _ = timed(lambda: sqlite.import_folder(demo))
        counts = sqlite.counts()
        print(
            f"imported into SQLite in {t_import or 0:.1f} s: {counts['subscriptions']:,} subscriptions, "
            f"{counts['events']:,} events",
            flush=True,
        )
        # the events' rollups are written by the import; time that part on its own
        for name in ROLLUPS:
            for rollup in analytics_copy.cache_dir(sqlite).glob(f"{name}-v*.parquet"):  # type: ignore[union-attr]
                rollup.unlink()
        t_rollups, _ = timed(lambda: analytics_copy.refresh(sqlite))
        print(f"rollups of the events ({', '.join(ROLLUPS)}) in {t_rollups:.1f} s", flush=True)
        # what `tenure import` does next: keep the customer spans for the store's settings
        t_keep, _ = timed(lambda: spans.keep(sqlite))
        print(f"customer spans kept in {t_keep:.2f} s", flush=True)

        def forget_spans() -> None:
            for kept in analytics_copy.cache_dir(sqlite).glob(f"{analytics_copy.DERIVED}*.parquet"):  # type: ignore[union-attr]
                kept.unlink()

        pg_folder = work / "demo-pg"
        pg_folder.mkdir(exist_ok=True)
        for f in demo.iterdir():
            if f.is_file() and (args.pg_events or not f.name.startswith("events.")):
                shutil.copy(f, pg_folder / f.name)
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{pg_name}"'))
        pg = Store.open(sa.make_url(admin.url).set(database=pg_name).render_as_string(hide_password=False))
        t_pg_import, _ = timed(lambda: pg.import_folder(pg_folder))
        print(f"imported into PostgreSQL in {t_pg_import:.1f} s", flush=True)

        rows: list[tuple[str, float, str]] = []

        def run(label: str, source, engine, note: str = "", **kw):
            t, frame = timed(lambda: report(source, start, end, "month", engine=engine, **kw), args.repeat)
            rows.append((label, t, note))
            print(f"{label}: {t:.2f} s ({len(frame)} periods)", flush=True)
            return frame

        full = run("Tenure, DuckDB over the SQLite store, every metric", sqlite, "duckdb", "spans kept at import")
        forget_spans()
        t_cold, _ = timed(lambda: report(sqlite, start, end, "month", engine="duckdb"))
        rows.append(
            (
                "Tenure, DuckDB over the SQLite store, every metric, first report without kept spans",
                t_cold,
                "computes and keeps the spans (as the first report with settings other than the store's does)",
            )
        )
        print(f"first report without kept spans: {t_cold:.2f} s", flush=True)
        run(
            "Tenure, DuckDB over the SQLite store, every metric but DAU/MAU",
            sqlite,
            "duckdb",
            "`engagement=False`",
            engagement=False,
        )
        run("Tenure, inside PostgreSQL", pg, "postgres", "" if args.pg_events else "events not imported: DAU/MAU null")
        if not args.no_spark:
            # Spark loads the store's tables through Arrow and pandas; the PostgreSQL store (events left
            # out unless --pg-events) keeps that within the driver's memory.
            t_session, session = timed(spark_session)
            t_load, spark = timed(lambda: open_engine(pg, "spark", session))
            frame = run(
                "Tenure, Spark (local[2]), over the PostgreSQL store's tables",
                spark,
                "spark",
                f"session start {t_session:.1f} s and loading the tables {t_load:.1f} s not included"
                + ("" if args.pg_events else "; events not loaded: DAU/MAU null"),
                engagement=args.pg_events,
            )
            same_as_duckdb = frame.drop(columns=["dau_mau"]).equals(full.drop(columns=["dau_mau"]))
            print(f"Spark equals DuckDB on every metric but DAU/MAU: {same_as_duckdb}", flush=True)

        # The book's SQL: its subscription table, filled with the same rows in the reporting currency.
        settings = Settings(count_free_customers=True)
        duck = open_engine(pg, "duckdb")
        subs = duck.to_arrow(subscription_rows(duck, settings))
        duck.close()
        with pg.engine.begin() as conn:
            conn.execute(
                sa.text(
                    SUBSCRIPTION_TABLE.replace("account_id integer", "account_id text").replace(" date", " timestamp")
                )
            )
        raw = pg.engine.raw_connection()
        try:
            cur = raw.cursor()
            with cur.copy("COPY subscription (account_id, start_date, end_date, mrr) FROM STDIN") as copy:
                for cid, s, e, c in zip(
                    subs["customer_id"].to_pylist(),
                    subs["start_date"].to_pylist(),
                    subs["end_date"].to_pylist(),
                    subs["cents"].to_pylist(),
                    strict=True,
                ):
                    copy.write_row((cid, s, e, c / 100))
            cur.execute("analyze subscription")
            raw.commit()
            months = [
                (str(add_months(start, k).date()), str(add_months(start, k + 1).date())) for k in range(args.months)
            ]
            t_book, book = timed(lambda: book_figures(cur, months), args.repeat)
        finally:
            raw.close()
        print(f"book's chapter-2 SQL on PostgreSQL: {t_book:.2f} s", flush=True)
        # the book's settings are not the store's: the first report computes their spans (and keeps them)
        forget_spans()
        t_same_cold, _ = timed(lambda: report(sqlite, start, end, "month", settings=settings, engagement=False))
        t_same, same = timed(
            lambda: report(sqlite, start, end, "month", settings=settings, engagement=False), args.repeat
        )
        print(f"Tenure (DuckDB, same settings): first report {t_same_cold:.2f} s", flush=True)
        mismatches = [
            (b["start"], b["churn_rate"], p["churn_rate"], b["nrr"], p["nrr"])
            for b, p in zip(book, same.to_dict("records"), strict=True)
            if (b["n_start"], b["n_churn"]) != (p["customers_start"], p["customers_lost"])
            or abs(b["nrr"] - p["nrr"]) > 1e-12
        ]
        print(f"Tenure (DuckDB, same settings) {t_same:.2f} s; months differing from the book: {len(mismatches)}")

        lines = [
            "# Metrics benchmark",
            "",
            f"Demo business: `tenure.simulate.simulate(customers={args.customers:,}, months={args.months}, "
            f'seed={args.seed}, end="{args.end}")`: {counts["subscriptions"]:,} subscription rows, '
            f"{counts['events']:,} events. Report: {args.months} monthly periods, {start:%Y-%m-%d} to "
            f"{end:%Y-%m-%d}. Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}; best of {args.repeat} runs; all figures measured in one run.",
            "",
            (
                "Import into the SQLite store: done by an earlier run (`--work`); the events' rollups take "
                if t_import is None
                else f"Import into the SQLite store: {t_import:.1f} s, of which "
            )
            + f"{t_rollups:.1f} s to build "
            f"({', '.join(ROLLUPS)}: DAU/MAU is counted from the first two) — a cost paid once per import "
            f"instead of on every report. `tenure import` then keeps the customer spans for the store's settings "
            f"(`tenure.metrics.spans.keep`): {t_keep:.2f} s.",
            "",
            "## Full report (every metric, 36 monthly periods)",
            "",
            "| engine | seconds | note |",
            "| --- | ---: | --- |",
            *[f"| {label} | {t:.2f} | {note} |" for label, t, note in rows],
            "",
            "## Against the book's chapter-2 SQL on PostgreSQL (same numbers)",
            "",
            'Churn rate and net retention for each of the months, as "Fighting Churn With Data" computes them '
            "(listings 2.2 and 2.1, one query per month over its `subscription` table, filled with the same rows "
            "in the reporting currency) against Tenure's report with `count_free_customers=True` (the book "
            "counts zero-MRR subscriptions) on the embedded default.",
            "",
            "| what | seconds | ratio |",
            "| --- | ---: | ---: |",
            f"| book's SQL on PostgreSQL, {args.months} months × 2 queries | {t_book:.2f} | 1 |",
            f"| Tenure, DuckDB over SQLite: churn rate and NRR plus every subscription metric | {t_same:.2f} | "
            f"{t_book / t_same:.1f}× faster |",
            f"| the same, first report with these settings (computes and keeps their spans) | {t_same_cold:.2f} | "
            f"{t_book / t_same_cold:.1f}× faster |",
            f"| Tenure, DuckDB over SQLite: every metric including DAU/MAU | {rows[0][1]:.2f} | "
            f"{t_book / rows[0][1]:.1f}× faster |",
            "",
            f"Months where the book and Tenure differ (accounts at start, churned, NRR to 1e-12): "
            f"**{len(mismatches)}** of {args.months}.",
            "",
            "Reproduce:",
            "",
            "```",
            f"PYTHONPATH=src:tests/metrics python bench/metrics/run.py --customers {args.customers} "
            f"--months {args.months} --seed {args.seed} --end {args.end}",
            "```",
            "",
        ]
        args.out.write_text("\n".join(lines))
        print(f"wrote {args.out}")
        sqlite.close()
        pg.close()
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))
        admin.dispose()
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
