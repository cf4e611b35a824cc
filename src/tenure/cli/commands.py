"""Registers every command group on the ``tenure`` app (one import per group)."""

from tenure.cli import churn, clv, demo, importing, playbook, schema, status, worker  # noqa: F401
