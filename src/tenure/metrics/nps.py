"""Survey metrics: NPS and CSAT per period.

- **NPS**: answers to the ``nps`` survey submitted in ``[a, b)``; promoters score 9–10, passives 7–8,
  detractors 0–6; ``nps = 100 × (promoters − detractors) / answers``, from −100 to 100.
- **CSAT**: ``csat`` survey answers submitted in ``[a, b)`` and ticket ``csat`` ratings (dated by
  ``closed_at``, else ``opened_at``), on a 1–5 scale; ``csat`` is the share scoring 4 or 5.

Every answer counts (a customer who answers twice counts twice), as survey tools report it.

Examples
--------
>>> nps_score(50, 30, 20)
30.0
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir

from tenure.metrics.activity import nullable, periods_table
from tenure.metrics.retention import count

if TYPE_CHECKING:
    from tenure.engine import Engine


def survey_answers(engine: Engine) -> ir.Table:
    """``(response_id, customer_id, survey, score, at)``: survey answers and ticket CSAT ratings."""
    r = engine.table("responses")
    answers = r.select(
        "response_id",
        "customer_id",
        survey=r.survey.lower(),
        score=r.score.cast("float64"),
        at=r.submitted_at,
    )
    t = engine.table("tickets").filter(lambda t: t.csat.notnull())
    ratings = t.select(
        response_id=t.ticket_id,
        customer_id=t.customer_id,
        survey=ibis.literal("csat", "string"),
        score=t.csat.cast("float64"),
        at=t.closed_at.fill_null(t.opened_at),
    )
    return nullable(answers).union(nullable(ratings))


def answers_in_periods(engine: Engine, points: Sequence[datetime]) -> ir.Table:
    """Survey answers with the period ``p`` they fall in."""
    s = survey_answers(engine)
    periods = periods_table(points)
    return s.join(periods, [s.at >= periods.a, s.at < periods.b])


def survey_flags(j: ir.Table) -> dict[str, ir.BooleanValue]:
    """Which count each answer is in."""
    nps = j.survey == "nps"
    csat = j.survey == "csat"
    return {
        "nps_promoters": nps & (j.score >= 9),
        "nps_passives": nps & (j.score >= 7) & (j.score < 9),
        "nps_detractors": nps & (j.score < 7),
        "csat_satisfied": csat & (j.score >= 4),
        "csat_answers": csat,
    }


def survey_counts(engine: Engine, points: Sequence[datetime]) -> ir.Table:
    """Per period ``p``: NPS promoters, passives, detractors; CSAT satisfied and all answers.

    When every boundary is a midnight (as for dates), an answer's period follows from its day: the
    answers are counted per day first, and only those few day rows are matched to the periods.
    """
    if any(t != datetime.combine(t.date(), datetime.min.time()) for t in points):
        j = answers_in_periods(engine, points)
        return j.group_by("p").aggregate(**{k: count(v) for k, v in survey_flags(j).items()})
    s = survey_answers(engine)
    s = s.filter((s.at >= ibis.literal(points[0])) & (s.at < ibis.literal(points[-1])))
    per_day = s.group_by(day=s.at.truncate("D")).aggregate(**{k: count(v) for k, v in survey_flags(s).items()})
    periods = periods_table(points)
    j = per_day.join(periods, [per_day.day >= periods.a, per_day.day < periods.b])
    return j.group_by("p").aggregate(**{k: j[k].sum() for k in survey_flags(s)})


def nps_score(promoters: int, passives: int, detractors: int) -> float | None:
    """NPS from the three counts, −100..100; ``None`` with no answers.

    Examples
    --------
    >>> nps_score(0, 0, 0) is None
    True
    """
    total = promoters + passives + detractors
    if total == 0:
        return None
    return 100.0 * (promoters - detractors) / total
