"""Tenure's one error tree.

Every error the library raises on purpose derives from :class:`TenureError` and also from the
builtin that matches its kind, so ``except ValueError`` keeps working for callers who don't know
Tenure::

    TenureError
     ├── ConfigurationError (ValueError)      a setting, URL or option is wrong
     ├── StoreError (RuntimeError)            the database refused or is unreachable
     ├── ImportValidationError (ValueError)   an input file has problems; ``.problems`` lists them
     ├── EngineError (RuntimeError)           an analytics engine failed or is unavailable
     ├── ModelError (ValueError)              a model could not be fitted or used
     │    ├── ConvergenceError                the optimiser did not converge
     │    └── NotFittedError                  the model is used before ``fit``
     ├── ActionError (RuntimeError)           a playbook, email or other action failed
     │    └── ExpressionError (ValueError)    a condition expression is unsafe or malformed
     ├── AuthError (PermissionError)          missing or wrong credentials or scope
     └── NotFoundError (LookupError)          the thing asked for does not exist

The CLI turns these into one clean message and exit code; the web app into one JSON envelope.
"""

from __future__ import annotations


class TenureError(Exception):
    """Base class of every error Tenure raises on purpose."""

    code = "tenure_error"
    exit_code = 1


class ConfigurationError(TenureError, ValueError):
    code = "configuration_error"
    exit_code = 2


class StoreError(TenureError, RuntimeError):
    code = "store_error"
    exit_code = 3


class ImportValidationError(TenureError, ValueError):
    """An import found problems; nothing was written.

    ``problems`` holds every :class:`tenure.ingest.validation.Problem` found, in file and row order.
    """

    code = "invalid_input"
    exit_code = 4

    def __init__(self, message: str, problems: list | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class EngineError(TenureError, RuntimeError):
    code = "engine_error"
    exit_code = 5


class ModelError(TenureError, ValueError):
    code = "model_error"
    exit_code = 6


class ConvergenceError(ModelError):
    code = "convergence_error"


class NotFittedError(ModelError):
    code = "not_fitted"


class ActionError(TenureError, RuntimeError):
    code = "action_error"
    exit_code = 7


class ExpressionError(ActionError, ValueError):
    code = "invalid_expression"


class AuthError(TenureError, PermissionError):
    code = "unauthorized"
    exit_code = 8


class NotFoundError(TenureError, LookupError):
    code = "not_found"
    exit_code = 9


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
]
