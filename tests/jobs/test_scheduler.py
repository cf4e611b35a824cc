"""The embedded scheduler runs each enabled, due playbook once per window."""

from __future__ import annotations

from pathlib import Path

from actions.support import WINBACK_YAML, Mailbox, inactive_business
from tenure.actions.playbooks import Playbook, save, set_enabled
from tenure.jobs.scheduler import Scheduler, claim_window, run_due
from tenure.store import Store


def test_run_due_runs_enabled_playbooks_once_per_day(smtp_store: Store, smtp: Mailbox, tmp_path: Path) -> None:
    inactive_business(smtp_store, tmp_path / "data", active=0)
    save(smtp_store, Playbook.from_yaml(WINBACK_YAML), enabled=True)
    first = run_due(smtp_store, "2025-06-01T09:00:00")
    again = run_due(smtp_store, "2025-06-01T15:00:00")
    assert [r.playbook for r in first] == ["winback"]
    assert again == []
    assert len(smtp.messages) == first[0].treated > 0


def test_run_due_skips_disabled_playbooks_and_days_a_weekly_trigger_does_not_run(
    smtp_store: Store, tmp_path: Path
) -> None:
    inactive_business(smtp_store, tmp_path / "data", active=0)
    save(smtp_store, Playbook.from_yaml(WINBACK_YAML), enabled=False)
    save(smtp_store, Playbook.from_yaml("name: weekly\ntrigger: {schedule: weekly}\nactions: [{tag: w}]\n"))
    set_enabled(smtp_store, "weekly", True)
    assert run_due(smtp_store, "2025-06-03") == []  # a Tuesday
    assert [r.playbook for r in run_due(smtp_store, "2025-06-02")] == ["weekly"]  # a Monday


def test_a_window_is_claimed_by_one_caller_and_a_failed_one_can_be_claimed_again(smtp_store: Store) -> None:
    from tenure.jobs.scheduler import _mark_failed

    assert claim_window(smtp_store, "winback", "2025-06-01")
    assert not claim_window(smtp_store, "winback", "2025-06-01")
    _mark_failed(smtp_store, "winback", "2025-06-01")
    assert claim_window(smtp_store, "winback", "2025-06-01")


def test_the_scheduler_thread_ticks_and_stops(store_url: str, tmp_path: Path) -> None:
    store = Store.open(store_url)
    inactive_business(store, tmp_path / "data", active=0)
    save(
        store, Playbook.from_yaml("name: tagger\ntrigger: {inactive_days: 14}\nactions: [{tag: quiet}]\n"), enabled=True
    )
    store.close()
    scheduler = Scheduler(store_url, interval=0.05)
    scheduler.start()
    while scheduler.ticks < 2 and scheduler.is_alive():
        scheduler.join(0.05)
    scheduler.stop()
    assert not scheduler.is_alive()
    check = Store.open(store_url)
    assert check.counts()["touches"] == 25  # every customer: inactive since May 2025
    check.close()
