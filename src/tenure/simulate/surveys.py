"""Survey answers: NPS, CSAT after support tickets, and exit surveys when customers cancel.

NPS: each month about one paying customer in six is asked and 45% answer. The chance of a
detractor (0–6) is ``1 / (1 + exp(2.3 + 1.1 z))`` for engagement ``z`` (about 9% at normal
engagement, 46% at ``z = −2``), passives (7–8) are 22%, the rest promoters (9–10); so answers
cluster at 8–10 with a long tail of detractors. Detractor and passive answers raise the churn
hazard for six months (:mod:`tenure.simulate.effects`).

Exit surveys: half of the voluntary churners answer, at cancellation, with the reason they gave
(drawn from the driver that weighed most on their hazard) and often a comment.

Examples
--------
>>> EXIT_REASONS[0]
'too_expensive'
"""

from __future__ import annotations

import numpy as np

from tenure.simulate.calendar import Chunks

NPS, CSAT, EXIT = 0, 1, 2
SURVEYS = ("nps", "csat", "exit")
EXIT_REASONS = (
    "too_expensive",
    "not_using",
    "missing_features",
    "switched_competitor",
    "poor_support",
    "product_issues",
    "too_complex",
    "business_closed",
    "other",
    "payment_failed",
)
REASON_BY_DRIVER = {
    # driver: probabilities over EXIT_REASONS[:9]
    "usage_decline": (0.08, 0.55, 0.12, 0.10, 0.0, 0.05, 0.05, 0.03, 0.02),
    "ticket_spike": (0.0, 0.05, 0.20, 0.10, 0.25, 0.35, 0.05, 0.0, 0.0),
    "nps_detractor": (0.10, 0.05, 0.25, 0.30, 0.15, 0.10, 0.05, 0.0, 0.0),
    "nps_passive": (0.35, 0.10, 0.15, 0.30, 0.0, 0.0, 0.05, 0.0, 0.05),
    "renewal_request": (0.65, 0.0, 0.05, 0.25, 0.0, 0.0, 0.0, 0.05, 0.0),
    "poor_onboarding": (0.05, 0.30, 0.05, 0.05, 0.05, 0.0, 0.50, 0.0, 0.0),
    "noise": (0.25, 0.10, 0.10, 0.15, 0.0, 0.0, 0.0, 0.30, 0.10),
}
COMMENTS = {
    "too_expensive": (
        "Great tool but we can't justify the price this year.",
        "Budget cuts, we had to drop non-essential software.",
        "A cheaper plan without the extras would have kept us.",
    ),
    "not_using": (
        "The team just stopped logging in after our champion left.",
        "We never really made it part of our weekly routine.",
        "Not enough usage to keep paying for it.",
    ),
    "missing_features": (
        "We needed custom fields on reports and a proper API.",
        "No SSO on our plan was a blocker for IT.",
        "Missing the forecasting features we were promised.",
    ),
    "switched_competitor": (
        "Moved to a tool that is bundled with our CRM.",
        "A competitor offered us a better deal for two years.",
        "Our new parent company standardised on another vendor.",
    ),
    "poor_support": (
        "Tickets took days to get a real answer.",
        "Support kept sending us to the docs instead of fixing things.",
    ),
    "product_issues": (
        "Dashboards kept timing out during our month-end close.",
        "Too many bugs after the last release, we lost trust.",
        "The Salesforce sync broke twice and we lost data.",
    ),
    "too_complex": (
        "Setting it up was harder than we expected.",
        "We never finished importing our data.",
    ),
    "business_closed": ("We are winding down the business.", "Our company was acquired and merged."),
    "other": ("Personal reasons.", "Just a change of priorities."),
}
NPS_COMMENTS = {
    "promoter": (
        "Love the dashboards, saves us hours every week.",
        "Support is fast and friendly.",
        "Easy to use and the team picked it up quickly.",
        "The Slack alerts are brilliant.",
    ),
    "passive": (
        "Does the job, but reporting could be more flexible.",
        "Good product, a bit pricey for what we use.",
        "Fine overall, the mobile view needs work.",
    ),
    "detractor": (
        "Too slow with our data volume.",
        "Hard to get answers from support.",
        "Missing integrations we need, considering alternatives.",
        "Pricing went up and value did not.",
        "Buggy exports, we waste time fixing spreadsheets.",
    ),
}


