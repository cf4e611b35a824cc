"""Reasons in plain words: why the model rates a customer as likely to leave.

The model splits each customer's score into per-feature contributions (LightGBM's own
``pred_contrib``, or coefficient × standardised value for the logistic model). Features that tell one
story share a group (``usage:login`` holds logins in the last 7 and 28 days, their trend and their
usual level); the groups that push the score up the most become the reasons, each phrased with the
customer's own values against their past or their peers:

- ``logins in the last 28 days: 3, down from 41``
- ``support tickets in the last 14 days: 5, four times their usual``
- ``2 failed payments not recovered``
- ``NPS 6 (detractor) on 2 March``

Each story is told once (every usage group is one story, told by its strongest event type), and
the context of the score (renewal date, plan, segment, channel, country) is never given as a reason.

Examples
--------
>>> multiple(4.2)
'four times'
>>> nps_category(6), nps_category(8), nps_category(10)
('detractor', 'passive', 'promoter')
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from tenure.models.churn.features import FeatureInfo

_MULTIPLES = {2: "twice", 3: "three times", 4: "four times", 5: "five times", 6: "six times"}


def multiple(ratio: float) -> str:
    """A ratio in words: ``twice``, ``three times`` ... or ``7.5 times``."""
    r = round(ratio)
    if abs(ratio - r) < 0.35 and r in _MULTIPLES:
        return _MULTIPLES[r]
    return f"{ratio:.1f} times"


def nps_category(score: float) -> str:
    """``detractor`` (0-6), ``passive`` (7-8) or ``promoter`` (9-10)."""
    return "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"


def number(x: float) -> str:
    """A count or amount for a sentence: whole numbers without decimals, others with one.

    Examples
    --------
    >>> number(3.0), number(2.46), number(1234.0)
    ('3', '2.5', '1,234')
    """
    if x is None or not np.isfinite(x):
        return "none"
    if abs(x - round(x)) < 0.05:
        return f"{round(x):,}"
    return f"{x:,.1f}"


def day(ts: pd.Timestamp) -> str:
    """A date the way people write it: ``2 March`` (with the year when it is not ``ref``'s)."""
    return f"{ts.day} {ts:%B}"


def plural_noun(n: float, one: str, many: str | None = None) -> str:
    """``1 overdue invoice``, ``2 overdue invoices``."""
    return f"{number(n)} {one if round(n) == 1 else (many or one + 's')}"


def _v(row: Mapping[str, Any], name: str | None) -> float:
    if name is None or name not in row:
        return float("nan")
    try:
        return float(row[name])
    except (TypeError, ValueError):
        return float("nan")


def describe(
    group: str,
    feature: str,
    row: Mapping[str, Any],
    info: Mapping[str, FeatureInfo],
    peers: Mapping[str, float] | None = None,
) -> str:
    """One reason: the story of ``group`` for the customer whose feature values are ``row``.

    ``feature`` is the feature of the group that weighed most; ``peers`` holds typical (median)
    values of customers in general, for comparisons where the customer's own past says little.

    Examples
    --------
    >>> from tenure.models.churn.features import FeatureInfo
    >>> info = {"login_28d": FeatureInfo("login_28d", "usage", "logins in the last 28 days",
    ...         "count", "usage:login", past="login_prev_28d")}
    >>> describe("usage:login", "login_28d", {"login_28d": 3, "login_prev_28d": 41}, info)
    'logins in the last 28 days: 3, down from 41'
    """
    peers = peers or {}
    fi = info[feature]
    kind = group.split(":", 1)[0]
    if kind == "usage":
        name = group.split(":", 1)[1]
        main = next(
            (
                c
                for c in info
                if c.startswith(f"{name}_")
                and c.endswith("d")
                and info[c].past
                and info[c].group == group
                and info[c].kind == "count"
            ),
            None,
        )
        if main is None:
            return f"{fi.label}: {number(_v(row, feature))}"
        recent, label = _v(row, main), info[main].label
        past = _v(row, info[main].past)
        usual_col = next((c for c in info if c.startswith(f"{name}_usual_")), None)
        if (not np.isfinite(past) or past == 0) and usual_col:
            past = _v(row, usual_col)
        if np.isfinite(past) and past > 0 and abs(recent - past) >= 0.5:
            direction = "down" if recent < past else "up"
            return f"{label}: {number(recent)}, {direction} from {number(past)}"
        peer = peers.get(main)
        if peer is not None and np.isfinite(peer) and peer > recent:
            return f"{label}: {number(recent)}, against {number(peer)} for a typical customer"
        return f"{label}: {number(recent)}"
    if kind == "recency":
        days = _v(row, feature)
        what = fi.label.replace("days since the last ", "")
        if what == "activity":
            return f"no activity for {number(days)} days"
        return f"last {what} {number(days)} days ago"
    if group == "tickets":
        recent = _v(row, "tickets_14d")
        usual = _v(row, "tickets_usual_14d")
        if np.isfinite(usual) and usual > 0 and recent >= 2 * usual:
            times = multiple(recent / usual)
            return f"support tickets in the last 14 days: {number(recent)}, {times} their usual"
        if np.isfinite(recent) and recent > 0:
            return f"support tickets in the last 14 days: {number(recent)}"
        return f"{fi.label}: {number(_v(row, feature))}"
    if group == "open_tickets":
        open_, waiting = _v(row, "open_tickets"), _v(row, "unanswered_tickets")
        if np.isfinite(waiting) and waiting > 0:
            return f"{plural_noun(waiting, 'ticket')} waiting for a first answer"
        return f"{plural_noun(open_, 'open support ticket')}"
    if group == "renewal_requests":
        n = _v(row, "renewal_requests")
        d = _v(row, "days_to_renewal")
        asks = []
        if _v(row, "discount_requests") > 0:
            asks.append(plural_noun(_v(row, "discount_requests"), "discount request"))
        if _v(row, "contract_changes") > 0:
            asks.append(plural_noun(_v(row, "contract_changes"), "contract-change request"))
        text = " and ".join(asks) if asks else plural_noun(n, "discount or contract request")
        if np.isfinite(d):
            return f"{text} with renewal in {number(d)} days"
        return text
    if group == "response_time":
        hours = _v(row, "first_response_hours")
        peer = peers.get("first_response_hours")
        if peer is not None and np.isfinite(peer) and hours > peer:
            return (
                f"first responses took {number(hours)} hours on average, against {number(peer)} for a typical customer"
            )
        return f"first responses took {number(hours)} hours on average"
    if group == "sentiment:nps":
        score = _v(row, "nps_score")
        if not np.isfinite(score):
            return "no NPS answer yet"
        when = _answer_day(row, "nps_days_ago")
        return f"NPS {number(score)} ({nps_category(score)}){when}"
    if group == "sentiment:csat":
        score = _v(row, "csat_score")
        if np.isfinite(score):
            return f"CSAT {number(score)} of 5{_answer_day(row, 'csat_days_ago')}"
        return f"average ticket satisfaction {number(_v(row, 'ticket_csat'))} of 5"
    if group == "payments":
        unrecovered = _v(row, "unrecovered_invoices")
        overdue = _v(row, "overdue_invoices")
        if unrecovered > 0:
            return f"{plural_noun(unrecovered, 'failed payment')} not recovered"
        if overdue > 0:
            return plural_noun(overdue, "overdue invoice")
        failed = _v(row, "failed_payments")
        if failed > 0:
            return (
                f"{plural_noun(failed, 'failed payment')} in the last {fi.label.rsplit(' ', 2)[-2]} days"
                if "last" in fi.label
                else plural_noun(failed, "failed payment")
            )
        return "no payment problems"
    if group == "onboarding":
        done = _v(row, "onboarding_done")
        steps_label = info["onboarding_done"].label if "onboarding_done" in info else ""
        total = steps_label.rsplit("of ", 1)[-1].rstrip(")") if "of " in steps_label else ""
        steps = _v(row, "onboarding_steps")
        if total:
            return f"onboarding: {number(steps)} of {total} steps done"
        return f"onboarding {number(done * 100)}% done"
    if group == "seats":
        users, seats = (
            _v(row, next((c for c in row if str(c).startswith("active_users_")), None)),
            _v(row, "quantity"),
        )
        if np.isfinite(seats) and seats > 0 and np.isfinite(users):
            return f"{number(users)} of {number(seats)} seats in use"
        return f"{fi.label}: {number(_v(row, feature))}"
    if group == "renewal":
        d = _v(row, "days_to_renewal")
        return f"renewal in {number(d)} days"
    if group == "tenure":
        earlier = _v(row, "earlier_periods")
        if earlier > 0:
            return f"came back after {plural_noun(earlier, 'earlier cancellation')}"
        return f"customer for {number(_v(row, 'tenure_days'))} days"
    if group == "mrr":
        now, before = _v(row, "mrr"), _v(row, "mrr_84d_ago")
        if np.isfinite(before) and before > 0 and abs(now - before) > 0.005:
            direction = "down" if now < before else "up"
            return f"MRR {number(now)}, {direction} from {number(before)} 84 days ago"
        return f"MRR {number(now)}"
    if group == "discount":
        return f"{number(_v(row, 'discount') * 100)}% discount in force"
    if fi.kind == "category":
        value = row.get(feature)
        words = {
            "plan": "on the {} plan",
            "channel": "came through {}",
            "segment": "in the {} segment",
            "country": "in {}",
        }
        value = "unknown" if value is None or (isinstance(value, float) and np.isnan(value)) else value
        return words.get(feature, feature + ": {}").format(value)
    return f"{fi.label}: {number(_v(row, feature))}"


def _answer_day(row: Mapping[str, Any], days_col: str) -> str:
    days, obs = _v(row, days_col), row.get("obs_date")
    if not np.isfinite(days) or obs is None:
        return ""
    when = pd.Timestamp(obs) - pd.Timedelta(days=days)
    return f" on {day(when)}"


def reasons(
    frame: pd.DataFrame,
    contributions: pd.DataFrame,
    info: Mapping[str, FeatureInfo],
    peers: Mapping[str, float] | None = None,
    top: int = 3,
) -> list[list[str]]:
    """The top reasons for every row of ``frame``: groups whose contributions push churn up most.

    Examples
    --------
    >>> reasons(features.frame, model.contributions(features.frame), features.info)  # doctest: +SKIP
    [['logins in the last 28 days: 3, down from 41', '2 failed payments not recovered'], ...]
    """
    picked = top_groups(contributions, info, top, frame)
    out: list[list[str]] = []
    records: list[dict[str, Any]] = frame.to_dict("records")  # type: ignore[assignment]
    for row, chosen in zip(records, picked, strict=True):
        out.append([describe(group, feature, row, info, peers) for group, feature in chosen])
    return out


def top_groups(
    contributions: pd.DataFrame,
    info: Mapping[str, FeatureInfo],
    top: int = 3,
    frame: pd.DataFrame | None = None,
) -> list[list[tuple[str, str]]]:
    """For every row, the ``top`` stories whose summed contributions raise the churn score most
    (only those that raise it), each as its strongest group and that group's strongest feature.

    With the features ``frame``, a story is only told when the customer's values show a problem
    there (see :func:`evidence`): a model may find "no failed payment yet" slightly worrying, but
    "no payment problems" is no reason to give.

    Examples
    --------
    >>> top_groups(model.contributions(frame), features.info)[0]   # doctest: +SKIP
    [('usage:login', 'login_trend'), ('payments', 'unrecovered_invoices')]
    """
    cols = [c for c in contributions.columns if c in info and story(info[c].group or c) not in CONTEXT]
    groups = [info[c].group or c for c in cols]
    names = list(dict.fromkeys(groups))
    stories = list(dict.fromkeys(story(g) for g in names))
    g_index = {g: i for i, g in enumerate(names)}
    s_index = {s: i for i, s in enumerate(stories)}
    member = np.array([g_index[g] for g in groups], dtype=int)
    group_story = np.array([s_index[story(g)] for g in names], dtype=int)
    values = contributions[cols].to_numpy(float)
    per_group = np.zeros((len(values), len(names)))
    np.add.at(per_group.T, member, values.T)
    per_story = np.zeros((len(values), len(stories)))
    np.add.at(per_story.T, group_story, per_group.T)
    if frame is not None:
        for name, j in s_index.items():
            shown = evidence(name, frame)
            if shown is not None:
                per_story[:, j] = np.where(shown, per_story[:, j], 0.0)
    order = np.argsort(-per_story, axis=1)[:, :top]
    out: list[list[tuple[str, str]]] = []
    for i in range(len(values)):
        chosen = []
        for s in order[i]:
            if per_story[i, s] <= 0:
                break
            in_story = np.flatnonzero(group_story == s)
            g = in_story[np.argmax(per_group[i, in_story])]
            in_group = np.flatnonzero(member == g)
            chosen.append((names[g], cols[in_group[np.argmax(values[i, in_group])]]))
        out.append(chosen)
    return out


def evidence(name: str, frame: pd.DataFrame) -> np.ndarray | None:
    """Which rows show a problem in story ``name`` (``None``: every row may be told it).

    Payments: a failed or overdue payment; tickets: a ticket in the last 28 days or one still open;
    sentiment: an NPS of 8 or less or a CSAT of 3 or less; renewal requests: one was made;
    onboarding: fewer than half the steps done.
    """

    def col(c: str) -> np.ndarray:
        if c not in frame:
            return np.zeros(len(frame))
        return pd.to_numeric(frame[c], errors="coerce").fillna(0).to_numpy(float)

    def low(c: str, cutoff: float) -> np.ndarray:
        if c not in frame:
            return np.zeros(len(frame), dtype=bool)
        v = pd.to_numeric(frame[c], errors="coerce").to_numpy(float)
        return ~np.isnan(v) & (v <= cutoff)

    if name == "payments":
        return (col("failed_payments") + col("unrecovered_invoices") + col("overdue_invoices")) > 0
    if name == "tickets":
        return (col("tickets_28d") + col("tickets_14d") + col("open_tickets")) > 0
    if name == "sentiment":
        return low("nps_score", 8) | low("csat_score", 3) | low("ticket_csat", 3)
    if name == "renewal_requests":
        return (col("renewal_requests") + col("discount_requests") + col("contract_changes")) > 0
    if name == "onboarding" and "onboarding_done" in frame:
        return col("onboarding_done") < 0.5
    return None


CONTEXT = frozenset({"renewal", "plan", "segment", "channel", "country"})
"""Stories that shape risk but are not reasons a customer-success manager can act on (the renewal
date, the plan, where the customer came from); they count in the score, never in the reasons."""

_STORY = {"recency": "usage", "seats": "usage", "open_tickets": "tickets", "response_time": "tickets"}


def story(group: str) -> str:
    """The story a group belongs to: every usage group is one story (so usage is told once, by its
    strongest event type), tickets and their waiting times another, and so on.

    Examples
    --------
    >>> story("usage:login"), story("recency:export"), story("payments")
    ('usage', 'usage', 'payments')
    """
    head = group.split(":", 1)[0]
    return _STORY.get(head, head)
