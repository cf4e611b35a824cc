"""TreeSHAP contributions of a LightGBM model, computed once per decision pattern instead of per row.

LightGBM's ``pred_contrib`` runs the TreeSHAP recursion (Lundberg et al., "Consistent individualized
feature attribution for tree ensembles", algorithm 2) for every row and every tree: on the demo
business about 5,000 customers a second on one core, most of the time scoring takes. But a row
enters that recursion only through one thing per tree: which way it goes at each split (the "hot"
child). A tree with ``k`` splits has at most ``2**k`` such decision patterns (64 for the 7-leaf
trees Tenure fits), so this module runs the same recursion, in the same arithmetic, once for every
pattern of a tree at once (numpy arrays along the patterns), then gives each row its pattern's
values: a table look-up and an addition per tree.

The contributions are LightGBM's own up to the order of floating-point additions (the last bit or
two); the tests check them against ``pred_contrib``. Splits follow LightGBM's rules: numeric
``value <= threshold`` with its missing-value handling (``None``: NaN reads as 0; ``Zero``: 0 and
NaN go the default way; ``NaN``: NaN goes the default way), categorical ``value in categories``
(NaN and negative codes go right).

Examples
--------
>>> import numpy as np, lightgbm as lgb
>>> rng = np.random.default_rng(0)
>>> X = rng.normal(size=(500, 3)); y = (X[:, 0] + rng.normal(size=500) > 0).astype(int)
>>> booster = lgb.LGBMClassifier(n_estimators=20, num_leaves=7, verbose=-1).fit(X, y).booster_
>>> explainer = TreeExplainer(booster)
>>> np.allclose(explainer.contributions(X), booster.predict(X, pred_contrib=True)[:, :-1])
True
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tenure.errors import ModelError

MAX_PATTERN_BITS = 12
"""Trees with more splits than this are explained per distinct pattern present, not all 2**k."""

_ZERO = 1e-35  # LightGBM's kZeroThreshold: |x| <= this counts as zero for "Zero" missing handling


@dataclass
class _Split:
    feature: int
    categorical: bool
    threshold: float
    categories: np.ndarray
    default_left: bool
    missing: str
    count: float
    left: Any
    right: Any
    bit: int = 0


@dataclass
class _Leaf:
    value: float
    count: float


@dataclass
class _Tree:
    root: _Split | _Leaf
    splits: list[_Split] = field(default_factory=list)


def _node(d: dict[str, Any]) -> _Split | _Leaf:
    if "leaf_value" in d or "split_feature" not in d:
        return _Leaf(float(d.get("leaf_value", 0.0)), float(d.get("leaf_count", 0.0)))
    categorical = d["decision_type"] == "=="
    threshold = d["threshold"]
    cats = (
        np.array([int(c) for c in str(threshold).split("||")], dtype=np.int64)
        if categorical
        else np.array([], dtype=np.int64)
    )
    return _Split(
        feature=int(d["split_feature"]),
        categorical=categorical,
        threshold=0.0 if categorical else float(threshold),
        categories=cats,
        default_left=bool(d.get("default_left", False)),
        missing=str(d.get("missing_type", "None")),
        count=float(d["internal_count"]),
        left=_node(d["left_child"]),
        right=_node(d["right_child"]),
    )


def _number_splits(tree: _Tree) -> None:
    def walk(node: _Split | _Leaf) -> None:
        if isinstance(node, _Split):
            node.bit = len(tree.splits)
            tree.splits.append(node)
            walk(node.left)
            walk(node.right)

    walk(tree.root)


def _count(node: _Split | _Leaf) -> float:
    return node.count


def goes_left(split: _Split, x: np.ndarray) -> np.ndarray:
    """Which values ``x`` (one feature, as LightGBM reads it) take the left branch of ``split``."""
    if split.categorical:
        known = ~np.isnan(x)
        codes = np.where(known, x, -1.0).astype(np.int64)
        return known & (codes >= 0) & np.isin(codes, split.categories)
    nan = np.isnan(x)
    if split.missing == "NaN":
        return np.where(nan, split.default_left, x <= split.threshold)
    value = np.where(nan, 0.0, x)
    if split.missing == "Zero":
        return np.where(np.abs(value) <= _ZERO, split.default_left, value <= split.threshold)
    return value <= split.threshold


# -- the TreeSHAP recursion, on arrays along the decision patterns ---------------------------------


@dataclass
class _Path:
    features: list[int]
    zero: list[Any]
    one: list[Any]
    weight: list[Any]

    def copy(self) -> _Path:
        return _Path(list(self.features), list(self.zero), list(self.one), list(self.weight))


def _extend(path: _Path, depth: int, zero: Any, one: Any, feature: int) -> None:
    del path.features[depth:], path.zero[depth:], path.one[depth:], path.weight[depth:]
    path.features.append(feature)
    path.zero.append(zero)
    path.one.append(one)
    path.weight.append(1.0 if depth == 0 else 0.0)
    for i in range(depth - 1, -1, -1):
        path.weight[i + 1] = path.weight[i + 1] + one * path.weight[i] * (i + 1) / float(depth + 1)
        path.weight[i] = zero * path.weight[i] * (depth - i) / float(depth + 1)


def _unwind(path: _Path, depth: int, index: int) -> None:
    one, zero = path.one[index], path.zero[index]
    has_one = one != 0
    safe_one = np.where(has_one, one, 1.0)
    safe_zero = np.where(zero != 0, zero, 1.0)
    next_one = path.weight[depth]
    for i in range(depth - 1, -1, -1):
        w = path.weight[i]
        if_one = next_one * (depth + 1) / ((i + 1) * safe_one)
        if_not = (w * (depth + 1)) / (safe_zero * (depth - i))
        new = np.where(has_one, if_one, if_not)
        next_one = np.where(has_one, w - new * zero * (depth - i) / float(depth + 1), next_one)
        path.weight[i] = new
    for i in range(index, depth):
        path.features[i] = path.features[i + 1]
        path.zero[i] = path.zero[i + 1]
        path.one[i] = path.one[i + 1]
    del path.features[depth:], path.zero[depth:], path.one[depth:], path.weight[depth:]


def _unwound_sum(path: _Path, depth: int, index: int) -> Any:
    one, zero = path.one[index], path.zero[index]
    has_one = one != 0
    safe_one = np.where(has_one, one, 1.0)
    safe_zero = np.where(zero != 0, zero, 1.0)
    next_one = path.weight[depth]
    total: Any = 0.0
    for i in range(depth - 1, -1, -1):
        w = path.weight[i]
        tmp = next_one * (depth + 1) / ((i + 1) * safe_one)
        other = (w / safe_zero) / ((depth - i) / float(depth + 1))
        total = total + np.where(has_one, tmp, other)
        next_one = np.where(has_one, w - tmp * zero * ((depth - i) / float(depth + 1)), next_one)
    return total


def _shap(
    node: _Split | _Leaf,
    hot_left: np.ndarray,
    phi: dict[int, Any],
    depth: int,
    parent: _Path,
    zero: Any,
    one: Any,
    feature: int,
) -> None:
    path = parent.copy()
    _extend(path, depth, zero, one, feature)
    if isinstance(node, _Leaf):
        for i in range(1, depth + 1):
            w = _unwound_sum(path, depth, i)
            term = w * (path.one[i] - path.zero[i]) * node.value
            f = path.features[i]
            phi[f] = phi[f] + term if f in phi else term
        return
    incoming_zero: Any = 1.0
    incoming_one: Any = 1.0
    if node.feature in path.features:
        index = path.features.index(node.feature)
        incoming_zero, incoming_one = path.zero[index], path.one[index]
        _unwind(path, depth, index)
        depth -= 1
    left = hot_left[node.bit]
    total = node.count
    for child, hot in ((node.left, left), (node.right, ~left)):
        fraction = _count(child) / total
        one_here = np.where(hot, incoming_one, 0.0)  # the row's own branch carries it; the other none
        _shap(child, hot_left, phi, depth + 1, path, fraction * incoming_zero, one_here, node.feature)


def _table(tree: _Tree, patterns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The contributions of ``tree`` for each pattern (bit ``j`` set: the row goes left at split ``j``):
    the features it splits on, and a (features × patterns) table."""
    hot_left = ((patterns[None, :] >> np.arange(len(tree.splits))[:, None]) & 1).astype(bool)
    phi: dict[int, Any] = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        _shap(tree.root, hot_left, phi, 0, _Path([], [], [], []), 1.0, 1.0, -1)
    features = np.array(sorted(phi), dtype=np.int64)
    table = np.zeros((len(features), len(patterns)))
    for j, f in enumerate(features):
        table[j] = phi[int(f)]
    return features, table


