"""Benchmark: evaluating a playbook over 100,000 customers, and sending throughput to a local SMTP server.

Usage::

    python bench/actions/run.py [--customers 100000] [--events-per-customer 10] [--emails 2000] [--db URL]

Builds a synthetic store (customers, subscriptions, events) in a temporary SQLite file (or the
PostgreSQL database given with --db), then times

1. ``customer_fields``: every customer's fields as of a date (one DuckDB query over the store);
2. a dry run of the win-back playbook of issue 7 (fields + trigger + condition + holdout);
3. a real run emailing ``--emails`` customers through aiosmtpd on 127.0.0.1 (claim, render, send,
   mark for each message), reported as messages per second.
"""

from __future__ import annotations

import argparse
import socket
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from aiosmtpd.controller import Controller

from tenure.actions.fields import customer_fields
from tenure.actions.playbooks import Playbook
from tenure.actions.runner import run_playbook
from tenure.store import Store

WINBACK = """\
name: winback
trigger: {inactive_days: 14}
condition: "plan != 'free' and mrr >= 50"
actions:
  - email: {template: winback, subject: "We miss you, {{ customer.name }}"}
throttle_days: 30
holdout: 0.2
"""


def build(folder: Path, customers: int, per_customer: int, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    ids = np.array([f"c{i:07d}" for i in range(customers)])
    start = np.datetime64("2023-01-01T00:00:00", "us")
    signup = start + rng.integers(0, 700, customers).astype("timedelta64[D]")
    pq.write_table(
        pa.table(
            {
                "customer_id": ids,
                "name": np.char.add("Customer ", ids),
                "email": np.char.add(ids, "@example.com"),
                "created_at": signup,
                "segment": rng.choice(["smb", "mid-market", "enterprise"], customers, p=[0.7, 0.25, 0.05]),
            }
        ),
        folder / "customers.parquet",
    )
    plans = rng.choice(["free", "starter", "pro", "business"], customers, p=[0.2, 0.3, 0.35, 0.15])
    mrr = np.select([plans == "free", plans == "starter", plans == "pro"], [0.0, 29.0, 99.0], 299.0)
    pq.write_table(
        pa.table({"customer_id": ids, "start_date": signup, "mrr": mrr, "plan": plans}),
        folder / "subscriptions.parquet",
    )
    n = customers * per_customer
    owner = rng.integers(0, customers, n)
    # each customer's activity stops at a random day, so some are inactive as of the benchmark date
    last_day = rng.integers(600, 880, customers)
    day = (rng.random(n) * last_day[owner]).astype("int64")
    at = start + day.astype("timedelta64[D]") + rng.integers(0, 86_400, n).astype("timedelta64[s]")
    pq.write_table(
        pa.table(
            {
                "customer_id": ids[owner],
                "event_type": rng.choice(["login", "report_created", "export", "invite_sent"], n),
                "occurred_at": at,
                "user_id": np.char.add("u", rng.integers(0, 5, n).astype(str)),
            }
        ),
        folder / "events.parquet",
    )


class _Sink:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 OK"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--events-per-customer", type=int, default=10)
    parser.add_argument("--emails", type=int, default=2000)
    parser.add_argument("--db", default=None, help="store URL (default: a temporary SQLite file)")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="tenure-bench-actions-"))
    (tmp / "data").mkdir()
    build(tmp / "data", args.customers, args.events_per_customer)
    store = Store.open(args.db or f"sqlite:///{tmp / 'bench.db'}")
    t0 = time.perf_counter()
    store.import_folder(tmp / "data")
    print(
        f"import: {time.perf_counter() - t0:.1f} s ({args.customers:,} customers, "
        f"{args.customers * args.events_per_customer:,} events, {store.dialect})"
    )

    as_of = "2025-06-01"
    t0 = time.perf_counter()
    frame = customer_fields(store, as_of)
    fields_s = time.perf_counter() - t0
    print(f"customer fields: {fields_s:.2f} s for {len(frame):,} customers x {frame.shape[1]} fields")

    pb = Playbook.from_yaml(WINBACK)
    t0 = time.perf_counter()
    dry = run_playbook(store, pb, as_of, dry_run=True)
    dry_s = time.perf_counter() - t0
    print(
        f"dry run (fields + trigger + condition + holdout): {dry_s:.2f} s, "
        f"{dry.eligible:,} eligible ({dry.treated:,} treated, {dry.holdout:,} held out)"
    )

    sink = _Sink()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        store.settings.smtp_url = f"smtp://127.0.0.1:{port}"
        limit = sorted(c.customer_id for c in dry.candidates if c.arm == "treated")[: args.emails][-1]
        sender = Playbook.from_yaml(
            WINBACK.replace(
                "condition: \"plan != 'free' and mrr >= 50\"",
                f"condition: \"plan != 'free' and mrr >= 50 and customer_id <= '{limit}'\"",
            )
        )
        t0 = time.perf_counter()
        result = run_playbook(store, sender, as_of)
        send_s = time.perf_counter() - t0
        sent = result.outcomes["email:sent"]
        print(
            f"send: {sent:,} emails in {send_s:.2f} s = {sent / send_s:,.0f} emails/s "
            f"(whole run incl. fields and touches; SMTP server received {sink.count:,})"
        )
        t0 = time.perf_counter()
        rerun = run_playbook(store, sender, as_of)
        print(
            f"rerun (all duplicates, nothing sent): {time.perf_counter() - t0:.2f} s, "
            f"{rerun.outcomes['email:duplicate']:,} skipped, server total {sink.count:,}"
        )
    finally:
        controller.stop()
        store.close()


if __name__ == "__main__":
    main()
