"""Registers every command group on the ``tenure`` app (one import per group)."""
