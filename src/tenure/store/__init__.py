"""The store: Tenure's system of record (SQLite by default, PostgreSQL for teams)."""

from tenure.store._store import STORE_LOCK, Store

__all__ = ["STORE_LOCK", "Store"]
