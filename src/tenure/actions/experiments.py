"""Holdout groups and uplift: who an action treats, who it keeps out at random, and what it bought.

The assignment is a stable hash of (playbook, customer), so it never changes between runs, needs no
stored state, and the demo business can reproduce it. :func:`uplift_report` compares retention of
treated and held-out customers at a horizon, with a 95% confidence interval for the difference
(Newcombe's hybrid score interval by default) and the number of customers needed to detect a lift.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from tenure.errors import NotFoundError

if TYPE_CHECKING:
    from tenure.store import Store

Arm = Literal["treated", "holdout"]


def assign_arm(playbook: str, customer_id: str, holdout: float) -> Arm:
    """Put ``customer_id`` in the treated or holdout arm of ``playbook``.

    The customer is held out when a uniform number drawn from SHA-256(playbook, customer) falls below
    ``holdout``, so about that share of customers is held out and the choice never changes.

    Examples
    --------
    >>> assign_arm("winback", "c1", 0.0)
    'treated'
    >>> assign_arm("winback", "c1", 1.0)
    'holdout'
    """
    if not 0.0 <= holdout <= 1.0:
        raise ValueError(f"holdout share must be between 0 and 1, got {holdout}")
    digest = hashlib.sha256(f"{playbook}\x1f{customer_id}".encode()).digest()
    u = int.from_bytes(digest[:8], "big") / 2**64
    return "holdout" if u < holdout else "treated"


# -- uplift: what a playbook bought ------------------------------------------------------------------

Z95 = 1.959963984540054
"""The 97.5% quantile of the standard normal (two-sided 95% intervals)."""


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion (no continuity correction).

    Examples
    --------
    >>> [round(v, 4) for v in wilson_interval(56, 70)]   # by hand: centre 0.7844, half-width 0.0926
    [0.6918, 0.877]
    """
    if n <= 0:
        raise ValueError("a proportion needs at least one observation")
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def difference_interval(
    x1: int, n1: int, x2: int, n2: int, method: Literal["newcombe", "wald"] = "newcombe", z: float = Z95
) -> tuple[float, float]:
    """Confidence interval for p1 − p2, the difference of two independent proportions.

    ``newcombe`` is Newcombe's hybrid score interval (method 10 of Newcombe 1998), built from the
    two Wilson intervals; it keeps its coverage for small samples and proportions near 0 or 1.
    ``wald`` is the textbook normal approximation.

    Examples
    --------
    >>> [round(v, 4) for v in difference_interval(56, 70, 48, 80)]   # Newcombe (1998), example (a)
    [0.0524, 0.3339]
    """
    p1, p2 = x1 / n1, x2 / n2
    d = p1 - p2
    if method == "wald":
        half = z * math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
        return d - half, d + half
    if method != "newcombe":
        raise ValueError(f"method must be 'newcombe' or 'wald', got {method!r}")
    l1, u1 = wilson_interval(x1, n1, z)
    l2, u2 = wilson_interval(x2, n2, z)
    return d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)


def sample_size(p_control: float, lift: float, holdout: float = 0.5, alpha: float = 0.05, power: float = 0.8) -> int:
    """Customers needed in all (both arms) to detect an absolute ``lift`` over ``p_control``.

    Two-sided test of two proportions at level ``alpha`` with the given ``power`` (Fleiss, without
    continuity correction), a share ``holdout`` of customers in the control arm.

    Examples
    --------
    >>> sample_size(0.5, 0.1)     # 388 a group for 50% vs 60%, equal arms
    776
    """
    from scipy.stats import norm

    if not 0 < holdout < 1:
        raise ValueError(f"holdout share must be strictly between 0 and 1, got {holdout}")
    if lift == 0:
        raise ValueError("cannot size a test for a lift of zero")
    p2 = p_control
    p1 = min(max(p_control + lift, 1e-9), 1 - 1e-9)
    d = abs(p1 - p2)
    k_t, k_h = 1 - holdout, holdout
    pbar = k_t * p1 + k_h * p2
    za, zb = norm.ppf(1 - alpha / 2), norm.ppf(power)
    root = za * math.sqrt(pbar * (1 - pbar) * (1 / k_t + 1 / k_h)) + zb * math.sqrt(
        p1 * (1 - p1) / k_t + p2 * (1 - p2) / k_h
    )
    total = root * root / (d * d)
    # each arm rounded up on its own; rounding first keeps float noise from adding a customer
    return math.ceil(round(total * k_t, 9)) + math.ceil(round(total * k_h, 9))


