"""Product usage: the latent engagement state and the events it produces.

Each customer carries an engagement ``z`` (0 = their normal level) that follows an AR(1) process
plus disengagement spells: a spell starts with probability ``decline_start_probability`` a month,
pushes ``z`` down by ``decline_step`` a month (to ``decline_floor``), and ends with probability
``decline_end_probability``, after which ``z`` climbs back. Events of every type arrive as Poisson
counts proportional to ``users ** 0.8 × exp(level + z)`` over the part of the month the customer is
active, so usage decays in the months before a churn that low engagement causes (see
:mod:`tenure.simulate.effects`).

Events are generated with NumPy counts and ``repeat``, never one at a time.

Examples
--------
>>> EVENT_TYPES[:3]
('login', 'dashboard_viewed', 'report_created')
"""

from __future__ import annotations

import numpy as np

from tenure.simulate.calendar import DAY, Chunks
from tenure.simulate.effects import Effects

EVENT_TYPES = (
    "login",
    "dashboard_viewed",
    "report_created",
    "export",
    "integration_connected",
    "invite_sent",
    "onboarding_profile",
    "onboarding_import",
    "onboarding_invite",
    "onboarding_integration",
)
ONBOARDING_TYPES = (6, 7, 8, 9)
MONTHLY_RATE_PER_USER = np.array([2.4, 1.9, 0.6, 0.2, 0.02, 0.04])
"""Events a month per (effective) user at normal engagement, for the first six event types."""

PROPERTIES = (
    '{"format": "csv"}',
    '{"format": "xlsx"}',
    '{"format": "pdf"}',
    '{"integration": "salesforce"}',
    '{"integration": "hubspot"}',
    '{"integration": "slack"}',
    '{"integration": "stripe"}',
    '{"integration": "snowflake"}',
    '{"role": "member"}',
    '{"role": "admin"}',
    '{"source": "csv_upload"}',
    '{"source": "api"}',
)
"""The JSON ``properties`` events can carry: export format, integration, invite role, import source."""
_PROPERTY_CHOICES = {3: (0, 3), 4: (3, 8), 5: (8, 10), 7: (10, 12)}

_HOUR_WEIGHTS = np.array([1, 1, 1, 1, 1, 2, 4, 8, 14, 18, 18, 16, 13, 16, 17, 16, 14, 11, 8, 6, 5, 4, 2, 1.0])
_HOUR_P = _HOUR_WEIGHTS / _HOUR_WEIGHTS.sum()


def step_engagement(
    rng: np.random.Generator, z: np.ndarray, decline: np.ndarray, in_spell: np.ndarray, fx: Effects
) -> None:
    """Advance every customer's engagement by one month, in place.

    ``z`` is the AR(1) part, ``decline`` the (non-positive) disengagement offset and ``in_spell``
    whether a disengagement spell is under way; a customer's engagement is ``z + decline``.
    """
    n = len(z)
    z *= fx.engagement_persistence
    z += rng.normal(0.0, fx.engagement_noise_sd, n)
    starts = ~in_spell & (rng.random(n) < fx.decline_start_probability)
    ends = in_spell & (rng.random(n) < fx.decline_end_probability)
    in_spell |= starts
    in_spell &= ~ends
    decline[in_spell] = np.maximum(decline[in_spell] - fx.decline_step, fx.decline_floor)
    decline[~in_spell] = np.minimum(decline[~in_spell] + fx.decline_step, 0.0)


def _times(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Instants in [lo, hi), uniform over days and shaped like a working day within a day."""
    t = lo + (rng.random(len(lo)) * (hi - lo)).astype(np.int64)
    day = t - t % DAY
    shaped = day + rng.choice(24, size=len(t), p=_HOUR_P) * 3600 + rng.integers(0, 3600, len(t))
    return np.clip(shaped, lo, hi - 1)


def generate_events(
    rng: np.random.Generator,
    out: Chunks,
    customers: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    intensity: np.ndarray,
    users: np.ndarray,
) -> np.ndarray:
    """Draw the regular usage events of ``customers`` over their windows [lo, hi).

    Parameters
    ----------
    rng
        Random generator.
    out
        The events collector; gets columns customer, type, time, user, value, properties.
    customers
        Customer indices.
    lo, hi
        Each customer's active window this month, in seconds.
    intensity
        Expected events a month per unit rate: ``users ** 0.8 × exp(level + z)`` (and plan factors).
    users
        Number of users each customer has; events are spread over them, heavier on the first.

    Returns
    -------
    numpy.ndarray
        The latest event instant per customer (``-1`` where a customer had none).
    """
    fraction = (hi - lo) / (30.4 * DAY)
    mean = intensity[:, None] * fraction[:, None] * MONTHLY_RATE_PER_USER[None, :]
    counts = rng.poisson(mean)
    per_customer = counts.sum(axis=1)
    cust_rep = np.repeat(np.arange(len(customers)), per_customer)
    types = np.repeat(np.tile(np.arange(mean.shape[1], dtype=np.int8), len(customers)), counts.ravel())
    times = _times(rng, lo[cust_rep], hi[cust_rep])
    user = (users[cust_rep] * rng.random(len(cust_rep)) ** 2).astype(np.int32)
    _add(rng, out, customers[cust_rep], types, times, user)
    last = np.full(len(customers), -1, dtype=np.int64)
    np.maximum.at(last, cust_rep, times)
    return last


def generate_onboarding(
    rng: np.random.Generator, out: Chunks, customers: np.ndarray, created: np.ndarray, share: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Draw each new customer's onboarding steps done within 30 days of ``created``.

    Returns the number of steps (0–4) each customer completed and the instant of each one's last
    step (``-1`` for none); the steps done are written as ``onboarding_*`` events by the first user,
    in order profile, import, invite, integration.
    """
    steps = rng.binomial(4, share)
    cust_rep = np.repeat(np.arange(len(customers)), steps)
    first = np.repeat(np.cumsum(steps) - steps, steps)
    order = np.arange(len(cust_rep)) - first
    types = np.asarray(ONBOARDING_TYPES, dtype=np.int8)[order]
    # Step k lands on day ~3k of the first month, each a little later than the one before.
    day = np.minimum(order * 5 + rng.integers(0, 6, len(order)), 29)
    times = created[cust_rep] + day * DAY + rng.integers(0, DAY, len(order))
    _add(rng, out, customers[cust_rep], types, times, np.zeros(len(order), dtype=np.int32))
    last = np.full(len(customers), -1, dtype=np.int64)
    np.maximum.at(last, cust_rep, times)
    return steps, last


def _add(
    rng: np.random.Generator,
    out: Chunks,
    customers: np.ndarray,
    types: np.ndarray,
    times: np.ndarray,
    user: np.ndarray,
) -> None:
    n = len(types)
    value = np.full(n, np.nan)
    dash = types == 1
    value[dash] = np.round(rng.lognormal(4.5, 0.8, int(dash.sum())))
    report = types == 2
    value[report] = rng.integers(1, 13, int(report.sum()))
    export = types == 3
    value[export] = np.round(rng.lognormal(6.0, 1.5, int(export.sum())))
    props = np.full(n, -1, dtype=np.int8)
    for t, (a, b) in _PROPERTY_CHOICES.items():
        sel = types == t
        props[sel] = rng.integers(a, b, int(sel.sum()))
    out.add(customer=customers.astype(np.int32), type=types, time=times, user=user, value=value, properties=props)
