"""From transactions to the per-customer summary the CLV models fit on.

For a calibration end date and a time unit, each customer gets:

- ``frequency``: repeat transactions (days with a purchase, after the first one);
- ``recency``: time from the first to the last purchase;
- ``T``: time from the first purchase to the calibration end;
- ``monetary_value``: mean spend per repeat transaction (the first purchase excluded, as in the
  Gamma-Gamma paper); NaN for customers with frequency 0.

Several purchases by one customer on one day count as one transaction with their amounts summed
(the papers' convention). The work is one DuckDB query over a pandas DataFrame, an Arrow table or a
CSV/Parquet file, so tens of millions of rows take seconds, not a Python loop.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from tenure.errors import ConfigurationError, ModelError

__all__ = [
    "TIME_UNITS",
    "customer_summary",
    "summary_from_orders",
    "summary_with_holdout",
]

#: Days per time unit. A month is the mean Gregorian month (365.25 / 12 days).
TIME_UNITS: dict[str, float] = {"day": 1.0, "week": 7.0, "month": 365.25 / 12}


def _unit_days(time_unit: str) -> float:
    try:
        return TIME_UNITS[time_unit]
    except KeyError:
        raise ConfigurationError(
            f"time unit {time_unit!r} is not supported; expected one of {', '.join(TIME_UNITS)}"
        ) from None


def _as_date(value: Any, what: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return pd.Timestamp(value).date()
    except (ValueError, TypeError):
        raise ConfigurationError(f"{what}: expected a date like 1997-09-30, got {value!r}") from None


def _relation(con: duckdb.DuckDBPyConnection, data: Any, columns: dict[str, str]) -> str:
    """Register ``data`` (DataFrame, Arrow table, or CSV/Parquet path) as view ``src``.

    ``columns`` maps the names the query uses to the names in ``data``.
    """
    if isinstance(data, str | Path):
        path = str(data)
        reader = "read_parquet" if path.lower().endswith((".parquet", ".pq")) else "read_csv_auto"
        quoted = path.replace("'", "''")
        con.execute(f"CREATE VIEW raw AS SELECT * FROM {reader}('{quoted}')")
    elif isinstance(data, pd.DataFrame | pa.Table | pa.RecordBatchReader):
        con.register("raw", data)
    else:
        raise ModelError(
            f"transactions: expected a pandas DataFrame, an Arrow table or a CSV/Parquet path, "
            f"got {type(data).__name__}"
        )
    present = [d[0] for d in con.execute("SELECT * FROM raw LIMIT 0").description]
    missing = [source for source in columns.values() if source not in present]
    if missing:
        raise ModelError(f"transactions: missing column(s) {missing}; found {present}")
    select = ", ".join(f'"{source}" AS {name}' for name, source in columns.items())
    con.execute(f"CREATE VIEW src AS SELECT {select} FROM raw")
    return "src"


_SUMMARY_SQL = """
WITH days AS (
    SELECT customer_id, CAST(date AS DATE) AS day, SUM(amount) AS amount
    FROM src
    WHERE CAST(date AS DATE) <= $cal_end
    GROUP BY customer_id, CAST(date AS DATE)
),
calibration AS (
    SELECT
        customer_id,
        COUNT(*) - 1 AS frequency,
        date_diff('day', MIN(day), MAX(day)) / $unit AS recency,
        date_diff('day', MIN(day), $cal_end) / $unit AS T,
        CASE WHEN COUNT(*) > 1
             THEN (SUM(amount) - arg_min(amount, day)) / (COUNT(*) - 1) END AS monetary_value,
        MIN(day) AS first_purchase
    FROM days
    GROUP BY customer_id
)
"""


def customer_summary(
    transactions: Any,
    calibration_end: Any = None,
    *,
    time_unit: str = "week",
    customer_id: str = "customer_id",
    date: str = "date",
    amount: str | None = "amount",
) -> pd.DataFrame:
    """Per-customer (frequency, recency, T, monetary_value) for a calibration period.

    Parameters
    ----------
    transactions
        A pandas DataFrame, an Arrow table, or the path of a CSV or Parquet file, with one row per
        purchase.
    calibration_end
        Last day of the calibration period (inclusive). Default: the last date in the data.
    time_unit
        ``day``, ``week`` or ``month`` (365.25/12 days).
    customer_id, date, amount
        Column names in ``transactions``; ``amount=None`` when there is no spend column.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer id, sorted by it, columns ``frequency, recency, T, monetary_value,
        first_purchase``. Customers whose first purchase is after the calibration end are left out.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 1, 2], "amount": [10.0, 5.0, 20.0, 8.0],
    ...                    "date": ["2024-01-01", "2024-01-01", "2024-01-15", "2024-01-08"]})
    >>> s = customer_summary(tx, "2024-01-29", time_unit="week")
    >>> s[["frequency", "recency", "T", "monetary_value"]].to_dict("index")[1]
    {'frequency': 1, 'recency': 2.0, 'T': 4.0, 'monetary_value': 20.0}
    """
    with duckdb.connect() as con:
        cal_end = _calibration_end(con, transactions, calibration_end, customer_id, date, amount)
        sql = _SUMMARY_SQL + "SELECT * FROM calibration ORDER BY customer_id"
        frame = con.execute(sql, {"cal_end": cal_end, "unit": _unit_days(time_unit)}).df()
    return _finish(frame)


def summary_with_holdout(
    transactions: Any,
    calibration_end: Any,
    observation_end: Any = None,
    *,
    time_unit: str = "week",
    customer_id: str = "customer_id",
    date: str = "date",
    amount: str | None = "amount",
) -> pd.DataFrame:
    """The calibration summary plus what each customer did after it, for holdout checks.

    Adds ``frequency_holdout`` (transaction days in (calibration_end, observation_end]),
    ``monetary_value_holdout`` and ``duration_holdout`` (observation_end − calibration_end, in
    ``time_unit``). ``observation_end`` defaults to the last date in the data.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 1], "amount": [10.0, 5.0, 20.0],
    ...                    "date": ["2024-01-01", "2024-01-15", "2024-02-12"]})
    >>> s = summary_with_holdout(tx, "2024-01-29", "2024-02-26")
    >>> s[["frequency", "frequency_holdout", "duration_holdout"]].to_dict("records")
    [{'frequency': 1, 'frequency_holdout': 1, 'duration_holdout': 4.0}]
    """
    with duckdb.connect() as con:
        cal_end = _calibration_end(con, transactions, calibration_end, customer_id, date, amount)
        if observation_end is None:
            obs_end = con.execute("SELECT MAX(CAST(date AS DATE)) FROM src").fetchone()[0]  # type: ignore[index]
        else:
            obs_end = _as_date(observation_end, "observation end")
        if obs_end <= cal_end:
            raise ConfigurationError(f"observation end {obs_end} must be after the calibration end {cal_end}")
        sql = (
            _SUMMARY_SQL
            + """,
