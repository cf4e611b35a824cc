"""Registers every command group on the ``tenure`` app (one import per group)."""

from tenure.cli import clv, demo, importing, metrics, playbook, schema, serve, status, users, worker  # noqa: F401
