"""Coupons, tags, signed webhooks, newsletters, event triggers and the at-risk guard."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
import sqlalchemy as sa

from actions.support import Mailbox, free_port, inactive_business
from factories import write_table
from tenure.actions import coupons, messaging
from tenure.actions.newsletters import send_newsletter
from tenure.actions.playbooks import Playbook, builtin
from tenure.actions.runner import run_playbook
from tenure.actions.tags import customer_tags
from tenure.actions.tasks import open_tasks
from tenure.errors import ActionError
from tenure.models.churn.tables import churn_scores
from tenure.store import Store


def test_a_coupon_issued_first_is_shown_in_the_email_and_reruns_keep_the_same_code(
    smtp_store: Store, smtp: Mailbox, tmp_path: Path
) -> None:
    inactive_business(smtp_store, tmp_path / "data", inactive=3, free=0, active=0)
    pb = Playbook.from_yaml(
        "name: offer\ntrigger: {inactive_days: 14}\nholdout: 0\nactions:\n"
        "  - coupon: {percent_off: 20, months: 3, prefix: WB}\n"
        "  - email: {template: winback, subject: 'A gift for {{ customer.name }}'}\n"
        "  - tag: offered\n"
    )
    run_playbook(smtp_store, pb, "2025-06-01")
    run_playbook(smtp_store, pb, "2025-06-01")
    (msg,) = smtp.to("p0001@example.com")
    with smtp_store.engine.connect() as conn:
        (code,) = conn.execute(sa.text("SELECT code FROM coupons WHERE customer_id = 'p0001'")).scalars().all()
    assert code.startswith("WB-")
    assert f"here is 20% off for 3 months: {code}" in Mailbox.text(msg)
    assert customer_tags(smtp_store, "p0001") == ["offered"]
    assert coupons.redeem_coupon(smtp_store, code, at=dt.datetime(2025, 6, 5))["customer_id"] == "p0001"
    with pytest.raises(ActionError, match="already redeemed"):
        coupons.redeem_coupon(smtp_store, code, at=dt.datetime(2025, 6, 6))


class _Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[dict, bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append(({k: v for k, v in self.headers.items()}, body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_a_webhook_posts_once_per_touch_signed_with_hmac_sha256(sqlite_store: Store, tmp_path: Path) -> None:
    inactive_business(sqlite_store, tmp_path / "data", inactive=2, free=0, active=0)
    port = free_port()
    server = HTTPServer(("127.0.0.1", port), _Hook)
    _Hook.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        pb = Playbook.from_yaml(
            f"name: hook\ntrigger: {{inactive_days: 14}}\nholdout: 0\n"
            f"actions: [{{webhook: {{url: 'http://127.0.0.1:{port}/in', secret: s3cret}}}}]\n"
        )
        run_playbook(sqlite_store, pb, "2025-06-01")
        run_playbook(sqlite_store, pb, "2025-06-01")
    finally:
        server.shutdown()
    assert len(_Hook.received) == 2
    headers, body = _Hook.received[0]
    signed = headers["X-Tenure-Timestamp"].encode() + b"." + body
    expected = "sha256=" + hmac.new(b"s3cret", signed, hashlib.sha256).hexdigest()
    assert headers["X-Tenure-Signature"] == expected
    payload = json.loads(body)
    assert payload["playbook"] == "hook" and payload["customer"]["customer_id"] in {"p0001", "p0002"}
    assert headers["Idempotency-Key"] == f"{payload['touch_id']}:0:webhook"


def test_a_newsletter_reaches_each_active_customer_of_the_segment_once_and_skips_suppressed_addresses(
    smtp_store: Store, smtp: Mailbox, tmp_path: Path
) -> None:
    inactive_business(smtp_store, tmp_path / "data", inactive=3, free=2, active=0)
    messaging.suppress(smtp_store, "F0001@example.com")
    first = send_newsletter(
        smtp_store,
        segment="smb",
        template="newsletter",
        subject="June news for {{ customer.name }}",
        issue="2025-06",
        context={"body": "Dashboards are faster."},
    )
    again = send_newsletter(smtp_store, segment="smb", template="newsletter", subject="June news", issue="2025-06")
    assert first["outcomes"] == {"sent": 4, "suppressed": 1}
    assert again["outcomes"] == {"duplicate": 5}  # every key, suppressed ones too, was recorded once
    assert sorted(smtp.recipients()) == [
        "f0002@example.com",
        "p0001@example.com",
        "p0002@example.com",
        "p0003@example.com",
    ]
    assert "Dashboards are faster." in Mailbox.text(smtp.to("p0001@example.com")[0])


def test_an_nps_detractor_answer_opens_a_task_for_the_customers_csm(sqlite_store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    write_table(folder, "customers", ["customer_id", "name", "owner"], [["c1", "Ann", "kim"], ["c2", "Bob", "kim"]])
    write_table(
        folder,
        "subscriptions",
        ["customer_id", "start_date", "mrr"],
        [["c1", "2025-01-01", 10], ["c2", "2025-01-01", 10]],
    )
    write_table(
        folder,
        "responses",
        ["response_id", "customer_id", "survey", "score", "submitted_at"],
        [["r1", "c1", "nps", "3", "2025-05-31T15:00:00"], ["r2", "c2", "nps", "9", "2025-05-31T15:00:00"]],
    )
    sqlite_store.import_folder(folder)
    pb = builtin("nps-detractor")
    result = run_playbook(sqlite_store, Playbook.from_yaml(pb.text.replace("holdout: 0.1", "holdout: 0")), "2025-06-01")
    assert [c.customer_id for c in result.candidates] == ["c1"]
    (task,) = open_tasks(sqlite_store, assignee="kim")
    assert task["title"] == "NPS 3 from Ann: call to understand why"
    assert customer_tags(sqlite_store, "c1") == ["detractor"]


def test_the_upgrade_offer_never_reaches_a_customer_at_risk(sqlite_store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    write_table(
        folder, "customers", ["customer_id", "name", "email"], [["c1", "Ann", "a@x.org"], ["c2", "Bob", "b@x.org"]]
    )
    write_table(
        folder,
        "subscriptions",
        ["customer_id", "start_date", "mrr", "plan", "quantity"],
        [["c1", "2025-01-01", 100, "pro", 2], ["c2", "2025-01-01", 100, "pro", 2]],
    )
    events = [
        [c, "login", f"2025-05-{d:02d}T10:00:00", u] for c in ("c1", "c2") for d in (28, 29) for u in ("u1", "u2")
    ]
    write_table(folder, "events", ["customer_id", "event_type", "occurred_at", "user_id"], events)
    sqlite_store.import_folder(folder)
    with sqlite_store.engine.begin() as conn:
        conn.execute(
            sa.insert(churn_scores),
            [
                {
                    "customer_id": c,
                    "scored_at": dt.datetime(2025, 5, 30),
                    "probability": p,
                    "band": band,
                    "model_version": 1,
                }
                for c, p, band in (("c1", 0.05, "low"), ("c2", 0.6, "high"))
            ],
        )
    pb = builtin("upgrade-offer")
    result = run_playbook(sqlite_store, pb, "2025-06-02", dry_run=True)
    assert [c.customer_id for c in result.candidates] == ["c1"]