def _leaf_values(tree: _Tree, patterns: np.ndarray) -> np.ndarray:
    """The value of the leaf each pattern ends in (the tree's output for its rows)."""
    out = np.empty(len(patterns))
    for i, code in enumerate(patterns.tolist()):
        node = tree.root
        while isinstance(node, _Split):
            node = node.left if code >> node.bit & 1 else node.right
        out[i] = node.value
    return out


class TreeExplainer:
    """TreeSHAP contributions of a fitted LightGBM booster (binary or regression: one tree per round).

    Parameters
    ----------
    booster
        A ``lightgbm.Booster`` (``LGBMClassifier.booster_``).
    """

    def __init__(self, booster: Any) -> None:
        dump = booster.dump_model(num_iteration=booster.best_iteration or None)
        if dump.get("num_tree_per_iteration", 1) != 1:
            raise ModelError("TreeSHAP by decision patterns handles one tree per boosting round (binary models)")
        self.n_features = int(dump["max_feature_idx"]) + 1
        self.trees: list[_Tree] = []
        for info in dump["tree_info"]:
            tree = _Tree(_node(info["tree_structure"]))
            _number_splits(tree)
            self.trees.append(tree)
        self._tables: list[tuple[np.ndarray, np.ndarray, np.ndarray] | None] = [None] * len(self.trees)

    def prepare(self) -> TreeExplainer:
        """Work out every tree's table now (they are otherwise made on first use, and kept)."""
        for t in range(len(self.trees)):
            self._table(t)
        return self

    def _table(self, t: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        cached = self._tables[t]
        if cached is None:
            tree = self.trees[t]
            patterns = np.arange(2 ** len(tree.splits), dtype=np.int64)
            features, table = _table(tree, patterns)
            cached = self._tables[t] = (features, table, _leaf_values(tree, patterns))
        return cached

    def contributions(self, X: np.ndarray) -> np.ndarray:
        """Each feature's contribution to each row's raw score (rows × features, no bias column).

        ``X`` holds the features as LightGBM reads them: floats, categories as their codes.
        """
        return self.explain(X)[1]

    def explain(self, X: np.ndarray, threads: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """The raw score of each row (exactly LightGBM's: the same leaf values, added in the same
        order) and its contributions (as :meth:`contributions`), from one pass over the trees.

        ``threads`` splits the rows between that many threads (numpy releases the GIL).
        """
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.n_features:
            raise ModelError(f"TreeSHAP: expected {self.n_features} feature columns, got {X.shape}")
        for t, tree in enumerate(self.trees):
            if len(tree.splits) <= MAX_PATTERN_BITS:
                self._table(t)
        n = len(X)
        raw, out = np.zeros(n), np.zeros((self.n_features, n))
        chunks = max(1, min(threads, n // 10_000))
        if chunks == 1:
            self._explain(X, raw, out)
        else:
            from concurrent.futures import ThreadPoolExecutor

            bounds = np.linspace(0, n, chunks + 1).astype(int)
            with ThreadPoolExecutor(chunks) as pool:
                list(
                    pool.map(
                        lambda ab: self._explain(X[ab[0] : ab[1]], raw[ab[0] : ab[1]], out[:, ab[0] : ab[1]]),
                        itertools.pairwise(bounds),
                    )
                )
        return raw, out.T

    def _explain(self, X: np.ndarray, raw: np.ndarray, out: np.ndarray) -> None:
        n = len(X)
        # one contiguous row per feature: the transposed view of a column-major matrix, else a copy
        columns = _Columns(X.T if X.strides[0] == X.itemsize else np.ascontiguousarray(X.T))
        for t, tree in enumerate(self.trees):
            if not tree.splits:
                raw += tree.root.value  # type: ignore[union-attr]
                continue
            wide = len(tree.splits) > 8
            code: np.ndarray = np.zeros(n, dtype=np.int64 if wide else np.uint8)
            for split in tree.splits:
                left = columns.left(split)
                code = code + (left.astype(code.dtype) << split.bit if wide else left * np.uint8(1 << split.bit))
            if len(tree.splits) <= MAX_PATTERN_BITS:
                features, table, leaves = self._table(t)
                index: np.ndarray = code
            else:
                seen, where = np.unique(code, return_inverse=True)
                features, table = _table(tree, seen)
                leaves = _leaf_values(tree, seen)
                index = where.reshape(-1)
            raw += leaves[index]
            rows = np.take(table, index, axis=1)
            for j, f in enumerate(features):
                out[f] += rows[j]


class _Columns:
    """The feature columns, with what the splits test read once per feature (not once per split)."""

    def __init__(self, columns: np.ndarray) -> None:
        self.columns = columns
        self._nan: dict[int, np.ndarray] = {}
        self._filled: dict[int, np.ndarray] = {}
        self._zero: dict[int, np.ndarray] = {}
        self._codes: dict[int, np.ndarray] = {}

    def nan(self, f: int) -> np.ndarray:
        if f not in self._nan:
            self._nan[f] = np.isnan(self.columns[f])
        return self._nan[f]

    def filled(self, f: int) -> np.ndarray:
        """The column with NaN read as 0 (LightGBM's reading unless missing values have their own way)."""
        if f not in self._filled:
            nan = self.nan(f)
            self._filled[f] = np.where(nan, 0.0, self.columns[f]) if nan.any() else self.columns[f]
        return self._filled[f]

    def codes(self, f: int) -> np.ndarray:
        """Category codes plus one, with NaN and negative codes (which never go left) at 0."""
        if f not in self._codes:
            x = self.columns[f]
            known = ~np.isnan(x)
            known[known] = x[known] >= 0
            self._codes[f] = np.where(known, np.where(known, x, 0.0).astype(np.int64) + 1, 0)
        return self._codes[f]

    def zero(self, f: int) -> np.ndarray:
        if f not in self._zero:
            self._zero[f] = np.abs(self.filled(f)) <= _ZERO
        return self._zero[f]

    def left(self, split: _Split) -> np.ndarray:
        """:func:`goes_left` for this split, from the prepared columns."""
        f = split.feature
        if split.categorical:
            # a look-up table over the codes, shifted by one: slot 0 (NaN, negative codes) is never left
            codes = self.codes(f)
            size = max(int(codes.max()) if len(codes) else 0, int(split.categories.max(initial=-1)) + 1) + 1
            table = np.zeros(size, dtype=bool)
            table[split.categories[split.categories >= 0] + 1] = True
            return table[codes]
        if split.missing == "NaN":
            below = self.columns[f] <= split.threshold  # False for NaN
            return below | self.nan(f) if split.default_left else below
        below = self.filled(f) <= split.threshold
        if split.missing == "Zero":
            return below | self.zero(f) if split.default_left else below & ~self.zero(f)
        return below
