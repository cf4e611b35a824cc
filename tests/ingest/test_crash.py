"""A crash (kill -9) never half-writes an import and never loses one that was acknowledged."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from factories import write_table
from tenure.store import Store

SCRIPT = textwrap.dedent(
    """
    import sys, time
    from tenure.store import Store
    store = Store.open(sys.argv[1])
    def progress(step, table):
        print(step, table, flush=True)
    store.import_folder(sys.argv[2], progress=progress)
    print("acknowledged", flush=True)
    time.sleep(60)
    """
)


def _big_dataset(folder: Path, n_events: int) -> Path:
    write_table(folder, "customers", ["customer_id"], [[f"c{i}"] for i in range(100)])
    write_table(
        folder,
        "subscriptions",
        ["customer_id", "start_date", "mrr"],
        [[f"c{i}", "2024-01-01", "10"] for i in range(100)],
    )
    pq.write_table(
        pa.table(
            {
                "customer_id": [f"c{i % 100}" for i in range(n_events)],
                "event_type": ["login"] * n_events,
                "occurred_at": pa.array(
                    [1_700_000_000_000_000 + i * 1_000_000 for i in range(n_events)],
                    pa.timestamp("us", tz="UTC"),
                ),
            }
        ),
        folder / "events.parquet",
    )
    return folder


def _run_until(url: str, folder: Path, marker: str, delay: float) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, url, str(folder)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.strip() == marker:
            break
    else:
        pytest.fail(f"the import finished without printing {marker!r}")
    time.sleep(delay)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


def test_killing_an_import_half_way_leaves_the_store_as_it_was(store_url: str, tmp_path: Path) -> None:
    folder = _big_dataset(tmp_path / "ds", 400_000)
    Store.open(store_url).close()
    _run_until(store_url, folder, "write events", 0.3)
    store = Store.open(store_url)
    assert store.counts()["events"] == 0
    assert store.counts()["customers"] == 0
    if store.dialect == "sqlite":
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"


def test_an_acknowledged_import_survives_a_kill(store_url: str, tmp_path: Path) -> None:
    folder = _big_dataset(tmp_path / "ds", 1_000)
    _run_until(store_url, folder, "acknowledged", 0.0)
    assert Store.open(store_url).counts()["events"] == 1_000
