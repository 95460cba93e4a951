"""A detector that crashes is isolated: the others still answer and the result says it is degraded."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest

from calmline.detection.analyzer import Analyzer
from calmline.detection.base import Detector, DetectorContext, DetectorParams, DetectorSpec, detectors
from calmline.detection.pipeline import Pipeline
from calmline.detection.text import Prepared
from calmline.domain.severity import Severity
from calmline.domain.signals import Category, Signal, Subject
from tests.conftest import CONFIG_DIR


@detectors.register("test.crashing.v1")
class CrashingDetector(Detector):
    """Fails on every utterance, one at a time or in a batch."""

    spec = DetectorSpec(categories=(Category.ANGER,), emits=(Severity.S1,))

    def __init__(self, params: DetectorParams | None = None, context: DetectorContext | None = None) -> None:
        del params, context

    def detect(self, utterance: Prepared) -> list[Signal]:
        raise RuntimeError(f"detector exploded on {len(utterance.text)} characters")


@detectors.register("test.flaky.v1")
class FlakyDetector(Detector):
    """Signals mild distress everywhere except on text containing 'explode-me', where it raises."""

    spec = DetectorSpec(categories=(Category.DISTRESS,), emits=(Severity.S1,))

    def detect(self, utterance: Prepared) -> list[Signal]:
        if "explode-me" in utterance.text:
            raise ValueError("cannot read this one")
        if not utterance.text.strip():
            return []
        evidence = self.evidence(rule="always", score=0.3, utterance=utterance)
        return [self.signal(category=Category.DISTRESS, severity=Severity.S1, subject=Subject.SELF, evidence=evidence)]

    def detect_batch(self, utterances: Sequence[Prepared]) -> list[list[Signal]]:
        return [self.detect(u) for u in utterances]


def _analyzer_with(analyzer: Analyzer, *extra: Detector) -> Analyzer:
    rules = next(d for d in analyzer.pipeline.detectors if d.name == "rules.lexicon.v1")
    return Analyzer(Pipeline(config=analyzer.pipeline.config, detector_list=[rules, *extra]))


def test_when_a_detector_crashes_then_the_others_still_answer_and_the_result_is_degraded(analyzer: Analyzer) -> None:
    degraded = _analyzer_with(analyzer, CrashingDetector())
    result = degraded.utterance("I want to speak to a manager")
    assert [(s.category, s.evidence.detector) for s in result.signals] == [(Category.ANGER, "rules.lexicon.v1")]
    assert result.degraded is True
    assert result.failed_detectors == ["test.crashing.v1"]


def test_when_no_detector_crashes_then_the_result_is_not_degraded(analyzer: Analyzer) -> None:
    result = _analyzer_with(analyzer).utterance("I want to speak to a manager")
    assert result.degraded is False
    assert result.failed_detectors == []


def test_when_a_detector_crashes_on_a_batch_then_every_utterance_still_gets_the_other_signals(
    analyzer: Analyzer,
) -> None:
    degraded = _analyzer_with(analyzer, CrashingDetector())
    results = degraded.utterances(["I'm absolutely furious", "hello", "My partner hits me"])
    assert [r.degraded for r in results] == [True, True, True]
    assert [r.failed_detectors for r in results] == [["test.crashing.v1"]] * 3
    assert [sorted(s.category.value for s in r.signals) for r in results] == [["anger"], [], ["vulnerability"]]


def test_when_a_detector_fails_on_one_item_of_a_batch_then_only_that_item_is_degraded(analyzer: Analyzer) -> None:
    flaky = _analyzer_with(analyzer, FlakyDetector())
    results = flaky.utterances(["first line", "explode-me please", "third line"])
    assert [r.degraded for r in results] == [False, True, False]
    assert [r.failed_detectors for r in results] == [[], ["test.flaky.v1"], []]
    assert [[s.evidence.detector for s in r.signals] for r in results] == [["test.flaky.v1"], [], ["test.flaky.v1"]]


def test_when_a_detector_crashes_inside_a_conversation_then_turns_and_summary_are_degraded(analyzer: Analyzer) -> None:
    degraded = _analyzer_with(analyzer, CrashingDetector())
    summary = degraded.analyse_conversation(
        {"id": "c1", "turns": [{"speaker": "agent", "text": "Hello"}, {"speaker": "customer", "text": "I'm furious"}]}
    )
    assert summary.degraded is True
    assert [t.degraded for t in summary.turns] == [False, True]
    assert summary.max_severity == Severity.S2


def test_when_the_crashing_detector_is_configured_in_detectors_yaml_then_the_analyzer_is_degraded(
    tmp_path: Path,
) -> None:
    config = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, config)
    detectors_yaml = config / "detectors.yaml"
    detectors_yaml.write_text(
        detectors_yaml.read_text(encoding="utf-8").replace(
            "detectors:\n", "detectors:\n  - use: test.crashing.v1\n", 1
        ),
        encoding="utf-8",
    )
    result = Analyzer.load(config).utterance("I'm going to kill myself tonight")
    assert result.degraded is True
    assert result.failed_detectors == ["test.crashing.v1"]
    assert result.severity == Severity.S4


@pytest.mark.parametrize("name", ["test.crashing.v1", "test.flaky.v1"])
def test_when_a_fake_detector_is_registered_then_it_is_listed_under_its_versioned_name(name: str) -> None:
    assert name in detectors.names()
    assert detectors.get(name).version == "1"
