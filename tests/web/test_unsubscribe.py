"""The unsubscribe link of a sent email, followed through the web app."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient

from actions.support import Mailbox, free_port
from tenure.actions.messaging import Mailer, SmtpTarget, is_suppressed, send_email, template_environment
from tenure.store import Store
from tenure.web import create_app


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.url = f"smtp://127.0.0.1:{controller.port}"
    try:
        yield box
    finally:
        controller.stop()


def test_the_link_in_a_sent_email_unsubscribes_its_address(web_store: Store, mailbox: Mailbox) -> None:
    customer = {"customer_id": "c1", "name": "Ann", "email": "ann@example.com"}
    with Mailer(SmtpTarget.parse(mailbox.url)) as mailer:
        status = send_email(
            web_store,
            mailer,
            "test:c1",
            customer=customer,
            env=template_environment(),
            template="newsletter",
            subject="We miss you",
        )
    assert status == "sent"
    body = Mailbox.text(mailbox.to("ann@example.com")[0])
    path = re.search(r"https?://[^\s/]+(/unsubscribe/\S+)", body)
    assert path is not None, body
    assert not is_suppressed(web_store, "ann@example.com")
    with TestClient(create_app(web_store, background=False)) as client:
        r = client.get(path.group(1))
    assert r.status_code == 200
    assert "ann@example.com" in r.text
    assert is_suppressed(web_store, "ann@example.com")


def test_a_forged_unsubscribe_link_is_refused_and_changes_nothing(client: TestClient, web_store: Store) -> None:
    r = client.get("/unsubscribe/forged-token")
    assert r.status_code == 400
    assert "not valid" in r.text
    assert not is_suppressed(web_store, "ann@example.com")
