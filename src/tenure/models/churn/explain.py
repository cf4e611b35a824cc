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

import gc
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd

from tenure.models.churn.features import FeatureInfo


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector paused while the words (or records) of a whole population are put together.

    Tens of thousands of new lists set off a collection every few hundred, each walking every object
    alive (the features frame's included): half the time of :func:`reasons` at 55,000 customers.
    Lists of strings and dicts of numbers hold no cycles, so pausing leaves nothing uncollected.
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


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


def _main_count(group: str, name: str, info: Mapping[str, FeatureInfo]) -> str | None:
    """The count of event type ``name`` over the main window (the one with a past to compare to)."""
    return next(
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
        main = _main_count(group, name, info)
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


class _Irregular(Exception):
    """Values the vectorised wording does not handle as :func:`describe` does (it words them row by row)."""


class _Values:
    """Columns of a features frame as floats, read once each, the way :func:`describe` reads a value
    (a missing column or a value that is not a number reads as NaN)."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self._cache: dict[str, np.ndarray] = {}

    def __call__(self, name: str | None, rows: np.ndarray) -> np.ndarray:
        if name is None or name not in self.frame.columns:
            return np.full(len(rows), np.nan)
        if name not in self._cache:
            column = self.frame[name]
            if pd.api.types.is_datetime64_any_dtype(column) or pd.api.types.is_timedelta64_dtype(column):
                values = np.full(len(column), np.nan)  # float() of a time fails: describe reads NaN
            elif pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_extension_array_dtype(column):
                values = column.to_numpy(dtype=float)
            else:
                values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            self._cache[name] = values
        return self._cache[name][rows]


def _numbers(x: np.ndarray) -> np.ndarray:
    """:func:`number` of every value, formatting each distinct value once."""
    if len(x) == 0:
        return np.array([], dtype=object)
    distinct, where = np.unique(x, return_inverse=True)
    texts = np.array([number(float(v)) for v in distinct], dtype=object)
    return texts[where.reshape(-1)]


def _plurals(n: np.ndarray, one: str, many: str | None = None) -> np.ndarray:
    """:func:`plural_noun` of every value."""
    if not np.isfinite(n).all():
        raise _Irregular  # plural_noun cannot round these; describe raises as it always did
    noun = np.where(np.round(n) == 1, one, many or one + "s").astype(object)
    return _numbers(n) + " " + noun


def _text(value: str, n: int) -> np.ndarray:
    return np.full(n, value, dtype=object)


def describe_many(
    group: str,
    feature: str,
    frame: pd.DataFrame,
    rows: np.ndarray,
    info: Mapping[str, FeatureInfo],
    peers: Mapping[str, float] | None = None,
    values: Any = None,
) -> np.ndarray:
    """:func:`describe` for the rows ``rows`` of ``frame`` at once (the same words, as an object array).

    Every sentence is put together from whole columns: each distinct number is formatted once,
    and the pieces are joined array by array. Values :func:`describe` would stumble on (a count
    that is not a number, where it must say "1 ticket" or "2 tickets") and groups it has no
    vectorised wording for are worded row by row by :func:`describe` itself.

    Examples
    --------
    >>> from tenure.models.churn.features import FeatureInfo
    >>> info = {"login_28d": FeatureInfo("login_28d", "usage", "logins in the last 28 days",
    ...         "count", "usage:login", past="login_prev_28d")}
    >>> frame = pd.DataFrame({"login_28d": [3, 30], "login_prev_28d": [41, 12]})
    >>> describe_many("usage:login", "login_28d", frame, np.arange(2), info).tolist()
    ['logins in the last 28 days: 3, down from 41', 'logins in the last 28 days: 30, up from 12']
    """
    peers = peers or {}
    values = values if values is not None else _Values(frame)
    rows = np.asarray(rows, dtype=np.int64)
    try:
        return _describe_many(group, feature, frame, rows, info, peers, values)
    except _Irregular:
        records: list[dict[str, Any]] = frame.iloc[rows].to_dict("records")  # type: ignore[assignment]
        return np.array([describe(group, feature, row, info, peers) for row in records], dtype=object)


def _describe_many(
    group: str,
    feature: str,
    frame: pd.DataFrame,
    rows: np.ndarray,
    info: Mapping[str, FeatureInfo],
    peers: Mapping[str, float],
    values: _Values,
) -> np.ndarray:
    # one branch per branch of describe(), in the same order, with the same words
    n = len(rows)

    def v(name: str | None) -> np.ndarray:
        return values(name, rows)

    def peer_of(name: str) -> float | None:
        peer = peers.get(name)
        return peer if peer is not None and np.isfinite(peer) else None

    fi = info[feature]
    kind = group.split(":", 1)[0]
    if kind == "usage":
        if ":" not in group:
            raise _Irregular
        name = group.split(":", 1)[1]
        main = _main_count(group, name, info)
        if main is None:
            return f"{fi.label}: " + _numbers(v(feature))
        recent, label = v(main), info[main].label
        past = v(info[main].past)
        usual_col = next((c for c in info if c.startswith(f"{name}_usual_")), None)
        if usual_col:
            past = np.where(~np.isfinite(past) | (past == 0), v(usual_col), past)
        with np.errstate(invalid="ignore"):
            moved = np.isfinite(past) & (past > 0) & (np.abs(recent - past) >= 0.5)
        head = f"{label}: " + _numbers(recent)
        direction = np.where(recent < past, ", down from ", ", up from ").astype(object)
        out = head.copy()
        if moved.any():
            out[moved] = head[moved] + direction[moved] + _numbers(past[moved])
        peer = peer_of(main)
        if peer is not None:
            below = ~moved & (peer > recent)
            out[below] = head[below] + f", against {number(peer)} for a typical customer"
        return out
    if kind == "recency":
        days = _numbers(v(feature))
        what = fi.label.replace("days since the last ", "")
        if what == "activity":
            return "no activity for " + days + " days"
        return f"last {what} " + days + " days ago"
    if group == "tickets":
        recent, usual = v("tickets_14d"), v("tickets_usual_14d")
        with np.errstate(invalid="ignore", divide="ignore"):
            spike = np.isfinite(usual) & (usual > 0) & (recent >= 2 * usual)
            some = np.isfinite(recent) & (recent > 0)
        head = "support tickets in the last 14 days: " + _numbers(recent)
        out = f"{fi.label}: " + _numbers(v(feature))
        out[some] = head[some]
        if spike.any():
            times = np.array([multiple(float(r)) for r in recent[spike] / usual[spike]], dtype=object)
            out[spike] = head[spike] + ", " + times + " their usual"
        return out
    if group == "open_tickets":
        open_, waiting = v("open_tickets"), v("unanswered_tickets")
        waits = np.isfinite(waiting) & (waiting > 0)
        out = np.empty(n, dtype=object)
        if waits.any():
            out[waits] = _plurals(waiting[waits], "ticket") + " waiting for a first answer"
        if (~waits).any():
            out[~waits] = _plurals(open_[~waits], "open support ticket")
        return out
    if group == "renewal_requests":
        asked, d = v("renewal_requests"), v("days_to_renewal")
        discounts, changes = v("discount_requests"), v("contract_changes")
        has_d, has_c = discounts > 0, changes > 0
        text = np.empty(n, dtype=object)
        both, only_d, only_c, neither = has_d & has_c, has_d & ~has_c, ~has_d & has_c, ~has_d & ~has_c
        if both.any():
            text[both] = (
                _plurals(discounts[both], "discount request")
                + " and "
                + _plurals(changes[both], "contract-change request")
            )
        if only_d.any():
            text[only_d] = _plurals(discounts[only_d], "discount request")
        if only_c.any():
            text[only_c] = _plurals(changes[only_c], "contract-change request")
        if neither.any():
            text[neither] = _plurals(asked[neither], "discount or contract request")
        dated = np.isfinite(d)
        text[dated] = text[dated] + " with renewal in " + _numbers(d[dated]) + " days"
        return text
    if group == "response_time":
        hours = v("first_response_hours")
        head = "first responses took " + _numbers(hours) + " hours on average"
        peer = peer_of("first_response_hours")
        if peer is None:
            return head
        slow = hours > peer
        head[slow] = head[slow] + f", against {number(peer)} for a typical customer"
        return head
    if group == "sentiment:nps":
        score = v("nps_score")
        answered = np.isfinite(score)
        out = _text("no NPS answer yet", n)
        if answered.any():
            category = np.where(
                score[answered] >= 9, " (promoter)", np.where(score[answered] >= 7, " (passive)", " (detractor)")
            ).astype(object)
            when = _answer_days(frame, rows[answered], v("nps_days_ago")[answered])
            out[answered] = "NPS " + _numbers(score[answered]) + category + when
        return out
    if group == "sentiment:csat":
        score = v("csat_score")
        answered = np.isfinite(score)
        out = "average ticket satisfaction " + _numbers(v("ticket_csat")) + " of 5"
        if answered.any():
            when = _answer_days(frame, rows[answered], v("csat_days_ago")[answered])
            out[answered] = "CSAT " + _numbers(score[answered]) + " of 5" + when
        return out
    if group == "payments":
        unrecovered, overdue, failed = v("unrecovered_invoices"), v("overdue_invoices"), v("failed_payments")
        c1 = unrecovered > 0
        c2 = ~c1 & (overdue > 0)
        c3 = ~c1 & ~c2 & (failed > 0)
        out = _text("no payment problems", n)
        if c1.any():
            out[c1] = _plurals(unrecovered[c1], "failed payment") + " not recovered"
        if c2.any():
            out[c2] = _plurals(overdue[c2], "overdue invoice")
        if c3.any():
            failures = _plurals(failed[c3], "failed payment")
            if "last" in fi.label:
                failures = failures + f" in the last {fi.label.rsplit(' ', 2)[-2]} days"
            out[c3] = failures
        return out
    if group == "onboarding":
        steps_label = info["onboarding_done"].label if "onboarding_done" in info else ""
        total = steps_label.rsplit("of ", 1)[-1].rstrip(")") if "of " in steps_label else ""
        if total:
            return "onboarding: " + _numbers(v("onboarding_steps")) + f" of {total} steps done"
        return "onboarding " + _numbers(v("onboarding_done") * 100) + "% done"
    if group == "seats":
        users_col = next((c for c in frame.columns if str(c).startswith("active_users_")), None)
        users, seats = v(users_col), v("quantity")
        fits = np.isfinite(seats) & (seats > 0) & np.isfinite(users)
        out = f"{fi.label}: " + _numbers(v(feature))
        if fits.any():
            out[fits] = _numbers(users[fits]) + " of " + _numbers(seats[fits]) + " seats in use"
        return out
    if group == "renewal":
        return "renewal in " + _numbers(v("days_to_renewal")) + " days"
    if group == "tenure":
        earlier = v("earlier_periods")
        back = earlier > 0
        out = "customer for " + _numbers(v("tenure_days")) + " days"
        if back.any():
            out[back] = "came back after " + _plurals(earlier[back], "earlier cancellation")
        return out
    if group == "mrr":
        now, before = v("mrr"), v("mrr_84d_ago")
        with np.errstate(invalid="ignore"):
            moved = np.isfinite(before) & (before > 0) & (np.abs(now - before) > 0.005)
        out = "MRR " + _numbers(now)
        if moved.any():
            direction = np.where(now[moved] < before[moved], ", down from ", ", up from ").astype(object)
            out[moved] = out[moved] + direction + _numbers(before[moved]) + " 84 days ago"
        return out
    if group == "discount":
        return _numbers(v("discount") * 100) + "% discount in force"
    if fi.kind == "category":
        raise _Irregular  # categories are context, never reasons; describe words them
    return f"{fi.label}: " + _numbers(v(feature))


def _answer_days(frame: pd.DataFrame, rows: np.ndarray, days: np.ndarray) -> np.ndarray:
    """:func:`_answer_day` for many rows: `` on 2 March`` (empty without a number of days)."""
    if "obs_date" not in frame.columns:
        return _text("", len(rows))
    dates = frame["obs_date"]
    if not pd.api.types.is_datetime64_any_dtype(dates):
        dates = pd.to_datetime(dates)
    obs = dates.to_numpy("datetime64[ns]")[rows]
    if np.isnat(obs).any():
        raise _Irregular
    known = np.isfinite(days)
    out = _text("", len(rows))
    if known.any():
        # the nanoseconds pd.Timedelta(days=d) gives, so the day is the one describe() names
        back = ((days[known] * 24) * 3600 * 1_000_000_000).astype(np.int64).astype("timedelta64[ns]")
        when = pd.DatetimeIndex(obs[known] - back)
        day_month = np.unique(np.c_[when.day.to_numpy(), when.month.to_numpy()], axis=0, return_inverse=True)
        texts = np.array([f" on {d} {pd.Timestamp(2000, m, 1):%B}" for d, m in day_month[0]], dtype=object)
        out[known] = texts[day_month[1].reshape(-1)]
    return out


def reasons(
    frame: pd.DataFrame,
    contributions: pd.DataFrame,
    info: Mapping[str, FeatureInfo],
    peers: Mapping[str, float] | None = None,
    top: int = 3,
) -> list[list[str]]:
    """The top reasons for every row of ``frame``: groups whose contributions push churn up most.

    The words are exactly those :func:`describe` gives row by row, but put together a whole
    (group, feature) pair at a time (see :func:`describe_many`): scoring explains every active
    customer, and a Python call per customer and reason was most of its time.

    Examples
    --------
    >>> reasons(features.frame, model.contributions(features.frame), features.info)  # doctest: +SKIP
    [['logins in the last 28 days: 3, down from 41', '2 failed payments not recovered'], ...]
    """
    groups, features, names, cols = _top_indices(contributions, info, top, frame)
    n = len(frame)
    slots: list[np.ndarray] = []
    values = _Values(frame)
    with collector_paused():
        for k in range(groups.shape[1]):
            words = np.full(n, None, dtype=object)
            told = groups[:, k] >= 0
            pair = groups[:, k].astype(np.int64) * len(cols) + features[:, k]
            for code in np.unique(pair[told]):
                rows = np.flatnonzero(pair == code)
                g, f = divmod(int(code), len(cols))
                words[rows] = describe_many(names[g], cols[f], frame, rows, info, peers, values)
            slots.append(words)
        if not slots:
            return [[] for _ in range(n)]
        told_rows = (groups >= 0).sum(axis=1)
        table = np.column_stack(slots).tolist()
        return [row[:m] for row, m in zip(table, told_rows.tolist(), strict=True)]


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
    groups, features, names, cols = _top_indices(contributions, info, top, frame)
    return [
        [(names[g], cols[f]) for g, f in zip(gs, fs, strict=True) if g >= 0]
        for gs, fs in zip(groups.tolist(), features.tolist(), strict=True)
    ]


def _top_indices(
    contributions: pd.DataFrame,
    info: Mapping[str, FeatureInfo],
    top: int,
    frame: pd.DataFrame | None,
) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    """:func:`top_groups` as arrays: per row and rank, the group's index in ``names`` and the
    feature's in ``cols`` (-1 past the last story told), then ``names`` and ``cols``."""
    cols = [c for c in contributions.columns if c in info and story(info[c].group or c) not in CONTEXT]
    groups = [info[c].group or c for c in cols]
    names = list(dict.fromkeys(groups))
    stories = list(dict.fromkeys(story(g) for g in names))
    g_index = {g: i for i, g in enumerate(names)}
    s_index = {s: i for i, s in enumerate(stories)}
    member = np.array([g_index[g] for g in groups], dtype=int)
    group_story = np.array([s_index[story(g)] for g in names], dtype=int)
    values = contributions[cols].to_numpy(float)
    n = len(values)
    # Sums per group and per story, adding the columns in order (as np.add.at would, many times faster):
    # rows of the transposed, contiguous arrays are whole columns.
    by_column = np.ascontiguousarray(values.T)
    group_rows = np.zeros((len(names), n))
    for k, g in enumerate(member):
        group_rows[g] += by_column[k]
    story_rows = np.zeros((len(stories), n))
    for g, s in enumerate(group_story):
        story_rows[s] += group_rows[g]
    # a row per customer again, each row contiguous for the sorting and maxima below
    per_group, per_story = np.ascontiguousarray(group_rows.T), np.ascontiguousarray(story_rows.T)
    if frame is not None:
        for name, j in s_index.items():
            shown = evidence(name, frame)
            if shown is not None:
                per_story[:, j] = np.where(shown, per_story[:, j], 0.0)
    order = np.argsort(-per_story, axis=1)[:, :top]
    # each story's strongest group, and each group's strongest feature (the first on ties, as argmax)
    best_group = np.zeros((n, len(stories)), dtype=int)
    for s in range(len(stories)):
        in_story = np.flatnonzero(group_story == s)
        best_group[:, s] = in_story[np.argmax(per_group[:, in_story], axis=1)]
    best_feature = np.zeros((n, len(names)), dtype=int)
    for g in range(len(names)):
        in_group = np.flatnonzero(member == g)
        best_feature[:, g] = in_group[np.argmax(values[:, in_group], axis=1)]
    rows = np.arange(n)[:, None]
    chosen_group = best_group[rows, order]
    chosen_feature = best_feature[rows, chosen_group]
    # stories come strongest first; the first that does not raise the score ends the list
    # (as the row-by-row loop did, a NaN total does not end it)
    raises = np.logical_and.accumulate(~(per_story[rows, order] <= 0), axis=1)
    return (
        np.where(raises, chosen_group, -1),
        np.where(raises, chosen_feature, -1),
        names,
        cols,
    )


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
