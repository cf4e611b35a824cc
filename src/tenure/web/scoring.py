"""Filling ``web_scores`` from the models: churn probability with reasons, health, CLV and P(alive).

The models live in :mod:`tenure.models` (churn and CLV issues). This module only calls them and
keeps their latest output per customer so the pages can filter and sort by risk quickly. When a
model is not installed, or fails, its columns stay empty and the pages say "not computed yet";
a number is never invented.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import json
import logging
import math
from typing import Any

import pandas as pd
import sqlalchemy as sa

from tenure.store import Store
from tenure.web.tables import scores

log = logging.getLogger("tenure.web")


def _module(name: str) -> Any | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def churn_available() -> bool:
    mod = _module("tenure.models.churn")
    return mod is not None and any(callable(getattr(mod, n, None)) for n in ("score", "score_customers"))


def _call(fn: Any, store: Store, **maybe: Any) -> Any:
    params = inspect.signature(fn).parameters
    kwargs = {k: v for k, v in maybe.items() if k in params}
    return fn(store, **kwargs)


def churn_scores(store: Store) -> pd.DataFrame | None:
    """The churn model's scores per customer (training it first when it has no saved model)."""
    mod = _module("tenure.models.churn")
    if mod is None:
        return None
    score = getattr(mod, "score", None) or getattr(mod, "score_customers", None)
    if not callable(score):
        return None
    try:
        result = _call(score, store)
    except Exception as exc:
        train = getattr(mod, "train", None)
        if not callable(train) or type(exc).__name__ not in ("NotFittedError", "ModelError", "NotFoundError"):
            raise
        _call(train, store)
        result = _call(score, store)
    frame = result if isinstance(result, pd.DataFrame) else pd.DataFrame(result)
    if "customer_id" not in frame.columns and frame.index.name == "customer_id":
        frame = frame.reset_index()
    return frame


def clv_figures(store: Store) -> pd.DataFrame | None:
    """CLV (and P(alive) where the model gives it) per customer from :mod:`tenure.models.clv`."""
    mod = _module("tenure.models.clv")
    if mod is None or not hasattr(mod, "subscription_clv"):
        return None
    subs = store.table_arrow("subscriptions").to_pandas()
    if subs.empty:
        return None
    custs = store.table_arrow("customers").to_pandas()[["customer_id", "segment"]]
    subs = subs.merge(custs, on="customer_id", how="left")
    result = mod.subscription_clv(subs)
    frame = result.reset_index() if "customer_id" not in result.columns else result
    if "customer_id" not in frame.columns:
        frame = frame.rename(columns={frame.columns[0]: "customer_id"})
    out = pd.DataFrame({"customer_id": frame["customer_id"].astype(str), "clv": frame["clv"].astype(float)})
    if "p_alive" in frame.columns:
        out["p_alive"] = frame["p_alive"].astype(float)
    return out


def _band_from_probability(p: float | None) -> str | None:
    if p is None:
        return None
    return "high" if p >= 0.5 else "medium" if p >= 0.2 else "low"


def _num(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _reasons(v: Any) -> str | None:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, str):
        try:
            parsed = json.loads(v)
            return json.dumps(parsed if isinstance(parsed, list) else [v])
        except ValueError:
            return json.dumps([s.strip() for s in v.split(";") if s.strip()])
    return json.dumps([str(x) for x in list(v)])


def refresh_scores(store: Store) -> dict[str, str]:
    """Recompute every model's figures and replace ``web_scores``; returns a status per model."""
    with store.lock:
        return _refresh_scores(store)


def _refresh_scores(store: Store) -> dict[str, str]:
    status: dict[str, str] = {}
    rows: dict[str, dict[str, Any]] = {}
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    try:
        frame = churn_scores(store)
        if frame is None:
            status["churn"] = "unavailable: the churn model (tenure.models.churn) is not installed yet"
        else:
            for rec in frame.to_dict("records"):
                cid = str(rec["customer_id"])
                p = _num(rec.get("probability", rec.get("churn_probability")))
                row = rows.setdefault(cid, {"customer_id": cid})
                comps = rec.get("health_components")
                row.update(
                    probability=p,
                    risk_band=rec.get("risk_band") or _band_from_probability(p),
                    reasons=_reasons(rec.get("reasons")),
                    health_score=_num(rec.get("health_score", rec.get("health"))),
                    health_band=rec.get("health_band"),
                    health_components=json.dumps(comps, default=str) if isinstance(comps, dict) else None,
                    model=str(rec.get("model", "churn")),
                    scored_at=now,
                )
            status["churn"] = f"scored {len(frame):,} customers"
    except Exception as exc:  # a model failure must not take the web app down
        log.exception("churn scoring failed")
        status["churn"] = f"failed: {exc}"
    try:
        clv = clv_figures(store)
        if clv is None:
            status["clv"] = "unavailable: the CLV models (tenure.models.clv) are not installed yet"
        else:
            for rec in clv.to_dict("records"):
                row = rows.setdefault(rec["customer_id"], {"customer_id": rec["customer_id"]})
                row["clv"] = _num(rec.get("clv"))
                row["p_alive"] = _num(rec.get("p_alive"))
                row.setdefault("scored_at", now)
            status["clv"] = f"valued {len(clv):,} customers"
    except Exception as exc:
        log.exception("CLV failed")
        status["clv"] = f"failed: {exc}"
    if rows:
        columns = [c.name for c in scores.columns]
        records = [{c: r.get(c) for c in columns} for r in rows.values()]
        with store.engine.begin() as conn:
            conn.execute(sa.delete(scores))
            for i in range(0, len(records), 5000):
                conn.execute(sa.insert(scores), records[i : i + 5000])
    return status
