"""The month-by-month simulation over all customers at once.

Each month, in this order:

1. the win-back playbook runs on the first day (:mod:`tenure.simulate.playbook`);
2. that month's new customers arrive: a 14-day trial (some never convert), a free plan, or a paid
   plan straight away; onboarding steps are drawn (:mod:`tenure.simulate.usage`);
3. at each customer's billing anchor: the voluntary churn decision (monthly plans every month, annual
   plans at renewal) from the hazard of :mod:`tenure.simulate.effects`, using the state at the end of
   the month before; plan, seat and discount changes; reactivations; free-plan upgrades; invoices and
   payments, whose unrecovered failures end subscriptions (:mod:`tenure.simulate.billing`);
4. engagement moves and usage events are drawn over the part of the month each customer is active;
5. tickets (everyday, spikes, renewal requests) and NPS answers, which feed next month's hazard.

Every state is a NumPy array over customers; nothing loops over customers or events in Python.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from tenure.simulate import playbook, usage
from tenure.simulate.billing import Billing
from tenure.simulate.calendar import DAY, NEVER, Calendar, Chunks
from tenure.simulate.customers import ANNUAL_PRICE_FACTOR, SEAT_PRICE, Customers
from tenure.simulate.effects import DRIVERS, EFFECTS, Effects
from tenure.simulate.support import BILLING, CANCELLATION, CONTRACT_CHANGE, DISCOUNT_REQUEST, Support
from tenure.simulate.surveys import EXIT_REASONS, Surveys, draw_reasons

NOT_YET, TRIAL, PAID, FREE, LAPSED, GONE = range(6)
TRIALING, ACTIVE = 0, 1
VOLUNTARY, INVOLUNTARY, TRIAL_EXPIRED, FREE_LEFT = range(4)
END_KINDS = ("voluntary", "involuntary", "trial_expired", "free_left")
PAYMENT_FAILED = EXIT_REASONS.index("payment_failed")
USAGE_ACTIVE_RATIO = 1.5
"""A usage hazard ratio at least this high counts as an active ``usage_decline`` driver."""


@dataclass
class Record:
    """Everything the simulation writes down, as column chunks, before tables are built."""

    billing: Billing
    support: Support
    surveys: Surveys
    rows: Chunks = field(default_factory=Chunks)
    ends: Chunks = field(default_factory=Chunks)
    events: Chunks = field(default_factory=Chunks)
    touches: Chunks = field(default_factory=Chunks)
    hazard: Chunks = field(default_factory=Chunks)
    drivers: Chunks = field(default_factory=Chunks)
    monthly: Chunks = field(default_factory=Chunks)
    steps: np.ndarray | None = None


class Engine:
    """The state of every customer and the monthly step that moves it.

    Parameters
    ----------
    customers
        The fixed attributes (:func:`tenure.simulate.customers.draw_customers`).
    calendar
        The month grid.
    rates
        USD per unit of each currency for each month of the history (``months × 3``).
    holdout
        True for customers the win-back playbook holds out.
    rng
        Random generator; the same seed gives the same business.
    effects
        The planted effect sizes.
    """

    def __init__(
        self,
        customers: Customers,
        calendar: Calendar,
        rates: np.ndarray,
        holdout: np.ndarray,
        rng: np.random.Generator,
        effects: Effects = EFFECTS,
    ) -> None:
        self.c, self.cal, self.rates, self.holdout, self.rng, self.fx = (
            customers,
            calendar,
            rates,
            holdout,
            rng,
            effects,
        )
        n = len(customers)
        c = customers
        self.rec = Record(
            billing=Billing(effects, calendar.history_end),
            support=Support(calendar.history_end),
            surveys=Surveys(),
        )
        self.state = np.full(n, NOT_YET, dtype=np.int8)
        self.stint = np.zeros(n, dtype=np.int32)
        self.stint_start = np.full(n, NEVER, dtype=np.int64)
        self.stint_end = np.full(n, NEVER, dtype=np.int64)
        self.plan = c.plan.copy()
        self.seats = c.seats.copy()
        self.users = c.users.copy()
        self.max_users = c.users.copy()
        self.created = np.full(n, NEVER, dtype=np.int64)
        self.annual = c.annual.copy()
        self.discount = c.discount.copy()
        self.discount_left = np.where(c.annual & (c.discount_months > 0), 0, c.discount_months)
        self.discount[c.annual & (c.discount_months > 0)] = 0.0
        self.renewal_month = np.full(n, -1, dtype=np.int64)
        self.paid_start_month = np.zeros(n, dtype=np.int64)
        self.lapse_month = np.zeros(n, dtype=np.int64)
        self.lapse_kind = np.zeros(n, dtype=np.int8)
        self.z = rng.normal(0.0, 0.35, n)
        self.decline = np.zeros(n)
        self.in_spell = np.zeros(n, dtype=bool)
        self.steps = np.full(n, -1, dtype=np.int64)
        self.spike_until = np.full(n, -1, dtype=np.int64)
        self.nps_group = np.zeros(n, dtype=np.int8)
        self.nps_until = np.full(n, -1, dtype=np.int64)
        self.request = np.zeros(n, dtype=bool)
        self.request_granted = np.zeros(n, dtype=bool)
        self.winback_until = np.full(n, -1, dtype=np.int64)
        self.last_touch = np.full(n, -(10**12), dtype=np.int64)
        self.last_event = np.full(n, -1, dtype=np.int64)
        self.billing_second = rng.integers(8 * 3600, 20 * 3600, n)
        self.mrr = np.zeros(n)
        self.list_mrr = np.zeros(n)
        self._start_existing()

    # ------------------------------------------------------------------ prices and rows

    def _reprice(self, idx: np.ndarray) -> None:
        factor = np.where(self.annual[idx], ANNUAL_PRICE_FACTOR, 1.0)
        self.list_mrr[idx] = np.round(SEAT_PRICE[self.plan[idx]] * self.seats[idx] * factor, 2)
        self.mrr[idx] = np.round(self.list_mrr[idx] * (1.0 - self.discount[idx]), 2)

    def _open_rows(self, idx: np.ndarray, at: np.ndarray, status: int) -> None:
        self._reprice(idx)
        trialing = status == TRIALING
        self.rec.rows.add(
            customer=idx.astype(np.int32),
            stint=self.stint[idx],
            start=at,
            plan=self.plan[idx].astype(np.int8),
            seats=self.seats[idx],
            mrr=np.zeros(len(idx)) if trialing else self.mrr[idx],
            list_mrr=np.zeros(len(idx)) if trialing else self.list_mrr[idx],
            period=np.where(self.annual[idx], 12, 1).astype(np.int8),
            discount=np.zeros(len(idx)) if trialing else self.discount[idx],
            status=np.full(len(idx), status, dtype=np.int8),
        )

    def _end_stints(
        self,
        idx: np.ndarray,
        at: np.ndarray,
        kind: int,
        canceled_at: np.ndarray,
        reason: np.ndarray,
        month: int,
    ) -> None:
        self.stint_end[idx] = at
        self.lapse_month[idx] = month
        self.lapse_kind[idx] = kind
        self.rec.ends.add(
            customer=idx.astype(np.int32),
            stint=self.stint[idx],
            end=at,
            canceled_at=canceled_at,
            reason=reason.astype(np.int8),
            kind=np.full(len(idx), kind, dtype=np.int8),
        )

    def _start_existing(self) -> None:
        c = self.c
        idx = np.flatnonzero(c.acquisition_month < 0)
        acq = c.acquisition_month[idx]
        created = self.cal.start(acq) + c.billing_day[idx] * DAY + self.billing_second[idx]
        self.state[idx] = PAID
        self.stint[idx] = 1
        self.stint_start[idx] = created
        self.created[idx] = created
        self.paid_start_month[idx] = acq
        self.renewal_month[idx] = acq + 12 * ((-acq + 11) // 12)
        spell = self.rng.random(len(idx)) < 0.05
        self.in_spell[idx[spell]] = True
        self.decline[idx[spell]] = -1.0
        self._open_rows(idx, created, ACTIVE)

    # ------------------------------------------------------------------ the monthly step

    def run(self, progress: Callable[[int, int], None] | None = None) -> Record:
        """Simulate every month of the calendar; ``progress(done, total)`` is called after each."""
        for m in range(self.cal.months):
            self.step(m)
            if progress is not None:
                progress(m + 1, self.cal.months)
        self.rec.steps = self.steps
        return self.rec

    def step(self, m: int) -> None:
        """Simulate month ``m``."""
        ms, me = int(self.cal.start(m)), int(self.cal.start(m + 1))
        anchor = ms + self.c.billing_day * DAY + self.billing_second
        self._winback(m, ms)
        starting = self._acquire(m, anchor)
        billed = starting.copy()
        billed |= self._decide(m, anchor)
        billed |= self._free_plans(m, anchor)
        billed |= self._reactivate(m, ms, anchor)
        self._bill(m, anchor, billed)
        self._use(m, ms, me)
        self._signals(m, ms, me, anchor)

    def _paying_at(self, t: int) -> np.ndarray:
        return (self.stint_start <= t) & (t < self.stint_end) & (self.mrr > 0) & np.isin(self.state, (PAID, LAPSED))

    def _winback(self, m: int, ms: int) -> None:
        if m == 0:  # no usage history yet to judge inactivity by
            return
        mrr_usd = self.mrr * self.rates[m][self.c.currency]
        picked = np.flatnonzero(
            playbook.eligible(ms, self._paying_at(ms), mrr_usd, self.last_event, self.last_touch, self.fx)
        )
        at = np.full(len(picked), ms, dtype=np.int64)
        self.last_touch[picked] = ms
        held = self.holdout[picked]
        self.winback_until[picked[~held]] = ms + self.fx.winback_effect_days * DAY
        self.rec.touches.add(customer=picked.astype(np.int32), at=at, holdout=held)

    def _acquire(self, m: int, anchor: np.ndarray) -> np.ndarray:
        c, rng = self.c, self.rng
        idx = np.flatnonzero(c.acquisition_month == m)
        starting = np.zeros(len(c), dtype=bool)
        if not len(idx):
            return starting
        trial = c.trial[idx]
        created = anchor[idx] - np.where(trial, 14 * DAY, 0)
        self.stint[idx] = 1
        self.stint_start[idx] = created
        self.created[idx] = created
        self.paid_start_month[idx] = m
        self.renewal_month[idx] = m + 12
        steps, last = usage.generate_onboarding(rng, self.rec.events, idx, created, c.onboarding_share[idx])
        self.steps[idx] = steps
        self.last_event[idx] = np.maximum(self.last_event[idx], last)
        # Customers who barely onboarded start below their normal engagement.
        self.z[idx] = np.where(steps <= 1, self.fx.poor_onboarding_engagement, self.z[idx])
        self.last_event[idx] = np.maximum(self.last_event[idx], created)

        t_idx = idx[trial]
        self.state[t_idx] = TRIAL
        self._open_rows(t_idx, created[trial], TRIALING)
        converts = rng.random(len(t_idx)) < 0.3 + 0.13 * steps[trial]
        lost = t_idx[~converts]
        self.state[lost] = GONE
        none = np.full(len(lost), -1)
        self._end_stints(lost, anchor[lost], TRIAL_EXPIRED, none, none, m)
        won = t_idx[converts]

        free = idx[~trial & c.free[idx]]
        self.state[free] = FREE
        self._open_rows(free, anchor[free], ACTIVE)

        direct = idx[~trial & ~c.free[idx]]
        paying = np.concatenate([won, direct])
        self.state[paying] = PAID
        self._open_rows(paying, anchor[paying], ACTIVE)
        starting[paying] = True
        return starting

    def hazard_ratios(self, idx: np.ndarray, m: int, at: np.ndarray) -> dict[str, np.ndarray]:
        """Each driver's hazard ratio for customers ``idx`` deciding at instants ``at`` in month ``m``."""
        fx = self.fx
        engagement = self.z[idx] + self.decline[idx]
        onboarding_age = m - self.paid_start_month[idx]
        steps = self.steps[idx]
        early = (onboarding_age < fx.onboarding_effect_months) & (steps >= 0)
        return {
            "usage_decline": np.exp(-fx.usage_coefficient * engagement),
            "ticket_spike": np.where(self.spike_until[idx] >= m, fx.ticket_spike_hazard_ratio, 1.0),
            "nps_detractor": np.where(
                (self.nps_until[idx] >= m) & (self.nps_group[idx] == 2), fx.nps_detractor_hazard_ratio, 1.0
            ),
            "nps_passive": np.where(
                (self.nps_until[idx] >= m) & (self.nps_group[idx] == 1), fx.nps_passive_hazard_ratio, 1.0
            ),
            "renewal_request": np.where(self.request[idx], fx.renewal_request_hazard_ratio, 1.0),
            "poor_onboarding": np.where(
                early & (steps <= 1),
                fx.poor_onboarding_hazard_ratio,
                np.where(early & (steps == 2), fx.partial_onboarding_hazard_ratio, 1.0),
            ),
            "frailty": self.c.frailty[idx],
            "winback": np.where(at < self.winback_until[idx], fx.winback_hazard_ratio, 1.0),
        }

    def _decide(self, m: int, anchor: np.ndarray) -> np.ndarray:
        """Churn decisions and changes at each paying customer's anchor; returns who gets invoiced."""
        c, rng, fx = self.c, self.rng, self.fx
        billed = np.zeros(len(c), dtype=bool)
        idx = np.flatnonzero((self.state == PAID) & (self.paid_start_month < m) & (self.stint_start < anchor))
        if not len(idx):
            return billed
        at = anchor[idx]
        annual = self.annual[idx]
        renewal = annual & (self.renewal_month[idx] == m)
        at_risk = ~annual | renewal
        ratios = self.hazard_ratios(idx, m, at)
        product = np.prod(np.stack(list(ratios.values())), axis=0)
        seg = c.segment[idx]
        base = np.where(
            annual,
            np.asarray(list(fx.base_renewal_hazard.values()))[seg],
            np.asarray(list(fx.base_monthly_hazard.values()))[seg],
        )
        hazard = np.where(at_risk, base * product, 0.0)
        probability = 1.0 - np.exp(-hazard)
        churn = rng.random(len(idx)) < probability
        self.rec.hazard.add(
            customer=idx.astype(np.int32),
            month=np.full(len(idx), m, dtype=np.int16),
            annual=annual,
            at_risk=at_risk,
            base=base,
            **{k: v for k, v in ratios.items()},
            hazard=hazard,
            probability=probability,
            churned=churn,
        )

        gone = idx[churn]
        if len(gone):
            driver_ratios = np.stack([ratios[d][churn] for d in DRIVERS], axis=1)
            active = driver_ratios > 1.0
            active[:, 0] = driver_ratios[:, 0] >= USAGE_ACTIVE_RATIO
            logs = np.where(active, np.log(driver_ratios), 0.0)
            dominant = np.where(logs.max(axis=1) > 0, np.asarray(DRIVERS)[logs.argmax(axis=1)], "noise")
            reason = draw_reasons(rng, dominant)
            lead = np.where(annual[churn], rng.integers(7, 61, len(gone)), rng.integers(1, 26, len(gone))) * DAY
            canceled_at = np.maximum(at[churn] - lead - rng.integers(0, DAY, len(gone)), self.stint_start[gone])
            self.state[gone] = LAPSED
            self._end_stints(gone, at[churn], VOLUNTARY, canceled_at, reason, m)
            self.rec.drivers.add(
                customer=gone.astype(np.int32),
                stint=self.stint[gone],
                at=at[churn],
                kind=np.full(len(gone), VOLUNTARY, dtype=np.int8),
                dominant=dominant,
                active=active,
                ratios=driver_ratios,
                frailty=ratios["frailty"][churn],
                winback=ratios["winback"][churn],
            )
            mood = self.z[gone] + self.decline[gone]
            answer = rng.random(len(gone)) < 0.5
            self.rec.surveys.exit(
                rng, gone[answer], canceled_at[answer] + rng.integers(60, 1800, answer.sum()), reason[answer]
            )
            ticket = rng.random(len(gone)) < 0.3
            self.rec.support.single(
                rng,
                gone[ticket],
                canceled_at[ticket] - rng.integers(0, 3600, ticket.sum()),
                CANCELLATION,
                mood[ticket],
            )

        stay = idx[~churn & at_risk]
        self._changes(stay, m, anchor, renewal[~churn & at_risk])
        billed[stay] = True
        self.request[idx] = False
        self.request_granted[idx] = False
        return billed

    def _changes(self, idx: np.ndarray, m: int, anchor: np.ndarray, renewal: np.ndarray) -> None:
        """Discount expiry and grants, seat and plan changes, monthly-to-annual switches at an anchor."""
        rng = self.rng
        n = len(idx)
        if not n:
            return
        old = (
            self.plan[idx].copy(),
            self.seats[idx].copy(),
            self.discount[idx].copy(),
            self.annual[idx].copy(),
        )
        engagement = self.z[idx] + self.decline[idx]
        annual = self.annual[idx]

        left = self.discount_left[idx]
        counting = left > 0
        left = np.where(counting, left - 1, left)
        expired = counting & (left == 0)
        self.discount[idx[expired]] = 0.0
        granted = self.request_granted[idx]
        self.discount[idx[granted]] = np.maximum(self.discount[idx[granted]], 0.2)
        left[granted] = np.where(annual[granted], 1, 6)
        self.discount_left[idx] = left

        scale = np.where(annual, 6.0, 1.0)
        seat_change = rng.random(n) < 0.06 * scale
        up = rng.random(n) < 1.0 / (1.0 + np.exp(-(0.4 + 1.5 * engagement)))
        seats = self.seats[idx]
        grown = np.maximum(seats + 1, np.round(seats * rng.uniform(1.05, 1.4, n)))
        shrunk = np.maximum(1, np.minimum(seats - 1, np.round(seats * rng.uniform(0.6, 0.95, n))))
        new_seats = np.where(seat_change, np.where(up, grown, shrunk), seats).astype(np.int64)
        self.users[idx] = np.clip(np.round(self.users[idx] * new_seats / seats), 1, new_seats)
        self.max_users[idx] = np.maximum(self.max_users[idx], self.users[idx])
        self.seats[idx] = new_seats

        plan = self.plan[idx]
        upgrade = rng.random(n) < 0.012 * scale * np.exp(0.5 * engagement)
        downgrade = ~upgrade & (rng.random(n) < 0.008 * scale * np.exp(-0.5 * engagement))
        self.plan[idx] = np.clip(plan + upgrade - downgrade, 1, 4)

        switch = ~annual & (rng.random(n) < 0.006)
        self.annual[idx[switch]] = True
        self.renewal_month[idx[switch]] = m + 12
        self.renewal_month[idx[renewal]] = m + 12

        new = (self.plan[idx], self.seats[idx], self.discount[idx], self.annual[idx])
        changed = np.zeros(n, dtype=bool)
        for a, b in zip(old, new, strict=True):
            changed |= a != b
        moved = idx[changed]
        self._open_rows(moved, anchor[moved], ACTIVE)

    def _free_plans(self, m: int, anchor: np.ndarray) -> np.ndarray:
        rng = self.rng
        billed = np.zeros(len(self.c), dtype=bool)
        idx = np.flatnonzero((self.state == FREE) & (self.stint_start < anchor))
        u = rng.random(len(idx))
        upgrade = idx[u < 0.03]
        self.plan[upgrade] = 1
        self.state[upgrade] = PAID
        self.paid_start_month[upgrade] = m
        self.annual[upgrade] = False
        self._open_rows(upgrade, anchor[upgrade], ACTIVE)
        billed[upgrade] = True
        left = idx[(u >= 0.03) & (u < 0.055)]
        self.state[left] = GONE
        none = np.full(len(left), -1)
        self._end_stints(left, anchor[left], FREE_LEFT, none, none, m)
        return billed

    def _reactivate(self, m: int, ms: int, anchor: np.ndarray) -> np.ndarray:
        rng, fx = self.rng, self.fx
        billed = np.zeros(len(self.c), dtype=bool)
        since = m - self.lapse_month
        idx = np.flatnonzero((self.state == LAPSED) & (self.stint_end <= ms) & (since >= 2) & (since <= 24))
        p = np.where(
            self.lapse_kind[idx] == INVOLUNTARY,
            fx.reactivation_monthly_probability["involuntary"],
            fx.reactivation_monthly_probability["voluntary"],
        )
        back = idx[rng.random(len(idx)) < p]
        if not len(back):
            return billed
        self.stint[back] += 1
        self.stint_start[back] = anchor[back]
        self.stint_end[back] = NEVER
        self.state[back] = PAID
        self.paid_start_month[back] = m
        self.annual[back] = rng.random(len(back)) < 0.1
        self.renewal_month[back] = m + 12
        self.plan[back] = np.clip(self.plan[back] - (rng.random(len(back)) < 0.3), 1, 4)
        offer = rng.random(len(back)) < 0.3
        self.discount[back] = np.where(offer, 0.2, 0.0)
        self.discount_left[back] = np.where(offer, 3, 0)
        self.z[back], self.decline[back], self.in_spell[back] = 0.0, 0.0, False
        self.spike_until[back], self.nps_until[back] = -1, -1
        self._open_rows(back, anchor[back], ACTIVE)
        billed[back] = True
        return billed

    def _bill(self, m: int, anchor: np.ndarray, billed: np.ndarray) -> None:
        c, rng = self.c, self.rng
        idx = np.flatnonzero(billed & (self.mrr > 0))
        amount = self.mrr[idx] * np.where(self.annual[idx], 12, 1)
        p_fail = np.asarray(list(self.fx.payment_failure_probability.values()))[c.segment[idx]]
        lapsed, lapse_at, failed = self.rec.billing.bill(
            rng, idx, anchor[idx], amount, c.currency[idx], c.card_payer[idx], p_fail
        )
        asks = idx[failed & (rng.random(len(idx)) < 0.35)]
        mood = self.z[asks] + self.decline[asks]
        self.rec.support.single(rng, asks, anchor[asks] + rng.integers(DAY, 6 * DAY, len(asks)), BILLING, mood)
        gone = idx[lapsed]
        if not len(gone):
            return
        at = lapse_at[lapsed]
        self.state[gone] = LAPSED
        self._end_stints(gone, at, INVOLUNTARY, at, np.full(len(gone), PAYMENT_FAILED), m)
        n = len(gone)
        self.rec.drivers.add(
            customer=gone.astype(np.int32),
            stint=self.stint[gone],
            at=at,
            kind=np.full(n, INVOLUNTARY, dtype=np.int8),
            dominant=np.full(n, "failed_payment"),
            active=np.zeros((n, len(DRIVERS)), dtype=bool),
            ratios=np.ones((n, len(DRIVERS))),
            frailty=c.frailty[gone],
            winback=np.ones(n),
        )

    def _window(self, ms: int, me: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        lo = np.maximum(self.stint_start, ms)
        hi = np.minimum(np.minimum(self.stint_end, me), self.cal.history_end)
        idx = np.flatnonzero((self.stint > 0) & (lo < hi))
        return idx, lo[idx], hi[idx]

    def _use(self, m: int, ms: int, me: int) -> None:
        usage.step_engagement(self.rng, self.z, self.decline, self.in_spell, self.fx)
        idx, lo, hi = self._window(ms, me)
        engagement = self.c.engagement_level[idx] + self.z[idx] + self.decline[idx]
        factor = np.where(self.plan[idx] == 0, 0.5, 1.0)
        intensity = self.users[idx] ** 0.8 * np.exp(engagement) * factor
        last = usage.generate_events(self.rng, self.rec.events, idx, lo, hi, intensity, self.users[idx])
        self.last_event[idx] = np.maximum(self.last_event[idx], last)

    def _signals(self, m: int, ms: int, me: int, anchor: np.ndarray) -> None:
        """Tickets and NPS answers of month ``m``: the leading indicators of next month's decisions."""
        rng, fx, c = self.rng, self.fx, self.c
        idx, lo, hi = self._window(ms, me)
        mood = self.z[idx] + self.decline[idx]
        self.rec.support.everyday(rng, idx, c.segment[idx], lo, hi, mood)

        paying = (self.state[idx] == PAID) & (self.plan[idx] > 0)
        spike = paying & (rng.random(len(idx)) < fx.ticket_spike_probability)
        self.rec.support.spike(rng, idx[spike], lo[spike], hi[spike], mood[spike])
        self.spike_until[idx[spike]] = m + fx.ticket_spike_months
        # A product problem often starts a disengagement spell: frustrated users log in less.
        frustrated = idx[spike][rng.random(int(spike.sum())) < fx.spike_disengagement_probability]
        self.in_spell[frustrated] = True

        asked = paying & (rng.random(len(idx)) < 0.45 / 6)
        a_idx = idx[asked]
        at = lo[asked] + (rng.random(len(a_idx)) * (hi - lo)[asked]).astype(np.int64)
        score = self.rec.surveys.nps(rng, a_idx, at, mood[asked])
        self.nps_group[a_idx] = np.where(score <= 6, 2, np.where(score <= 8, 1, 0))
        self.nps_until[a_idx] = m + fx.nps_effect_months

        # Renewal requests for next month's anchor, likelier for customers already at risk.
        due = paying & (~self.annual[idx] | (self.renewal_month[idx] == m + 1))
        d_idx = idx[due]
        next_anchor = anchor[d_idx] - ms + me
        ratios = self.hazard_ratios(d_idx, m + 1, next_anchor)
        risk = np.prod(np.stack([ratios[k] for k in DRIVERS if k != "renewal_request"] + [ratios["frailty"]]), axis=0)
        base = np.where(
            self.annual[d_idx], fx.renewal_request_annual_probability, fx.renewal_request_monthly_probability
        )
        asks = rng.random(len(d_idx)) < np.minimum(base * risk**fx.renewal_request_risk_exponent, 0.9)
        r_idx = d_idx[asks]
        self.request[r_idx] = True
        category = np.where(rng.random(len(r_idx)) < 0.6, DISCOUNT_REQUEST, CONTRACT_CHANGE)
        self.request_granted[r_idx] = (category == DISCOUNT_REQUEST) & (rng.random(len(r_idx)) < 0.5)
        opened = next_anchor[asks] - rng.integers(14 * DAY, 42 * DAY, len(r_idx))
        opened = np.clip(opened, np.maximum(self.stint_start[r_idx], ms - 20 * DAY), self.cal.history_end - 1)
        self.rec.support.single(rng, r_idx, opened, category, mood[due][asks])

        n_paying = int(self._paying_at(me - 1).sum())
        self.rec.monthly.add(
            month=np.array([m]),
            paying=np.array([n_paying]),
            managed=np.array([int((self._paying_at(me - 1) & (c.segment > 0)).sum())]),
            granted=np.array([int(self.request_granted.sum())]),
        )
