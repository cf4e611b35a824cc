"""Running playbooks end to end: real SMTP, real SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from actions.support import WINBACK_YAML, Mailbox, inactive_business
from tenure.actions import deliveries, messaging
from tenure.actions.experiments import assign_arm
from tenure.actions.playbooks import Playbook
from tenure.actions.runner import run_playbook
from tenure.actions.tables import deliveries as deliveries_table
from tenure.actions.tables import tasks
from tenure.errors import AuthError, ConfigurationError
from tenure.store import Store
from tenure.store.tables import touches

ROOT = Path(__file__).resolve().parents[2]


def winback() -> Playbook:
    return Playbook.from_yaml(WINBACK_YAML)


def expected_treated(ids: list[str], playbook: str = "winback", holdout: float = 0.2) -> set[str]:
    return {c for c in ids if assign_arm(playbook, c, holdout) == "treated"}


INACTIVE = [f"p{k:04d}" for k in range(1, 21)]


def test_run_emails_each_treated_customer_once_with_their_own_name_plan_and_usage(
    smtp_store: Store, smtp: Mailbox, tmp_path: Path
) -> None:
    inactive_business(smtp_store, tmp_path / "data")
    result = run_playbook(smtp_store, winback(), "2025-06-01")

    treated = expected_treated(INACTIVE)
    assert result.eligible == 20
    assert {c.customer_id for c in result.candidates if c.arm == "treated"} == treated
    assert sorted(smtp.recipients()) == sorted(f"{c}@example.com" for c in treated)
    some = sorted(treated)[0]
    (msg,) = smtp.to(f"{some}@example.com")
    assert msg["Subject"] == f"We miss you, Name {some}"
    body = Mailbox.text(msg)
    assert f"Hi Name {some}," in body
    assert "for 30 days" in body  # last seen 2025-05-01, as of 2025-06-01
    assert "Your pro plan is still active (100.00 USD a month)" in body
    assert msg["List-Unsubscribe"].startswith("<http://127.0.0.1:8000/unsubscribe/")


def test_run_writes_treated_and_holdout_touches_and_tasks_for_the_owner(smtp_store: Store, tmp_path: Path) -> None:
    inactive_business(smtp_store, tmp_path / "data")
    run_playbook(smtp_store, winback(), "2025-06-01")
    with smtp_store.engine.connect() as conn:
        rows = conn.execute(sa.select(touches.c.customer_id, touches.c.arm, touches.c.action)).all()
        task_rows = conn.execute(sa.select(tasks.c.customer_id, tasks.c.assignee, tasks.c.title)).all()
    assert {r.customer_id for r in rows} == set(INACTIVE)
    assert {r.customer_id for r in rows if r.arm == "treated"} == expected_treated(INACTIVE)
    assert {r.action for r in rows} == {"email:winback+task"}
    assert {t.customer_id for t in task_rows} == expected_treated(INACTIVE)
    assert {t.assignee for t in task_rows} == {"csm@example.com"}
    some = sorted(expected_treated(INACTIVE))[0]
    assert f"Call Name {some}: inactive 14 days" in {t.title for t in task_rows}


def test_rerunning_the_same_day_or_within_the_throttle_sends_nothing_more(
    smtp_store: Store, smtp: Mailbox, tmp_path: Path
) -> None:
    inactive_business(smtp_store, tmp_path / "data")
    pb = winback()
    run_playbook(smtp_store, pb, "2025-06-01")
    first = len(smtp.messages)
    again = run_playbook(smtp_store, pb, "2025-06-01")
    week_later = run_playbook(smtp_store, pb, "2025-06-08")
    assert len(smtp.messages) == first
    assert again.outcomes["email:duplicate"] == first
    assert week_later.throttled == 20 and week_later.eligible == 0


def test_throttle_lets_a_customer_be_touched_again_after_it_expires(
    smtp_store: Store, smtp: Mailbox, tmp_path: Path
) -> None:
    inactive_business(smtp_store, tmp_path / "data", active=0)
    pb = winback()
    run_playbook(smtp_store, pb, "2025-06-01")
    first = len(smtp.messages)
    day_29 = run_playbook(smtp_store, pb, "2025-06-30")
    day_30 = run_playbook(smtp_store, pb, "2025-07-01")
    assert day_29.eligible == 0
    assert day_30.eligible == 20
    assert len(smtp.messages) == 2 * first


def test_dry_run_lists_who_and_why_and_writes_and_sends_nothing(
    smtp_store: Store, smtp: Mailbox, tmp_path: Path
) -> None:
    inactive_business(smtp_store, tmp_path / "data")
    result = run_playbook(smtp_store, winback(), "2025-06-01", dry_run=True)
    assert result.eligible == 20
    assert result.candidates[0].reason == "inactive 30 days (≥ 14); mrr=100, plan='pro'"
    assert smtp.messages == []
    assert smtp_store.counts()["touches"] == 0


def test_holdout_share_is_within_sampling_error(store: Store, tmp_path: Path) -> None:
    inactive_business(store, tmp_path / "data", inactive=1000, free=0, active=0)
    pb = Playbook.from_yaml("name: share\ntrigger: {inactive_days: 14}\nactions: [{tag: t}]\nholdout: 0.2\n")
    result = run_playbook(store, pb, "2025-06-01")
    # binomial(1000, 0.2): mean 200, sd 12.6; four standard deviations either side
    assert result.eligible == 1000
    assert 150 <= result.holdout <= 250


def test_unsubscribe_link_puts_the_address_on_the_suppression_list_and_later_runs_honour_it(
    smtp_store: Store, smtp: Mailbox, tmp_path: Path
) -> None:
    inactive_business(smtp_store, tmp_path / "data")
    pb = winback()
    run_playbook(smtp_store, pb, "2025-06-01")
    leaver = sorted(expected_treated(INACTIVE))[0]
    (msg,) = smtp.to(f"{leaver}@example.com")
    link = msg["List-Unsubscribe"].strip("<>")
    assert link in Mailbox.text(msg)
    token = link.rsplit("/", 1)[-1]

    assert messaging.unsubscribe(smtp_store, token) == f"{leaver}@example.com"
    assert messaging.unsubscribe(smtp_store, token) == f"{leaver}@example.com"  # twice is harmless

    result = run_playbook(smtp_store, pb, "2025-07-15")
    assert result.outcomes["email:suppressed"] == 1
    assert len(smtp.to(f"{leaver}@example.com")) == 1


def test_unsubscribe_refuses_a_token_not_signed_by_the_store(store: Store) -> None:
    token = messaging.unsubscribe_token(store, "ann@example.com")
    with pytest.raises(AuthError, match="signature"):
        messaging.unsubscribe(store, token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    assert not messaging.is_suppressed(store, "ann@example.com")


def test_a_refused_message_is_retried_by_the_next_run_and_then_sent_once(
    smtp_store: Store, smtp: Mailbox, tmp_path: Path
) -> None:
    inactive_business(smtp_store, tmp_path / "data")
    victim = sorted(expected_treated(INACTIVE))[0]
    smtp.refuse.add(f"{victim}@example.com")
    first = run_playbook(smtp_store, winback(), "2025-06-01")
    assert first.outcomes["email:failed"] == 1
    smtp.refuse.clear()
    second = run_playbook(smtp_store, winback(), "2025-06-01")
    assert second.outcomes["email:sent"] == 1
    assert len(smtp.to(f"{victim}@example.com")) == 1


def test_a_message_claimed_by_a_crashed_run_is_never_sent_again(
    smtp_store: Store, smtp: Mailbox, tmp_path: Path
) -> None:
    inactive_business(smtp_store, tmp_path / "data")
    victim = sorted(expected_treated(INACTIVE))[0]
    key = f"winback:2025-06-01:{victim}:0:email"
    assert deliveries.claim(smtp_store, key, customer_id=victim, channel="email", playbook="winback")
    result = run_playbook(smtp_store, winback(), "2025-06-01")
    assert result.outcomes["email:duplicate"] == 1
    assert smtp.to(f"{victim}@example.com") == []


def test_a_run_that_sends_email_without_smtp_settings_stops_before_touching_anyone(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inactive_business(store, tmp_path / "data")
    store.settings.smtp_url = None
    with pytest.raises(ConfigurationError, match="TENURE_SMTP_URL"):
        run_playbook(store, winback(), "2025-06-01")
    assert store.counts()["touches"] == 0


def test_two_threads_running_the_same_playbook_at_once_send_each_message_once(
    store_url: str, smtp: Mailbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TENURE_SMTP_URL", smtp.url)
    setup = Store.open(store_url)
    inactive_business(setup, tmp_path / "data", inactive=60, free=0, active=0)
    setup.close()
    ids = [f"p{k:04d}" for k in range(1, 61)]
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def worker() -> None:
        store = Store.open(store_url)  # each worker has its own engine and connections
        try:
            start.wait()
            run_playbook(store, winback(), "2025-06-01")
        except BaseException as exc:
            errors.append(exc)
        finally:
            store.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(smtp.recipients()) == sorted(f"{c}@example.com" for c in expected_treated(ids))


def test_two_worker_processes_running_the_same_playbook_at_once_send_each_message_once(
    store_url: str, smtp: Mailbox, tmp_path: Path
) -> None:
    setup = Store.open(store_url)
    inactive_business(setup, tmp_path / "data", inactive=60, free=0, active=0)
    setup.close()
    (tmp_path / "winback.yaml").write_text(WINBACK_YAML)
    env = {
        **os.environ,
        "TENURE_SMTP_URL": smtp.url,
        "TENURE_DATABASE_URL": store_url,
        "PYTHONPATH": str(ROOT / "src"),
    }
    cmd = [
        sys.executable,
        "-m",
        "tenure",
        "playbook",
        "run",
        str(tmp_path / "winback.yaml"),
        "--as-of",
        "2025-06-01",
    ]
    procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for _ in range(2)]
    outputs = [p.communicate(timeout=300)[0].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    ids = [f"p{k:04d}" for k in range(1, 61)]
    assert sorted(smtp.recipients()) == sorted(f"{c}@example.com" for c in expected_treated(ids))
    check = Store.open(store_url)
    with check.engine.connect() as conn:
        sent = conn.execute(
            sa.select(sa.func.count()).select_from(deliveries_table).where(deliveries_table.c.status == "sent")
        ).scalar_one()
        n_touches = conn.execute(sa.select(sa.func.count()).select_from(touches)).scalar_one()
    check.close()
    assert sent == len(expected_treated(ids))
    assert n_touches == 60
