"""Who the demo business's customers are: segments, countries, channels, owners, names and plans.

Everything here is fixed when a customer is acquired; :mod:`tenure.simulate.engine` moves them
through time. Names and e-mail addresses are fake but plausible and use the reserved ``.example``
top-level domain, so a demo dataset can never e-mail a real person.

Examples
--------
>>> import numpy as np
>>> c = draw_customers(np.random.default_rng(0), n=5, acquisition_month=np.zeros(5, dtype=np.int64))
>>> set(c.segment_name) <= {"enterprise", "mid-market", "smb"}
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SEGMENTS = ("smb", "mid-market", "enterprise")
SEGMENT_SHARES = (0.72, 0.21, 0.07)
SEAT_MEDIAN = (3.0, 18.0, 80.0)
SEAT_SIGMA = (0.6, 0.5, 0.6)
SEAT_BOUNDS = ((1, 25), (6, 150), (25, 2000))
ANNUAL_SHARE = (0.20, 0.45, 0.85)
TRIAL_SHARE = (0.75, 0.45, 0.0)
FREE_SHARE_SMB = 0.10
CARD_PAYER_SHARE = (1.0, 0.7, 0.2)

PLANS = ("free", "starter", "pro", "business", "enterprise")
SEAT_PRICE = np.array([0.0, 12.0, 25.0, 45.0, 75.0])
"""List price per seat per month, in the customer's currency, for monthly billing."""
ANNUAL_PRICE_FACTOR = 10.0 / 12.0
"""Annual plans cost ten months' price a year; their ``mrr`` is that divided by 12."""
PLAN_MIX = (
    (0.0, 0.45, 0.45, 0.10, 0.0),
    (0.0, 0.0, 0.35, 0.55, 0.10),
    (0.0, 0.0, 0.0, 0.25, 0.75),
)

COUNTRIES = ("US", "CA", "GB", "DE", "FR", "NL", "ES", "IE", "AU", "IN", "BR", "SE")
COUNTRY_SHARES = (0.38, 0.06, 0.14, 0.11, 0.07, 0.04, 0.04, 0.02, 0.05, 0.04, 0.03, 0.02)
CURRENCIES = ("USD", "EUR", "GBP")
COUNTRY_CURRENCY = (0, 0, 2, 1, 1, 1, 1, 1, 0, 0, 0, 1)
"""Index into :data:`CURRENCIES` for each country (SEK is billed in EUR here)."""

CHANNELS = ("organic", "paid_search", "paid_social", "partner", "outbound", "referral")
CHANNEL_SHARES = (
    (0.36, 0.24, 0.16, 0.06, 0.04, 0.14),
    (0.25, 0.15, 0.05, 0.20, 0.25, 0.10),
    (0.10, 0.05, 0.0, 0.25, 0.50, 0.10),
)
CHANNEL_ONBOARDING = np.array([0.62, 0.52, 0.45, 0.72, 0.66, 0.70])
"""Mean share of the four onboarding steps a new customer completes, by channel."""

CSMS = (
    "Maya Okafor",
    "Lukas Brandt",
    "Priya Raman",
    "Tom Whitfield",
    "Sofia Marquez",
    "Daniel Cho",
    "Hannah Lindqvist",
    "Omar Haddad",
)
CSM_DOMAIN = "lumenly.example"


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_PREFIX = _words(
    "Acme Blue Bright Cedar Copper Crest Delta Ember Falcon Fern Granite Harbor Helix Indigo Iron "
    "Juniper Keystone Lantern Linden Maple Meridian Nimbus North Oak Orbit Pine Polar Quartz Raven "
    "Redwood River Sable Sierra Silver Spruce Summit Swift Tidal Vector Willow Zephyr Atlas Beacon "
    "Cobalt Drift Echo "
)
_CORE = _words(
    "Analytics Foods Logistics Health Studio Labs Works Dental Legal Retail Media Energy Robotics "
    "Travel Fitness Finance Bakery Design Systems Capital Partners Supply Motors Learning Clinic "
    "Brewing Solar Freight Insurance Realty Security Apparel Networks Farms Pharma Games Cloud Data "
    "Marine "
)
_SUFFIX = ("", "", "", " Inc.", " Ltd", " GmbH", " Co.", " Group", " LLC", " & Co")
_FIRST = _words(
    "Alex Sam Jordan Taylor Morgan Casey Jamie Riley Avery Quinn Emma Liam Olivia Noah Ava Lucas "
    "Mia Leo Zoe Ethan Nora Felix Ines Marco Anna Jonas Clara Hugo Leah Ravi Aisha Kenji Elena "
    "Mateo Sara Omar "
)
_LAST = _words(
    "Smith Jones Brown Garcia Miller Davis Martin Bernard Muller Schmidt Rossi Silva Novak Kim "
    "Patel Singh Nguyen Lopez Clark Lewis Walker Young King Wright Scott Green Baker Hill Moore "
    "Adams Nelson Carter "
)


