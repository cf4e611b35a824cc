"""Fixtures for the actions: a real SMTP server (aiosmtpd) on a free local port."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller

from actions.support import Mailbox, free_port
from tenure.store import Store


@pytest.fixture
def smtp() -> Iterator[Mailbox]:
    """A real SMTP server on a free local port; ``smtp.url`` is its smtp:// URL."""
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    box.url = f"smtp://127.0.0.1:{port}"
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture
def smtp_store(store_url: str, smtp: Mailbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """A fresh store (SQLite and PostgreSQL) whose settings send email to the ``smtp`` server."""
    monkeypatch.setenv("TENURE_SMTP_URL", smtp.url)
    s = Store.open(store_url)
    yield s
    s.close()
