"""Invoices and payment attempts, with failed payments, retries, recoveries and involuntary churn.

Card payers are charged when the invoice is issued. A first attempt fails with the segment's
``payment_failure_probability`` and a failure code drawn from ``failure_code_shares``; retries
follow ``retry_days`` after the first attempt and each succeeds with the code's ``retry_success``
(an ``expired_card`` fails again with ``expired_card``; other codes may change to
``card_declined``). An invoice whose retries all fail turns ``uncollectible`` and the subscription
ends at the last retry: involuntary churn. Customers paying by bank transfer (most enterprise
accounts) get net-30 invoices paid 3–45 days after issue, some of them late, and never fail.

Examples
--------
>>> FAILURE_CODES[0]
'card_declined'
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tenure.simulate.calendar import DAY, Chunks
from tenure.simulate.effects import Effects

FAILURE_CODES = ("card_declined", "insufficient_funds", "expired_card", "processing_error")
INVOICE_STATUSES = ("draft", "open", "paid", "void", "uncollectible")
OPEN, PAID, UNCOLLECTIBLE = 1, 2, 4


@dataclass
class Billing:
    """Issues invoices and records payment attempts; invoices are numbered in issue order."""

    effects: Effects
    history_end: int
    invoices: Chunks = field(default_factory=Chunks)
    payments: Chunks = field(default_factory=Chunks)
    issued: int = 0
    failed_invoices: int = 0
    recovered_invoices: int = 0

    def bill(
        self,
        rng: np.random.Generator,
        customers: np.ndarray,
        issued_at: np.ndarray,
        amount: np.ndarray,
        currency: np.ndarray,
        card: np.ndarray,
        failure_probability: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Issue one invoice per customer and attempt to collect it.

        Parameters
        ----------
        rng
            Random generator.
        customers, issued_at, amount, currency
            Per invoice: customer index, issue instant (seconds), total, currency index.
        card
            True where the customer pays by card (can fail), false for bank transfer.
        failure_probability
            Chance that the first card attempt fails, per invoice.

        Returns
        -------
        lapsed, lapse_at, failed
            Whether each invoice ended uncollectible (the subscription lapses involuntarily), when
            (an hour after the last retry, meaningful where ``lapsed``), and whether its first
            attempt failed.
        """
        n = len(customers)
        fx = self.effects
        index = self.issued + np.arange(n)
        self.issued += n
        due = np.where(card, issued_at, issued_at + 30 * DAY)
        status = np.full(n, PAID, dtype=np.int8)
        paid_at = np.full(n, -1, dtype=np.int64)
        lapsed = np.zeros(n, dtype=bool)
        lapse_at = np.zeros(n, dtype=np.int64)

        # Bank transfers: one successful payment, sometimes after the due date.
        transfer = ~card
        delay = np.where(rng.random(n) < 0.8, rng.integers(3, 30, n), rng.integers(30, 75, n)) * DAY
        t_paid = issued_at + delay + rng.integers(0, DAY, n)
        done = transfer & (t_paid < self.history_end)
        status[transfer & ~done] = OPEN
        paid_at[done] = t_paid[done]
        self._pay(index[done], t_paid[done], amount[done], succeeded=True, code=None)

        # Cards: first attempt, then retries while failing.
        t0 = issued_at + rng.integers(60, 3600, n)
        fails = card & (rng.random(n) < failure_probability)
        ok = card & ~fails
        self._pay(index[ok], t0[ok], amount[ok], succeeded=True, code=None)
        paid_at[ok] = t0[ok]
        shares = np.asarray(list(fx.failure_code_shares.values()))
        code = rng.choice(len(FAILURE_CODES), size=n, p=shares / shares.sum())
        self._pay(index[fails], t0[fails], amount[fails], succeeded=False, code=code[fails])
        self.failed_invoices += int(fails.sum())
        success = np.asarray([fx.retry_success[c] for c in FAILURE_CODES])
        pending = fails.copy()
        last = t0.copy()
        for days in fx.retry_days:
            t = t0 + days * DAY
            in_time = pending & (t + 3600 < self.history_end)
            status[pending & ~in_time] = OPEN
            pending &= in_time
            win = pending & (rng.random(n) < success[code])
            lose = pending & ~win
            self._pay(index[win], t[win], amount[win], succeeded=True, code=None)
            paid_at[win] = t[win]
            self.recovered_invoices += int(win.sum())
            changes = lose & (code != 2) & (rng.random(n) < 0.3)
            code[changes] = 0
            self._pay(index[lose], t[lose], amount[lose], succeeded=False, code=code[lose])
            last[lose] = t[lose]
            pending = lose
        status[pending] = UNCOLLECTIBLE
        lapsed[pending] = True
        lapse_at[pending] = last[pending] + 3600
        status[fails & ~pending & (paid_at < 0) & (status != OPEN)] = OPEN
        self.invoices.add(
            index=index,
            customer=customers.astype(np.int32),
            issued=issued_at,
            due=due,
            amount=np.round(amount, 2),
            currency=currency.astype(np.int8),
            status=status,
            paid_at=paid_at,
        )
        return lapsed, lapse_at, fails

    def _pay(
        self,
        invoice: np.ndarray,
        at: np.ndarray,
        amount: np.ndarray,
        succeeded: bool,
        code: np.ndarray | None,
    ) -> None:
        n = len(invoice)
        self.payments.add(
            invoice=invoice,
            attempted=at,
            amount=np.round(amount, 2),
            succeeded=np.full(n, succeeded),
            code=np.full(n, -1, dtype=np.int8) if code is None else code.astype(np.int8),
        )
