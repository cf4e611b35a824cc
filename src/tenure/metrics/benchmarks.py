"""Benchmarks: a period's customer retention rate against published industry figures.

HubSpot's customer retention rates by industry (DESIGN §4): retail 63%, banking 75%, telecom 78%,
IT 81%, insurance 83%, professional services 84%, media 84%. A common goal is 85% or more; 15% is
alarmingly low. The figures are annual, so a period's CRR is compounded to a year before comparing
(``crr ** (12 / months)``).

Examples
--------
>>> b = benchmark(0.99, months=1, industry="it")
>>> round(b["crr_annual"], 4), b["industry_crr"], b["verdict"]
(0.8864, 0.81, 'meets the 85% goal')
"""

from __future__ import annotations

from typing import Any

from tenure.errors import ConfigurationError

BENCHMARKS: dict[str, float] = {
    "retail": 0.63,
    "banking": 0.75,
    "telecom": 0.78,
    "it": 0.81,
    "insurance": 0.83,
    "professional_services": 0.84,
    "media": 0.84,
}
"""HubSpot's annual customer retention rate by industry."""

GOAL = 0.85
"""A common goal for annual customer retention."""

ALARM = 0.15
"""Annual retention this low is alarming."""

SOURCE = "HubSpot, customer retention rate by industry"


def benchmark(crr: float | None, months: float = 12.0, industry: str = "it") -> dict[str, Any]:
    """Compare a CRR measured over ``months`` months with the industry figure and the goal.

    Parameters
    ----------
    crr
        The customer retention rate of the period, as a fraction.
    months
        The period's length in months; the CRR is compounded to 12 months.
    industry
        A key of :data:`BENCHMARKS` (the ``industry`` setting).

    Returns
    -------
    dict
        ``crr``, ``crr_annual``, ``industry``, ``industry_crr``, ``goal``, ``alarm``,
        ``vs_industry`` (difference, annual), ``meets_goal``, ``verdict`` and ``source``.

    Examples
    --------
    >>> benchmark(0.70, months=12, industry="retail")["vs_industry"]
    0.07
    """
    key = industry.strip().lower().replace(" ", "_").replace("-", "_")
    if key not in BENCHMARKS:
        raise ConfigurationError(
            f"industry {industry!r} has no published benchmark; expected one of {', '.join(BENCHMARKS)} "
            "(set TENURE_INDUSTRY)"
        )
    annual = None if crr is None or crr < 0 else crr ** (12.0 / months)
    ref = BENCHMARKS[key]
    if annual is None:
        verdict = "undefined (no customers at the start)"
    elif annual >= GOAL:
        verdict = "meets the 85% goal"
    elif annual <= ALARM:
        verdict = "alarmingly low"
    elif annual >= ref:
        verdict = f"at or above the {key} benchmark"
    else:
        verdict = f"below the {key} benchmark"
    return {
        "crr": crr,
        "crr_annual": annual,
        "industry": key,
        "industry_crr": ref,
        "goal": GOAL,
        "alarm": ALARM,
        "vs_industry": None if annual is None else round(annual - ref, 10),
        "meets_goal": None if annual is None else annual >= GOAL,
        "verdict": verdict,
        "source": SOURCE,
    }
