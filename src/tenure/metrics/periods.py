"""Reporting periods: the grid of boundary instants a report is computed on.

A report over ``[start, end)`` split by ``period`` is a list of boundaries ``t0 < t1 < ... < tn``;
period ``p`` is the half-open interval ``[t_p, t_{p+1})``. The last period is cut at ``end``.
Every metric is computed for all periods at once from the customers' state at these instants.

Examples
--------
>>> [str(t.date()) for t in boundaries("2025-01-01", "2025-04-01", "month")]
['2025-01-01', '2025-02-01', '2025-03-01', '2025-04-01']
>>> months_between(datetime(2025, 1, 1), datetime(2025, 4, 1))
3.0
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, time
from typing import Literal

from tenure.errors import ConfigurationError

PeriodName = Literal["month", "quarter", "year", "whole"]
PERIOD_MONTHS: dict[str, int | None] = {"month": 1, "quarter": 3, "year": 12, "whole": None}


def as_datetime(value: str | date | datetime, what: str = "date") -> datetime:
    """A naive-UTC datetime from an ISO date string, a date or a datetime.

    Examples
    --------
    >>> as_datetime("2025-03-01")
    datetime.datetime(2025, 3, 1, 0, 0)
    """
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime.combine(value, time())
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise ConfigurationError(f"{what}: expected an ISO 8601 date such as 2025-01-31, got {value!r}") from exc
    if parsed.tzinfo is not None:
        from datetime import UTC

        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def add_months(t: datetime, months: int) -> datetime:
    """``t`` moved by whole calendar months (the day is clipped to the month's length).

    Examples
    --------
    >>> add_months(datetime(2025, 1, 31), 1)
    datetime.datetime(2025, 2, 28, 0, 0)
    """
    index = t.year * 12 + (t.month - 1) + months
    year, month = divmod(index, 12)
    day = min(t.day, calendar.monthrange(year, month + 1)[1])
    return t.replace(year=year, month=month + 1, day=day)


def month_start(t: datetime) -> datetime:
    """The first instant of ``t``'s calendar month."""
    return datetime(t.year, t.month, 1)


def boundaries(start: str | date | datetime, end: str | date | datetime, period: str = "month") -> list[datetime]:
    """The boundary instants of ``[start, end)`` split into ``period`` steps.

    Parameters
    ----------
    start, end
        The report's range; ``end`` is exclusive.
    period
        ``month``, ``quarter``, ``year`` (calendar steps from ``start``) or ``whole`` (one period).

    Examples
    --------
    >>> [str(t.date()) for t in boundaries("2025-01-15", "2025-08-01", "quarter")]
    ['2025-01-15', '2025-04-15', '2025-07-15', '2025-08-01']
    """
    a, b = as_datetime(start, "start"), as_datetime(end, "end")
    if b <= a:
        raise ConfigurationError(f"the report's end ({b:%Y-%m-%d}) must be after its start ({a:%Y-%m-%d})")
    if period not in PERIOD_MONTHS:
        raise ConfigurationError(f"unknown period {period!r}; expected one of {', '.join(PERIOD_MONTHS)}")
    step = PERIOD_MONTHS[period]
    if step is None:
        return [a, b]
    points = [a]
    k = 1
    while (t := add_months(a, k * step)) < b:
        points.append(t)
        k += 1
    points.append(b)
    return points


def months_between(a: datetime, b: datetime) -> float:
    """Length of ``[a, b)`` in months: whole calendar months, plus the rest as a share of a month.

    Used to compound a period's rate into a monthly one.

    Examples
    --------
    >>> months_between(datetime(2025, 1, 1), datetime(2026, 1, 1))
    12.0
    >>> round(months_between(datetime(2025, 1, 1), datetime(2025, 1, 16)), 3)
    0.484
    """
    whole = (b.year - a.year) * 12 + (b.month - a.month)
    if add_months(a, whole) > b:
        whole -= 1
    anchor = add_months(a, whole)
    rest = (b - anchor).total_seconds()
    if rest <= 0:
        return float(whole)
    length = (add_months(anchor, 1) - anchor).total_seconds()
    return whole + rest / length


def calendar_months(a: datetime, b: datetime) -> int:
    """How many calendar months ``[a, b)`` touches (for mean monthly active users)."""
    end_index = b.year * 12 + b.month - (1 if b == month_start(b) else 0)
    return max(1, end_index - (a.year * 12 + a.month) + 1)
