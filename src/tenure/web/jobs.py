"""Work the app does in the background so pages answer at once: first-run setup and refreshes.

On start, :class:`Background` (in a daemon thread) generates and imports the demo business when the
store is empty and ``demo`` is on, rebuilds the customer directory, precomputes the metrics reports
and cohort table (:mod:`tenure.metrics`), trains and back-tests the churn model and scores every
customer (:mod:`tenure.models.churn`), values every customer (:mod:`tenure.models.clv`), and fills
the scores join cache. Pages show the steps and their state. After an import or an
API batch, :meth:`Background.refresh` reruns the steps that depend on the data (debounced).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tenure.models import churn as churn_model
from tenure.models.clv.scores import save_scores, score_customers
from tenure.simulate import simulate
from tenure.store import Store
from tenure.web import directory, figures, scoring

log = logging.getLogger("tenure.web")

DEMO_CUSTOMERS = 2_000
DEMO_MONTHS = 24
DEMO_SEED = 7


STEPS = ("directory", "metrics", "cohorts", "churn", "clv", "scores")
"""The refresh steps, in order (``demo`` comes first on an empty store)."""


@dataclass
class Step:
    name: str
    state: str = "pending"  # pending, running, done, failed
    message: str = ""
    seconds: float | None = None


@dataclass
class Status:
    steps: dict[str, Step] = field(default_factory=dict)
    running: bool = False
    finished_at: dt.datetime | None = None

    def set(self, name: str, state: str, message: str = "", seconds: float | None = None) -> None:
        step = self.steps.setdefault(name, Step(name))
        step.state, step.message = state, message
        if seconds is not None:
            step.seconds = round(seconds, 2)

    def as_dict(self) -> dict[str, Any]:
        return {
            "running": self.running,
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "steps": [vars(s) for s in self.steps.values()],
        }


def generate_demo(folder: Path, customers: int, months: int, seed: int) -> None:
    """Write the demo business (:func:`tenure.simulate.simulate`) as canonical files in ``folder``."""
    simulate(customers=customers, months=months, seed=seed).write(folder)


class Background:
    """Runs setup and refresh steps in one worker thread; refresh requests made while it works
    coalesce into one more run."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.status = Status()
        self._lock = threading.Lock()
        self._dirty = False
        self._demo: int | None = None
        self._thread: threading.Thread | None = None

    def _run_step(self, name: str, fn: Callable[[], str | None]) -> bool:
        self.status.set(name, "running")
        started = time.perf_counter()
        try:
            message = fn() or ""
        except Exception as exc:
            log.exception("background step %s failed", name)
            self.status.set(name, "failed", str(exc).splitlines()[0][:300], time.perf_counter() - started)
            return False
        self.status.set(name, "done", message, time.perf_counter() - started)
        return True

    def _ensure_worker(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self.status.running = True
        self._thread = threading.Thread(target=self._work, name="tenure-background", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        try:
            while True:
                with self._lock:
                    demo, self._demo = self._demo, None
                    dirty, self._dirty = self._dirty, False
                    if demo is None and not dirty:
                        self.status.running = False
                        self.status.finished_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
                        return
                if demo is not None:
                    self._run_step("demo", functools.partial(self._load_demo, demo))
                self._refresh_steps()
        except BaseException:
            self.status.running = False
            raise

    def setup(self, demo: bool = False, demo_customers: int = DEMO_CUSTOMERS) -> None:
        """Start the first-run work in the background (demo data when the store is empty)."""
        with self._lock:
            names = list(STEPS)
            if demo and not self.store.counts()["customers"]:
                self._demo = demo_customers
                names.insert(0, "demo")
            for name in names:
                self.status.set(name, "pending")
            self._dirty = True
            self._ensure_worker()

    def refresh(self, wait: bool = False) -> None:
        """Recompute what depends on the data (after an import or an API batch)."""
        with self._lock:
            self._dirty = True
            self._ensure_worker()
        if wait:
            self.join()

    def join(self, timeout: float | None = None) -> None:
        """Wait until the worker has nothing left to do."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            thread = self._thread
            if thread is None or not thread.is_alive():
                return
            thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
            if deadline is not None and time.monotonic() >= deadline:
                return

    def _load_demo(self, customers: int) -> str:
        with tempfile.TemporaryDirectory(prefix="tenure-demo-") as tmp:
            folder = Path(tmp) / "demo"
            generate_demo(folder, customers, DEMO_MONTHS, DEMO_SEED)
            with self.store.lock:
                report = self.store.import_folder(folder)
        inserted = sum(c.inserted for c in report.tables.values())
        return f"demo business of {customers:,} customers generated and imported ({inserted:,} rows)"

    def _refresh_steps(self) -> None:
        store = self.store
        self._run_step("directory", lambda: f"{directory.rebuild(store):,} customers indexed")
        at = directory.as_of(store)

        def metrics() -> str:
            figures.clear_cache(store)
            keys = figures.precompute(store, at, directory.facets(store)["segment"][:12])
            return f"{len(keys)} reports cached (as of {at:%Y-%m-%d})"

        self._run_step("metrics", metrics)
        self._run_step("cohorts", lambda: f"{len(figures.cohort_table(store)['cohorts'])} cohorts cached")

        def churn() -> str:
            with store.lock:
                version, result = churn_model.train(store)
                scored = churn_model.score(store)
            figures_ = result.as_dict() if result is not None else {}
            auc = figures_.get("auc")
            tested = f", back-test AUC {auc:.2f}" if isinstance(auc, float) else ""
            return f"model v{version} trained{tested}; {len(scored.frame):,} customers scored"

        self._run_step("churn", churn)

        def clv() -> str:
            with store.lock:
                values = score_customers(store)
                n = save_scores(store, values)
            return f"{n:,} customers valued as of {values.as_of:%Y-%m-%d}"

        self._run_step("clv", clv)
        self._run_step("scores", lambda: f"{scoring.refresh_scores(store):,} customers in the list cache")
