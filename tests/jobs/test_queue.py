"""``tenure worker`` on a real Redis: queued runs are executed, and two workers never double-send."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from actions.support import WINBACK_YAML, Mailbox, inactive_business
from tenure.actions.experiments import assign_arm
from tenure.actions.playbooks import Playbook, save
from tenure.jobs.queue import enqueue_run, queue_app
from tenure.store import Store

ROOT = Path(__file__).resolve().parents[2]


def _worker(store_url: str, redis_url: str, queue: str, smtp_url: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "TENURE_DATABASE_URL": store_url,
        "TENURE_SMTP_URL": smtp_url,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
    }
    cmd = [sys.executable, "-m", "tenure", "worker", "--redis", redis_url, "--queue", queue, "--no-periodic"]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _wait_for(predicate, limit: float = 120.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + limit
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.2)


@pytest.mark.slow
def test_two_workers_consuming_duplicate_runs_send_each_message_once(
    store_url: str, redis_queue: tuple[str, str], smtp: Mailbox, tmp_path: Path
) -> None:
    redis_url, queue = redis_queue
    store = Store.open(store_url)
    inactive_business(store, tmp_path / "data", inactive=40, free=0, active=0)
    save(store, Playbook.from_yaml(WINBACK_YAML), enabled=True)
    store.close()
    treated = {f"p{k:04d}" for k in range(1, 41) if assign_arm("winback", f"p{k:04d}", 0.2) == "treated"}

    huey = queue_app(redis_url, queue)
    for _ in range(4):  # the same run, queued four times (a retry storm)
        enqueue_run(huey, "winback", "2025-06-01")
    workers = [_worker(store_url, redis_url, queue, smtp.url) for _ in range(2)]
    try:
        _wait_for(lambda: len(huey) == 0 and len(smtp.messages) >= len(treated))
        time.sleep(1.0)  # let any straggling duplicate arrive before counting
    finally:
        for w in workers:
            w.terminate()
        logs = [w.communicate(timeout=60)[0].decode() for w in workers]
    assert sorted(smtp.recipients()) == sorted(f"{c}@example.com" for c in treated), logs
    assert len(huey) == 0
