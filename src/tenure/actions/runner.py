"""Running a playbook: who is eligible, who is held out, and acting on the rest exactly once.

A run is measured at a moment ``as_of`` and belongs to a *run window*, the UTC date of ``as_of``.

1. The customer fields are computed as of ``as_of`` (:mod:`tenure.actions.fields`); the trigger, the
   condition and (with ``exclude_at_risk``) the at-risk guard pick the candidates.
2. Candidates touched by this playbook (either arm) within ``throttle_days`` of ``as_of`` in another
   window are throttled.
3. Each eligible customer is put in the treated or holdout arm by a stable hash
   (:func:`tenure.actions.experiments.assign_arm`) and gets a ``touches`` row with id
   ``playbook:window:customer``, inserted with ``ON CONFLICT DO NOTHING`` under a per-playbook lock,
   so concurrent runs agree on one set of touches.
4. Every treated touch of the window gets the playbook's actions, in order. Each action has the key
   ``touch_id:index:kind`` and is claimed in the store before it happens, so a rerun, a retry after a
   crash or a second worker never repeats it, and a rerun completes what a crashed run left undone.

A dry run does steps 1–3 without writing anything and says, for each customer, why.

Examples
--------
>>> result = run_playbook(store, Playbook.from_file("winback.yaml"), as_of="2025-06-01")  # doctest: +SKIP
>>> result.treated, result.holdout, result.outcomes["email:sent"]                          # doctest: +SKIP
(41, 9, 41)
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from tenure.actions import deliveries, messaging
from tenure.actions.coupons import issue_coupon
from tenure.actions.experiments import assign_arm
from tenure.actions.fields import as_of_moment, customer_fields, records
from tenure.actions.playbooks import Playbook, save
from tenure.actions.tables import playbook_runs
from tenure.actions.tags import add_tag
from tenure.actions.tasks import create_task
from tenure.actions.webhooks import post_webhook
from tenure.errors import ActionError, ConfigurationError, ExpressionError
from tenure.store import Store
from tenure.store.analytics_copy import bump_version_sql
from tenure.store.tables import touches

AT_RISK_BANDS = ("high", "medium")


@dataclass
class Candidate:
    """A customer a run picked: its arm and why it was picked."""

    customer_id: str
    arm: str
    reason: str
    touch_id: str
    email: str | None = None


@dataclass
class RunResult:
    """What a run did (or, dry, would do)."""

    playbook: str
    version: int | None
    window: str
    as_of: dt.datetime
    dry_run: bool
    matched: int = 0
    throttled: int = 0
    candidates: list[Candidate] = field(default_factory=list)
    new_touches: int = 0
    outcomes: collections.Counter = field(default_factory=collections.Counter)

    @property
    def eligible(self) -> int:
        return len(self.candidates)

    @property
    def treated(self) -> int:
        return sum(c.arm == "treated" for c in self.candidates)

    @property
    def holdout(self) -> int:
        return sum(c.arm == "holdout" for c in self.candidates)

    def summary(self) -> dict[str, Any]:
        """The counts, as plain JSON-ready data."""
        return {
            "playbook": self.playbook,
            "version": self.version,
            "window": self.window,
            "as_of": self.as_of.isoformat(),
            "dry_run": self.dry_run,
            "matched": self.matched,
            "throttled": self.throttled,
            "eligible": self.eligible,
            "treated": self.treated,
            "holdout": self.holdout,
            "new_touches": self.new_touches,
            "outcomes": dict(sorted(self.outcomes.items())),
        }


def at_risk_mask(frame: pd.DataFrame) -> np.ndarray:
    """Customers Tenure considers at risk, whom ``exclude_at_risk`` playbooks never touch.

    At risk: a churn score in the high or medium band or with probability ≥ 0.5, a health score
    below 50, an NPS of 0–6 in the last 180 days, a failed payment in the last 30 days, or no
    product activity for 14 days or more.
    """

    def num(col: str, fill: float) -> np.ndarray:
        return np.nan_to_num(frame[col].to_numpy(dtype=float, na_value=np.nan), nan=fill)

    risky = frame["risk_band"].isin(AT_RISK_BANDS).to_numpy(copy=True)
    risky |= num("churn_probability", 0.0) >= 0.5
    risky |= num("health_score", 100.0) < 50
    risky |= (num("nps", 10.0) <= 6) & (num("days_since_nps", 1e9) < 180)
    risky |= num("failed_payments_30d", 0.0) > 0
    risky |= num("days_since_last_activity", 0.0) >= 14
    return risky


def touch_id(playbook: str, window: str, customer_id: str) -> str:
    """The id of a playbook's touch of a customer in a run window.

    Examples
    --------
    >>> touch_id("winback", "2025-06-01", "c1")
    'winback:2025-06-01:c1'
    """
    return f"{playbook}:{window}:{customer_id}"


def run_playbook(
    store: Store,
    playbook: Playbook,
    as_of: str | dt.date | dt.datetime | None = None,
    *,
    dry_run: bool = False,
    mailer: messaging.Mailer | None = None,
    template_folders: tuple[str | Path, ...] = (),
    keep_version: bool = True,
) -> RunResult:
    """Run ``playbook`` as of ``as_of`` (default now); see the module docstring for the steps.

    Parameters
    ----------
    store
        The store to read customers from and write touches, deliveries and tasks to.
    playbook
        The playbook to run.
    as_of
        The moment to run at; a date means the start of that day (UTC).
    dry_run
        Only say who would be touched and why; write and send nothing.
    mailer
        The SMTP connection to send with (default: one to ``TENURE_SMTP_URL``).
    template_folders
        Folders to look for email templates in before the built-in ones (default: the playbook
        file's folder and its ``templates/`` folder).
    keep_version
        Keep the playbook's text in the store as a new version when it changed.
    """
    t = as_of_moment(as_of)
    window = t.date().isoformat()
    if not dry_run and keep_version:
        playbook = save(store, playbook)
    result = RunResult(playbook.name, playbook.version, window, t, dry_run)
    frame = customer_fields(store, t, checklist=playbook.checklist, event_types=playbook.trigger.event_types)
    unknown = sorted(playbook.condition.names - set(frame.columns))
    if unknown:
        fields = ", ".join(c for c in frame.columns if c != "attributes")
        raise ExpressionError(
            f"playbook {playbook.name!r}: condition {playbook.condition.text!r} uses {unknown[0]!r}, "
            f"which is not a customer field; available fields: {fields}"
        )
    mask = playbook.trigger.mask(frame) & playbook.condition.mask(frame)
    if playbook.exclude_at_risk:
        mask &= ~at_risk_mask(frame)
    picked = frame[mask]
    result.matched = len(picked)
    ids = picked["customer_id"].astype(str).tolist()
    throttled = _throttled(store, playbook, t, window, ids)
    result.throttled = len(throttled)
    rows = records(picked)
    for row in rows:
        cid = str(row["customer_id"])
        if cid in throttled:
            continue
        arm = assign_arm(playbook.name, cid, playbook.holdout)
        reason = playbook.trigger.describe(row)
        if playbook.condition.names:
            reason += f"; {playbook.condition.explain(row)}"
        result.candidates.append(Candidate(cid, arm, reason, touch_id(playbook.name, window, cid), row.get("email")))
    if dry_run:
        return result

    needs_mail = any(a.kind == "email" for a in playbook.actions)
    if needs_mail and mailer is None and result.treated and not store.settings.smtp_url:
        raise ConfigurationError(
            f"playbook {playbook.name!r} sends email but no SMTP server is configured: set TENURE_SMTP_URL, "
            "e.g. smtp://user:password@mail.example.com:587 (or use --dry-run)"
        )
    _start_run(store, playbook, window)
    try:
        result.new_touches = _write_touches(store, playbook, t, window, result.candidates)
        todo = _treated_touches(store, playbook.name, window)
        by_id = {str(r["customer_id"]): r for r in rows}
        missing = [cid for _, cid in todo if cid not in by_id]
        if missing:  # touched earlier in this window but no longer matching: act on them all the same
            extra = frame[frame["customer_id"].astype(str).isin(missing)]
            by_id.update({str(r["customer_id"]): r for r in records(extra)})
        folders = template_folders or _default_folders(playbook)
        own_mailer = mailer is None and needs_mail and bool(todo)
        if own_mailer:
            mailer = messaging.Mailer.from_settings(store.settings)
        try:
            env = messaging.template_environment(folders)
            suppressed = messaging.suppressed_addresses(store) if needs_mail else set()
            for start in range(0, len(todo), deliveries.BATCH):
                batch = todo[start : start + deliveries.BATCH]
                claims = _claim_emails(store, playbook, batch, by_id, suppressed)
                sent: list[str] = []
                try:
                    for tid, cid in batch:
                        customer = by_id.get(cid)
                        if customer is None:
                            result.outcomes["skipped:customer_gone"] += 1
                            continue
                        _act(store, playbook, tid, customer, t, window, env, mailer, result.outcomes, claims, sent)
                finally:
                    deliveries.mark_sent(store, sent)
        finally:
            if own_mailer and mailer is not None:
                mailer.close()
    except Exception:
        _finish_run(store, playbook, window, "failed", result)
        raise
    _finish_run(store, playbook, window, "done", result)
    return result


def _default_folders(playbook: Playbook) -> tuple[Path, ...]:
    if playbook.source and not playbook.source.startswith("builtin:"):
        folder = Path(playbook.source).parent
        return (folder / "templates", folder)
    return ()


def _throttled(store: Store, playbook: Playbook, t: dt.datetime, window: str, ids: list[str]) -> set[str]:
    if not ids or playbook.throttle_days <= 0:
        return set()
    span = dt.timedelta(days=playbook.throttle_days)
    stmt = sa.select(touches.c.customer_id, touches.c.touch_id).where(
        touches.c.playbook == playbook.name,
        touches.c.touched_at > t - span,
        touches.c.touched_at < t + span,
    )
    with store.engine.connect() as conn:
        recent = conn.execute(stmt).all()
    wanted = set(ids)
    return {str(cid) for cid, tid in recent if str(cid) in wanted and tid != touch_id(playbook.name, window, str(cid))}


@contextlib.contextmanager
def _playbook_lock(store: Store, name: str) -> Iterator[sa.Connection]:
    """A transaction holding a lock that serialises runs of one playbook while they write touches."""
    with store.engine.connect() as conn:
        if store.dialect == "postgresql":
            key = int.from_bytes(hashlib.sha256(f"tenure.playbook:{name}".encode()).digest()[:8], "big", signed=True)
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.rollback()
            raise
        conn.commit()


def _write_touches(store: Store, playbook: Playbook, t: dt.datetime, window: str, candidates: list[Candidate]) -> int:
    if not candidates:
        return 0
    with _playbook_lock(store, playbook.name) as conn:
        # re-read the throttle under the lock: another run may have touched these customers since
        if playbook.throttle_days > 0:
            span = dt.timedelta(days=playbook.throttle_days)
            recent = conn.execute(
                sa.select(touches.c.customer_id, touches.c.touch_id).where(
                    touches.c.playbook == playbook.name,
                    touches.c.touched_at > t - span,
                    touches.c.touched_at < t + span,
                )
            ).all()
            blocked = {str(c) for c, tid in recent if not str(tid).startswith(f"{playbook.name}:{window}:")}
        else:
            blocked = set()
        rows = [
            {
                "touch_id": c.touch_id,
                "playbook": playbook.name,
                "customer_id": c.customer_id,
                "touched_at": t,
                "arm": c.arm,
                "action": playbook.action_label,
            }
            for c in candidates
            if c.customer_id not in blocked
        ]
        if not rows:
            return 0
        before = conn.execute(
            sa.select(sa.func.count()).select_from(touches).where(touches.c.playbook == playbook.name)
        ).scalar_one()
        conn.execute(deliveries.insert_ignore(store, touches), rows)
        after = conn.execute(
            sa.select(sa.func.count()).select_from(touches).where(touches.c.playbook == playbook.name)
        ).scalar_one()
        if after > before:
            conn.execute(sa.text(bump_version_sql(store.dialect, "touches")))
    return int(after - before)


def _treated_touches(store: Store, playbook: str, window: str) -> list[tuple[str, str]]:
    prefix = f"{playbook}:{window}:"
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    stmt = (
        sa.select(touches.c.touch_id, touches.c.customer_id)
        .where(
            touches.c.playbook == playbook,
            touches.c.arm == "treated",
            touches.c.touch_id.like(escaped + "%", escape="\\"),
        )
        .order_by(touches.c.touch_id)
    )
    with store.engine.connect() as conn:
        return [(str(a), str(b)) for a, b in conn.execute(stmt).all()]


def _claim_emails(
    store: Store,
    playbook: Playbook,
    batch: list[tuple[str, str]],
    by_id: Mapping[str, Mapping[str, Any]],
    suppressed: set[str],
) -> dict[str, str]:
    rows = []
    for tid, cid in batch:
        row = by_id.get(cid)
        if row is None:
            continue
        address = messaging.address_of(row)
        status = "skipped" if address is None else ("suppressed" if address.lower() in suppressed else "claimed")
        for i, action in enumerate(playbook.actions):
            if action.kind == "email":
                rows.append(
                    {
                        "delivery_key": f"{tid}:{i}:email",
                        "customer_id": cid,
                        "channel": "email",
                        "playbook": playbook.name,
                        "touch_id": tid,
                        "recipient": address,
                        "status": status,
                    }
                )
    return deliveries.claim_many(store, rows)


def _act(
    store: Store,
    playbook: Playbook,
    tid: str,
    row: Mapping[str, Any],
    t: dt.datetime,
    window: str,
    env: Any,
    mailer: messaging.Mailer | None,
    outcomes: collections.Counter,
    claims: Mapping[str, str] | None = None,
    sent: list[str] | None = None,
) -> None:
    cid = str(row["customer_id"])
    context: dict[str, Any] = {"as_of": t, "window": window}
    for i, action in enumerate(playbook.actions):
        key = f"{tid}:{i}:{action.kind}"
        opts = action.options
        if action.kind == "email":
            assert mailer is not None
            status = messaging.send_email(
                store,
                mailer,
                key,
                customer=row,
                env=env,
                template=str(opts["template"]),
                subject=str(opts["subject"]),
                playbook=playbook.name,
                touch_id=tid,
                context=context,
                sender=opts.get("from"),
                claimed=claims.get(key) if claims is not None else None,
                sent=sent,
            )
            outcomes[f"email:{status}"] += 1
        elif action.kind == "task":
            title = _render(env, str(opts["title"]), row, context)
            assignee = opts.get("assignee", "owner")
            if assignee == "owner":
                assignee = row.get("owner")
            due = t + dt.timedelta(days=int(opts.get("due_days", 3)))
            made = create_task(
                store,
                key,
                customer_id=cid,
                title=title,
                assignee=assignee,
                due_at=due,
                playbook=playbook.name,
            )
            outcomes["task:created" if made else "task:duplicate"] += 1
        elif action.kind == "coupon":
            months = opts.get("months")
            expires = t + dt.timedelta(days=int(opts.get("expires_days", 30)))
            code = issue_coupon(
                store,
                key,
                customer_id=cid,
                percent_off=float(opts["percent_off"]),
                duration_months=int(months) if months else None,
                expires_at=expires,
                prefix=str(opts.get("prefix") or ""),
                playbook=playbook.name,
            )
            context["coupon"] = {
                "code": code,
                "percent_off": opts["percent_off"],
                "months": months,
                "expires_at": expires,
            }
            outcomes["coupon:issued"] += 1
        elif action.kind == "tag":
            made = add_tag(store, cid, str(opts["name"]), playbook=playbook.name)
            outcomes["tag:added" if made else "tag:duplicate"] += 1
        elif action.kind == "webhook":
            payload = {
                "playbook": playbook.name,
                "touch_id": tid,
                "window": window,
                "customer": {k: v for k, v in row.items() if k != "attributes"},
                "coupon": context.get("coupon"),
            }
            status = post_webhook(
                store,
                key,
                url=str(opts["url"]),
                payload=payload,
                customer_id=cid,
                secret=opts.get("secret"),
                playbook=playbook.name,
                touch_id=tid,
            )
            outcomes[f"webhook:{status}"] += 1
        else:  # pragma: no cover - the playbook parser refuses unknown kinds
            raise ActionError(f"unknown action {action.kind!r}")


def _render(env: Any, text: str, row: Mapping[str, Any], context: Mapping[str, Any]) -> str:
    try:
        return env.from_string(text).render({"customer": row, **context}).strip()
    except Exception as exc:
        raise ActionError(f"could not render {text!r}: {exc}") from exc


def _start_run(store: Store, playbook: Playbook, window: str) -> None:
    key = f"{playbook.name}:{window}"
    with store.engine.begin() as conn:
        conn.execute(
            deliveries.insert_ignore(store, playbook_runs).values(
                run_key=key,
                playbook=playbook.name,
                version=playbook.version,
                window=window,
                started_at=deliveries.now(),
                status="running",
            )
        )


def _finish_run(store: Store, playbook: Playbook, window: str, status: str, result: RunResult) -> None:
    key = f"{playbook.name}:{window}"
    with store.engine.begin() as conn:
        conn.execute(
            sa.update(playbook_runs)
            .where(playbook_runs.c.run_key == key)
            .values(
                status=status,
                finished_at=deliveries.now(),
                version=playbook.version,
                summary=json.dumps(result.summary(), default=str),
            )
        )
