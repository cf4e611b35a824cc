"""Churn risk from a store, end to end: back-test, train, score, fit the health weights.

These are what the CLI (and the web app) call; each opens the analytics engine over the store,
builds observations and features once, and hands them to the models.

Examples
--------
>>> import tenure
>>> store = tenure.connect()                          # doctest: +SKIP
>>> run_backtest(store).as_dict()["auc"]              # doctest: +SKIP
0.81
>>> version = train(store)                            # doctest: +SKIP
>>> scores = score(store)                             # doctest: +SKIP
"""

from __future__ import annotations

import itertools
import json
import os
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from tenure.engine import open_engine
from tenure.errors import ModelError
from tenure.models import health
from tenure.models.churn import registry
from tenure.models.churn.backtest import BacktestResult, BacktestSpec, backtest
from tenure.models.churn.explain import collector_paused, reasons
from tenure.models.churn.features import FeatureSet, FeatureSpec, build_features
from tenure.models.churn.observations import (
    ObservationSpec,
    build_observations,
    data_end,
    labelled_dates,
)
from tenure.models.churn.tables import churn_scores, health_weights
from tenure.models.churn.train import fit_calibrated

if TYPE_CHECKING:
    from tenure.store import Store


@dataclass
class ChurnConfig:
    """The choices of one run: observations, features, back-test, engine."""

    observations: ObservationSpec = field(default_factory=ObservationSpec)
    features: FeatureSpec = field(default_factory=FeatureSpec)
    backtest: BacktestSpec = field(default_factory=BacktestSpec)
    engine: str = "duckdb"

    @classmethod
    def from_store(cls, store: Store, **observation_overrides: Any) -> ChurnConfig:
        """Defaults from the store's settings (horizon, churn recognition), with overrides."""
        return cls(observations=ObservationSpec.from_settings(store.settings, **observation_overrides))


def labelled_features(store: Store, config: ChurnConfig, timings: dict[str, float] | None = None) -> FeatureSet:
    """Observations at every labelled date, with their features."""
    timings = timings if timings is not None else {}
    engine = open_engine(store, config.engine)
    try:
        started = time.perf_counter()
        end = data_end(engine)
        obs = build_observations(engine, config.observations, labelled_dates(engine, config.observations, end), end)
        timings["observations"] = time.perf_counter() - started
        started = time.perf_counter()
        fs = build_features(engine, obs, config.features, observation_spec=config.observations)
        timings["features"] = time.perf_counter() - started
        return fs
    finally:
        engine.close()


def run_backtest(store: Store, config: ChurnConfig | None = None, fs: FeatureSet | None = None) -> BacktestResult:
    """Back-test every candidate model on the store's history (see :mod:`.backtest`)."""
    config = config or ChurnConfig.from_store(store)
    timings: dict[str, float] = {}
    fs = fs or labelled_features(store, config, timings)
    started = time.perf_counter()
    result = backtest(fs, config.observations.horizon_days, config.backtest)
    result.timings = {**timings, **result.timings, "backtest": time.perf_counter() - started}
    return result


def train(
    store: Store, config: ChurnConfig | None = None, kind: str | None = None, fs: FeatureSet | None = None
) -> tuple[int, BacktestResult | None]:
    """Back-test, fit the chosen model on every labelled date, and save it as a new version.

    With ``kind`` given the back-test still runs (its figures are saved with the model) but
    ``kind`` is fitted whatever it found.
    """
    config = config or ChurnConfig.from_store(store)
    fs = fs or labelled_features(store, config)
    result = run_backtest(store, config, fs)
    chosen = kind or result.model
    frame = fs.frame[fs.frame["churned"].notna()].copy()
    frame["churned"] = frame["churned"].astype(int)
    model = fit_calibrated(
        frame,
        fs.columns,
        fs.categorical,
        chosen,
        config.backtest.params.get(chosen),
        config.backtest.calibration,
        config.backtest.max_train_rows,
    )
    if model.kind == "lightgbm":
        model.explainer().prepare()  # saved with the model, so scoring starts with its TreeSHAP tables
    comps = health.components(frame)
    weights = latest_health_weights(store) or dict(health.DEFAULT_WEIGHTS)
    numeric = [c for c in model.features_ if fs.info[c].kind != "category"]
    peers = {
        c: float(np.nanmedian(pd.to_numeric(frame[c], errors="coerce"))) for c in numeric if frame[c].notna().any()
    }
    meta = {
        "kind": chosen,
        "trained_from": f"{frame['obs_date'].min():%Y-%m-%d}",
        "trained_to": f"{frame['obs_date'].max():%Y-%m-%d}",
        "n_observations": len(frame),
        "n_churns": int(frame["churned"].sum()),
        "features": model.features_,
        "calibration": getattr(model, "calibration_note_", ""),
        "settings": {
            "observations": asdict(config.observations),
            "features": asdict(config.features),
            "backtest": {k: v for k, v in asdict(config.backtest).items()},
        },
        "backtest": result.as_dict(),
        "base_rate": float(frame["churned"].mean()),
        "health_auc_in_sample": _auc(frame["churned"], -health.score(comps, weights).fillna(50)),
    }
    bundle = registry.ModelBundle(
        model=model,
        observation_spec=config.observations,
        feature_spec=config.features,
        info={c: fs.info[c] for c in fs.columns},
        health_weights=weights,
        metadata=meta,
        baselines=peers,
        event_types=list(fs.event_types),
        onboarding_steps=list(fs.onboarding_steps),
    )
    return registry.save(store, bundle), result


