"""Tenure's CLV fits against lifetimes and PyMC-Marketing, in one run, printed as ratios.

    PYTHONPATH=src /work/main/.venv/bin/python bench/clv/run.py \
        --peer-python /work/venv-clvbench/bin/python

Data: the CDNOW 2,357-customer sample (39-week calibration, as in the papers) and synthetic customers
drawn from the BG/NBD process at the CDNOW parameters (100,000 and 1,000,000 customers, first purchases
spread over 12 weeks, times recorded at day resolution as real transaction data are). Gamma-Gamma spend
is drawn from the Gamma-Gamma process at the CDNOW parameters for the synthetic repeat buyers.

Each tool fits the same rows. Times are wall-clock seconds of the fit call alone (data already in
memory), best of ``--repeat`` runs after one warm-up run for Tenure and lifetimes; PyMC-Marketing's MAP
fit (flat priors, so MAP = maximum likelihood) is timed once per size, compilation included, as a user
meets it. Peers run in their own virtual environment (``--peer-python``) through bench/clv/peers.py.
Both sides must reach the same optimum: parameters equal to 4 significant digits.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tenure.models.clv import (
    BGNBD,
    GammaGamma,
    ParetoNBD,
    customer_summary,
    simulate_bgnbd,
    simulate_gammagamma,
)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CDNOW = ROOT / "tests" / "data" / "cdnow" / "CDNOW_sample.txt"
BGNBD_TRUTH = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
GG_TRUTH = {"p": 6.25, "q": 3.74, "gamma": 15.44}
TENURE_MODELS: dict[str, Any] = {"bgnbd": BGNBD, "paretonbd": ParetoNBD, "gammagamma": GammaGamma}


def cdnow() -> pd.DataFrame:
    rows = [line.split() for line in CDNOW.read_text().splitlines() if line.strip()]
    tx = pd.DataFrame(
        {
            "customer_id": [int(r[1]) for r in rows],
            "date": pd.to_datetime([r[2] for r in rows], format="%Y%m%d"),
            "amount": [float(r[4]) for r in rows],
        }
    )
    return customer_summary(tx, "1997-09-30", time_unit="week").reset_index(drop=True)


def synthetic(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ages = np.round((39 - rng.uniform(0, 12, n)) * 7) / 7
    data = simulate_bgnbd(n, BGNBD_TRUTH, ages, random_state=rng)
    data["recency"] = np.minimum(np.round(data["recency"] * 7) / 7, data["T"])
    data.loc[data["frequency"] == 0, "recency"] = 0.0
    spend = simulate_gammagamma(np.maximum(data["frequency"], 1), GG_TRUTH, random_state=rng)["monetary_value"]
    data["monetary_value"] = np.where(data["frequency"] > 0, np.round(spend, 2), np.nan)
    return data


def fit_tenure(model: str, data: pd.DataFrame, repeat: int) -> dict[str, Any]:
    def once() -> dict[str, float]:
        cls = TENURE_MODELS[model]
        if model == "gammagamma":
            return cls().fit(data["frequency"], data["monetary_value"]).params_
        return cls().fit(data["frequency"], data["recency"], data["T"]).params_

    once()  # warm-up
    times, params = [], {}
    for _ in range(repeat):
        start = time.perf_counter()
        params = once()
        times.append(time.perf_counter() - start)
    return {"seconds": min(times), "params": params}


def fit_peer(python: str, tool: str, model: str, path: Path, repeat: int, timeout: float) -> dict[str, Any]:
    if tool == "lifetimes":
        repeat += 1  # the first is the warm-up
    cmd = [python, str(HERE / "peers.py"), str(path), tool, model, str(repeat)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"not finished in {timeout:.0f} s"}
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"}
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if tool == "lifetimes" and len(result["all_seconds"]) > 1:
        result["seconds"] = min(result["all_seconds"][1:])
    return result


def same_optimum(ours: dict[str, float], theirs: dict[str, float]) -> tuple[bool, float]:
    """Parameters equal to 4 significant digits (relative difference below 5e-4 for each)."""
    worst = max(abs(ours[k] - theirs[k]) / abs(ours[k]) for k in ours)
    return worst < 5e-4, worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--peer-python", default="/work/venv-clvbench/bin/python")
    parser.add_argument("--sizes", default="2357,100000,1000000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds allowed per peer fit")
    parser.add_argument(
        "--skip",
        default="lifetimes:paretonbd:1000000",
        help="comma-separated tool:model:size combinations not to run (too slow for one sitting)",
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))

    plan = [
        ("bgnbd", "lifetimes"),
        ("bgnbd", "pymc"),
        ("paretonbd", "lifetimes"),
        ("gammagamma", "lifetimes"),
    ]
    rows = []
    print(f"python {platform.python_version()}, {platform.machine()}, numpy {np.__version__}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            data = cdnow() if size == 2357 else synthetic(size, seed=size)
            label = "CDNOW" if size == 2357 else "BG/NBD synthetic"
            path = Path(tmp) / f"data-{size}.npz"
            np.savez(path, **{c: data[c].to_numpy(float) for c in ("frequency", "recency", "T", "monetary_value")})
            tenure_results: dict[str, dict[str, Any]] = {}
            for model, tool in plan:
                if f"{tool}:{model}:{size}" in skip:
                    rows.append({"customers": size, "data": label, "model": model, "peer": tool, "note": "skipped"})
                    continue
                if model not in tenure_results:
                    tenure_results[model] = fit_tenure(model, data, args.repeat)
                ours = tenure_results[model]
                theirs = fit_peer(
                    args.peer_python,
                    tool,
                    model,
                    path,
                    args.repeat if tool == "lifetimes" else 1,
                    args.timeout,
                )
                row: dict[str, Any] = {
                    "customers": size,
                    "data": label,
                    "model": model,
                    "peer": tool,
                    "tenure_s": ours["seconds"],
                    "tenure_params": ours["params"],
                }
                if "error" in theirs:
                    row["note"] = theirs["error"]
                else:
                    agree, worst = same_optimum(ours["params"], theirs["params"])
                    row.update(
                        peer_s=theirs["seconds"],
                        ratio=theirs["seconds"] / ours["seconds"],
                        same_optimum=agree,
                        max_rel_diff=worst,
                        peer_params=theirs["params"],
                    )
                rows.append(row)
                print(_line(row), flush=True)
    print()
    print(markdown(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


def _line(row: dict[str, Any]) -> str:
    if "peer_s" not in row:
        return f"{row['customers']:>9,} {row['model']:<10} {row['peer']:<9} {row.get('note', '')}"
    return (
        f"{row['customers']:>9,} {row['model']:<10} {row['peer']:<9} tenure {row['tenure_s']:.3f}s "
        f"peer {row['peer_s']:.3f}s  ×{row['ratio']:.1f}  same optimum: {row['same_optimum']} "
        f"(max rel diff {row['max_rel_diff']:.1e})"
    )


def markdown(rows: list[dict[str, Any]]) -> str:
    names = {"lifetimes": "lifetimes", "pymc": "PyMC-Marketing (MAP)"}
    models = {"bgnbd": "BG/NBD", "paretonbd": "Pareto/NBD", "gammagamma": "Gamma-Gamma"}
    out = [
        "| customers | data | model | peer | Tenure (s) | peer (s) | peer / Tenure | same optimum (4 s.f.) |",
        "| ---: | --- | --- | --- | ---: | ---: | ---: | --- |",
    ]
    for r in rows:
        if "peer_s" in r:
            agree = (
                f"yes (max rel. diff {r['max_rel_diff']:.0e})" if r["same_optimum"] else f"NO ({r['max_rel_diff']:.1e})"
            )
            cells = [
                f"{r['tenure_s']:.3f}",
                f"{r['peer_s']:.2f}",
                f"{r['ratio']:.0f}×" if r["ratio"] >= 10 else f"{r['ratio']:.1f}×",
                agree,
            ]
        else:
            tenure = f"{r['tenure_s']:.3f}" if "tenure_s" in r else "–"
            cells = [tenure, "–", "–", r.get("note", "")]
        out.append(
            f"| {r['customers']:,} | {r['data']} | {models[r['model']]} | {names[r['peer']]} | "
            + " | ".join(cells)
            + " |"
        )
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
