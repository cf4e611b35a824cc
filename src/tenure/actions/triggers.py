"""Triggers: which customers a playbook looks at on a run, before its condition.

A trigger is a mapping of one or more of these keys (all must hold):

==========================  ==========================================================================
``inactive_days: N``        no product event for at least N days
``schedule: daily``         everyone; ``daily``, ``weekly`` (Mondays) or ``monthly`` (the 1st) says
                            on which days the scheduler runs the playbook
``event: NAME``             NAME happened in the last ``within_days`` days (default 1): an event
                            type from ``events``, or ``payment_failed``, ``nps_answered``,
                            ``nps_detractor`` (an NPS answer of 0–6), ``renewal_request`` (a
                            discount_request or contract_change ticket)
``risk_band: high``         the latest churn score's band (or a list of bands)
``renewal_within_days: N``  an active line renews within N days
``segment: NAME``           the customer is in segment NAME (or a list of segments)
``customers: active``       whom to consider: ``active`` (default: with an active subscription),
                            ``paying``, ``churned`` (no active subscription) or ``all``
==========================  ==========================================================================

Examples
--------
>>> trigger = Trigger.parse({"inactive_days": 14})
>>> trigger.describe({"days_since_last_activity": 30.0, "active": True})
'inactive 30 days (≥ 14)'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from tenure.actions.fields import field_name
from tenure.errors import ConfigurationError

SCHEDULES = ("daily", "weekly", "monthly")
AUDIENCES = ("active", "paying", "churned", "all")
SPECIAL_EVENTS = {
    "payment_failed": "days_since_payment_failed",
    "nps_answered": "days_since_nps",
    "survey_answered": "days_since_nps",
    "nps_detractor": "days_since_nps",
    "renewal_request": "days_since_renewal_request",
}
KEYS = (
    "inactive_days",
    "schedule",
    "event",
    "within_days",
    "risk_band",
    "renewal_within_days",
    "segment",
    "customers",
)


@dataclass(frozen=True)
class Trigger:
    """A parsed trigger; see the module docstring for the keys."""

    inactive_days: int | None = None
    schedule: str = "daily"
    event: str | None = None
    within_days: int = 1
    risk_bands: tuple[str, ...] = ()
    renewal_within_days: int | None = None
    segments: tuple[str, ...] = ()
    customers: str = "active"
    spec: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, spec: Any, where: str = "trigger") -> Trigger:
        """Check a trigger mapping from a playbook and build the :class:`Trigger`."""
        if spec is None:
            spec = {"schedule": "daily"}
        if isinstance(spec, str):
            spec = {"schedule": spec} if spec in SCHEDULES else {"event": spec}
        if not isinstance(spec, Mapping) or not spec:
            raise ConfigurationError(f"{where}: expected a mapping such as {{inactive_days: 14}}, got {spec!r}")
        unknown = [k for k in spec if k not in KEYS]
        if unknown:
            raise ConfigurationError(f"{where}: unknown key {unknown[0]!r}; expected any of {', '.join(KEYS)}")
        kw: dict[str, Any] = {"spec": dict(spec)}
        for key in ("inactive_days", "within_days", "renewal_within_days"):
            if key in spec:
                kw[key] = _days(spec[key], f"{where}.{key}")
        if "schedule" in spec:
            if spec["schedule"] not in SCHEDULES:
                raise ConfigurationError(
                    f"{where}.schedule: expected one of {', '.join(SCHEDULES)}, got {spec['schedule']!r}"
                )
            kw["schedule"] = spec["schedule"]
        if "event" in spec:
            if not isinstance(spec["event"], str) or not spec["event"].strip():
                raise ConfigurationError(f"{where}.event: expected an event name, got {spec['event']!r}")
            kw["event"] = spec["event"].strip()
        if "risk_band" in spec:
            kw["risk_bands"] = _names(spec["risk_band"], f"{where}.risk_band")
        if "segment" in spec:
            kw["segments"] = _names(spec["segment"], f"{where}.segment")
        if "customers" in spec:
            if spec["customers"] not in AUDIENCES:
                raise ConfigurationError(
                    f"{where}.customers: expected one of {', '.join(AUDIENCES)}, got {spec['customers']!r}"
                )
            kw["customers"] = spec["customers"]
        return cls(**kw)

    @property
    def event_field(self) -> str | None:
        """The field holding days since the trigger's event."""
        if self.event is None:
            return None
        return SPECIAL_EVENTS.get(self.event, f"days_since_{field_name(self.event)}")

    @property
    def event_types(self) -> tuple[str, ...]:
        """Event types (from ``events``) the fields must measure for this trigger."""
        return (self.event,) if self.event and self.event not in SPECIAL_EVENTS else ()

    def due(self, day: dt.date) -> bool:
        """Whether the scheduler runs the playbook on ``day``.

        Examples
        --------
        >>> Trigger.parse({"schedule": "weekly"}).due(dt.date(2025, 6, 2))   # a Monday
        True
        """
        if self.schedule == "weekly":
            return day.weekday() == 0
        if self.schedule == "monthly":
            return day.day == 1
        return True

    def mask(self, frame: pd.DataFrame) -> np.ndarray:
        """Which customers (rows of a field frame) the trigger picks."""
        n = len(frame)
        out = np.ones(n, dtype=bool)
        if self.customers == "active":
            out &= frame["active"].to_numpy(dtype=bool)
        elif self.customers == "paying":
            out &= frame["paying"].to_numpy(dtype=bool)
        elif self.customers == "churned":
            out &= ~frame["active"].to_numpy(dtype=bool)
        if self.inactive_days is not None:
            out &= _ge(frame["days_since_last_activity"], self.inactive_days)
        if self.event_field is not None:
            days = frame[self.event_field] if self.event_field in frame else pd.Series(np.nan, index=frame.index)
            values = days.to_numpy(dtype=float, na_value=np.nan)
            with np.errstate(invalid="ignore"):
                out &= np.nan_to_num(values, nan=np.inf) < self.within_days
            if self.event == "nps_detractor":
                out &= np.nan_to_num(frame["nps"].to_numpy(dtype=float, na_value=np.nan), nan=99) <= 6
        if self.risk_bands:
            out &= frame["risk_band"].isin(self.risk_bands).to_numpy()
        if self.renewal_within_days is not None:
            renewal = frame["days_to_renewal"].to_numpy(dtype=float, na_value=np.nan)
            with np.errstate(invalid="ignore"):
                out &= np.nan_to_num(renewal, nan=-1) >= 0
                out &= np.nan_to_num(renewal, nan=np.inf) <= self.renewal_within_days
        if self.segments:
            out &= frame["segment"].isin(self.segments).to_numpy()
        return out

    def describe(self, row: Mapping[str, Any]) -> str:
        """Why the trigger picked this customer, in words."""
        parts = []
        if self.inactive_days is not None:
            parts.append(f"inactive {_int(row.get('days_since_last_activity'))} days (≥ {self.inactive_days})")
        if self.event is not None:
            ago = _int(row.get(self.event_field or ""))
            parts.append(f"{self.event} {ago} days ago" if ago != "?" else self.event)
        if self.risk_bands:
            parts.append(f"risk band {row.get('risk_band')}")
        if self.renewal_within_days is not None:
            parts.append(f"renews in {_int(row.get('days_to_renewal'))} days")
        if self.segments:
            parts.append(f"segment {row.get('segment')}")
        if not parts:
            parts.append(f"{self.schedule} schedule")
        return ", ".join(parts)


def _int(value: Any) -> str:
    try:
        return str(int(value))
    except (TypeError, ValueError):
        return "?"


def _ge(series: pd.Series, bound: float) -> np.ndarray:
    values = series.to_numpy(dtype=float, na_value=np.nan)
    return np.nan_to_num(values, nan=-np.inf) >= bound


def _days(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigurationError(f"{where}: expected a whole number of days ≥ 0, got {value!r}")
    return value


def _names(value: Any, where: str) -> tuple[str, ...]:
    items = value if isinstance(value, list | tuple) else [value]
    if not items or not all(isinstance(v, str) and v for v in items):
        raise ConfigurationError(f"{where}: expected a name or a list of names, got {value!r}")
    return tuple(items)
