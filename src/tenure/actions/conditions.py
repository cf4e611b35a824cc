"""Conditions: a small, safe expression language over customer fields.

A playbook's ``condition`` reads like Python, ``plan != 'free' and mrr >= 50``, but only a tiny,
side-effect-free part of it is accepted. The text is parsed with :mod:`ast` and every node is checked
against a whitelist before anything runs; evaluation walks the checked tree itself (nothing is ever
passed to ``eval`` or ``compile``). Allowed:

- names of customer fields (see :mod:`tenure.actions.fields`), and ``True``, ``False``, ``None``
- literals: numbers, strings, and lists/tuples of them (for ``in``)
- comparisons ``== != < <= > >=``, ``in``, ``not in``, ``is None``, ``is not None``
- ``and``, ``or``, ``not``, and the arithmetic ``+ - * /`` and unary minus

Everything else is refused with :class:`~tenure.errors.ExpressionError` before evaluation: calls,
attribute access, subscripts, lambdas, comprehensions, ``**``, f-strings, walrus, names that are not
fields (dunder names included). Sizes are bounded too (text length, node count, literal sizes), so an
expression cannot be made to use much time or memory.

A missing value (``None``/null) never satisfies a comparison: ``mrr >= 50`` is false for a customer
without MRR, and so is ``mrr < 50``. Use ``x is None`` to ask for missing values.

The same checked tree evaluates one customer (:meth:`Condition.evaluate`, a mapping) or all of them
at once (:meth:`Condition.mask`, a pandas DataFrame); the two agree.

Examples
--------
>>> cond = Condition.parse("plan != 'free' and mrr >= 50", fields={"plan", "mrr"})
>>> cond.evaluate({"plan": "pro", "mrr": 99.0})
True
>>> cond.evaluate({"plan": "free", "mrr": 0.0})
False
>>> Condition.parse("__import__('os')", fields={"plan"})
Traceback (most recent call last):
...
tenure.errors.ExpressionError: condition "__import__('os')": calls are not allowed (at column 1); \
conditions may only compare customer fields, e.g. plan != 'free' and mrr >= 50
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from tenure.errors import ExpressionError

MAX_LENGTH = 2000
"""Longest condition text accepted, in characters."""
MAX_NODES = 300
"""Most syntax-tree nodes a condition may have."""
MAX_LITERAL_ITEMS = 1000
"""Most items in a list literal."""
MAX_STRING = 1000
"""Longest string literal."""
MAX_NUMBER = 1e15
"""Largest absolute number literal."""

_EXAMPLE = "plan != 'free' and mrr >= 50"

_COMPARE = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}
_ARITH = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}

_REFUSED = {
    ast.Call: "calls are",
    ast.Attribute: "attribute access is",
    ast.Subscript: "subscripts are",
    ast.Lambda: "lambdas are",
    ast.ListComp: "comprehensions are",
    ast.SetComp: "comprehensions are",
    ast.DictComp: "comprehensions are",
    ast.GeneratorExp: "comprehensions are",
    ast.NamedExpr: "assignments are",
    ast.JoinedStr: "f-strings are",
    ast.IfExp: "conditional expressions are",
    ast.Starred: "starred expressions are",
    ast.Dict: "dictionaries are",
    ast.Set: "sets are",
    ast.Await: "await is",
    ast.Yield: "yield is",
    ast.YieldFrom: "yield is",
    ast.Slice: "slices are",
}


@dataclass(frozen=True)
class Condition:
    """A checked condition expression, ready to evaluate.

    Build one with :meth:`parse`; ``names`` are the customer fields it reads.
    """

    text: str
    tree: ast.Expression
    names: frozenset[str]

    @classmethod
    def parse(cls, text: str | None, fields: Iterable[str] | None = None) -> Condition:
        """Parse and check ``text``; ``fields`` (when given) are the names it may use.

        An empty condition is always true.

        Examples
        --------
        >>> Condition.parse("segment in ['smb', 'mid-market']").names
        frozenset({'segment'})
        """
        text = (text or "").strip() or "True"
        if not isinstance(text, str):
            raise ExpressionError(f"condition must be text, got {type(text).__name__}")
        if len(text) > MAX_LENGTH:
            raise ExpressionError(f"condition is {len(text)} characters long; at most {MAX_LENGTH} are allowed")
        try:
            tree = ast.parse(text, mode="eval")
        except (SyntaxError, ValueError, MemoryError, RecursionError) as exc:
            detail = getattr(exc, "msg", None) or str(exc)
            raise ExpressionError(
                f"condition {text!r} is not a valid expression: {detail}; write e.g. {_EXAMPLE}"
            ) from None
        allowed = set(fields) if fields is not None else None
        names = _check(text, tree, allowed)
        return cls(text, tree, frozenset(names))

    # -- one customer ---------------------------------------------------------------------------

    def evaluate(self, row: Mapping[str, Any]) -> bool:
        """Whether the customer whose fields are ``row`` meets the condition.

        Examples
        --------
        >>> Condition.parse("risk_band is None or mrr * 12 > 1000").evaluate({"risk_band": None, "mrr": 1})
        True
        """
        return _truth(_eval(self.tree.body, row))

    # -- every customer at once -------------------------------------------------------------------

    def mask(self, frame: pd.DataFrame) -> np.ndarray:
        """A boolean array: which rows of ``frame`` (one column per field) meet the condition.

        Examples
        --------
        >>> import pandas as pd
        >>> frame = pd.DataFrame({"plan": ["pro", "free", None], "mrr": [99.0, 0.0, 80.0]})
        >>> Condition.parse("plan != 'free' and mrr >= 50").mask(frame).tolist()
        [True, False, False]
        """
        value = _vec(self.tree.body, frame)
        return _vec_truth(value, len(frame))

    def explain(self, row: Mapping[str, Any]) -> str:
        """The fields the condition read for this customer, as ``name=value`` text."""
        return ", ".join(f"{n}={_show(row.get(n))}" for n in sorted(self.names))


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return repr(value) if isinstance(value, str) else str(value)


def _fail(text: str, node: ast.AST, what: str) -> ExpressionError:
    col = getattr(node, "col_offset", None)
    where = f" (at column {col + 1})" if col is not None else ""
    return ExpressionError(
        f"condition {text!r}: {what}{where}; conditions may only compare customer fields, e.g. {_EXAMPLE}"
    )


def _check(text: str, tree: ast.Expression, allowed: set[str] | None) -> set[str]:
    names: set[str] = set()
    count = 0
    for node in ast.walk(tree):
        count += 1
        if count > MAX_NODES:
            raise ExpressionError(f"condition {text!r} is too complex: more than {MAX_NODES} parts")
        for refused, label in _REFUSED.items():
            if isinstance(node, refused):
                raise _fail(text, node, f"{label} not allowed")
        if isinstance(node, ast.Expression | ast.Load | ast.And | ast.Or | ast.Not | ast.USub | ast.UAdd):
            continue
        if isinstance(node, ast.BoolOp | ast.Compare | ast.List | ast.Tuple):
            if isinstance(node, ast.List | ast.Tuple) and len(node.elts) > MAX_LITERAL_ITEMS:
                raise _fail(text, node, f"lists may hold at most {MAX_LITERAL_ITEMS} items")
            if isinstance(node, ast.Compare):
                _check_compare(text, node)
            continue
        if isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, ast.Not | ast.USub | ast.UAdd):
                raise _fail(text, node, "the operator ~ is not allowed")
            continue
        if isinstance(node, ast.BinOp):
            if type(node.op) not in _ARITH:
                symbol = {ast.Pow: "**", ast.Mod: "%", ast.FloorDiv: "//", ast.LShift: "<<"}.get(
                    type(node.op), type(node.op).__name__
                )
                raise _fail(text, node, f"the operator {symbol} is not allowed (only + - * /)")
            continue
        if isinstance(node, ast.Constant):
            _check_constant(text, node)
            continue
        if isinstance(node, ast.Name):
            name = node.id
            if name in ("True", "False", "None"):
                continue
            if name.startswith("_"):
                raise _fail(text, node, f"name {name!r} is not a customer field")
            if allowed is not None and name not in allowed:
                close = sorted(allowed)
                raise ExpressionError(
                    f"condition {text!r}: {name!r} is not a customer field; available fields: " + ", ".join(close)
                )
            names.add(name)
            continue
        if isinstance(node, ast.cmpop) or type(node) in _ARITH:
            continue
        raise _fail(text, node, f"{type(node).__name__} expressions are not allowed")
    return names


def _check_compare(text: str, node: ast.Compare) -> None:
    for op, right in zip(node.ops, node.comparators, strict=True):
        if isinstance(op, ast.Is | ast.IsNot) and not (isinstance(right, ast.Constant) and right.value is None):
            raise _fail(text, node, "'is' may only be used as 'is None' or 'is not None'")
        if isinstance(op, ast.In | ast.NotIn) and not isinstance(right, ast.List | ast.Tuple | ast.Constant):
            raise _fail(text, node, "'in' needs a list of values or a string on its right, e.g. x in ['a', 'b']")
        if isinstance(op, ast.In | ast.NotIn) and isinstance(right, ast.Constant) and not isinstance(right.value, str):
            raise _fail(text, node, "'in' needs a list of values or a string on its right")


def _check_constant(text: str, node: ast.Constant) -> None:
    value = node.value
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, int | float):
        if not math.isfinite(float(value)) or abs(value) > MAX_NUMBER:
            raise _fail(text, node, f"numbers must lie between -{MAX_NUMBER:g} and {MAX_NUMBER:g}")
        return
    if isinstance(value, str):
        if len(value) > MAX_STRING:
            raise _fail(text, node, f"strings may be at most {MAX_STRING} characters long")
        return
    raise _fail(text, node, f"{type(value).__name__} literals are not allowed")


# -- evaluation, one row ----------------------------------------------------------------------------


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def _truth(value: Any) -> bool:
    return False if _missing(value) else bool(value)


def _eval(node: ast.AST, row: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[node.id]
        value = row.get(node.id)
        return None if _missing(value) else value
    if isinstance(node, ast.List | ast.Tuple):
        return [_eval(e, row) for e in node.elts]
    if isinstance(node, ast.BoolOp):
        if isinstance(node.op, ast.And):
            return all(_truth(_eval(v, row)) for v in node.values)
        return any(_truth(_eval(v, row)) for v in node.values)
    if isinstance(node, ast.UnaryOp):
        operand = _eval(node.operand, row)
        if isinstance(node.op, ast.Not):
            return not _truth(operand)
        if _missing(operand) or not _is_number(operand):
            return None
        return -operand if isinstance(node.op, ast.USub) else +operand
    if isinstance(node, ast.BinOp):
        left, right = _eval(node.left, row), _eval(node.right, row)
        if not (_is_number(left) and _is_number(right)):
            return None
        if isinstance(node.op, ast.Div) and right == 0:
            return None
        return _ARITH[type(node.op)](left, right)
    if isinstance(node, ast.Compare):
        left = _eval(node.left, row)
        for op, comp in zip(node.ops, node.comparators, strict=True):
            right = _eval(comp, row)
            if not _compare(op, left, right):
                return False
            left = right
        return True
    raise ExpressionError(f"cannot evaluate {type(node).__name__}")  # unreachable after _check


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool) and not _missing(v)


def _compare(op: ast.cmpop, left: Any, right: Any) -> bool:
    if isinstance(op, ast.Is):
        return _missing(left)
    if isinstance(op, ast.IsNot):
        return not _missing(left)
    if _missing(left):
        return False
    if isinstance(op, ast.In | ast.NotIn):
        if isinstance(right, str):
            found = isinstance(left, str) and left in right
        else:
            found = any(not _missing(r) and _equal(left, r) for r in right)
        return found if isinstance(op, ast.In) else not found
    if _missing(right):
        return False
    if isinstance(op, ast.Eq):
        return _equal(left, right)
    if isinstance(op, ast.NotEq):
        return not _equal(left, right)
    if _is_number(left) != _is_number(right):
        return False  # ordering a number against text: false, not an error
    try:
        return bool(_COMPARE[type(op)](left, right))
    except TypeError:
        return False


def _native(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def _equal(a: Any, b: Any) -> bool:
    a, b = _native(a), _native(b)
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if _is_number(a) and _is_number(b):
        return float(a) == float(b)
    if _is_number(a) or _is_number(b):
        return False
    return type(a) is type(b) and a == b


# -- evaluation, whole frame ------------------------------------------------------------------------


@dataclass
class _Col:
    """A column value during vectorised evaluation: values plus a validity mask."""

    values: np.ndarray
    valid: np.ndarray
    numeric: bool


def _as_col(value: Any, n: int) -> _Col:
    if isinstance(value, _Col):
        return value
    if isinstance(value, bool):
        return _Col(np.full(n, value, dtype=object), np.ones(n, dtype=bool), False)
    if value is None:
        return _Col(np.full(n, None, dtype=object), np.zeros(n, dtype=bool), False)
    if _is_number(value):
        return _Col(np.full(n, float(value)), np.ones(n, dtype=bool), True)
    return _Col(np.full(n, value, dtype=object), np.ones(n, dtype=bool), False)


def _frame_col(frame: pd.DataFrame, name: str) -> _Col:
    n = len(frame)
    if name not in frame.columns:
        return _as_col(None, n)
    series = frame[name]
    valid = series.notna().to_numpy()
    if pd.api.types.is_bool_dtype(series.dtype):
        return _Col(series.to_numpy(dtype=object), valid, False)
    if pd.api.types.is_numeric_dtype(series.dtype):
        return _Col(series.to_numpy(dtype=float, na_value=np.nan), valid, True)
    return _Col(series.to_numpy(dtype=object), valid, False)


def _vec_truth(value: Any, n: int) -> np.ndarray:
    col = _as_col(value, n)
    out = np.zeros(n, dtype=bool)
    if col.numeric:
        out[col.valid] = col.values[col.valid] != 0
    else:
        out[col.valid] = np.array([bool(v) for v in col.values[col.valid]], dtype=bool)
    return out


def _vec(node: ast.AST, frame: pd.DataFrame) -> Any:
    n = len(frame)
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[node.id]
        return _frame_col(frame, node.id)
    if isinstance(node, ast.List | ast.Tuple):
        return [_vec(e, frame) for e in node.elts]
    if isinstance(node, ast.BoolOp):
        parts = [_vec_truth(_vec(v, frame), n) for v in node.values]
        out = parts[0]
        for p in parts[1:]:
            out = (out & p) if isinstance(node.op, ast.And) else (out | p)
        return _Col(out.astype(object), np.ones(n, dtype=bool), False)
    if isinstance(node, ast.UnaryOp):
        operand = _vec(node.operand, frame)
        if isinstance(node.op, ast.Not):
            return _Col((~_vec_truth(operand, n)).astype(object), np.ones(n, dtype=bool), False)
        col = _as_col(operand, n)
        if not col.numeric:
            return _as_col(None, n)
        return _Col(-col.values if isinstance(node.op, ast.USub) else col.values, col.valid, True)
    if isinstance(node, ast.BinOp):
        left, right = _as_col(_vec(node.left, frame), n), _as_col(_vec(node.right, frame), n)
        if not (left.numeric and right.numeric):
            return _as_col(None, n)
        valid = left.valid & right.valid
        with np.errstate(all="ignore"):
            if isinstance(node.op, ast.Div):
                valid = valid & (right.values != 0)
            values = _ARITH[type(node.op)](left.values, right.values)
        return _Col(np.where(valid, values, np.nan), valid & np.isfinite(values), True)
    if isinstance(node, ast.Compare):
        out = np.ones(n, dtype=bool)
        left = _vec(node.left, frame)
        for op, comp in zip(node.ops, node.comparators, strict=True):
            right = _vec(comp, frame)
            out &= _vec_compare(op, left, right, n)
            left = right
        return _Col(out.astype(object), np.ones(n, dtype=bool), False)
    raise ExpressionError(f"cannot evaluate {type(node).__name__}")


def _vec_compare(op: ast.cmpop, left: Any, right: Any, n: int) -> np.ndarray:
    lcol = _as_col(left, n)
    if isinstance(op, ast.Is):
        return ~lcol.valid
    if isinstance(op, ast.IsNot):
        return lcol.valid.copy()
    if isinstance(op, ast.In | ast.NotIn):
        found = np.zeros(n, dtype=bool)
        idx = np.flatnonzero(lcol.valid)
        if isinstance(right, str):
            found[idx] = [isinstance(v, str) and v in right for v in lcol.values[idx]]
        else:
            items = [r for r in right if not _missing(r) and not isinstance(r, _Col)]
            columns = [r for r in right if isinstance(r, _Col)]
            for item in items:
                found |= _vec_equal(lcol, _as_col(item, n))
            for col in columns:
                found |= _vec_equal(lcol, col)
        found &= lcol.valid
        return found if isinstance(op, ast.In) else (lcol.valid & ~found)
    rcol = _as_col(right, n)
    valid = lcol.valid & rcol.valid
    if isinstance(op, ast.Eq):
        return _vec_equal(lcol, rcol)
    if isinstance(op, ast.NotEq):
        return valid & ~_vec_equal(lcol, rcol)
    fn = _COMPARE[type(op)]
    if lcol.numeric and rcol.numeric:
        with np.errstate(invalid="ignore"):
            return valid & fn(np.nan_to_num(lcol.values), np.nan_to_num(rcol.values))
    if lcol.numeric != rcol.numeric:
        # a numeric column against text can still hold numbers in an object column
        return np.array([bool(valid[i]) and _compare(op, lcol.values[i], rcol.values[i]) for i in range(n)], dtype=bool)
    out = np.zeros(n, dtype=bool)
    for i in np.flatnonzero(valid):
        out[i] = _compare(op, lcol.values[i], rcol.values[i])
    return out


def _vec_equal(a: _Col, b: _Col) -> np.ndarray:
    valid = a.valid & b.valid
    if a.numeric and b.numeric:
        return valid & (np.nan_to_num(a.values) == np.nan_to_num(b.values))
    out = np.zeros(len(valid), dtype=bool)
    idx = np.flatnonzero(valid)
    if len(idx) == 0:
        return out
    av, bv = a.values[idx], b.values[idx]
    if not a.numeric and not b.numeric and len(set(map(type, bv[:1]))) == 1 and isinstance(bv[0], str):
        # the common case, text column == 'literal': compare in bulk
        same = np.fromiter((isinstance(x, str) and x == y for x, y in zip(av, bv, strict=True)), bool, len(idx))
        out[idx] = same
        return out
    out[idx] = [_equal(x, y) for x, y in zip(av, bv, strict=True)]
    return out
