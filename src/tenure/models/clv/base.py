"""What every CLV model shares: maximum-likelihood fitting, standard errors, summaries, ``repr``.

A model file (``bgnbd.py``, ``paretonbd.py`` …) holds only its maths: the parameter names, the
log-likelihood with its analytic gradient, starting values and predictions. This module does the
rest, the same way for every model:

- parameters are optimised on the log scale (so they stay positive) with L-BFGS-B and the analytic
  gradient, then polished with Newton steps on a Hessian taken by central differences of that gradient;
- identical data rows are grouped and weighted before fitting, so a million customers with daily
  granularity cost far less than a million likelihood terms;
- a fit that does not reach a proper maximum raises :class:`~tenure.errors.ConvergenceError` with a
  numbered list of remedies instead of returning parameters that may be wrong;
- standard errors come from the inverse of the observed information (delta method from log scale).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import optimize

from tenure.errors import ConvergenceError, ModelError, NotFittedError

__all__ = ["CLVModel", "as_float_array", "group_rows", "rfm_from", "validate_rfm"]

# Log-scale bounds: parameters between about 1e-9 and 1e9. Hitting one means the data do not
# identify the parameter (for instance nobody ever repeats), which is reported, not returned.
_LOG_BOUND = 21.0

_GENERIC_REMEDIES = (
    "Make sure the data have enough signal: a few hundred customers or more, observed long enough to "
    "see customers both stay and leave.",
    "Pass starting values close to what you expect with fit(..., initial_params={...}).",
    "If the model still does not converge, the data may not support it: try a simpler model or "
    "report the data shape in an issue.",
)


def as_float_array(values: Any, name: str) -> np.ndarray:
    """Turn ``values`` (list, NumPy, pandas or Arrow) into a 1-D float array, or raise ModelError."""
    if hasattr(values, "to_numpy") and not isinstance(values, np.ndarray):
        values = values.to_numpy()
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ModelError(f"{name}: expected numbers, got {type(values).__name__} ({exc})") from exc
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise ModelError(f"{name}: expected a 1-D sequence, got shape {arr.shape}")
    bad = ~np.isfinite(arr)
    if bad.any():
        i = int(np.argmax(bad))
        raise ModelError(f"{name} row {i}: expected a finite number, got {arr[i]!r}")
    return arr


def group_rows(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Group identical rows of ``columns``.

    Returns the unique rows (one array per column), their counts, and for each input row the index
    of its group (so per-customer results can be scattered back).
    """
    key = np.zeros(len(columns[0]), dtype=np.int64)
    for column in columns:
        codes, uniques = pd.factorize(column, sort=False)
        key = key * len(uniques) + codes
        key, _ = pd.factorize(key, sort=False)  # keep the combined key small
    codes, first = _representatives(key)
    counts = np.bincount(codes).astype(float)
    unique_cols = [np.asarray(c, dtype=float)[first] for c in columns]
    return unique_cols, counts, codes


@contextlib.contextmanager
def _single_threaded_blas() -> Iterator[None]:
    """Run BLAS on one thread while fitting.

    The fits make thousands of tiny BLAS calls (L-BFGS-B's updates, dot products); OpenBLAS's thread
    pool then spins and, on a busy machine, made a 20 ms fit take 400 ms. threadpoolctl is optional.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def _representatives(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group codes 0..k-1 and, per group, the index of one of its rows (a group's rows are equal)."""
    codes, uniques = pd.factorize(key, sort=False)
    rows = np.empty(len(uniques), dtype=np.int64)
    rows[codes] = np.arange(len(codes))
    return codes, rows


