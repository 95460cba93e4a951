"""The release gate on the project's own held-out corpus.

Critical (S4) statements must be caught as S4 (recall >= 0.95); no benign idiom or hyperbole may
raise a signal of severity S3 or above; and the other hard negatives (negations, past events,
media, routine talk that sounds alarming) may raise S3+ on at most 5% of lines (alert fatigue).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from calmline.detection.analyzer import Analyzer, UtteranceAnalysis
from calmline.detection.models.datasets import Example, corpus
from calmline.domain.severity import Severity

CORPUS_ROOT = Path(__file__).resolve().parents[2] / "corpus"
SPLIT = "heldout"
MIN_S4_RECALL = 0.95
MAX_HARD_NEGATIVE_ALARM_RATE = 0.05


@pytest.fixture(scope="module")
def heldout(analyzer: Analyzer) -> list[tuple[Example, UtteranceAnalysis]]:
    if not sorted((CORPUS_ROOT / SPLIT).glob("*.jsonl")):
        pytest.skip(f"no held-out corpus files yet in {CORPUS_ROOT / SPLIT} (the gate runs once data lands)")
    examples = corpus(CORPUS_ROOT, SPLIT)
    results = analyzer.utterances([e.text for e in examples])
    return list(zip(examples, results, strict=True))


def _signals(result: UtteranceAnalysis) -> str:
    return ", ".join(f"{s.category.value} S{int(s.severity)}" for s in result.signals) or "none"


def test_when_the_heldout_corpus_is_analysed_then_s4_recall_is_at_least_95_percent(
    heldout: list[tuple[Example, UtteranceAnalysis]],
) -> None:
    critical = [(e, r) for e, r in heldout if e.severity == Severity.S4]
    assert critical, "the held-out corpus has no S4-labelled statements: the recall gate would be vacuous"
    missed = [(e, r) for e, r in critical if r.severity != Severity.S4]
    recall = 1 - len(missed) / len(critical)
    detail = "\n".join(f"  got S{int(r.severity)} [{e.source}] {e.text[:110]}" for e, r in missed[:40])
    assert recall >= MIN_S4_RECALL, (
        f"S4 recall {recall:.3f} < {MIN_S4_RECALL} ({len(missed)} of {len(critical)} missed):\n{detail}"
    )


def _hard_negatives(heldout: list[tuple[Example, UtteranceAnalysis]]) -> list[tuple[Example, UtteranceAnalysis]]:
    negatives = [(e, r) for e, r in heldout if e.source.startswith("corpus:hard_negatives")]
    assert negatives, "no hard_negatives*.jsonl files in the held-out corpus"
    return negatives


def _alarms(pairs: list[tuple[Example, UtteranceAnalysis]]) -> list[tuple[Example, UtteranceAnalysis]]:
    return [(e, r) for e, r in pairs if any(s.severity >= Severity.S3 for s in r.signals)]


def test_when_benign_idioms_are_analysed_then_none_raises_a_signal_of_s3_or_above(
    heldout: list[tuple[Example, UtteranceAnalysis]],
) -> None:
    idioms = [(e, r) for e, r in _hard_negatives(heldout) if e.kind == "idiom"]
    assert len(idioms) >= 50, "too few idiom-tagged hard negatives for a meaningful gate"
    alarms = _alarms(idioms)
    detail = "\n".join(f"  {_signals(r)} <- {e.text[:110]}" for e, r in alarms)
    assert not alarms, f"{len(alarms)} of {len(idioms)} idioms raised S3+:\n{detail}"


def test_when_hard_negatives_are_analysed_then_at_most_five_percent_raise_s3_or_above(
    heldout: list[tuple[Example, UtteranceAnalysis]],
) -> None:
    negatives = _hard_negatives(heldout)
    alarms = _alarms(negatives)
    rate = len(alarms) / len(negatives)
    detail = "\n".join(f"  [{e.kind}] {_signals(r)} <- {e.text[:110]}" for e, r in alarms[:40])
    assert rate <= MAX_HARD_NEGATIVE_ALARM_RATE, (
        f"{len(alarms)} of {len(negatives)} hard negatives ({rate:.1%}) raised S3+:\n{detail}"
    )
