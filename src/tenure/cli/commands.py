"""Registers every command group on the ``tenure`` app (one import per group)."""

from tenure.cli import demo, importing, schema, status  # noqa: F401
from tenure.cli import serve, users  # noqa: F401
