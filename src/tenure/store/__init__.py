"""The store: Tenure's system of record (SQLite by default, PostgreSQL for teams)."""

from tenure.store._store import Store

__all__ = ["Store"]