def _auc(y: pd.Series, s: pd.Series) -> float | None:
    from tenure.models.churn.calibration import auc

    value = auc(y.to_numpy(int), s.to_numpy(float))
    return None if not np.isfinite(value) else round(value, 4)


def risk_band(p: np.ndarray, base_rate: float) -> np.ndarray:
    """``high`` from 3× the base churn rate, ``medium`` from 1.5×, ``low`` below.

    Examples
    --------
    >>> risk_band(np.array([0.01, 0.04, 0.2]), 0.02).tolist()
    ['low', 'medium', 'high']
    """
    base = max(base_rate, 1e-6)
    return np.where(p >= 3 * base, "high", np.where(p >= 1.5 * base, "medium", "low"))


@dataclass
class Scores:
    """Scored customers: ``frame`` has customer_id, probability, band, health, health_band, reasons."""

    frame: pd.DataFrame
    as_of: datetime
    model_version: int
    timings: dict[str, float] = field(default_factory=dict)


def score(
    store: Store,
    as_of: datetime | None = None,
    version: int | None = None,
    save: bool = True,
    top_reasons: int = 3,
    engine: str = "duckdb",
) -> Scores:
    """Score every customer active at ``as_of`` (default: the data end) with the saved model.

    The scores are written to the ``churn_scores`` table (unless ``save`` is false) for the web app
    and playbooks.
    """
    bundle = registry.load(store, version)
    timings: dict[str, float] = {}
    eng = open_engine(store, engine)
    try:
        started = time.perf_counter()
        end = data_end(eng)
        when = pd.Timestamp(as_of or end).normalize().to_pydatetime()
        obs = build_observations(eng, bundle.observation_spec, [when], end)
        timings["observations"] = time.perf_counter() - started
        if obs.empty:
            raise ModelError(f"churn score: no customer is active on {when:%Y-%m-%d}; pick another --as-of date")
        started = time.perf_counter()
        fs = build_features(eng, obs, bundle.feature_spec, observation_spec=bundle.observation_spec, kinds=bundle.kinds)
        timings["features"] = time.perf_counter() - started
        timings.update({f"features: {name}": seconds for name, seconds in fs.timings.items()})
    finally:
        eng.close()
    weights = latest_health_weights(store) or bundle.health_weights
    out, parts_json = score_features(bundle, fs.frame, weights, top_reasons, timings)
    assert bundle.version is not None
    if save:
        started = time.perf_counter()
        _write_scores(store, out, when, bundle.version, parts_json)
        timings["saving"] = time.perf_counter() - started
    return Scores(out, when, bundle.version, timings)


