"""Time the churn workflow on the demo business: observations, features, back-test, training, scoring.

usage: python bench/churn/run.py [--customers 100000] [--months 24] [--dir /tmp/tenure-churn-bench]
                                 [--out bench/churn/RESULTS.md]

Simulates the demo business (``tenure.simulate``) and imports it into a SQLite store unless the
folder already holds one, then times each step on the DuckDB engine and writes a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

from tenure.engine import open_engine
from tenure.models import health
from tenure.models.churn.backtest import backtest
from tenure.models.churn.explain import reasons
from tenure.models.churn.features import build_features
from tenure.models.churn.observations import ObservationSpec, build_observations, data_end, labelled_dates
from tenure.models.churn.pipeline import ChurnConfig, score, score_features, train
from tenure.store import Store


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--dir", default="/tmp/tenure-churn-bench")
    parser.add_argument("--out", default=str(Path(__file__).with_name("RESULTS.md")))
    args = parser.parse_args()
    folder = Path(args.dir)
    db = folder / f"demo-{args.customers}-{args.months}.db"
    rows: list[tuple[str, float, str]] = []
    made = db.with_suffix(".json")
    if not made.exists():
        from tenure.simulate import simulate

        started = time.perf_counter()
        simulate(customers=args.customers, months=args.months, seed=0, end="2025-01-01").write(
            folder / "data", format="parquet"
        )
        rows.append(("simulate the demo (not churn code)", time.perf_counter() - started, ""))
        started = time.perf_counter()
        Store.open(f"sqlite:///{db}").import_folder(folder / "data")
        rows.append(("tenure import (not churn code)", time.perf_counter() - started, ""))
        made.write_text(json.dumps(rows))
    else:
        rows.extend(tuple(r) for r in json.loads(made.read_text()))
    store = Store.open(f"sqlite:///{db}")
    load_at_start = os.getloadavg()[0]
    counts = store.counts()
    spec = ObservationSpec.from_settings(store.settings)
    engine = open_engine(store)
    started = time.perf_counter()
    end = data_end(engine)
    obs = build_observations(engine, spec, labelled_dates(engine, spec, end), end)
    rows.append(("observations (all monthly dates)", time.perf_counter() - started, f"{len(obs):,} observations"))
    started = time.perf_counter()
    fs = build_features(engine, obs, observation_spec=spec)
    detail = ", ".join(f"{k} {v:.1f} s" for k, v in fs.timings.items())
    rows.append(
        ("features (one query per family)", time.perf_counter() - started, f"{len(fs.columns)} features; {detail}")
    )
    engine.close()
    started = time.perf_counter()
    result = backtest(fs, spec.horizon_days)
    d = result.as_dict()
    rows.append(
        (
            "back-test (logistic + LightGBM, rolling test dates)",
            time.perf_counter() - started,
            f"{d['model']} AUC {d['auc']}, lift {d['top_decile_lift']}, Brier {d['brier']}; "
            f"baseline {d['baseline_auc']}, health {d['health_auc']} / learned {d['health_fitted_auc']}",
        )
    )
    config = ChurnConfig.from_store(store)
    started = time.perf_counter()
    version, _ = train(store, config, fs=fs)
    rows.append(("train (back-test + final fit + save)", time.perf_counter() - started, f"version {version}"))
    # best of two: the first run also pays for reading the copies from disk into the page cache
    runs = []
    for _ in range(2):
        started = time.perf_counter()
        scores = score(store)
        runs.append((time.perf_counter() - started, scores))
    total, scores = min(runs, key=lambda run: run[0])
    n = len(scores.frame)
    rows.append(
        (
            "tenure churn score, end to end (best of 2)",
            total,
            f"{n:,} customers, {n / total:,.0f} per second (first run {runs[0][0]:.2f} s)",
        )
    )
    for step, seconds in scores.timings.items():
        rows.append((f"  of which score: {step}", seconds, ""))
    after = sum(scores.timings[k] for k in ("probability and contributions", "reasons", "health"))
    rows.append(
        (
            "  of which scoring the built features: probability, contributions, reasons, health",
            after,
            f"{n / after:,.0f} customers per second",
        )
    )
    # the model, health score and reasons alone, on copies of the features of the scoring date
    from tenure.models.churn.registry import load

    bundle = load(store)
    last = fs.frame[fs.frame["obs_date"] == fs.frame["obs_date"].max()]
    frame = last.sample(n=min(len(last) * 4, 200_000), replace=True, random_state=0).reset_index(drop=True)
    started = time.perf_counter()
    p = bundle.model.predict_proba(frame)
    h = health.score(health.components(frame), bundle.health_weights)
    pure = time.perf_counter() - started
    rows.append(
        (
            "scoring: calibrated probability (LightGBM predict) + health score",
            pure,
            f"{len(frame):,} customers, {len(frame) / pure:,.0f} per second",
        )
    )
    started = time.perf_counter()
    p2, contributions = bundle.model.explain(frame)
    why = time.perf_counter() - started
    assert np.array_equal(p, p2)
    rows.append(
        (
            "probability + TreeSHAP contributions by decision pattern",
            why,
            f"{len(frame):,} customers, {len(frame) / why:,.0f} per second",
        )
    )
    if bundle.model.kind == "lightgbm":
        few = frame.head(20_000)
        started = time.perf_counter()
        bundle.model.estimator_.predict(bundle.model.prep_.categories(few), pred_contrib=True)
        lgb_time = time.perf_counter() - started
        rows.append(
            (
                "  for comparison: LightGBM pred_contrib, one thread",
                lgb_time,
                f"{len(few):,} customers, {len(few) / lgb_time:,.0f} per second",
            )
        )
    started = time.perf_counter()
    words = reasons(frame, contributions, bundle.info, bundle.baselines)
    wording = time.perf_counter() - started
    assert len(p) == len(words) == len(h)
    rows.append(
        ("reasons: choosing and wording", wording, f"{len(frame):,} customers, {len(frame) / wording:,.0f} per second")
    )
    # all of it together, as `tenure churn score` runs it on the features it built (best of two)
    together = []
    for _ in range(2):
        started = time.perf_counter()
        scored, _ = score_features(bundle, frame)
        together.append(time.perf_counter() - started)
    assert len(scored) == len(frame)
    rows.append(
        (
            "scoring built features: probability, contributions, reasons, health, ranked (best of 2)",
            min(together),
            f"{len(frame):,} customers, {len(frame) / min(together):,.0f} per second",
        )
    )
    text = [
        "# Churn benchmark",
        "",
        f"Command: `PYTHONPATH=src python bench/churn/run.py --customers {args.customers} --months {args.months}`",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        "SQLite store (events from its Parquet copy), DuckDB engine, LightGBM fits on one thread. "
        f"Demo business: {args.customers:,} customers, {args.months} months, {counts['events']:,} events, "
        f"{counts['subscriptions']:,} subscription rows, "
        f"{counts['tickets']:,} tickets. Load average (1 min) at the start {load_at_start:.1f}, at the end "
        f"{os.getloadavg()[0]:.1f}.",
        "",
        "| step | seconds | notes |",
        "| --- | ---: | --- |",
        *[f"| {name} | {sec:.2f} | {note} |" for name, sec, note in rows],
        "",
        "Calibration on the back-test (deciles of predicted probability):",
        "",
        "| decile | predicted | observed |",
        "| ---: | ---: | ---: |",
        *[f"| {c['decile']} | {c['predicted']:.2%} | {c['observed']:.2%} |" for c in d["calibration"]],
        "",
        f"Strongest features: {', '.join(list(d['feature_importance'])[:10])}.",
        "",
    ]
    Path(args.out).write_text("\n".join(text))
    print("\n".join(text))
    np.random.seed(0)


if __name__ == "__main__":
    main()
