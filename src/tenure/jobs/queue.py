"""The production queue: huey on Redis, consumed by ``tenure worker``.

A worker process runs huey's consumer (threads) with one periodic task, a tick every minute that
enqueues a run of each due playbook whose window it could claim. Runs can also be enqueued by hand
(:func:`enqueue_run`, ``tenure playbook run NAME --queue``). Whatever runs a playbook, the delivery log
makes it send each message once, so two workers, a retry or a redelivered task cannot double-send.

The worker reads the store from its own settings (``TENURE_DATABASE_URL`` or ``--db``); the queue
carries only playbook names and times, never credentials.

Examples
--------
>>> huey = queue_app("redis://127.0.0.1:6379/0")          # doctest: +SKIP
>>> enqueue_run(huey, "winback", as_of="2025-06-01")       # doctest: +SKIP
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

from tenure.errors import ConfigurationError

log = logging.getLogger("tenure.jobs")

DEFAULT_QUEUE = "tenure"
_store_url: dict[str, str | None] = {"url": None}


def set_store_url(url: str | None) -> None:
    """The store the worker's tasks open (None: the configured one)."""
    _store_url["url"] = url


def _store() -> Any:
    from tenure.store import Store

    return Store.open(_store_url["url"])


@cache
def queue_app(redis_url: str, name: str = DEFAULT_QUEUE) -> Any:
    """The huey application for queue ``name`` on Redis at ``redis_url``, with Tenure's tasks."""
    try:
        from huey import RedisHuey, crontab
    except ImportError as exc:  # pragma: no cover - huey is a dependency
        raise ConfigurationError("tenure worker needs huey and redis: pip install huey redis") from exc
    if not redis_url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigurationError(f"queue URL {redis_url!r}: expected redis://host:port/db")
    huey = RedisHuey(name, url=redis_url, results=False)

    @huey.task(retries=2, retry_delay=30, name="run_playbook")
    def run_playbook_task(playbook: str, as_of: str | None = None, claimed: bool = False) -> dict:
        from tenure.actions.playbooks import load
        from tenure.actions.runner import run_playbook
        from tenure.jobs.scheduler import _mark_failed

        store = _store()
        try:
            pb = load(store, playbook)
            try:
                result = run_playbook(store, pb, as_of, keep_version=False)
            except Exception:
                if claimed and as_of:
                    _mark_failed(store, playbook, as_of[:10])
                raise
            log.info("ran %s: %s", playbook, result.summary())
            return result.summary()
        finally:
            store.close()

    @huey.periodic_task(crontab(minute="*"), name="tick")
    def tick() -> int:
        from tenure.actions.fields import as_of_moment
        from tenure.jobs.scheduler import claim_window, due_playbooks

        store = _store()
        try:
            t = as_of_moment(None)
            n = 0
            for pb in due_playbooks(store, t.date()):
                if claim_window(store, pb.name, t.date().isoformat(), pb.version):
                    run_playbook_task(pb.name, t.isoformat(), claimed=True)
                    n += 1
            return n
        finally:
            store.close()

    huey.tenure_tasks = {"run_playbook": run_playbook_task, "tick": tick}  # type: ignore[attr-defined]
    return huey


def enqueue_run(huey: Any, playbook: str, as_of: str | None = None) -> None:
    """Put a run of ``playbook`` (as of ``as_of``, default when it runs) on the queue."""
    huey.tenure_tasks["run_playbook"](playbook, as_of)


def run_worker(huey: Any, workers: int = 2, periodic: bool = True) -> None:
    """Consume the queue in this process until interrupted (SIGINT/SIGTERM)."""
    consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=periodic)
    consumer.run()
