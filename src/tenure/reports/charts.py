"""Charts for PDF and Word reports, drawn with matplotlib (Agg, no display needed) as PNG bytes."""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

BLUE, GREEN, RED, GREY = "#2563eb", "#16a34a", "#dc2626", "#64748b"


def _png(fig) -> bytes:  # type: ignore[no-untyped-def]
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=130)
    plt.close(fig)
    return buffer.getvalue()


def waterfall(labels: Sequence[str], values: Sequence[float], totals: Sequence[bool], title: str = "") -> bytes:
    """An MRR-movements waterfall: totals as full bars, deltas floating from the running total.

    Examples
    --------
    >>> waterfall(["Start", "New", "Churn", "End"], [100, 20, -10, 110], [True, False, False, True])[:4]
    b'\\x89PNG'
    """
    fig, ax = plt.subplots(figsize=(7, 3.2))
    running = 0.0
    for i, (value, total) in enumerate(zip(values, totals, strict=True)):
        if total:
            ax.bar(i, value, color=GREY)
            running = value
        else:
            bottom = running if value >= 0 else running + value
            ax.bar(i, abs(value), bottom=bottom, color=GREEN if value >= 0 else RED)
            running += value
    ax.set_xticks(range(len(labels)), labels, rotation=20, ha="right", fontsize=8)
    ax.set_title(title, fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def lines(x: Sequence[str], series: dict[str, Sequence[float | None]], title: str = "") -> bytes:
    """One or more series over periods."""
    fig, ax = plt.subplots(figsize=(7, 3))
    for (name, ys), color in zip(series.items(), [BLUE, GREEN, RED, GREY], strict=False):
        ax.plot(list(x), [float("nan") if y is None else y for y in ys], marker="o", ms=3, label=name, color=color)
    ax.set_title(title, fontsize=10)
    step = max(1, len(x) // 8)
    ax.set_xticks(range(0, len(x), step), [x[i] for i in range(0, len(x), step)], rotation=20, fontsize=8)
    if len(series) > 1:
        ax.legend(fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def bars(labels: Sequence[str], values: Sequence[float], title: str = "", highlight: str | None = None) -> bytes:
    """Horizontal bars (e.g. CRR against industry benchmarks, risk by band)."""
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(labels) + 1))
    colors = [BLUE if lab == highlight else GREY for lab in labels]
    ax.barh(list(labels), list(values), color=colors)
    ax.invert_yaxis()
    ax.set_title(title, fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)
