"""Registers every command group on the ``tenure`` app (one import per group)."""

from tenure.cli import clv, demo, importing, metrics, schema, status  # noqa: F401
