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
