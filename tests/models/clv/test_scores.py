"""Per-customer CLV computed from the store and kept in it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from tenure.models.clv.scores import geometric_clv, save_scores, score_customers
from tenure.models.clv.tables import clv_scores
from tenure.simulate import simulate
from tenure.store import Store


def test_geometric_clv_uses_losses_over_customer_months() -> None:
    subs = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "mrr": 10.0,
            "segment": "smb",
            "start_date": pd.Timestamp("2024-01-01"),
            "end_date": [pd.Timestamp("2024-11-01"), None, None],
        }
    )
    out = geometric_clv(subs, "2025-01-01", discount_rate=0.0, margin=0.5)
    # a churned after 10 months, b and c have 12 months each: 1 loss in 34 customer-months.
    assert list(out.index) == ["b", "c"]
    assert out.loc["b", "retention_next"] == pytest.approx(33 / 34)
    assert out.loc["b", "derl_months"] == pytest.approx(34)
    assert out.loc["b", "clv"] == pytest.approx(10 * 0.5 * 34)


def test_geometric_clv_discounts_future_months() -> None:
    subs = pd.DataFrame(
        {
            "customer_id": ["a", "b"],
            "mrr": 10.0,
            "segment": "smb",
            "start_date": pd.Timestamp("2024-01-01"),
            "end_date": [pd.Timestamp("2024-11-01"), None],
        }
    )
    out = geometric_clv(subs, "2025-01-01", discount_rate=0.12)
    r, d = 1 - 1 / 22, 1.12 ** (1 / 12) - 1
    assert out.loc["b", "derl_months"] == pytest.approx((1 + d) / (1 + d - r))


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    simulate(customers=600, months=18, seed=2, end="2025-01-01").write(folder)
    return folder


def test_scores_cover_every_paying_customer_and_are_stored(sqlite_store: Store, demo_dir: Path) -> None:
    sqlite_store.import_folder(demo_dir)
    scores = score_customers(sqlite_store, "2025-01-01")
    con = sqlite_store.duckdb()
    paying = {
        r[0]
        for r in con.execute(
            "SELECT DISTINCT customer_id FROM subscriptions WHERE mrr > 0 AND start_date <= TIMESTAMP '2025-01-01' "
            "AND (end_date IS NULL OR end_date > TIMESTAMP '2025-01-01')"
        ).fetchall()
    }
    con.close()
    with_subscription_value = set(scores.values.index[scores.values["subscription_clv"].notna()])
    assert paying <= with_subscription_value
    values = scores.values
    assert ((values["p_alive"].dropna() >= 0) & (values["p_alive"].dropna() <= 1)).all()
    assert (values["clv"] - values["subscription_clv"].fillna(0) - values["order_clv"].fillna(0)).abs().max() < 1e-9
    assert save_scores(sqlite_store, scores) == len(values)
    with sqlite_store.engine.connect() as conn:
        stored = conn.execute(sa.select(sa.func.count(), sa.func.sum(clv_scores.c.clv))).one()
    assert stored[0] == len(values)
    assert stored[1] == pytest.approx(values["clv"].sum())
