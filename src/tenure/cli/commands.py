"""Registers every command group on the ``tenure`` app (one import per group)."""

from tenure.cli import importing, schema, status  # noqa: F401
