"""Web benchmark: page server time at 100,000 customers and API ingestion throughput.

    PYTHONPATH=src python bench/web/run.py [--customers 100000] [--months 12] [--work /tmp/tenure-web-bench]

Generates the demo business (``tenure demo``), imports it into a SQLite store, runs the app's
background work (directory, cohorts, metrics cache when the metrics module is installed, scores),
then times requests in-process (FastAPI's TestClient: server time, no network): the overview, the
customers list (first page; a search with a filter; sorted by risk) and the customer 360 of random
customers, reporting p50 and p95. Then posts events to ``/api/v1/events`` in batches of 1,000 and
10,000 and reports events per second. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

from fastapi.testclient import TestClient

from tenure.store import Store
from tenure.web import auth, create_app


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


def timed(client: TestClient, paths: list[str]) -> list[float]:
    out = []
    for p in paths:
        t = time.perf_counter()
        r = client.get(p)
        out.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200, (p, r.status_code)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--months", type=int, default=12)
    ap.add_argument("--work", default="/tmp/tenure-web-bench")
    ap.add_argument("--requests", type=int, default=60)
    args = ap.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    data = work / f"demo-{args.customers}-{args.months}"
    db = work / f"web-{args.customers}-{args.months}.db"
    if not data.exists():
        t = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "tenure",
                "demo",
                str(data),
                "--customers",
                str(args.customers),
                "--months",
                str(args.months),
                "--seed",
                "1",
            ],
            check=True,
        )
        print(f"demo generated in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    fresh = not db.exists()
    store = Store.open(f"sqlite:///{db}")
    if fresh:
        t = time.perf_counter()
        store.import_folder(data)
        print(f"imported in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    counts = store.counts()
    app = create_app(store, background=False)
    t = time.perf_counter()
    app.state.background.refresh(wait=True)
    setup = time.perf_counter() - t
    steps = {s["name"]: (s["state"], s["seconds"]) for s in app.state.background.status.as_dict()["steps"]}
    print(f"background work {setup:.1f} s: {steps}", file=sys.stderr)
    if not auth.has_users(store):
        auth.create_user(store, "bench@example.com", "bench password 1", "admin")
    client = TestClient(app)
    client.get("/login")
    client.post(
        "/login",
        data={
            "email": "bench@example.com",
            "password": "bench password 1",
            "csrf_token": client.cookies.get(auth.CSRF_COOKIE),
        },
    )
    ids = store.read_arrow("SELECT customer_id FROM customers").to_pydict()["customer_id"]
    rng = random.Random(1)
    n = args.requests
    segment = client.get("/customers").text  # warm-up
    timed(client, ["/", "/customers", f"/customers/{ids[0]}"])
    results = {
        "overview": timed(client, ["/"] * n),
        "customers list (page 1, by MRR)": timed(client, [f"/customers?page={rng.randint(1, 50)}" for _ in range(n)]),
        "customers list (search + status filter)": timed(
            client, [f"/customers?q={rng.choice(ids)[-3:]}&status=active" for _ in range(n)]
        ),
        "customers list (sorted by risk)": timed(client, ["/customers?sort=risk&order=desc"] * n),
        "customer 360": timed(client, [f"/customers/{rng.choice(ids)}" for _ in range(n)]),
    }
    del segment
    key = auth.create_api_key(store, "ingest")
    headers = {"Authorization": f"Bearer {key}"}
    ingest = {}
    for batch in (1_000, 10_000):
        rounds = 5
        total = 0
        t = time.perf_counter()
        for r in range(rounds):
            events = [
                {
                    "customer_id": rng.choice(ids),
                    "event_type": "bench",
                    "user_id": f"u{i % 97}",
                    "occurred_at": f"2030-01-{1 + r:02d}T{i % 24:02d}:{i % 60:02d}:{(i // 60) % 60:02d}Z",
                    "value": i,
                    "properties": {"batch": batch},
                }
                for i in range(batch)
            ]
            resp = client.post("/api/v1/events", headers=headers, json={"events": events})
            assert resp.status_code == 200, resp.text
            total += resp.json()["received"]
        ingest[batch] = total / (time.perf_counter() - t)
    print(
        f"\nStore: SQLite, {counts['customers']:,} customers, {counts['subscriptions']:,} subscription rows, "
        f"{counts['events']:,} events; background work (directory, metrics cache, cohorts, scores) {setup:.1f} s.\n"
    )
    print("| page (server time, in-process) | p50 ms | p95 ms | n |")
    print("| --- | ---: | ---: | ---: |")
    for name, values in results.items():
        print(f"| {name} | {statistics.median(values):.1f} | {percentile(values, 0.95):.1f} | {len(values)} |")
    print("\n| API ingestion | events/s |")
    print("| --- | ---: |")
    for batch, rate in ingest.items():
        print(f"| POST /api/v1/events, batches of {batch:,} | {rate:,.0f} |")


if __name__ == "__main__":
    main()
