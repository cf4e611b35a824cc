"""Add-on orders follow the buy-till-you-die process whose parameters the ground truth records."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tenure.simulate.orders import ORDER_TRUTH


def test_orders_come_from_a_share_of_customers_with_repeat_purchases(frames: dict[str, pd.DataFrame]) -> None:
    orders = frames["orders"]
    buyers = orders.customer_id.nunique() / len(frames["customers"])
    assert abs(buyers - ORDER_TRUTH["buyer_share"]) < 0.05
    per_buyer = orders.groupby("customer_id").size()
    assert (per_buyer > 1).mean() > 0.3
    assert per_buyer.max() > 10


def test_mean_order_value_matches_the_gamma_gamma_parameters(frames: dict[str, pd.DataFrame]) -> None:
    gg = ORDER_TRUTH["gammagamma"]
    expected = gg["p"] * gg["gamma"] / (gg["q"] - 1)
    assert np.isclose(frames["orders"].amount.mean(), expected, rtol=0.2)
    assert (frames["orders"].amount > 0).all()


def test_every_order_lies_between_its_customers_sign_up_and_the_end_of_history(
    frames: dict[str, pd.DataFrame],
) -> None:
    orders = frames["orders"].merge(frames["customers"][["customer_id", "created_at"]], on="customer_id")
    history_end = frames["subscriptions"].start_date.max()
    assert (orders.ordered_at >= orders.created_at).all()
    assert orders.ordered_at.max() <= history_end + pd.Timedelta(days=31)