holdout AS (
    SELECT customer_id, COUNT(*) AS frequency_holdout, AVG(amount) AS monetary_value_holdout
    FROM (
        SELECT customer_id, CAST(date AS DATE) AS day, SUM(amount) AS amount
        FROM src
        WHERE CAST(date AS DATE) > $cal_end AND CAST(date AS DATE) <= $obs_end
        GROUP BY customer_id, CAST(date AS DATE)
    )
    GROUP BY customer_id
)
SELECT c.*, COALESCE(h.frequency_holdout, 0) AS frequency_holdout, h.monetary_value_holdout,
       date_diff('day', $cal_end, $obs_end) / $unit AS duration_holdout
FROM calibration c LEFT JOIN holdout h USING (customer_id)
ORDER BY customer_id
"""
        )
        params = {"cal_end": cal_end, "obs_end": obs_end, "unit": _unit_days(time_unit)}
        frame = con.execute(sql, params).df()
    frame = _finish(frame)
    frame["frequency_holdout"] = frame["frequency_holdout"].astype("int64")
    return frame


def summary_from_orders(
    orders: Any,
    calibration_end: Any = None,
    *,
    time_unit: str = "week",
) -> pd.DataFrame:
    """The CLV summary from Tenure's canonical ``orders`` table.

    ``orders`` has columns ``order_id, customer_id, ordered_at, amount`` and may be a pandas
    DataFrame, an Arrow table, a CSV/Parquet path, or a SQLAlchemy engine or connection whose
    database has an ``orders`` table. Times are cut to their UTC date.

    Examples
    --------
    >>> import pandas as pd
    >>> orders = pd.DataFrame({"order_id": ["o1", "o2"], "customer_id": ["c1", "c1"],
    ...                        "ordered_at": ["2024-01-01T10:00:00Z", "2024-01-08T09:30:00Z"],
    ...                        "amount": [12.0, 30.0]})
    >>> summary_from_orders(orders, "2024-01-15")[["frequency", "recency", "T"]].to_dict("records")
    [{'frequency': 1, 'recency': 1.0, 'T': 2.0}]
    """
    if hasattr(orders, "connect") or hasattr(orders, "exec_driver_sql"):
        import sqlalchemy as sa

        with orders.connect() if hasattr(orders, "connect") else _nullcontext(orders) as conn:
            orders = pd.read_sql(sa.text("SELECT customer_id, ordered_at, amount FROM orders"), conn)
    if isinstance(orders, pd.DataFrame) and "ordered_at" in orders.columns:
        orders = orders.assign(ordered_at=_utc_dates(orders["ordered_at"]))
    elif isinstance(orders, pa.Table) and "ordered_at" in orders.column_names:
        frame = orders.select([c for c in ("customer_id", "ordered_at", "amount") if c in orders.column_names])
        orders = frame.to_pandas()
        orders["ordered_at"] = _utc_dates(orders["ordered_at"])
    return customer_summary(orders, calibration_end, time_unit=time_unit, date="ordered_at")


class _nullcontext:
    def __init__(self, value: Any) -> None:
        self.value = value

    def __enter__(self) -> Any:
        return self.value

    def __exit__(self, *exc: object) -> None:
        return None


def _utc_dates(values: pd.Series) -> pd.Series:
    stamps = pd.to_datetime(values, utc=True, format="ISO8601")
    return stamps.dt.tz_convert("UTC").dt.tz_localize(None).dt.normalize()


def _calibration_end(
    con: duckdb.DuckDBPyConnection,
    transactions: Any,
    calibration_end: Any,
    customer_id: str,
    date: str,
    amount: str | None,
) -> dt.date:
    columns = {"customer_id": customer_id, "date": date}
    if amount is not None:
        columns["amount"] = amount
    _relation(con, transactions, columns)
    if amount is None:
        con.execute("CREATE OR REPLACE VIEW src AS SELECT *, CAST(NULL AS DOUBLE) AS amount FROM src")
    _check_dates(con, date)
    if calibration_end is None:
        found = con.execute("SELECT MAX(CAST(date AS DATE)) FROM src").fetchone()
        if found is None or found[0] is None:
            raise ModelError("transactions: no rows")
        return found[0]
    return _as_date(calibration_end, "calibration end")


def _check_dates(con: duckdb.DuckDBPyConnection, date_column: str) -> None:
    bad = con.execute(
        "SELECT row_number, value FROM (SELECT row_number() OVER () AS row_number,"
        " CAST(date AS VARCHAR) AS value,"
        " TRY_CAST(date AS DATE) AS parsed FROM src) WHERE parsed IS NULL LIMIT 1"
    ).fetchone()
    if bad is not None:
        raise ModelError(
            f"transactions row {bad[0]:,}, column {date_column!r}: expected a date like 1997-01-25, got {bad[1]!r}"
        )


def _finish(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.set_index("customer_id")
    frame["frequency"] = frame["frequency"].astype("int64")
    for column in ("recency", "T"):
        frame[column] = frame[column].astype(float)
    frame["monetary_value"] = frame["monetary_value"].astype(float)
    return frame