class CLVModel:
    """Base class of Tenure's CLV models (BG/NBD, Pareto/NBD, Gamma-Gamma, sBG).

    Subclasses define ``_param_names``, ``_model_name`` and the hooks ``_log_likelihood`` (total
    log-likelihood and its gradient in natural parameters) and ``_initial_params``.
    """

    _param_names: ClassVar[tuple[str, ...]] = ()
    _model_name: ClassVar[str] = "CLV model"
    _data_description: ClassVar[str] = "customers"
    _remedies: ClassVar[tuple[str, ...]] = ()

    params_: dict[str, float]
    std_errors_: dict[str, float]
    log_likelihood_: float
    n_customers_: int
    n_iterations_: int

    # --- hooks ---------------------------------------------------------------------------------
    def _log_likelihood(
        self, theta: np.ndarray, data: Mapping[str, np.ndarray], weights: np.ndarray
    ) -> tuple[float, np.ndarray]:
        raise NotImplementedError

    def _initial_params(self, data: Mapping[str, np.ndarray], weights: np.ndarray) -> list[np.ndarray]:
        raise NotImplementedError

    # --- fitting ---------------------------------------------------------------------------------
    def _fit_mle(
        self,
        data: Mapping[str, np.ndarray],
        weights: np.ndarray,
        initial_params: Mapping[str, float] | None = None,
    ) -> None:
        """Maximise the log-likelihood; set ``params_``, ``std_errors_``, ``log_likelihood_``."""
        with _single_threaded_blas():
            self._maximise(data, weights, initial_params)

    def _maximise(
        self,
        data: Mapping[str, np.ndarray],
        weights: np.ndarray,
        initial_params: Mapping[str, float] | None,
    ) -> None:
        names = self._param_names
        total_weight = float(weights.sum())
        if total_weight <= 0:
            raise ModelError(f"{self._model_name}: no data to fit (the total weight is 0)")

        def objective(log_theta: np.ndarray) -> tuple[float, np.ndarray]:
            theta = np.exp(log_theta)
            with np.errstate(all="ignore"):
                ll, grad = self._log_likelihood(theta, data, weights)
            if not np.isfinite(ll) or not np.all(np.isfinite(grad)):
                return np.inf, np.zeros_like(log_theta)
            return -ll / total_weight, -grad * theta / total_weight

        if initial_params is not None:
            missing = [n for n in names if n not in initial_params]
            if missing:
                raise ModelError(
                    f"{self._model_name}: initial_params is missing {missing}; expected keys {list(names)}"
                )
            starts = [np.array([float(initial_params[n]) for n in names])]
        else:
            starts = self._initial_params(data, weights)

        best: optimize.OptimizeResult | None = None
        for start in starts:
            x0 = np.clip(np.log(np.maximum(start, 1e-8)), -_LOG_BOUND + 1, _LOG_BOUND - 1)
            res = optimize.minimize(
                objective,
                x0,
                jac=True,
                method="L-BFGS-B",
                bounds=[(-_LOG_BOUND, _LOG_BOUND)] * len(names),
                options={"maxiter": 2000, "ftol": 1e-15, "gtol": 1e-10, "maxcor": 10},
            )
            if np.isfinite(res.fun) and (best is None or res.fun < best.fun):
                best = res
            clean = bool(res.success) and float(np.max(np.abs(np.asarray(res.jac)))) < 1e-5
            if res is best and clean:
                break  # a clean optimum: the other starting points are only for hard cases
        if best is None:
            self._raise_convergence("the log-likelihood was not finite at any starting point")
        assert best is not None

        log_theta = best.x
        hessian = self._hessian(objective, log_theta)
        # Newton polish: L-BFGS-B stops at ~1e-8 relative; a few Newton steps reach machine precision.
        moved = False
        for _ in range(3):
            fun, grad = objective(log_theta)
            try:
                step = np.linalg.solve(hessian, grad)
            except np.linalg.LinAlgError:
                break
            candidate = np.clip(log_theta - step, -_LOG_BOUND, _LOG_BOUND)
            if not objective(candidate)[0] <= fun:
                break
            log_theta, moved = candidate, True
            if np.max(np.abs(step)) < 1e-10:
                break
        if moved:
            hessian = self._hessian(objective, log_theta)

        fun, grad = objective(log_theta)
        at_bound = np.abs(log_theta) >= _LOG_BOUND - 1e-6
        eigen = np.linalg.eigvalsh((hessian + hessian.T) / 2)
        problems = []
        if not np.isfinite(fun):
            problems.append("the log-likelihood is not finite at the optimum")
        if at_bound.any():
            stuck = ", ".join(
                f"{n}={np.exp(v):.3g}" for n, v in zip(names, log_theta, strict=True) if abs(v) >= _LOG_BOUND - 1e-6
            )
            problems.append(f"parameters ran to the edge of their range ({stuck}); the data do not identify them")
        if np.max(np.abs(grad)) > 1e-4:
            problems.append(f"the gradient is not zero at the end (max |gradient| {np.max(np.abs(grad)):.2g})")
        if not (eigen.min() > 0):
            problems.append("the likelihood surface is flat or not a maximum there (Hessian not positive definite)")
        if problems:
            self._raise_convergence("; ".join(problems))

        theta = np.exp(log_theta)
        cov_log = np.linalg.inv(hessian * total_weight)
        se = theta * np.sqrt(np.maximum(np.diag(cov_log), 0.0))
        self.params_ = {n: float(v) for n, v in zip(names, theta, strict=True)}
        self.std_errors_ = {n: float(v) for n, v in zip(names, se, strict=True)}
        self.covariance_ = pd.DataFrame(np.outer(theta, theta) * cov_log, index=list(names), columns=list(names))
        self.log_likelihood_ = float(-fun * total_weight)
        self.n_customers_ = round(total_weight)
        self.n_iterations_ = int(best.nit)

    @staticmethod
    def _hessian(objective: Callable[[np.ndarray], tuple[float, np.ndarray]], x: np.ndarray) -> np.ndarray:
        k = len(x)
        h = np.empty((k, k))
        for j in range(k):
            eps = 1e-5 * max(1.0, abs(x[j]))
            up = x.copy()
            up[j] += eps
            down = x.copy()
            down[j] -= eps
            h[:, j] = (objective(up)[1] - objective(down)[1]) / (2 * eps)
        return (h + h.T) / 2

    def _raise_convergence(self, what: str) -> None:
        steps = (*self._remedies, *_GENERIC_REMEDIES)
        checklist = "\n".join(f"  {i}. {s}" for i, s in enumerate(steps, 1))
        raise ConvergenceError(
            f"{self._model_name} did not converge: {what}.\nNo parameters were set. Things to check:\n{checklist}"
        )

    # --- results -----------------------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet: call fit(...) before using it")

    def _theta(self) -> tuple[float, ...]:
        self._check_fitted()
        return tuple(self.params_[n] for n in self._param_names)

    @property
    def summary(self) -> pd.DataFrame:
        """Parameters with standard errors and 95% Wald intervals (on the log scale, so positive).

        Examples
        --------
        >>> from tenure.models.clv import ShiftedBetaGeometric
        >>> m = ShiftedBetaGeometric().fit([1000, 631, 468, 382, 326, 289, 262, 241])
        >>> list(m.summary.columns)
        ['estimate', 'std_error', 'lower_95', 'upper_95']
        """
        self._check_fitted()
        est = np.array([self.params_[n] for n in self._param_names])
        se = np.array([self.std_errors_[n] for n in self._param_names])
        half = 1.959963984540054 * se / est
        return pd.DataFrame(
            {
                "estimate": est,
                "std_error": se,
                "lower_95": est * np.exp(-half),
                "upper_95": est * np.exp(half),
            },
            index=pd.Index(self._param_names, name="parameter"),
        )

    def __repr__(self) -> str:
        name = type(self).__name__
        if not hasattr(self, "params_"):
            return f"<{name}: not fitted>"
        params = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        return (
            f"<{name} ({self._model_name}) fitted on {self.n_customers_:,} {self._data_description}: "
            f"{params}; log-likelihood {self.log_likelihood_:.2f}>"
        )

    def to_dict(self) -> dict[str, Any]:
        """The fit as plain data: model, params, std_errors, log_likelihood, n_customers."""
        self._check_fitted()
        return {
            "model": self._cli_name(),
            "params": dict(self.params_),
            "std_errors": dict(self.std_errors_),
            "log_likelihood": self.log_likelihood_,
            "n_customers": self.n_customers_,
        }

    @classmethod
    def _cli_name(cls) -> str:
        return cls.__name__.lower()


