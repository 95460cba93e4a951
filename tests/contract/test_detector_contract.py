"""The contract every registered detector keeps, whatever it is built on."""

from __future__ import annotations

import pytest

from calmline.detection.analyzer import Analyzer
from calmline.detection.base import Detector, detectors
from calmline.detection.text import Prepared
from calmline.domain.signals import Signal

BUILT_IN = ["rules.lexicon.v1", "intensity.shouting.v1", "model.linear_heads.v1"]

SAMPLES = [
    "",
    "   ",
    "\n\t",
    "I'd like to check my balance please",
    "I'm going to kill myself tonight",
    "WHY IS THIS STILL NOT FIXED!!! I WANT A MANAGER!!!",
    "you're a useless idiot, f*** you",
    "he's collapsed and isn't breathing",
    "There's a bomb in your Leeds branch and it goes off at 3 o'clock",
    'my favourite song is "I Want To Die" by some band',
    "my dad said he'd be better off dead",
    "I\u2019m not suicidal \u2014 just tired \U0001f62d\U0001f62d",
    "Je veux parler à un responsable, c'est inadmissible",
    "\x00\x07 control \u200b characters \ufeff and a lone \ud800 surrogate",
    "I just feel hopeless. " * 400,
    "!!!!!!!!",
    "A" * 300,
]


@pytest.fixture(scope="module")
def prepared(analyzer: Analyzer) -> list[Prepared]:
    return [analyzer.pipeline.prepare(text) for text in SAMPLES]


def _detector(analyzer: Analyzer, name: str) -> Detector:
    matches = [d for d in analyzer.pipeline.detectors if d.name == name]
    assert matches, f"{name} is not in the bundled pipeline"
    return matches[0]


def test_when_the_registry_is_listed_then_every_built_in_detector_is_there() -> None:
    assert set(BUILT_IN) <= set(detectors.names())


@pytest.mark.parametrize("name", BUILT_IN)
def test_when_a_detector_is_looked_up_then_the_registry_stamps_its_name_and_version(name: str) -> None:
    cls = detectors.get(name)
    assert cls.name == name
    assert cls.version == name.rsplit(".v", 1)[1]
    assert cls.spec.categories
    assert cls.spec.emits


@pytest.mark.parametrize("name", BUILT_IN)
def test_when_a_detector_reads_utterances_then_it_returns_lists_of_signals(
    analyzer: Analyzer, prepared: list[Prepared], name: str
) -> None:
    detector = _detector(analyzer, name)
    for utterance in prepared:
        found = detector.detect(utterance)
        assert isinstance(found, list)
        assert all(isinstance(s, Signal) for s in found)


@pytest.mark.parametrize("name", BUILT_IN)
@pytest.mark.parametrize("text", ["", " ", "\n\t \u00a0", "\u200b"])
def test_when_a_detector_reads_empty_text_then_it_returns_no_signals(analyzer: Analyzer, name: str, text: str) -> None:
    assert _detector(analyzer, name).detect(analyzer.pipeline.prepare(text)) == []


@pytest.mark.parametrize("name", BUILT_IN)
def test_when_a_detector_signals_then_evidence_names_it_and_every_span_is_in_range(
    analyzer: Analyzer, prepared: list[Prepared], name: str
) -> None:
    detector = _detector(analyzer, name)
    for utterance in prepared:
        for signal in detector.detect(utterance):
            assert signal.evidence.detector == name
            assert signal.evidence.version.startswith(detector.version)
            assert signal.category in detector.spec.categories
            assert signal.severity in detector.spec.emits
            assert signal.evidence.language == utterance.language
            for span in signal.evidence.spans:
                assert 0 <= span.start < span.end <= len(utterance.text)
                assert span.text == utterance.original[span.start : span.end]


@pytest.mark.parametrize("name", BUILT_IN)
def test_when_a_detector_reads_a_batch_then_it_equals_reading_each_item(
    analyzer: Analyzer, prepared: list[Prepared], name: str
) -> None:
    detector = _detector(analyzer, name)
    assert detector.detect_batch(prepared) == [detector.detect(u) for u in prepared]


@pytest.mark.parametrize("name", BUILT_IN)
def test_when_a_detector_reads_an_empty_batch_then_it_returns_an_empty_list(analyzer: Analyzer, name: str) -> None:
    assert _detector(analyzer, name).detect_batch([]) == []


@pytest.mark.parametrize("name", BUILT_IN)
def test_when_a_detector_reads_the_same_utterance_twice_then_it_says_the_same(
    analyzer: Analyzer, prepared: list[Prepared], name: str
) -> None:
    detector = _detector(analyzer, name)
    assert [detector.detect(u) for u in prepared] == [detector.detect(u) for u in prepared]
