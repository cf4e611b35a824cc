"""Newsletters: one email to every active customer of a segment, through the playbooks' send path.

Each recipient's message has the key ``newsletter:<issue>:<customer>``, so sending an issue again
(after a crash, or by mistake) sends nothing twice; the suppression list and the unsubscribe link
work as for playbooks.

Examples
--------
>>> send_newsletter(store, segment="smb", template="newsletter", subject="June news")  # doctest: +SKIP
{'issue': 'newsletter-2025-06-01', 'recipients': 120, 'outcomes': {'sent': 118, 'suppressed': 2}}
"""

from __future__ import annotations

import collections
import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tenure.actions import messaging
from tenure.actions.fields import as_of_moment, customer_fields, records
from tenure.store import Store


def send_newsletter(
    store: Store,
    *,
    segment: str,
    template: str,
    subject: str,
    issue: str | None = None,
    as_of: str | dt.date | dt.datetime | None = None,
    dry_run: bool = False,
    mailer: messaging.Mailer | None = None,
    context: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Send issue ``issue`` of a newsletter to the active customers of ``segment`` (``all``: everyone).

    ``template`` is a template name (built-in or in ``./templates``) or a path to ``NAME.txt``.
    Returns the issue, the number of recipients and the outcome counts.
    """
    t = as_of_moment(as_of)
    folders: list[Path] = [Path.cwd() / "templates", Path.cwd()]
    path = Path(template)
    if path.suffix in (".txt", ".html"):
        folders.insert(0, path.parent)
        template = path.stem
    issue = issue or f"{template}-{t.date().isoformat()}"
    frame = customer_fields(store, t)
    frame = frame[frame["active"]]
    if segment != "all":
        frame = frame[frame["segment"] == segment]
    rows = records(frame)
    outcomes: collections.Counter = collections.Counter()
    if dry_run:
        outcomes["would_send"] = sum(1 for r in rows if r.get("email"))
        return {"issue": issue, "recipients": len(rows), "outcomes": dict(outcomes)}
    env = messaging.template_environment(folders)
    own = mailer is None and bool(rows)
    if own:
        mailer = messaging.Mailer.from_settings(store.settings)
    try:
        for row in rows:
            key = f"newsletter:{issue}:{row['customer_id']}"
            assert mailer is not None
            status = messaging.send_email(
                store,
                mailer,
                key,
                customer=row,
                env=env,
                template=template,
                subject=subject,
                playbook=f"newsletter:{issue}",
                context=dict(context or {}),
            )
            outcomes[status] += 1
    finally:
        if own and mailer is not None:
            mailer.close()
    return {"issue": issue, "recipients": len(rows), "outcomes": dict(outcomes)}