def validate_rfm(frequency: Any, recency: Any, T: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Check (frequency, recency, T) columns and return them as float arrays.

    Rules: frequency is a whole number >= 0; 0 <= recency <= T; T > 0; recency is 0 when frequency is 0.
    """
    x = as_float_array(frequency, "frequency")
    t_x = as_float_array(recency, "recency")
    big_t = as_float_array(T, "T")
    if not (len(x) == len(t_x) == len(big_t)):
        raise ModelError(f"frequency, recency and T must have the same length, got {len(x)}, {len(t_x)}, {len(big_t)}")
    if len(x) == 0:
        raise ModelError("no customers: frequency, recency and T are empty")
    checks: Sequence[tuple[np.ndarray, str]] = (
        ((x < 0) | (x != np.floor(x)), "frequency: expected a whole number >= 0 (repeat purchases)"),
        (big_t <= 0, "T: expected a positive age (calibration end minus first purchase)"),
        ((t_x < 0) | (t_x > big_t * (1 + 1e-9) + 1e-12), "recency: expected 0 <= recency <= T"),
        ((x == 0) & (t_x > 0), "recency: expected 0 for a customer with frequency 0"),
    )
    for bad, message in checks:
        if bad.any():
            i = int(np.argmax(bad))
            raise ModelError(
                f"row {i} (frequency={x[i]:g}, recency={t_x[i]:g}, T={big_t[i]:g}) {message}; "
                f"{int(bad.sum())} row(s) affected"
            )
    return x, np.minimum(t_x, big_t), big_t


def rfm_from(frequency: Any, recency: Any, T: Any) -> tuple[Any, Any, Any]:
    """Accept either three columns or one summary table with columns frequency, recency, T."""
    if recency is None and T is None:
        table = frequency
        if hasattr(table, "to_pandas") and not isinstance(table, pd.DataFrame):
            table = table.to_pandas()
        if not isinstance(table, pd.DataFrame):
            raise ModelError("pass frequency, recency and T, or one table with those columns")
        missing = [c for c in ("frequency", "recency", "T") if c not in table.columns]
        if missing:
            raise ModelError(f"the summary table has no column(s) {missing}; found {list(table.columns)}")
        return table["frequency"], table["recency"], table["T"]
    if recency is None or T is None:
        raise ModelError("pass frequency, recency and T together")
    return frequency, recency, T