@dataclass
class Uplift:
    """Retention of treated vs held-out customers of one playbook at a horizon.

    Each customer counts once, from their first touch by the playbook, in the arm of that touch:
    later touches go to the survivors of earlier ones, so counting them would bias the comparison.
    ``treated`` and ``holdout`` count the customers touched; ``measured_*`` those whose first touch
    is at least ``horizon_days`` before ``as_of``. A customer is retained when paying (or, if not
    paying when touched, still subscribed) ``horizon_days`` after the touch. MRR retained is MRR at
    the horizon over MRR at the touch, at the exchange rate of the touch.
    """

    playbook: str
    horizon_days: int
    as_of: str
    treated: int
    holdout: int
    measured_treated: int
    measured_holdout: int
    retention_treated: float | None
    retention_holdout: float | None
    lift: float | None
    ci_low: float | None
    ci_high: float | None
    mrr_retained_treated: float | None
    mrr_retained_holdout: float | None
    min_lift: float
    customers_needed: int | None
    additional_customers_needed: int | None
    method: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def uplift_report(
    store: Store,
    playbook: str,
    horizon_days: int = 60,
    as_of: str | dt.date | dt.datetime | None = None,
    min_lift: float = 0.02,
    method: Literal["newcombe", "wald"] = "newcombe",
) -> Uplift:
    """What ``playbook`` bought: retention and MRR retained, treated vs holdout, with a 95% interval.

    Parameters
    ----------
    store
        The store holding the playbook's touches (written by Tenure's runs or imported).
    playbook
        The playbook's name in ``touches.playbook``.
    horizon_days
        Retention is measured this many days after each touch.
    as_of
        Touches whose horizon falls after this moment are not measured yet. Default: the end of the
        data (the latest event, invoice, payment or subscription change in the store).
    min_lift
        The absolute retention lift ``customers_needed`` is sized to detect (default 2 points).
    method
        ``newcombe`` (default) or ``wald`` interval for the difference.

    Examples
    --------
    >>> uplift_report(store, "winback", horizon_days=60).lift     # doctest: +SKIP
    0.031
    """
    from tenure.actions.fields import as_of_moment

    if horizon_days <= 0:
        raise ValueError(f"horizon must be a positive number of days, got {horizon_days}")
    con = store.duckdb()
    try:
        end = as_of_moment(as_of) if as_of is not None else _data_end(con)
        units = _units(con, store, playbook, horizon_days)
    finally:
        con.close()
    if units.empty:
        raise NotFoundError(
            f"playbook {playbook!r} has no touches; run it first (tenure playbook run FILE.yaml) "
            "or import a touches table"
        )
    customers = units.groupby("arm")["customer_id"].nunique()
    done = units[units["t1"] <= pd.Timestamp(end)]
    arms = {arm: done[done["arm"] == arm] for arm in ("treated", "holdout")}
    n_t, n_h = len(arms["treated"]), len(arms["holdout"])
    x_t, x_h = int(arms["treated"]["retained"].sum()), int(arms["holdout"]["retained"].sum())
    r_t = x_t / n_t if n_t else None
    r_h = x_h / n_h if n_h else None
    lift = lo = hi = None
    if n_t and n_h:
        lift = r_t - r_h  # type: ignore[operator]
        lo, hi = difference_interval(x_t, n_t, x_h, n_h, method)
    needed = extra = None
    share = n_h / (n_t + n_h) if n_t and n_h else None
    if r_h is not None and share is not None and 0 < share < 1:
        needed = sample_size(r_h, min_lift, holdout=share)
        extra = max(0, needed - (n_t + n_h))

    def mrr_ratio(frame: pd.DataFrame) -> float | None:
        base = float(frame["mrr0"].sum())
        return float(frame["mrr1"].sum()) / base if base > 0 else None

    return Uplift(
        playbook=playbook,
        horizon_days=horizon_days,
        as_of=end.isoformat(),
        treated=int(customers.get("treated", 0)),
        holdout=int(customers.get("holdout", 0)),
        measured_treated=n_t,
        measured_holdout=n_h,
        retention_treated=r_t,
        retention_holdout=r_h,
        lift=lift,
        ci_low=lo,
        ci_high=hi,
        mrr_retained_treated=mrr_ratio(arms["treated"]),
        mrr_retained_holdout=mrr_ratio(arms["holdout"]),
        min_lift=min_lift,
        customers_needed=needed,
        additional_customers_needed=extra,
        method=method,
    )


