"""Coupon codes issued to customers by playbooks.

A code is derived from the store's secret key and the issue's key (playbook, customer, run window,
action) with HMAC, so it cannot be guessed from a customer id, and issuing twice for the same key
returns the same code.

Examples
--------
>>> issue_coupon(store, "winback:2025-06-01:c1:1", customer_id="c1", percent_off=20)  # doctest: +SKIP
'WB-7KQ2M9XD4P'
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from typing import Any

import sqlalchemy as sa

from tenure.actions.deliveries import insert_ignore, now
from tenure.actions.tables import coupons
from tenure.errors import ActionError, NotFoundError
from tenure.store import Store


def coupon_code(secret: str, key: str, prefix: str = "") -> str:
    """The code for issue ``key``: 10 characters of base32 HMAC-SHA256, after an optional prefix.

    Examples
    --------
    >>> coupon_code("secret", "k1") == coupon_code("secret", "k1")
    True
    >>> coupon_code("secret", "k1", "WB").startswith("WB-")
    True
    """
    digest = hmac.new(secret.encode(), key.encode(), hashlib.sha256).digest()
    code = base64.b32encode(digest).decode()[:10]
    return f"{prefix}-{code}" if prefix else code


def issue_coupon(
    store: Store,
    key: str,
    *,
    customer_id: str,
    percent_off: float,
    duration_months: int | None = None,
    expires_at: dt.datetime | None = None,
    prefix: str = "",
    playbook: str | None = None,
) -> str:
    """Issue a coupon for ``key`` (once); returns its code."""
    code = coupon_code(store.secret_key, key, prefix)
    stmt = insert_ignore(store, coupons).values(
        code=code,
        coupon_key=key,
        playbook=playbook,
        customer_id=customer_id,
        percent_off=float(percent_off),
        duration_months=duration_months,
        expires_at=expires_at,
        created_at=now(),
    )
    with store.engine.begin() as conn:
        conn.execute(stmt)
    return code


def coupon(store: Store, code: str) -> dict[str, Any]:
    """A coupon by code."""
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(coupons).where(coupons.c.code == code)).mappings().first()
    if row is None:
        raise NotFoundError(f"no coupon {code!r}")
    return dict(row)


def redeem_coupon(store: Store, code: str, at: dt.datetime | None = None) -> dict[str, Any]:
    """Redeem a coupon once; a second redemption or an expired code raises ActionError."""
    at = at or now()
    with store.engine.begin() as conn:
        done = conn.execute(
            sa.update(coupons)
            .where(
                coupons.c.code == code,
                coupons.c.redeemed_at.is_(None),
                sa.or_(coupons.c.expires_at.is_(None), coupons.c.expires_at > at),
            )
            .values(redeemed_at=at)
        ).rowcount
    found = coupon(store, code)
    if not done:
        raise ActionError(f"coupon {code} cannot be redeemed: already redeemed or expired")
    return found
