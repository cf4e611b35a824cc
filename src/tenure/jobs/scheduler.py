"""The embedded scheduler: a thread in the app process that runs due playbooks.

``tenure serve`` starts one with :func:`start_embedded`; it wakes every ``interval`` seconds and runs
each enabled playbook whose trigger is due today and whose window no one has claimed yet.

Examples
--------
>>> scheduler = start_embedded("sqlite:///tenure.db", interval=60)   # doctest: +SKIP
>>> scheduler.stop()                                                  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import Any

import sqlalchemy as sa

from tenure.actions import deliveries
from tenure.actions.fields import as_of_moment
from tenure.actions.playbooks import Playbook, enabled_playbooks
from tenure.actions.runner import RunResult, run_playbook
from tenure.actions.tables import playbook_runs
from tenure.store import Store

log = logging.getLogger("tenure.jobs")


def due_playbooks(store: Store, day: dt.date) -> list[Playbook]:
    """Enabled playbooks whose trigger runs on ``day``."""
    return [pb for pb in enabled_playbooks(store) if pb.trigger.due(day)]


def claim_window(store: Store, playbook: str, window: str, version: int | None = None) -> bool:
    """Claim ``playbook``'s run for ``window``; True for exactly one caller (or a retry of a failed one)."""
    key = f"{playbook}:{window}"
    with store.engine.begin() as conn:
        fresh = deliveries.inserted(
            conn,
            deliveries.insert_ignore(store, playbook_runs).values(
                run_key=key,
                playbook=playbook,
                version=version,
                window=window,
                started_at=deliveries.now(),
                status="claimed",
            ),
        )
        if fresh:
            return True
        retried = conn.execute(
            sa.update(playbook_runs)
            .where(playbook_runs.c.run_key == key, playbook_runs.c.status == "failed")
            .values(status="claimed", started_at=deliveries.now())
        ).rowcount
    return retried == 1


def run_due(store: Store, now: Any = None, mailer: Any = None) -> list[RunResult]:
    """Run every due, unclaimed playbook now (``now``: a moment, default the current time)."""
    t = as_of_moment(now)
    window = t.date().isoformat()
    results = []
    for pb in due_playbooks(store, t.date()):
        if not claim_window(store, pb.name, window, pb.version):
            continue
        try:
            results.append(run_playbook(store, pb, t, mailer=mailer, keep_version=False))
        except Exception:
            log.exception("playbook %s failed for window %s", pb.name, window)
            _mark_failed(store, pb.name, window)
    return results


def _mark_failed(store: Store, playbook: str, window: str) -> None:
    with store.engine.begin() as conn:
        conn.execute(
            sa.update(playbook_runs)
            .where(playbook_runs.c.run_key == f"{playbook}:{window}")
            .values(status="failed", finished_at=deliveries.now())
        )


class Scheduler(threading.Thread):
    """A daemon thread calling :func:`run_due` every ``interval`` seconds until :meth:`stop`."""

    def __init__(self, url: str | None = None, interval: float = 60.0) -> None:
        super().__init__(name="tenure-scheduler", daemon=True)
        self.url = url
        self.interval = interval
        self._stop_event = threading.Event()
        self.ticks = 0

    def run(self) -> None:
        store = Store.open(self.url)
        try:
            while not self._stop_event.is_set():
                try:
                    run_due(store)
                except Exception:  # one bad tick must not stop the scheduler
                    log.exception("scheduler tick failed")
                self.ticks += 1
                self._stop_event.wait(self.interval)
        finally:
            store.close()

    def stop(self, timeout: float | None = 30.0) -> None:
        """Ask the thread to finish and wait for it."""
        self._stop_event.set()
        if self.is_alive():
            self.join(timeout)


def start_embedded(url: str | None = None, interval: float = 60.0) -> Scheduler:
    """Start the embedded scheduler for the store at ``url`` (default: the configured store)."""
    scheduler = Scheduler(url, interval)
    scheduler.start()
    return scheduler
