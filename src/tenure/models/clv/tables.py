"""The store's table of per-customer lifetime value, as last computed."""

from __future__ import annotations

import sqlalchemy as sa

from tenure.store.tables import Timestamp, metadata

clv_scores = sa.Table(
    "clv_scores",
    metadata,
    sa.Column("customer_id", sa.Text, primary_key=True),
    sa.Column("as_of", Timestamp, nullable=False, comment="the date the values look forward from"),
    sa.Column("computed_at", Timestamp, nullable=False),
    sa.Column("subscription_clv", sa.Float(53), comment="discounted value of the remaining subscription"),
    sa.Column("expected_lifetime_months", sa.Float(53), comment="discounted expected residual lifetime (sBG)"),
    sa.Column("renewal_probability", sa.Float(53), comment="probability of the next monthly renewal"),
    sa.Column("order_clv", sa.Float(53), comment="discounted value of future orders (BG/NBD × Gamma-Gamma)"),
    sa.Column("p_alive", sa.Float(53), comment="probability the customer still buys (BG/NBD)"),
    sa.Column("expected_orders", sa.Float(53), comment="expected orders over the horizon"),
    sa.Column("clv", sa.Float(53), nullable=False, comment="subscription_clv + order_clv"),
    comment="Per-customer lifetime value, replaced by each `tenure clv score`.",
)
