"""Registers every command group on the ``tenure`` app (one import per group)."""

from tenure.cli import (
    importing,  # noqa: F401
    serve,  # noqa: F401
    users,  # noqa: F401
)
