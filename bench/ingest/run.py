"""Import throughput: event rows per second from Parquet and CSV into SQLite and PostgreSQL, and the
cost of reading the stored events back into DuckDB (the analytics engine).

    python bench/ingest/run.py [--events 10000000] [--postgres postgresql://postgres@127.0.0.1:5432/postgres]

Prints one table of figures measured in this run; RESULTS.md keeps the last one.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import sqlalchemy as sa

from tenure.store import Store


def dataset(folder: Path, n_events: int, fmt: str, customers: int = 100_000) -> Path:
    folder.mkdir(parents=True)
    rng = np.random.default_rng(1)
    ids = pa.array([f"c{i:06d}" for i in range(customers)])
    pq.write_table(pa.table({"customer_id": ids}), folder / "customers.parquet")
    pq.write_table(
        pa.table(
            {
                "customer_id": ids,
                "start_date": pa.array(["2023-01-01"] * customers),
                "mrr": pa.array(np.full(customers, 49.0)),
            }
        ),
        folder / "subscriptions.parquet",
    )
    types = np.array(["login", "report_created", "dashboard_viewed", "export", "invite_sent"])
    start = np.datetime64("2023-01-01T00:00:00", "us").astype("int64")
    span = 3 * 365 * 86_400 * 1_000_000
    events = pa.table(
        {
            "customer_id": pa.array(
                np.array([f"c{i:06d}" for i in range(customers)])[rng.integers(0, customers, n_events)]
            ),
            "event_type": pa.array(types[rng.integers(0, len(types), n_events)]),
            "occurred_at": pa.array(start + rng.integers(0, span, n_events), pa.timestamp("us", tz="UTC")),
            "user_id": pa.array(np.char.add("u", rng.integers(0, 10, n_events).astype(str))),
        }
    )
    if fmt == "parquet":
        pq.write_table(events, folder / "events.parquet")
    else:
        pacsv.write_csv(events, folder / "events.csv")
    return folder


def timed_import(url: str, folder: Path) -> tuple[float, int]:
    store = Store.open(url)
    t0 = time.perf_counter()
    report = store.import_folder(folder)
    seconds = time.perf_counter() - t0
    store.close()
    return seconds, report.tables["events"].inserted


def duckdb_scan(url: str) -> tuple[float, int]:
    store = Store.open(url)
    con = store.duckdb()
    t0 = time.perf_counter()
    n = con.execute(
        "SELECT count(*) FROM (SELECT customer_id, event_type, count(*) FROM events GROUP BY ALL)"
    ).fetchone()[0]
    seconds = time.perf_counter() - t0
    con.close()
    return seconds, n


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--csv-events", type=int, default=2_000_000)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--sqlite-only", action="store_true", help="only Parquet into the embedded store")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        admin = sa.create_engine(
            args.postgres.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
        )
        formats = (
            (("parquet", args.events),) if args.sqlite_only else (("parquet", args.events), ("csv", args.csv_events))
        )
        for fmt, n in formats:
            folder = dataset(root / fmt, n, fmt)
            for db in ("sqlite",) if args.sqlite_only else ("sqlite", "postgresql"):
                if db == "sqlite":
                    url = f"sqlite:///{root / f'{fmt}.db'}"
                else:
                    name = f"tenure_bench_{uuid.uuid4().hex[:8]}"
                    with admin.connect() as c:
                        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
                    url = sa.make_url(str(admin.url)).set(database=name).render_as_string(hide_password=False)
                seconds, inserted = timed_import(url, folder)
                rows.append((f"import {fmt} → {db}", n, seconds, f"{inserted / seconds:,.0f} events/s"))
                if fmt == "parquet":
                    scan, groups = duckdb_scan(url)
                    rows.append((f"DuckDB group-by over stored events ({db})", n, scan, f"{groups:,} groups"))
                if db == "postgresql":
                    with admin.connect() as c:
                        c.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    print(f"{'measurement':48} {'events':>12} {'seconds':>9}  figure")
    for label, n, seconds, figure in rows:
        print(f"{label:48} {n:>12,} {seconds:>9.2f}  {figure}")


if __name__ == "__main__":
    main()
