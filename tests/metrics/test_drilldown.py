"""Drill-down: every figure lists exactly the customers and rows behind it."""

from __future__ import annotations

import pytest
from metric_helpers import memory_engine, sub

from tenure.errors import ConfigurationError
from tenure.metrics import explain, report


@pytest.fixture(scope="module")
def engine():
    subs = [
        sub("keep", "2024-01-01", None, 100),
        sub("up", "2024-01-01", "2024-02-10", 100),
        sub("up", "2024-02-10", None, 180),
        sub("down", "2024-01-01", "2024-02-10", 100),
        sub("down", "2024-02-10", None, 40),
        sub("gone", "2024-01-01", "2024-02-20", 70),
        sub("new", "2024-02-05", None, 30),
        sub("flash", "2024-02-03", "2024-02-25", 30),
        sub("back", "2023-01-01", "2023-06-01", 10),
        sub("back", "2024-02-07", None, 60),
    ]
    responses = [
        {"response_id": "r1", "customer_id": "keep", "survey": "nps", "score": 10, "submitted_at": "2024-02-02"},
        {"response_id": "r2", "customer_id": "up", "survey": "nps", "score": 3, "submitted_at": "2024-02-03"},
        {"response_id": "r3", "customer_id": "up", "survey": "csat", "score": 4, "submitted_at": "2024-02-03"},
    ]
    return memory_engine({"subscriptions": subs, "responses": responses})


@pytest.mark.parametrize(
    ("metric", "customers"),
    [
        ("customers_start", ["down", "gone", "keep", "up"]),
        ("customers_end", ["back", "down", "keep", "new", "up"]),
        ("customers_lost", ["gone"]),
        ("customers_new", ["new"]),
        ("customers_reactivated", ["back"]),
        ("customers_acquired", ["flash", "new"]),
        ("mrr_expansion", ["up"]),
        ("mrr_contraction", ["down"]),
        ("mrr_churn", ["gone"]),
        ("mrr_new", ["new"]),
        ("mrr_reactivation", ["back"]),
        ("customers_active", ["back", "down", "flash", "gone", "keep", "new", "up"]),
        ("loss_to_acquisition", ["flash", "gone", "new"]),
    ],
)
def test_explain_lists_exactly_the_customers_counted(engine, metric, customers) -> None:
    listed = explain(engine, metric, "2024-02-01", "2024-03-01")
    assert listed["customer_id"].tolist() == customers


@pytest.mark.parametrize("metric", ["mrr_start", "mrr_end", "mrr_expansion", "mrr_contraction", "mrr_churn"])
def test_explained_amounts_add_up_to_the_figure(engine, metric) -> None:
    figure = report(engine, "2024-02-01", "2024-03-01").iloc[0][metric]
    assert explain(engine, metric, "2024-02-01", "2024-03-01")["amount"].sum() == pytest.approx(figure)


def test_explain_with_rows_lists_the_subscription_rows_behind_the_customers(engine) -> None:
    rows = explain(engine, "mrr_expansion", "2024-02-01", "2024-03-01", rows=True)
    assert rows["customer_id"].tolist() == ["up", "up"]
    assert rows["mrr"].tolist() == [100, 180]
    assert rows["active_at_start"].tolist() == [True, False]
    assert rows["active_at_end"].tolist() == [False, True]


def test_explain_nps_lists_the_answers_with_their_class(engine) -> None:
    answers = explain(engine, "nps", "2024-02-01", "2024-03-01")
    assert answers["response_id"].tolist() == ["r1", "r2"]
    assert answers["class"].tolist() == ["promoter", "detractor"]
    assert explain(engine, "csat", "2024-02-01", "2024-03-01")["response_id"].tolist() == ["r3"]


def test_explain_refuses_a_name_it_does_not_know(engine) -> None:
    with pytest.raises(ConfigurationError, match="cannot explain 'mrr_magic'"):
        explain(engine, "mrr_magic", "2024-02-01", "2024-03-01")