class Surveys:
    """Collects survey answers; comments and reasons are indices into the text catalogues."""

    def __init__(self) -> None:
        self.responses = Chunks()
        self.comment_texts: list[str] = []
        self._comment_index: dict[str, int] = {}

    def _comment(self, text: str) -> int:
        if text not in self._comment_index:
            self._comment_index[text] = len(self.comment_texts)
            self.comment_texts.append(text)
        return self._comment_index[text]

    def nps(self, rng: np.random.Generator, customers: np.ndarray, at: np.ndarray, z: np.ndarray) -> np.ndarray:
        """Record NPS answers of ``customers`` at ``at`` given engagement ``z``; returns the scores."""
        n = len(customers)
        p_detractor = 1.0 / (1.0 + np.exp(2.3 + 1.1 * z))
        u = rng.random(n)
        detractor = u < p_detractor
        passive = ~detractor & (u < p_detractor + 0.22)
        score = np.where(rng.random(n) < 0.55, 10, 9)
        score = np.where(passive, np.where(rng.random(n) < 0.6, 8, 7), score)
        tail = np.array([1, 1, 1.5, 2, 3, 5, 7.0])
        score = np.where(detractor, rng.choice(7, size=n, p=tail / tail.sum()), score)
        group = np.where(detractor, "detractor", np.where(passive, "passive", "promoter"))
        comment = self._comments(rng, group, NPS_COMMENTS, share=0.3)
        self.responses.add(
            customer=customers.astype(np.int32),
            survey=np.full(n, NPS, dtype=np.int8),
            score=score.astype(np.float64),
            at=at,
            comment=comment,
            reason=np.full(n, -1, dtype=np.int8),
        )
        return score

    def exit(self, rng: np.random.Generator, customers: np.ndarray, at: np.ndarray, reason: np.ndarray) -> None:
        """Record exit-survey answers (satisfaction 1–5, the reason, often a comment)."""
        n = len(customers)
        score = rng.choice([1, 2, 3, 4, 5], size=n, p=[0.25, 0.3, 0.25, 0.15, 0.05])
        names = np.asarray(EXIT_REASONS)[reason]
        comment = self._comments(rng, names, COMMENTS, share=0.6)
        self.responses.add(
            customer=customers.astype(np.int32),
            survey=np.full(n, EXIT, dtype=np.int8),
            score=score.astype(np.float64),
            at=at,
            comment=comment,
            reason=reason.astype(np.int8),
        )

    def csat(self, customers: np.ndarray, at: np.ndarray, score: np.ndarray) -> None:
        """Record ticket-satisfaction answers (already drawn with the tickets)."""
        n = len(customers)
        self.responses.add(
            customer=customers.astype(np.int32),
            survey=np.full(n, CSAT, dtype=np.int8),
            score=score.astype(np.float64),
            at=at,
            comment=np.full(n, -1, dtype=np.int32),
            reason=np.full(n, -1, dtype=np.int8),
        )

    def _comments(
        self, rng: np.random.Generator, group: np.ndarray, catalogue: dict[str, tuple[str, ...]], share: float
    ) -> np.ndarray:
        comment = np.full(len(group), -1, dtype=np.int32)
        has = rng.random(len(group)) < share
        for key, texts in catalogue.items():
            sel = np.flatnonzero(has & (group == key))
            if len(sel):
                ids = np.array([self._comment(t) for t in texts], dtype=np.int32)
                comment[sel] = ids[rng.integers(0, len(texts), len(sel))]
        return comment


def draw_reasons(rng: np.random.Generator, dominant: np.ndarray) -> np.ndarray:
    """Draw a cancellation reason (index into :data:`EXIT_REASONS`) for each dominant driver name."""
    reason = np.zeros(len(dominant), dtype=np.int64)
    for driver, p in REASON_BY_DRIVER.items():
        sel = np.flatnonzero(dominant == driver)
        if len(sel):
            probs = np.asarray(p) / np.sum(p)
            reason[sel] = rng.choice(len(probs), size=len(sel), p=probs)
    return reason