@dataclass
class Customers:
    """The fixed attributes of every customer, one array entry per customer (index = customer)."""

    customer_id: np.ndarray
    name: list[str]
    email: list[str]
    segment: np.ndarray
    country: np.ndarray
    currency: np.ndarray
    channel: np.ndarray
    owner: list[str | None]
    acquisition_month: np.ndarray
    billing_day: np.ndarray
    trial: np.ndarray
    free: np.ndarray
    plan: np.ndarray
    seats: np.ndarray
    users: np.ndarray
    annual: np.ndarray
    card_payer: np.ndarray
    discount: np.ndarray
    discount_months: np.ndarray
    onboarding_share: np.ndarray
    frailty: np.ndarray
    engagement_level: np.ndarray

    @property
    def segment_name(self) -> np.ndarray:
        return np.asarray(SEGMENTS)[self.segment]

    def __len__(self) -> int:
        return len(self.customer_id)


def customer_ids(n: int) -> np.ndarray:
    """Identifiers ``C000001``…, zero-padded to a width that fits ``n``.

    Examples
    --------
    >>> list(customer_ids(2))
    ['C000001', 'C000002']
    """
    width = max(6, len(str(n)))
    return np.array([f"C{i:0{width}d}" for i in range(1, n + 1)], dtype=object)


def _names(rng: np.random.Generator, n: int) -> tuple[list[str], list[str]]:
    prefix = rng.integers(0, len(_PREFIX), n)
    core = rng.integers(0, len(_CORE), n)
    suffix = rng.integers(0, len(_SUFFIX), n)
    first = rng.integers(0, len(_FIRST), n)
    last = rng.integers(0, len(_LAST), n)
    names: list[str] = []
    emails: list[str] = []
    seen: dict[str, int] = {}
    for i in range(n):
        company = f"{_PREFIX[prefix[i]]} {_CORE[core[i]]}"
        slug = company.lower().replace(" ", "")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        domain = f"{slug}{count + 1 if count else ''}.example"
        names.append(company + (f" {count + 1}" if count else "") + _SUFFIX[suffix[i]])
        emails.append(f"{_FIRST[first[i]].lower()}.{_LAST[last[i]].lower()}@{domain}")
    return names, emails