def score_features(
    bundle: registry.ModelBundle,
    frame: pd.DataFrame,
    weights: dict[str, float] | None = None,
    top_reasons: int = 3,
    timings: dict[str, float] | None = None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Score built features (one row per customer, as :func:`build_features` gives them) with a saved
    model: calibrated probability, risk band, health score (with ``weights``, default the model's)
    and band, and reasons.

    Returns the scores, riskiest first, and each row's health components as JSON text (for saving).
    ``timings`` (if given) receives the seconds of each step.
    """
    timings = {} if timings is None else timings
    started = time.perf_counter()
    p, contributions = bundle.model.explain(frame, threads=min(4, os.cpu_count() or 1))
    timings["probability and contributions"] = time.perf_counter() - started
    started = time.perf_counter()
    words = reasons(frame, contributions, bundle.info, bundle.baselines, top_reasons)
    timings["reasons"] = time.perf_counter() - started
    started = time.perf_counter()
    comps = health.components(frame)
    h = health.score(comps, weights or bundle.health_weights)
    base = float(bundle.metadata.get("base_rate", np.mean(p)))
    with collector_paused():
        parts, parts_json = component_records(comps)
    out = pd.DataFrame(
        {
            "customer_id": frame["customer_id"].to_numpy(),
            "probability": np.round(p, 5),
            "band": risk_band(p, base),
            "health": np.round(h.to_numpy(float), 1),
            "health_band": health.bands(h.to_numpy(float)),
            "reasons": words,
            "health_components": parts,
        }
    )
    # ranked by the model's own probability: rounding to 5 places ties many (isotonic steps hold
    # thousands of customers) whom the model still tells apart
    order = np.argsort(-p, kind="stable")
    out = out.iloc[order].reset_index(drop=True)
    timings["health"] = time.perf_counter() - started
    return out, parts_json[order]


def component_records(comps: pd.DataFrame) -> tuple[list[dict[str, float]], np.ndarray]:
    """Each row's health components to one decimal, without the missing ones: as dicts, and as the
    JSON text of those dicts (``json.dumps`` of each, written without a call per row).

    Examples
    --------
    >>> parts, text = component_records(pd.DataFrame({"usage": [55.25, np.nan], "trend": [100.0, 35.0]}))
    >>> parts, text.tolist()
    ([{'usage': 55.2, 'trend': 100.0}, {'trend': 35.0}], ['{"usage": 55.2, "trend": 100.0}', '{"trend": 35.0}'])
    """
    names = [str(c) for c in comps.columns]
    values = comps.to_numpy(float).reshape(len(comps), len(names))
    have = np.isfinite(values)
    n = len(values)
    dicts = np.empty(n, dtype=object)
    texts = np.empty(n, dtype=object)
    if n == 0:
        return [], texts
    exact, shown = _tenths(np.where(have, values, 0.0))
    keys = [json.dumps(name).replace("%", "%%") + ": %s" for name in names]
    pattern = have @ (1 << np.arange(len(names)))
    for code in np.unique(pattern):
        rows = np.flatnonzero(pattern == code)
        cols = np.array([j for j in range(len(names)) if code >> j & 1], dtype=np.int64)
        chosen = [names[j] for j in cols]
        # each row exactly len(chosen) values; map() builds the dicts without a Python frame per row
        dicts[rows] = list(map(dict, map(zip, itertools.repeat(chosen), exact[np.ix_(rows, cols)].tolist())))
        template = "{" + ", ".join(keys[j] for j in cols) + "}"
        texts[rows] = [template % tuple(r) for r in shown[np.ix_(rows, cols)].tolist()]
    return dicts.tolist(), texts


def _tenths(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``round(v, 1)`` of every value, as Python rounds (correctly: 0.35 -> 0.3, where numpy gives
    0.4), and its ``repr``.

    numpy's rounding of ``10 v`` agrees with Python's except within a hair of a half tenth, or for a
    small negative value (Python keeps the sign of ``-0.0``): those few are rounded by Python. Each
    tenth is written once, not once per value.
    """
    scaled = values * 10.0
    k = np.rint(scaled)
    doubtful = (np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6) | ((values < 0) & (k == 0)) | ~np.isfinite(k)
    k[doubtful] = 0
    tenth = k.astype(np.int64)
    lo, hi = (int(tenth.min()), int(tenth.max())) if tenth.size else (0, 0)
    if hi - lo > 1_000_000:  # too wide a range to write out: each distinct value once instead
        distinct, where = np.unique(tenth, return_inverse=True)
        words = np.array([repr(int(t) / 10) for t in distinct], dtype=object)
        shown = words[where.reshape(tenth.shape)]
    else:
        words = np.array([repr(t / 10) for t in range(lo, hi + 1)], dtype=object)
        shown = words[tenth - lo]
    exact = tenth / 10.0
    for i in np.flatnonzero(doubtful.ravel()):
        v = round(float(values.flat[i]), 1)
        exact.flat[i], shown.flat[i] = v, repr(v)
    return exact, shown


def _reasons_json(words: pd.Series | list[list[str]]) -> list[str]:
    """``json.dumps`` of each row's list of reasons, encoding each distinct sentence once."""
    said = list(words)
    encoded = {s: json.dumps(s) for s in {s for row in said for s in (row or [])}}
    return ["[" + ", ".join([encoded[s] for s in row or []]) + "]" for row in said]


def save_scores(store: Store, frame: pd.DataFrame, as_of: datetime, version: int) -> None:
    """Replace the scores of ``as_of`` and ``version`` with ``frame`` (one transaction)."""
    parts = frame["health_components"] if "health_components" in frame else [None] * len(frame)
    _write_scores(store, frame, as_of, version, [json.dumps(p or {}) for p in parts])


def _write_scores(
    store: Store, frame: pd.DataFrame, as_of: datetime, version: int, parts_json: np.ndarray | list[str]
) -> None:
    columns = [
        "customer_id",
        "scored_at",
        "probability",
        "band",
        "health",
        "health_band",
        "reasons",
        "health_components",
        "model_version",
    ]
    n = len(frame)
    h = frame["health"].to_numpy(float)
    with store.engine.begin() as conn:
        conn.execute(
            sa.delete(churn_scores).where(churn_scores.c.scored_at == as_of, churn_scores.c.model_version == version)
        )
        if n == 0:
            return
        # one executemany of plain tuples: the driver's bulk path, not a dict per row through SQLAlchemy
        bind = churn_scores.c.scored_at.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
        rows = zip(
            frame["customer_id"].astype(str).tolist(),
            itertools.repeat(bind(as_of) if bind else as_of, n),
            frame["probability"].to_numpy(float).tolist(),
            frame["band"].astype(str).tolist(),
            [float(x) if np.isfinite(x) else None for x in h.tolist()],
            frame["health_band"].tolist(),
            _reasons_json(frame["reasons"]),
            list(parts_json),
            itertools.repeat(int(version), n),
            strict=True,
        )
        marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        conn.exec_driver_sql(
            f"INSERT INTO {churn_scores.name} ({', '.join(columns)}) VALUES ({', '.join([marker] * len(columns))})",
            list(rows),
        )


def latest_health_weights(store: Store) -> dict[str, float] | None:
    """The newest weights saved by ``tenure health fit``, or ``None``."""
    q = sa.select(health_weights.c.weights).order_by(health_weights.c.version.desc()).limit(1)
    with store.engine.connect() as conn:
        value = conn.execute(q).scalar()
    return None if value is None else json.loads(value)


def fit_health(store: Store, config: ChurnConfig | None = None, fs: FeatureSet | None = None) -> dict[str, Any]:
    """Learn non-negative health weights from the store's history and save them.

    Returns the weights and the AUC (in the back-test's sense: fitted on earlier dates, judged on
    the newest) of the hand-set and the learned weights.
    """
    config = config or ChurnConfig.from_store(store)
    fs = fs or labelled_features(store, config)
    frame = fs.frame[fs.frame["churned"].notna()].copy()
    y = frame["churned"].astype(int)
    comps = health.components(frame)
    dates = sorted(frame["obs_date"].unique())
    test = frame["obs_date"] == dates[-1]
    figures: dict[str, Any] = {}
    if len(dates) > 1 and y[~test].nunique() == 2:
        w_early = health.fit_weights(comps[~test], y[~test].to_numpy())
        figures["auc_default"] = _auc(y[test], -health.score(comps[test]).fillna(50))
        figures["auc_fitted"] = _auc(y[test], -health.score(comps[test], w_early).fillna(50))
        figures["tested_on"] = f"{pd.Timestamp(dates[-1]):%Y-%m-%d}"
    weights = health.fit_weights(comps, y.to_numpy())
    figures["fitted_on"] = f"{pd.Timestamp(dates[0]):%Y-%m-%d} to {pd.Timestamp(dates[-1]):%Y-%m-%d}"
    with store.engine.begin() as conn:
        conn.execute(
            sa.insert(health_weights).values(
                fitted_at=datetime.now(UTC).replace(tzinfo=None),
                weights=json.dumps(weights),
                metadata=json.dumps(figures),
            )
        )
    return {"weights": weights, **figures}
