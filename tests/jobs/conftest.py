"""Fixtures for the jobs: the real SMTP server of the actions tests, and a real Redis."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from actions.conftest import smtp, smtp_store  # noqa: F401  (fixtures shared with the actions tests)

REDIS_URL = os.environ.get("TENURE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_queue() -> Iterator[tuple[str, str]]:
    """(Redis URL, a fresh queue name) on a real Redis; the queue is flushed afterwards."""
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis at {REDIS_URL}; scripts/test.sh starts one (or set TENURE_TEST_REDIS_URL)")
    name = f"tenure-test-{uuid.uuid4().hex[:10]}"
    yield REDIS_URL, name
    for key in client.scan_iter(f"*{name}*"):
        client.delete(key)
