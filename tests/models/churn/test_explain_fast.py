"""The reasons of a whole frame at once say exactly what :func:`describe` says row by row."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pytest

from tenure.models.churn.explain import CONTEXT, describe, describe_many, evidence, reasons, story, top_groups
from tenure.models.churn.features import FeatureInfo, FeatureSpec, derive, slug

TYPES = ["login", "export", "report_created", "reply"]
STEPS = ["onboarding_invite", "onboarding_import", "onboarding_profile"]


def _counts(rng: np.random.Generator, n: int, scale: float) -> np.ndarray:
    """Mostly whole numbers, many zeros, some with decimals near and far from a whole number."""
    x = np.floor(rng.exponential(scale, n))
    x[rng.uniform(size=n) < 0.3] = 0.0
    odd = rng.uniform(size=n) < 0.15
    x[odd] += rng.choice([0.5, 0.04, 0.96, 0.25, 0.06], odd.sum())
    return x


def varied_features(n: int = 3000, seed: int = 0) -> tuple[pd.DataFrame, dict[str, FeatureInfo]]:
    """Features of every family (through :func:`derive`, so with their real descriptions), with gaps,
    zeros, decimals, several dates and answers given exactly at midnight."""
    rng = np.random.default_rng(seed)
    raw: dict[str, object] = {
        "customer_id": [f"c{i}" for i in range(n)],
        "obs_date": pd.to_datetime(rng.choice(["2024-03-01", "2024-04-01", "2024-12-01"], n)).astype("datetime64[us]"),
    }
    for name in ["events", *(slug(t) for t in TYPES)]:
        for col, scale in ((f"{name}_7d", 3), (f"{name}_28d", 12), (f"{name}_prev_28d", 12), (f"{name}_84d", 36)):
            raw[col] = _counts(rng, n, scale)
        days = np.floor(rng.exponential(20, n))
        days[rng.uniform(size=n) < 0.1] = np.nan
        raw[f"days_since_last_{name}"] = days
    raw["history_days"] = rng.uniform(0, 400, n)
    raw["tenure_days"] = np.where(rng.uniform(size=n) < 0.05, np.nan, np.floor(rng.uniform(1, 900, n)))
    raw["active_days_28d"] = _counts(rng, n, 8)
    raw["active_users_28d"] = _counts(rng, n, 4)
    raw["row_start"] = pd.to_datetime("2023-01-15") + pd.to_timedelta(rng.integers(0, 400, n), unit="D")
    raw["billing_period_months"] = rng.choice([1, 12], n)
    for col in ("mrr", "mrr_28d_ago", "mrr_84d_ago"):
        raw[col] = np.where(rng.uniform(size=n) < 0.2, 0.0, np.round(rng.uniform(10, 900, n), rng.choice([0, 2])))
    raw["mrr_84d_ago"] = np.where(rng.uniform(size=n) < 0.5, raw["mrr"], raw["mrr_84d_ago"])
    raw["quantity"] = np.where(rng.uniform(size=n) < 0.1, np.nan, rng.integers(0, 40, n).astype(float))
    raw["customer_age_days"] = rng.uniform(1, 900, n)
    raw["earlier_periods"] = rng.choice([0, 0, 0, 1, 2], n).astype(float)
    raw["discount"] = rng.choice([np.nan, 0.0, 0.1, 0.125, 0.2], n)
    raw["lines"] = rng.choice([1, 2], n)
    raw["plan"] = rng.choice(["basic", "pro", None], n)
    for col in ("segment", "channel", "country"):
        raw[col] = rng.choice(["a", "b", None], n)
    for col, scale in (
        ("tickets_14d", 1.5),
        ("tickets_28d", 2),
        ("tickets_90d", 4),
        ("urgent_tickets_28d", 0.5),
        ("open_tickets", 1),
        ("unanswered_tickets", 0.7),
        ("discount_requests", 0.5),
        ("contract_changes", 0.5),
    ):
        raw[col] = _counts(rng, n, scale)
    raw["first_response_hours"] = np.where(rng.uniform(size=n) < 0.3, np.nan, rng.exponential(8, n))
    raw["ticket_csat"] = np.where(rng.uniform(size=n) < 0.4, np.nan, rng.uniform(1, 5, n))
    raw["nps_score"] = np.where(rng.uniform(size=n) < 0.3, np.nan, rng.integers(0, 11, n).astype(float))
    raw["csat_score"] = np.where(rng.uniform(size=n) < 0.5, np.nan, rng.integers(1, 6, n).astype(float))
    for col in ("nps_days_ago", "csat_days_ago"):
        exact = rng.integers(0, 400, n).astype(float)  # answered at midnight: the day must not slip
        raw[col] = np.where(rng.uniform(size=n) < 0.5, exact, rng.uniform(0, 400, n))
        raw[col][rng.uniform(size=n) < 0.1] = np.nan
    raw["nps_answers"] = rng.integers(0, 3, n)
    raw["csat_answers"] = rng.integers(0, 3, n)
    for col in ("failed_payments", "unrecovered_invoices", "recovered_invoices", "overdue_invoices"):
        raw[col] = _counts(rng, n, 0.5)
    raw["days_since_failed_payment"] = np.where(rng.uniform(size=n) < 0.6, np.nan, rng.uniform(0, 90, n))
    raw["onboarding_steps"] = rng.integers(0, len(STEPS) + 1, n).astype(float)
    raw["onboarding_done"] = raw["onboarding_steps"] / len(STEPS)  # type: ignore[operator]
    families = {"usage", "users", "subscription", "customer", "tickets", "responses", "payments", "onboarding"}
    return derive(pd.DataFrame(raw), FeatureSpec(), TYPES, STEPS, families)


def one_by_one(
    frame: pd.DataFrame,
    contributions: pd.DataFrame,
    info: Mapping[str, FeatureInfo],
    peers: Mapping[str, float] | None,
    top: int,
) -> list[list[str]]:
    """The reasons as they were first written: a loop over rows choosing groups, then describe()."""
    cols = [c for c in contributions.columns if c in info and story(info[c].group or c) not in CONTEXT]
    groups = [info[c].group or c for c in cols]
    names = list(dict.fromkeys(groups))
    stories = list(dict.fromkeys(story(g) for g in names))
    member = np.array([names.index(g) for g in groups])
    group_story = np.array([stories.index(story(g)) for g in names])
    values = contributions[cols].to_numpy(float)
    per_group = np.zeros((len(values), len(names)))
    np.add.at(per_group.T, member, values.T)
    per_story = np.zeros((len(values), len(stories)))
    np.add.at(per_story.T, group_story, per_group.T)
    for j, name in enumerate(stories):
        shown = evidence(name, frame)
        if shown is not None:
            per_story[:, j] = np.where(shown, per_story[:, j], 0.0)
    order = np.argsort(-per_story, axis=1)[:, :top]
    out = []
    for i, row in enumerate(frame.to_dict("records")):
        said = []
        for s in order[i]:
            if per_story[i, s] <= 0:
                break
            in_story = np.flatnonzero(group_story == s)
            g = in_story[np.argmax(per_group[i, in_story])]
            in_group = np.flatnonzero(member == g)
            f = cols[in_group[np.argmax(values[i, in_group])]]
            said.append(describe(names[g], f, row, info, peers))
        out.append(said)
    return out


def _contributions(frame: pd.DataFrame, info: Mapping[str, FeatureInfo], seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    values = rng.normal(0, 0.3, (len(frame), len(info)))
    values[rng.uniform(size=values.shape) < 0.4] = 0.0
    values[: len(frame) // 20] = -np.abs(values[: len(frame) // 20])  # nothing raises their risk
    return pd.DataFrame(values, columns=list(info), index=frame.index)


@pytest.mark.parametrize("seed", [0, 1])
def test_fast_reasons_match_row_by_row_wording(seed: int) -> None:
    frame, info = varied_features(seed=seed)
    contributions = _contributions(frame, info, seed)
    numeric = [c for c in info if info[c].kind != "category"]
    peers = {c: float(np.nanmedian(frame[c].to_numpy(float))) for c in numeric if frame[c].notna().any()}
    for top in (3, 5):
        for given in (peers, None):
            assert reasons(frame, contributions, info, given, top) == one_by_one(frame, contributions, info, given, top)


def test_the_fast_reasons_cover_every_kind_of_story() -> None:
    frame, info = varied_features()
    said = reasons(frame, _contributions(frame, info, 0), info, None, 5)
    words = " | ".join(r for row in said for r in row)
    for phrase in (
        "down from",
        "up from",
        "no activity for",
        "days ago",
        "their usual",
        "waiting for a first answer",
        "open support ticket",
        "with renewal in",
        "first responses took",
        "NPS",
        " on ",
        "CSAT",
        "average ticket satisfaction",
        "not recovered",
        "overdue invoice",
        "onboarding:",
        "seats in use",
        "came back after",
        "customer for",
        "MRR",
        "discount in force",
    ):
        assert phrase in words, phrase
    assert any(not row for row in said), "some customers have no reason at all"


def test_top_groups_lists_each_rows_stories_strongest_first() -> None:
    frame, info = varied_features(n=500)
    contributions = _contributions(frame, info, 3)
    picked = top_groups(contributions, info, 3, frame)
    said = reasons(frame, contributions, info, None, 3)
    records = frame.to_dict("records")
    assert [[describe(g, f, records[i], info) for g, f in chosen] for i, chosen in enumerate(picked)] == said


def test_values_describe_cannot_word_are_handed_to_it() -> None:
    info = {
        "open_tickets": FeatureInfo("open_tickets", "tickets", "open support tickets", "count", "open_tickets"),
        "plan": FeatureInfo("plan", "subscription", "plan", "category", "plan"),
    }
    frame = pd.DataFrame({"open_tickets": [1.0, np.nan], "unanswered_tickets": [0.0, 0.0], "plan": ["pro", None]})
    with pytest.raises(ValueError):
        describe("open_tickets", "open_tickets", frame.iloc[1].to_dict(), info)
    with pytest.raises(ValueError):
        describe_many("open_tickets", "open_tickets", frame, np.arange(2), info)
    rows = frame.to_dict("records")
    assert describe_many("plan", "plan", frame, np.arange(2), info).tolist() == [
        describe("plan", "plan", row, info) for row in rows
    ]
