"""Fit one peer model on one data set and print JSON; run by bench/clv/run.py in the peers' venv.

Usage: peers.py DATA.npz TOOL MODEL REPEAT
TOOL is lifetimes or pymc; MODEL is bgnbd, paretonbd or gammagamma.
"""

from __future__ import annotations

import json
import sys
import time
import warnings

import numpy as np
import pandas as pd

warnings.filterwarnings("ignore")


def main() -> None:
    path, tool, model, repeat = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    data = np.load(path)
    frame = pd.DataFrame({k: data[k] for k in ("frequency", "recency", "T")})
    if tool == "lifetimes":
        from lifetimes import BetaGeoFitter, GammaGammaFitter, ParetoNBDFitter

        def fit() -> dict[str, float]:
            if model == "bgnbd":
                m = BetaGeoFitter().fit(frame["frequency"], frame["recency"], frame["T"])
            elif model == "paretonbd":
                m = ParetoNBDFitter().fit(frame["frequency"], frame["recency"], frame["T"])
            else:
                keep = frame["frequency"] > 0
                m = GammaGammaFitter().fit(frame["frequency"][keep], pd.Series(data["monetary_value"])[keep])
            # lifetimes calls Gamma-Gamma's gamma "v"
            return {("gamma" if k == "v" else k): float(v) for k, v in m.params_.items()}

    else:
        from pymc_extras.prior import Prior
        from pymc_marketing.clv import BetaGeoModel

        frame["customer_id"] = np.arange(len(frame))
        # Flat priors: the MAP estimate is then the maximum-likelihood estimate Tenure and lifetimes find.
        config = {name: Prior("HalfFlat") for name in ("r", "alpha", "a", "b")}

        def fit() -> dict[str, float]:
            m = BetaGeoModel(data=frame, model_config=config)
            m.fit(method="map", progressbar=False)
            posterior = m.idata.posterior  # MAP: one draw, full precision (fit_summary rounds)
            return {k: float(posterior[k].values.ravel()[0]) for k in ("r", "alpha", "a", "b")}

    times = []
    params: dict[str, float] = {}
    for _ in range(repeat):
        start = time.perf_counter()
        params = fit()
        times.append(time.perf_counter() - start)
    print(json.dumps({"seconds": min(times), "all_seconds": times, "params": params}))


if __name__ == "__main__":
    main()
