"""``tenure worker``: consume the production job queue (huey on Redis) and run playbooks on time."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from tenure.cli import app
from tenure.cli.options import DbOption, open_store


@app.command("worker")
def worker_command(
    db: DbOption = None,
    redis: Annotated[
        str | None,
        typer.Option("--redis", help="Redis URL of the queue. Default: TENURE_REDIS_URL.", show_default=False),
    ] = None,
    queue: Annotated[str, typer.Option("--queue", help="Queue name (workers of one store share one).")] = "tenure",
    workers: Annotated[int, typer.Option("--workers", help="Worker threads in this process.")] = 2,
    periodic: Annotated[
        bool, typer.Option("--periodic/--no-periodic", help="Enqueue due playbooks every minute.")
    ] = True,
) -> None:
    """Run playbooks from the job queue until stopped (Ctrl-C); start as many workers as you like."""
    from tenure.errors import ConfigurationError
    from tenure.jobs.queue import queue_app, run_worker, set_store_url

    store = open_store(db)  # opens and migrates once, and fails early if the store is unreachable
    url = redis or store.settings.redis_url
    if not url:
        raise ConfigurationError("tenure worker needs a queue: set TENURE_REDIS_URL or --redis redis://HOST:6379/0")
    set_store_url(store.url)
    store.close()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    run_worker(queue_app(url, queue), workers=workers, periodic=periodic)
