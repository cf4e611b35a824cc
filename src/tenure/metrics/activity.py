"""Who is an active customer, and for how much, at any instant: the settings of DESIGN §4 applied.

Every metric starts here. A subscription row makes its customer **active at instant t** when
``start_date ≤ t < end_date`` (or no ``end_date``). The settings change which rows count and for how
much:

- ``churn_recognition="scheduled"``: a row with ``canceled_at`` ends there (if earlier than ``end_date``);
- ``discounts="ignored"``: MRR is ``list_mrr`` where given; a 100%-off line (``mrr`` 0) stays free;
- ``count_free_customers=False`` (default): rows worth zero MRR make nobody a customer;
- ``reporting_currency``: money is converted at the rate of the row's ``start_date`` (the ``rates``
  row of that currency with the latest ``date`` on or before it), so exchange-rate swings never show
  up as expansion or contraction;
- ``delinquency_days=N``: from ``due_at + N days`` until ``paid_at`` (for ever if never paid) an
  invoice that is not paid, void or draft makes its customer inactive.

Money is carried as whole **cents** of the reporting currency (each row rounded half up once, after
conversion), so sums are exact integers and every engine agrees to the cent.

Examples
--------
>>> from tenure.settings import Settings
>>> rows = subscription_rows(engine, Settings())          # doctest: +SKIP
>>> states = customer_states(engine, Settings(), instants_table([datetime(2025, 1, 1)]))  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir
import pandas as pd

from tenure.errors import ConfigurationError

if TYPE_CHECKING:
    from tenure.engine import Engine
    from tenure.settings import Settings


FOREVER = ibis.literal(datetime(9999, 1, 1), "timestamp")
"""Stands in for a missing end (of a row, or of a rate's validity) in range joins."""


def cents(amount: ir.NumericValue, rate: ir.NumericValue | float = 1.0) -> ir.IntegerValue:
    """``amount × rate`` in whole cents, rounded half up the same way on every engine."""
    return ((amount * rate) * 100 + 0.5).floor().cast("int64")


def nullable(table: ir.Table) -> ir.Table:
    """``table`` with every column nullable, so tables from different sources can be unioned."""
    schema = table.schema()
    return table.cast({c: schema[c].copy(nullable=True) for c in table.columns})


def instants_table(points: Sequence[datetime]) -> ir.Table:
    """The boundary instants as a small table ``(i, t)``."""
    frame = pd.DataFrame({"i": range(len(points)), "t": pd.to_datetime(list(points))})
    return ibis.memtable(frame, schema={"i": "int64", "t": "timestamp"})


def periods_table(points: Sequence[datetime]) -> ir.Table:
    """The periods ``(p, a, b)``: period ``p`` is ``[points[p], points[p+1])``."""
    frame = pd.DataFrame(
        {"p": range(len(points) - 1), "a": pd.to_datetime(points[:-1]), "b": pd.to_datetime(points[1:])}
    )
    return ibis.memtable(frame, schema={"p": "int64", "a": "timestamp", "b": "timestamp"})


def _rates_for(engine: Engine, settings: Settings, table: ir.Table, key: str, on: str) -> ir.Table:
    """``table`` with a ``rate`` column: the rate of its ``currency`` at its ``on`` date (1 for the
    reporting currency). Rows without a rate raise :class:`ConfigurationError`."""
    rep = settings.reporting_currency
    currency = table.currency.fill_null(rep)
    home = table.filter(currency == rep).mutate(rate=ibis.literal(1.0, "float64"))
    foreign = table.filter(currency != rep)
    missing = _missing_rates(engine, settings, foreign, on)
    if missing is None:
        return home
    if missing:
        raise ConfigurationError(missing)
    rates = engine.table("rates")
    # Each rate holds from its date until the currency's next rate: one match per row, no fan-out.
    following = ibis.window(group_by=rates.currency, order_by=rates.date)
    spans = rates.select(
        r_currency=rates.currency,
        r_from=rates.date,
        r_to=rates.date.lead().over(following).fill_null(FOREVER),
        rate=rates.rate,
    )
    joined = foreign.join(
        spans,
        [foreign.currency == spans.r_currency, spans.r_from <= foreign[on], spans.r_to > foreign[on]],
    )
    converted = joined.drop("r_currency", "r_from", "r_to")
    return nullable(home).union(nullable(converted.select(*home.columns)))


def _missing_rates(engine: Engine, settings: Settings, foreign: ir.Table, on: str) -> str | None:
    """``None`` when no row is in a foreign currency; ``""`` when every one has a rate; otherwise
    a message naming the currencies and dates without one."""
    rates = engine.table("rates")
    first = rates.group_by(rates.currency).aggregate(first_rate=rates.date.min())
    first = first.rename(r_currency="currency")
    j = foreign.join(first, foreign.currency == first.r_currency, how="left")
    summary = j.aggregate(
        rows=j.count(),
        uncovered=(j.first_rate.isnull() | (j.first_rate > j[on])).ifelse(1, 0).sum(),
    )
    counts = engine.execute(summary)
    if int(counts["rows"].iloc[0] or 0) == 0:
        return None
    if int(counts["uncovered"].iloc[0] or 0) == 0:
        return ""
    bad = j.filter(j.first_rate.isnull() | (j.first_rate > j[on]))
    detail = engine.execute(bad.group_by(bad.currency).aggregate(earliest=bad[on].min()).order_by("currency"))
    listed = "; ".join(f"{r.currency} needed from {pd.Timestamp(r.earliest):%Y-%m-%d}" for r in detail.itertuples())
    return (
        f"rates: no exchange rate to {settings.reporting_currency} for {listed}. "
        f"Add rows (currency, date, rate) to the rates table with a date on or before each, "
        f"or set TENURE_REPORTING_CURRENCY to the data's currency"
    )


def subscription_rows(engine: Engine, settings: Settings) -> ir.Table:
    """The subscription rows that count, with their effective end and MRR in cents.

    Columns: ``row_key, customer_id, subscription_id, plan, start_date, end_date`` (effective),
    ``mrr`` (as imported), ``currency``, ``rate``, ``cents`` (monthly, reporting currency).
    Rows of zero length are dropped; so are zero-MRR rows unless ``count_free_customers``.
    """
    s = engine.table("subscriptions")
    end = s.end_date
    if settings.churn_recognition == "scheduled":
        end = ibis.ifelse(
            s.canceled_at.notnull() & (s.end_date.isnull() | (s.canceled_at < s.end_date)),
            s.canceled_at,
            s.end_date,
        )
    value = s.mrr
    if settings.discounts == "ignored":
        value = ibis.ifelse(s.mrr == 0, s.mrr, s.list_mrr.fill_null(s.mrr))
    rows = s.select(
        "row_key",
        "customer_id",
        "subscription_id",
        "plan",
        "start_date",
        "currency",
        "mrr",
        end_date=end,
        value=value,
    )
    rows = rows.filter(rows.end_date.isnull() | (rows.end_date > rows.start_date))
    rows = _rates_for(engine, settings, rows, "row_key", "start_date")
    rows = rows.mutate(cents=cents(rows.value, rows.rate)).drop("value")
    if not settings.count_free_customers:
        rows = rows.filter(rows.cents > 0)
    return rows


def delinquency_windows(engine: Engine, settings: Settings) -> ir.Table | None:
    """``(customer_id, d0, d1)``: the customer is delinquent from ``d0`` until ``d1`` (null: for ever).

    ``None`` when ``delinquency_days`` is off.
    """
    if settings.delinquency_days is None:
        return None
    inv = engine.table("invoices")
    settled = inv.status.isin(["paid", "void", "draft"])
    inv = inv.filter(inv.due_at.notnull() & (inv.paid_at.notnull() | ~settled.fill_null(False)))
    d0 = inv.due_at + ibis.interval(days=settings.delinquency_days)
    windows = inv.select("customer_id", d0=d0, d1=inv.paid_at)
    return windows.filter(windows.d1.isnull() | (windows.d1 > windows.d0))


def customer_states(engine: Engine, settings: Settings, instants: ir.Table, rows: ir.Table | None = None) -> ir.Table:
    """``(customer_id, i, cents)``: each customer active at instant ``i``, with their MRR there."""
    rows = subscription_rows(engine, settings) if rows is None else rows
    j = rows.join(
        instants,
        [rows.start_date <= instants.t, rows.end_date.isnull() | (rows.end_date > instants.t)],
    )
    states = j.group_by([j.customer_id, j.i]).aggregate(cents=j.cents.sum())
    windows = delinquency_windows(engine, settings)
    if windows is not None:
        w = windows.join(instants, [windows.d0 <= instants.t, windows.d1.isnull() | (windows.d1 > instants.t)])
        late = w.select(w.customer_id, w.i).distinct()
        states = states.anti_join(late, ["customer_id", "i"])
    return states


def first_activations(rows: ir.Table) -> ir.Table:
    """``(customer_id, first_at, first_paid_at)``: the first counted row's start, and the first paying
    row's start (they differ only when free customers count)."""
    paid_start = ibis.ifelse(rows.cents > 0, rows.start_date, ibis.null("timestamp"))
    return rows.group_by("customer_id").aggregate(first_at=rows.start_date.min(), first_paid_at=paid_start.min())