def draw_customers(rng: np.random.Generator, n: int, acquisition_month: np.ndarray) -> Customers:
    """Draw the fixed attributes of ``n`` customers acquired in ``acquisition_month`` (negative = before).

    Parameters
    ----------
    rng
        The random generator to draw from.
    n
        Number of customers.
    acquisition_month
        Month index of each customer's acquisition; negative for customers already paying when the
        history starts (they get no trial and no free plan).

    Returns
    -------
    Customers
        One entry per customer.
    """
    segment = rng.choice(3, size=n, p=SEGMENT_SHARES)
    country = rng.choice(len(COUNTRIES), size=n, p=COUNTRY_SHARES)
    channel = np.empty(n, dtype=np.int64)
    seats = np.empty(n, dtype=np.int64)
    plan = np.empty(n, dtype=np.int64)
    for s in range(3):
        idx = np.flatnonzero(segment == s)
        channel[idx] = rng.choice(len(CHANNELS), size=len(idx), p=CHANNEL_SHARES[s])
        raw = np.round(SEAT_MEDIAN[s] * np.exp(SEAT_SIGMA[s] * rng.standard_normal(len(idx))))
        seats[idx] = np.clip(raw, *SEAT_BOUNDS[s]).astype(np.int64)
        plan[idx] = rng.choice(len(PLANS), size=len(idx), p=PLAN_MIX[s])
    existing = acquisition_month < 0
    free = (segment == 0) & (rng.random(n) < FREE_SHARE_SMB) & ~existing
    plan[free] = 0
    seats[free] = np.minimum(seats[free], 3)
    trial = (rng.random(n) < np.asarray(TRIAL_SHARE)[segment]) & ~free & ~existing
    annual = (rng.random(n) < np.asarray(ANNUAL_SHARE)[segment]) & ~free
    card_payer = rng.random(n) < np.asarray(CARD_PAYER_SHARE)[segment]
    # Trials last 14 days and end on the billing day, so both fall in the acquisition month.
    billing_day = np.where(trial, rng.integers(14, 28, n), rng.integers(0, 28, n))

    discount = np.zeros(n)
    discount_months = np.zeros(n, dtype=np.int64)
    promo = (segment == 0) & (rng.random(n) < 0.15) & ~free
    discount[promo], discount_months[promo] = 0.2, 3
    mid = (segment == 1) & (rng.random(n) < 0.2)
    discount[mid], discount_months[mid] = 0.1, -1
    ent = (segment == 2) & (rng.random(n) < 0.6)
    discount[ent] = rng.choice([0.1, 0.15, 0.2, 0.25, 0.3], size=int(ent.sum()))
    discount_months[ent] = -1

    utilisation = rng.beta(6, 2, n)
    users = np.maximum(1, np.round(seats * utilisation)).astype(np.int64)
    onboarding_share = rng.beta(4.0 * CHANNEL_ONBOARDING[channel], 4.0 * (1 - CHANNEL_ONBOARDING[channel]))
    frailty = rng.gamma(4.0, 0.25, n)
    engagement_level = rng.normal(0.0, 0.35, n)

    names, emails = _names(rng, n)
    csm = rng.integers(0, len(CSMS), n)
    owner: list[str | None] = [
        None if segment[i] == 0 else f"{CSMS[csm[i]].lower().replace(' ', '.')}@{CSM_DOMAIN}" for i in range(n)
    ]
    return Customers(
        customer_id=customer_ids(n),
        name=names,
        email=emails,
        segment=segment,
        country=country,
        currency=np.asarray(COUNTRY_CURRENCY)[country],
        channel=channel,
        owner=owner,
        acquisition_month=acquisition_month,
        billing_day=billing_day,
        trial=trial,
        free=free,
        plan=plan,
        seats=seats,
        users=users,
        annual=annual,
        card_payer=card_payer,
        discount=discount,
        discount_months=discount_months,
        onboarding_share=onboarding_share,
        frailty=frailty,
        engagement_level=engagement_level,
    )


def acquisition_months(rng: np.random.Generator, n: int, months: int, existing_share: float = 0.2) -> np.ndarray:
    """Spread ``n`` acquisitions over ``months`` with 3% monthly growth; ``existing_share`` come before.

    Customers acquired before the history (negative months, up to three years back) are the paying
    base the business already has when the history starts.

    Examples
    --------
    >>> m = acquisition_months(np.random.default_rng(1), 1000, 24)
    >>> bool((m < 0).mean() > 0.1), int(m.max()) <= 23
    (True, True)
    """
    existing = rng.random(n) < existing_share
    weights = 1.03 ** np.arange(months)
    month = rng.choice(months, size=n, p=weights / weights.sum())
    month[existing] = -rng.integers(1, 37, int(existing.sum()))
    return np.sort(month)
