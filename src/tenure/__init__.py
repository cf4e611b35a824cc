"""Tenure: customer retention for subscription and repeat-purchase businesses.

>>> import tenure
>>> store = tenure.connect("sqlite:///:memory:")   # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tenure.errors import (
    ActionError,
    AuthError,
    ConfigurationError,
    ConvergenceError,
    EngineError,
    ExpressionError,
    ImportValidationError,
    ModelError,
    NotFittedError,
    NotFoundError,
    StoreError,
    TenureError,
)

if TYPE_CHECKING:
    from tenure.store import Store

__version__ = "0.1.0"


def connect(url: str | None = None) -> Store:
    """Open the store at ``url`` (default: ``TENURE_DATABASE_URL`` or ``./tenure.db``), migrating it.

    Every capability is reachable from the returned :class:`tenure.store.Store`.

    Examples
    --------
    >>> store = connect("sqlite:///:memory:")  # doctest: +SKIP
    """
    from tenure.store import Store

    return Store.open(url)


__all__ = [
    "ActionError",
    "AuthError",
    "ConfigurationError",
    "ConvergenceError",
    "EngineError",
    "ExpressionError",
    "ImportValidationError",
    "ModelError",
    "NotFittedError",
    "NotFoundError",
    "StoreError",
    "TenureError",
    "__version__",
    "connect",
]
