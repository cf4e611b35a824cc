"""Webhooks: a playbook action that POSTs JSON to a URL, signed with HMAC-SHA256.

The receiver checks ``X-Tenure-Signature: sha256=<hex>``, the HMAC-SHA256 of
``<X-Tenure-Timestamp>.<body>`` with the shared secret (the action's ``secret``, or else the store's
secret key). Each POST carries an ``Idempotency-Key`` and is logged in the delivery log, so it is made
once per (playbook, customer, run window, action).

Examples
--------
>>> sign("s3cret", "1700000000", b'{"a":1}')
'sha256=1698a50bc74d1ff1db85c4e0a5297c2ad9fdba245d5737cdb789e4cc6e098940'
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any

import httpx

from tenure.actions import deliveries
from tenure.store import Store


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={mac}"


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """Whether ``signature`` is right for ``body`` (constant-time comparison)."""
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def post_webhook(
    store: Store,
    key: str,
    *,
    url: str,
    payload: Mapping[str, Any],
    customer_id: str,
    secret: str | None = None,
    playbook: str | None = None,
    touch_id: str | None = None,
    timeout: float = 10.0,
) -> str:
    """POST ``payload`` to ``url`` once for ``key``: ``sent``, ``duplicate`` or ``failed``."""
    if not deliveries.claim(
        store,
        key,
        customer_id=customer_id,
        channel="webhook",
        playbook=playbook,
        touch_id=touch_id,
        recipient=url,
    ):
        return "duplicate"
    body = json.dumps(payload, default=str, sort_keys=True).encode()
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "X-Tenure-Timestamp": stamp,
        "X-Tenure-Signature": sign(secret or store.secret_key, stamp, body),
        "Idempotency-Key": key,
        "User-Agent": "tenure-webhook",
    }
    try:
        response = httpx.post(url, content=body, headers=headers, timeout=timeout)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        deliveries.mark(store, key, "failed", error=str(exc)[:500])
        return "failed"
    deliveries.mark(store, key, "sent")
    return "sent"
