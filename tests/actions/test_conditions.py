"""Conditions read customer fields and nothing else: what they accept, what they refuse, and that
one customer and a whole frame evaluate alike."""

from __future__ import annotations

import pandas as pd
import pytest

from tenure.actions.conditions import Condition
from tenure.errors import ExpressionError

FIELDS = {"plan", "mrr", "segment", "risk_band", "days_since_last_activity", "active", "seats"}

ROWS = [
    {
        "plan": "pro",
        "mrr": 99.0,
        "segment": "smb",
        "risk_band": "high",
        "days_since_last_activity": 30,
        "active": True,
        "seats": 5,
    },
    {
        "plan": "free",
        "mrr": 0.0,
        "segment": "smb",
        "risk_band": None,
        "days_since_last_activity": 2,
        "active": True,
        "seats": None,
    },
    {
        "plan": None,
        "mrr": 80.0,
        "segment": "enterprise",
        "risk_band": "low",
        "days_since_last_activity": None,
        "active": False,
        "seats": 50,
    },
    {
        "plan": "pro",
        "mrr": None,
        "segment": None,
        "risk_band": "medium",
        "days_since_last_activity": 14,
        "active": True,
        "seats": 0,
    },
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plan != 'free' and mrr >= 50", [True, False, False, False]),
        ("segment in ['smb', 'mid-market']", [True, True, False, False]),
        ("segment not in ['smb']", [False, False, True, False]),
        ("risk_band is None", [False, True, False, False]),
        ("risk_band is not None and not risk_band == 'low'", [True, False, False, True]),
        ("mrr < 50", [False, True, False, False]),  # a missing mrr satisfies no comparison
        ("mrr * 12 > 1000 or days_since_last_activity >= 14", [True, False, False, True]),
        ("10 <= days_since_last_activity < 31", [True, False, False, True]),
        ("mrr / seats > 10", [True, False, False, False]),  # x / 0 and x / None are missing
        ("-mrr < -50", [True, False, True, False]),
        ("active and plan == 'pro'", [True, False, False, True]),
        ("plan in 'professional'", [True, False, False, True]),
        ("mrr == 'pro'", [False, False, False, False]),  # a number never equals text
        ("", [True, True, True, True]),
    ],
)
def test_condition_evaluates_one_customer_and_a_whole_frame_alike(text: str, expected: list[bool]) -> None:
    cond = Condition.parse(text, FIELDS)
    assert [cond.evaluate(r) for r in ROWS] == expected
    assert cond.mask(pd.DataFrame(ROWS)).tolist() == expected


ESCAPES = [
    "__import__('os').system('echo pwned')",
    "().__class__.__bases__[0].__subclasses__()",
    "plan.upper() == 'PRO'",
    "plan.__class__",
    "open('/etc/passwd')",
    "exec('x = 1')",
    "eval('1')",
    "globals()",
    "__builtins__",
    "_private",
    "lambda: 1",
    "(lambda: 1)()",
    "[x for x in [1, 2]]",
    "{x for x in [1]}",
    "{'a': 1}",
    "(x for x in [1])",
    "mrr[0]",
    "plan[::-1]",
    "9 ** 9 ** 9",
    "2 ** 10",
    "mrr % 2",
    "mrr // 2",
    "mrr << 64",
    "~mrr",
    "f'{plan}'",
    "(y := 1)",
    "plan if mrr else 1",
    "*plan",
    "mrr is 1",
    "plan in segment",
    "1" * 5000,
    "10 ** 100 > 1",
    "1e400 > mrr",
    "'" + "a" * 2000 + "'",
    "not " * 400 + "True",
    "(" * 300 + "1" + ")" * 300,
    "unknown_field > 1",
    "import os",
    "plan = 'x'",
    "del plan",
]


@pytest.mark.parametrize("text", ESCAPES)
def test_condition_refuses_anything_but_reading_customer_fields(text: str) -> None:
    with pytest.raises(ExpressionError):
        Condition.parse(text, FIELDS)


def test_a_refused_condition_says_where_and_what_is_allowed() -> None:
    with pytest.raises(ExpressionError) as info:
        Condition.parse("plan.upper() == 'PRO'", FIELDS)
    message = str(info.value)
    assert "plan.upper() == 'PRO'" in message
    assert "not allowed" in message
    assert "plan != 'free' and mrr >= 50" in message


def test_an_unknown_field_is_named_with_the_fields_available() -> None:
    with pytest.raises(ExpressionError, match=r"'mmr' is not a customer field; available fields: active, "):
        Condition.parse("mmr > 5", FIELDS)


def test_evaluation_cannot_change_the_customer_it_reads() -> None:
    row = dict(ROWS[0])
    Condition.parse("plan == 'pro' and mrr > 1", FIELDS).evaluate(row)
    assert row == ROWS[0]


def test_multiplying_text_by_a_huge_number_evaluates_to_missing_not_to_a_huge_string() -> None:
    cond = Condition.parse("plan * 1000000000000 == 'x'", FIELDS)
    assert cond.evaluate(ROWS[0]) is False
    assert cond.mask(pd.DataFrame(ROWS)).tolist() == [False] * 4
