"""Customer spans: each customer's history as spans of constant state, from which every period's
customer counts and MRR movements follow (:func:`tenure.metrics.retention.period_totals`).

On ``[t0, t1)`` a customer has ``rows_on`` counting subscription rows active, worth ``cents`` together,
and ``late`` delinquency windows open (DESIGN §4's settings applied, see :mod:`tenure.metrics.activity`).

Building the spans is the largest part of a report on DuckDB: a running sum per customer over every
row's start and end, half of the time of the 100,000-customer demo's full report. They change only
with the subscriptions, the exchange rates, the invoices (for ``delinquency_days``) and the settings
that shape them, so over a SQLite store's columnar copies (:mod:`tenure.store.analytics_copy`) they
are kept beside the copies: ``tenure import`` computes them for the store's settings (:func:`keep`),
the first report with other settings computes and writes its own, later reports read them. A file's
name is a digest of the copies and settings it was computed from, so a report never reads spans of
other data or settings; an import that writes any copy removes them all.

Examples
--------
>>> from tenure.settings import Settings
>>> spans = customer_spans(engine, Settings())           # doctest: +SKIP
>>> spans.columns                                         # doctest: +SKIP
('customer_id', 't0', 't1', 'rows_on', 'cents', 'late')
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import ibis
import ibis.expr.types as ir

from tenure.errors import ConfigurationError
from tenure.metrics.activity import FOREVER, delinquency_windows, nullable, subscription_rows
from tenure.store.analytics_copy import DERIVED, write_copy

if TYPE_CHECKING:
    from tenure.engine import Engine
    from tenure.settings import Settings
    from tenure.store import Store

SHAPING = ("reporting_currency", "churn_recognition", "discounts", "count_free_customers", "delinquency_days")
"""The settings that change the spans."""

SOURCES = ("subscriptions", "rates", "invoices")
"""The tables the spans are computed from."""

FORMAT = 1
"""Bumped whenever :func:`sweep` changes, so files written by an older definition are not read."""


def customer_spans(engine: Engine, settings: Settings, rows: ir.Table | None = None) -> ir.Table:
    """Each customer's spans of constant state: ``(customer_id, t0, t1, rows_on, cents, late)``, only
    spans with some counting row active. Meant to be read several times: it is a stored file or a
    temporary table.

    ``rows``: the subscription rows to sweep; by default :func:`~tenure.metrics.activity.subscription_rows`,
    whose spans are read from their stored file when the engine has one (see the module's text).
    """
    stored = stored_path(engine, settings) if rows is None else None
    if stored is None:
        return sweep(engine, settings, subscription_rows(engine, settings) if rows is None else rows).cache()
    if not stored.exists():
        con = engine.backend.con
        try:
            write_copy(con, engine.sql(sweep(engine, settings, subscription_rows(engine, settings))), stored)
        except OSError:  # the folder is read-only: compute in memory
            return sweep(engine, settings, subscription_rows(engine, settings)).cache()
    try:
        return engine.backend.read_parquet(stored)
    except duckdb.Error:  # not a whole Parquet file (cut short by a crash, say): drop it, compute again
        stored.unlink(missing_ok=True)
        return sweep(engine, settings, subscription_rows(engine, settings)).cache()


def keep(store: Store, settings: Settings | None = None) -> Path | None:
    """Compute and keep the spans of ``store``'s current data under ``settings`` (default: the store's),
    unless kept already. ``tenure import`` does this after an import, so even its first report reads
    them. Returns the file, or ``None`` when none is kept: stores without columnar copies, and data
    the metrics cannot measure yet (rows in a currency without exchange rates; the report names what
    is missing)."""
    from tenure.engine import open_engine

    settings = settings or store.settings
    engine = open_engine(store)
    try:
        path = stored_path(engine, settings)
        if path is not None:
            customer_spans(engine, settings)
        return path
    except ConfigurationError:
        return None
    finally:
        engine.close()


def stored_path(engine: Engine, settings: Settings) -> Path | None:
    """Where the spans of ``engine``'s data under ``settings`` are kept, or ``None`` when they are not
    kept: engines other than DuckDB over a SQLite store's current copies, and views of part of the
    data (a segment's, :func:`~tenure.metrics.report.in_segment`, whose engine reads no copies)."""
    if engine.name != "duckdb" or not all(t in engine.copies for t in SOURCES):
        return None
    made_from = {
        "format": FORMAT,
        "copies": [engine.copies[t].name for t in SOURCES],
        "settings": {name: getattr(settings, name) for name in SHAPING},
    }
    digest = hashlib.sha256(json.dumps(made_from, sort_keys=True).encode()).hexdigest()[:20]
    return engine.copies["subscriptions"].parent / f"{DERIVED}spans-{digest}.parquet"


def sweep(engine: Engine, settings: Settings, rows: ir.Table) -> ir.Table:
    """The spans of ``rows``, by a sweep: +1 row and +cents at each row's start, −1 and −cents at its
    end (and ±1 ``late`` at each delinquency window's), running sums in time order per customer."""
    zero = ibis.literal(0, "int64")
    one = ibis.literal(1, "int64")
    ends = rows.filter(rows.end_date.notnull())
    steps = [
        rows.select("customer_id", t=rows.start_date, d_rows=one, d_cents=rows.cents, d_late=zero),
        ends.select("customer_id", t=ends.end_date, d_rows=-one, d_cents=-ends.cents, d_late=zero),
    ]
    windows = delinquency_windows(engine, settings)
    if windows is not None:
        steps.append(windows.select("customer_id", t=windows.d0, d_rows=zero, d_cents=zero, d_late=one))
        ends = windows.filter(windows.d1.notnull())
        steps.append(ends.select("customer_id", t=ends.d1, d_rows=zero, d_cents=zero, d_late=-one))
    pts = ibis.union(*[nullable(x) for x in steps])
    at = pts.group_by(["customer_id", "t"]).aggregate(
        d_rows=pts.d_rows.sum(), d_cents=pts.d_cents.sum(), d_late=pts.d_late.sum()
    )
    so_far = ibis.window(group_by=at.customer_id, order_by=at.t, rows=(None, 0))
    following = ibis.window(group_by=at.customer_id, order_by=at.t)
    spans = at.select(
        "customer_id",
        t0=at.t,
        t1=at.t.lead().over(following).fill_null(FOREVER),
        rows_on=at.d_rows.sum().over(so_far),
        cents=at.d_cents.sum().over(so_far),
        late=at.d_late.sum().over(so_far),
    )
    return spans.filter(spans.rows_on > 0)
