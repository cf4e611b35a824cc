"""Registers every command group on the ``tenure`` app (one import per group)."""

from tenure.cli import demo, importing, schema, serve, status, users  # noqa: F401
