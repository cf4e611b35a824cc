"""Registers every command group on the ``tenure`` app (one import per group)."""

from tenure.cli import importing  # noqa: F401
from tenure.cli import churn  # noqa: F401
