"""Registers every command group on the ``tenure`` app (one import per group)."""

from tenure.cli import (  # noqa: F401
    churn,
    clv,
    demo,
    importing,
    metrics,
    playbook,
    schema,
    serve,
    status,
    users,
    worker,
)