def _data_end(con: Any) -> dt.datetime:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    row = con.execute(
        """
        SELECT greatest(
            (SELECT max(occurred_at) FROM events),
            (SELECT max(issued_at) FROM invoices),
            (SELECT max(attempted_at) FROM payments),
            (SELECT max(start_date) FROM subscriptions),
            (SELECT max(end_date) FROM subscriptions WHERE end_date <= ?)
        )
        """,
        [now],
    ).fetchone()
    return row[0] if row and row[0] is not None else now


def _units(con: Any, store: Store, playbook: str, horizon_days: int) -> pd.DataFrame:
    reporting = store.settings.reporting_currency.replace("'", "''")
    return con.execute(
        f"""
        WITH tp AS (
            SELECT touch_id, customer_id, arm, touched_at AS t0,
                   touched_at + to_days(CAST(? AS INTEGER)) AS t1
            FROM touches WHERE playbook = ?
            QUALIFY row_number() OVER (PARTITION BY customer_id ORDER BY touched_at, touch_id) = 1
        ),
        l AS (
            SELECT tp.touch_id, tp.t0, tp.t1, s.mrr, s.currency, s.start_date, s.end_date
            FROM tp JOIN subscriptions s ON s.customer_id = tp.customer_id
            WHERE s.start_date <= tp.t1 AND (s.end_date IS NULL OR s.end_date > tp.t0)
        ),
        lr AS (
            SELECT l.*, CASE WHEN l.currency IS NULL OR l.currency = '{reporting}' THEN 1.0
                             ELSE coalesce(r.rate, 1.0) END AS fx
            FROM l ASOF LEFT JOIN rates r ON r.currency = l.currency AND r.date <= l.t0
        ),
        agg AS (
            SELECT touch_id,
                   sum(mrr * fx) FILTER (WHERE start_date <= t0 AND coalesce(end_date > t0, true)) AS mrr0,
                   sum(mrr * fx) FILTER (WHERE start_date <= t1 AND coalesce(end_date > t1, true)) AS mrr1,
                   count(*) FILTER (WHERE start_date <= t1 AND coalesce(end_date > t1, true)) AS lines1
            FROM lr GROUP BY touch_id
        )
        SELECT tp.touch_id, tp.customer_id, tp.arm, tp.t0, tp.t1,
               coalesce(agg.mrr0, 0.0) AS mrr0, coalesce(agg.mrr1, 0.0) AS mrr1,
               CASE WHEN coalesce(agg.mrr0, 0) > 0 THEN coalesce(agg.mrr1, 0) > 0
                    ELSE coalesce(agg.lines1, 0) > 0 END AS retained
        FROM tp LEFT JOIN agg USING (touch_id)
        """,
        [horizon_days, playbook],
    ).df()
