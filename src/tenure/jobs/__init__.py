"""Running playbooks on time.

Two ways, one rule: each enabled playbook runs once per run window (a UTC day; weekly and monthly
triggers only on their days), claimed in the store (``playbook_runs``) before it runs, so any number
of schedulers and workers can be up at once without running a window twice; a failed window is
claimed again on the next tick.

- :mod:`tenure.jobs.scheduler`: a thread inside the app process (``tenure serve``), the embedded
  default. Nothing to install or run besides Tenure.
- :mod:`tenure.jobs.queue`: ``tenure worker``, a separate process consuming a real queue (huey on
  Redis, ``TENURE_REDIS_URL``). Its own periodic tick enqueues due playbooks; any process can enqueue
  a run with :func:`tenure.jobs.queue.enqueue_run` (``tenure playbook run NAME --queue``). Run as many
  workers as you like.
"""
