"""Time in the simulation: the month grid, instants as integer seconds, and the column collector.

Instants are ``int64`` seconds since the Unix epoch, UTC, throughout the simulation; they become
Arrow timestamps only when a table is built. Month ``0`` is the first month of the history, month
``months - 1`` the last; negative months are before the history (when existing customers joined).

Examples
--------
>>> cal = Calendar.ending("2025-01-01", months=12)
>>> str(cal.date(0)), str(cal.date(12))
('2024-01-01', '2025-01-01')
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import numpy as np
import pyarrow as pa

DAY = 86_400
TIMESTAMP = pa.timestamp("us", tz="UTC")
NEVER = np.iinfo(np.int64).max
"""An instant after every other one: the end of an open interval."""


class Calendar:
    """The months of a history of ``months`` months ending (exclusive) on the first day of ``end``'s month.

    Parameters
    ----------
    end_month
        The month after the last simulated one, as ``numpy.datetime64`` with unit ``M``.
    months
        Length of the history in months.
    before
        Months before the history that instants may be asked for (existing customers' pasts).
    """

    def __init__(self, end_month: np.datetime64, months: int, before: int = 48) -> None:
        self.months = months
        self.before = before
        self.end_month = end_month
        grid = end_month - months - before + np.arange(months + before + 1)
        self._starts = grid.astype("datetime64[s]").astype(np.int64)

    @classmethod
    def ending(cls, end: str | dt.date | np.datetime64, months: int, before: int = 48) -> Calendar:
        """A calendar whose history ends at the start of the month containing ``end``."""
        day = end.astype("datetime64[D]") if isinstance(end, np.datetime64) else np.datetime64(end, "D")
        return cls(day.astype("datetime64[M]"), months, before)

    def start(self, month: int | np.ndarray) -> np.ndarray:
        """The first instant of ``month`` (an index, or an array of indices)."""
        return self._starts[np.asarray(month) + self.before]

    @property
    def history_start(self) -> int:
        return int(self.start(0))

    @property
    def history_end(self) -> int:
        return int(self.start(self.months))

    def date(self, month: int) -> np.datetime64:
        """The first day of ``month`` as a ``numpy.datetime64[D]``."""
        return (self.end_month - self.months + month).astype("datetime64[D]")


def timestamps(seconds: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Arrow UTC timestamps from integer seconds; entries where ``valid`` is false become null."""
    micros = np.asarray(seconds, dtype=np.int64)
    if valid is None:
        return pa.array(micros * 1_000_000, type=pa.int64()).cast(TIMESTAMP)
    mask = ~np.asarray(valid, dtype=bool)
    safe = np.where(mask, 0, micros) * 1_000_000
    return pa.array(safe, type=pa.int64(), mask=mask).cast(TIMESTAMP)


def prefixed_ids(prefix: str, n: int, width: int = 7) -> pa.Array:
    """``n`` identifiers ``<prefix>0000001``… as an Arrow string array.

    Examples
    --------
    >>> prefixed_ids("in_", 2, width=3).to_pylist()
    ['in_001', 'in_002']
    """
    import pyarrow.compute as pc

    digits = pc.utf8_lpad(pa.array(np.arange(1, n + 1)).cast(pa.string()), width=width, padding="0")
    return pc.binary_join_element_wise(pa.scalar(prefix), digits, "")


class Chunks:
    """Collects a table's columns month by month as NumPy arrays, concatenated once at the end."""

    def __init__(self) -> None:
        self._parts: dict[str, list[np.ndarray]] = defaultdict(list)

    def add(self, **columns: np.ndarray) -> None:
        """Append one chunk; every column must have the same length."""
        lengths = {len(v) for v in columns.values()}
        if len(lengths) > 1:
            raise ValueError(f"chunk columns differ in length: {lengths}")
        for name, values in columns.items():
            self._parts[name].append(np.asarray(values))

    def column(self, name: str, dtype: type | str | None = None) -> np.ndarray:
        parts = self._parts.get(name, [])
        if not parts:
            return np.empty(0, dtype=dtype or np.int64)
        out = np.concatenate(parts)
        return out if dtype is None else out.astype(dtype)

    def columns(self) -> dict[str, np.ndarray]:
        return {name: self.column(name) for name in self._parts}
