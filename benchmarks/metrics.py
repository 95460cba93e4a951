"""Binary classification metrics for one (dataset, category, system) cell."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score, precision_recall_curve, precision_recall_fscore_support

PRECISION_FLOOR = 0.9


@dataclass(frozen=True, slots=True)
class Scored:
    """A system's output for one category on one set: a score per text and its yes/no decision."""

    score: np.ndarray
    predicted: np.ndarray


@dataclass(frozen=True, slots=True)
class Metrics:
    n: int
    positives: int
    predicted: int
    precision: float
    recall: float
    f1: float
    pr_auc: float | None  # None when the set has no positive or no negative example
    recall_at_p90: float | None  # only computed for the safety categories

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def recall_at_precision(labels: np.ndarray, scores: np.ndarray, floor: float = PRECISION_FLOOR) -> float:
    """Highest recall among operating points of the PR curve whose precision is at least ``floor``."""
    precision, recall, _ = precision_recall_curve(labels, scores)
    ok = precision >= floor
    return float(recall[ok].max()) if ok.any() else 0.0


def evaluate(labels: np.ndarray, scored: Scored, *, with_recall_at_p90: bool) -> Metrics:
    """Precision, recall, F1 of the decisions; PR-AUC (average precision) and R@P0.9 of the scores."""
    y = labels.astype(bool)
    pred = scored.predicted.astype(bool)
    p, r, f, _ = precision_recall_fscore_support(y, pred, average="binary", zero_division=0)
    both_classes = 0 < int(y.sum()) < len(y)
    pr_auc = float(average_precision_score(y, scored.score)) if both_classes else None
    r90 = recall_at_precision(y, scored.score) if with_recall_at_p90 and both_classes else None
    return Metrics(
        n=len(y),
        positives=int(y.sum()),
        predicted=int(pred.sum()),
        precision=float(p),
        recall=float(r),
        f1=float(f),
        pr_auc=pr_auc,
        recall_at_p90=r90,
    )


def percentiles(values_ns: np.ndarray) -> dict[str, float]:
    """Latency summary in milliseconds."""
    ms = values_ns.astype(np.float64) / 1e6
    return {
        "n": len(ms),
        "mean_ms": float(ms.mean()),
        "p50_ms": float(np.percentile(ms, 50)),
        "p90_ms": float(np.percentile(ms, 90)),
        "p99_ms": float(np.percentile(ms, 99)),
        "max_ms": float(ms.max()),
    }


@dataclass(slots=True)
class Row:
    """One (dataset, category) row: every system's metrics, or None where the system cannot address it."""

    dataset: str
    category: str
    n: int
    positives: int
    cells: dict[str, Metrics | None]

    def value(self, system: str, metric: str) -> float | None:
        cell = self.cells.get(system)
        value = getattr(cell, metric) if cell is not None else None
        return float(value) if value is not None else None

    def best(self, metric: str) -> float | None:
        values = [v for s in self.cells if (v := self.value(s, metric)) is not None]
        return max(values) if values else None

    def as_dict(self) -> dict[str, Any]:
        cells = {name: cell.as_dict() if cell else None for name, cell in self.cells.items()}
        return {"dataset": self.dataset, "category": self.category, "n": self.n, "positives": self.positives} | {
            "systems": cells
        }
