"""Helpers for the actions tests: a mailbox a real SMTP server fills, and small businesses."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from factories import write_table
from tenure.store import Store


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Mailbox:
    """What a local SMTP server received. Addresses in ``refuse`` get a 550 at RCPT."""

    messages: list[EmailMessage] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return "550 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(msg)  # type: ignore[arg-type]
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]

    def recipients(self) -> list[str]:
        return [str(m["To"]).split("<")[-1].rstrip(">") for m in self.messages]

    @staticmethod
    def text(msg: EmailMessage) -> str:
        part = msg.get_body(preferencelist=("plain",))
        assert part is not None
        return part.get_content()


def inactive_business(
    store: Store,
    folder: Path,
    inactive: int = 20,
    free: int = 5,
    active: int = 5,
    last_seen: str = "2025-05-01",
    owner: str | None = "csm@example.com",
) -> None:
    """Customers on a paid plan who stopped using the product (``inactive``), some on the free plan
    (inactive too) and some who use it daily (``active``); all signed up on 2025-01-01.

    As of 2025-06-01, ``inactive`` customers have been inactive 30 days and pay 100 USD a month.
    """
    customers, subs, events = [], [], []
    groups = (
        ("p", inactive, "pro", 100, last_seen),
        ("f", free, "free", 0, last_seen),
        ("a", active, "pro", 100, "2025-05-30"),
    )
    for prefix, n, plan, mrr, last in groups:
        for k in range(1, n + 1):
            cid = f"{prefix}{k:04d}"
            customers.append([cid, f"Name {cid}", f"{cid}@example.com", "2025-01-01", owner, "smb"])
            subs.append([cid, "2025-01-01", "", mrr, plan])
            events += [
                [cid, "login", "2025-03-01T10:00:00Z", "u1"],
                [cid, "report_created", f"{last}T09:00:00Z", "u1"],
                [cid, "login", f"{last}T10:00:00Z", "u2"],
            ]
    write_table(folder, "customers", ["customer_id", "name", "email", "created_at", "owner", "segment"], customers)
    write_table(folder, "subscriptions", ["customer_id", "start_date", "end_date", "mrr", "plan"], subs)
    write_table(folder, "events", ["customer_id", "event_type", "occurred_at", "user_id"], events)
    store.import_folder(folder)


WINBACK_YAML = """\
name: winback
trigger: {inactive_days: 14}
condition: "plan != 'free' and mrr >= 50"
actions:
  - email: {template: winback, subject: "We miss you, {{ customer.name }}"}
  - task: {assignee: owner, title: "Call {{ customer.name }}: inactive 14 days"}
throttle_days: 30
holdout: 0.2
"""
"""The playbook of issue 7, exactly as written there."""
