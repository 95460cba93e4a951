"""Whatever the customer sends, the analyzer answers: valid, deterministic output, never an exception."""

from __future__ import annotations

import json
import multiprocessing
import re
import time
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calmline.detection.analyzer import Analyzer
from calmline.detection.text import clean, lower_same_length
from calmline.domain.severity import Severity
from tests.conftest import Validate

CUE_FRAGMENTS = [
    "kill myself",
    "I'm not",
    "suicidal",
    "you're a useless idiot",
    "f*** you",
    "bomb",
    "song",
    '"',
    "'",
    "\u2019",
    "isn't breathing",
    "safe account",
    "!!!",
    "WHY",
    " but ",
    ". ",
    "\n",
    "\x00",
    "\u200b",
    "\U0001f62d",
    "my dad said",
    "tonight",
]
risky_text = st.lists(st.one_of(st.sampled_from(CUE_FRAGMENTS), st.text(max_size=12)), max_size=25).map("".join)
any_text = st.one_of(st.text(), risky_text)
WHITESPACE = " \t\n\r\x0b\x0c\u00a0\u2009\u202f\u2028\u2029\u200b\ufeff"


def _as_json(result: Any) -> Any:
    return json.loads(result.model_dump_json())


def _check_spans(text: str, payload: dict[str, Any]) -> None:
    said = re.sub("[\ud800-\udfff]", "\ufffd", text)  # the customer's own words; only broken surrogates differ
    for signal in payload["signals"]:
        for span in signal["evidence"]["spans"]:
            assert 0 <= span["start"] <= span["end"] <= len(text)
            assert span["text"] == said[span["start"] : span["end"]]


@given(text=any_text)
def test_when_any_text_is_analysed_then_it_never_raises_and_the_output_validates(
    analyzer: Analyzer, validate_classify_output: Validate, text: str
) -> None:
    payload = _as_json(analyzer.utterance(text, id="x"))
    validate_classify_output(payload)
    _check_spans(text, payload)
    assert payload["severity"] == max((s["severity"] for s in payload["signals"]), default=0)


@given(text=any_text)
def test_when_the_same_text_is_analysed_twice_then_the_output_is_identical(analyzer: Analyzer, text: str) -> None:
    assert analyzer.utterance(text).model_dump_json() == analyzer.utterance(text).model_dump_json()


@given(texts=st.lists(any_text, min_size=1, max_size=6))
def test_when_texts_are_analysed_in_a_batch_then_each_result_equals_analysing_it_alone(
    analyzer: Analyzer, texts: list[str]
) -> None:
    assert analyzer.utterances(texts) == [analyzer.utterance(t) for t in texts]


@given(text=st.text(alphabet=WHITESPACE, max_size=40))
def test_when_text_is_empty_or_whitespace_then_severity_is_s0_with_no_signals(analyzer: Analyzer, text: str) -> None:
    result = analyzer.utterance(text)
    assert result.severity == Severity.S0
    assert result.signals == []


@pytest.mark.parametrize(
    "text",
    ["\ud800", "I want to kill myself \ud800", "\udfff\ud800 you're a useless idiot", "\ud83d"],
    ids=["lone-high", "trailing", "reversed-pair-before-insult", "half-emoji"],
)
def test_when_text_holds_lone_surrogates_then_the_output_is_valid_json_that_validates(
    analyzer: Analyzer, validate_classify_output: Validate, text: str
) -> None:
    result = analyzer.utterance(text)
    payload = json.loads(result.model_dump_json())
    validate_classify_output(payload)
    for signal in payload["signals"]:
        for span in signal["evidence"]["spans"]:
            span["text"].encode("utf-8")  # no surrogate escapes leak into evidence


def test_when_a_lone_surrogate_is_around_a_cue_then_the_cue_is_still_found(analyzer: Analyzer) -> None:
    assert analyzer.utterance("\ud800I'm going to kill myself tonight\udfff").severity == Severity.S4


@given(text=st.text())
def test_when_text_is_cleaned_or_lower_cased_then_its_length_never_changes(text: str) -> None:
    assert len(clean(text)) == len(text)
    assert len(lower_same_length(text)) == len(text)


def _time_in_child(analyzer: Analyzer, text: str, limit: float) -> tuple[float, bool, int] | None:
    """Run one utterance in a forked child so a pathological input cannot stall the suite."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)

    def work() -> None:
        started = time.perf_counter()
        result = analyzer.utterance(text)
        send.send((time.perf_counter() - started, result.truncated, int(result.severity)))

    child = context.Process(target=work, daemon=True)
    child.start()
    try:
        return receive.recv() if receive.poll(limit + 1.0) else None
    finally:
        child.kill()
        child.join()


MEGABYTE = 1_000_000


@pytest.mark.slow
@pytest.mark.parametrize(
    "text",
    [
        ("My card was declined again and I am fed up with this. " * 20_000)[:MEGABYTE],
        ("WHY IS THIS STILL BROKEN " * 50_000)[:MEGABYTE],
        "x" * MEGABYTE,
        " " * MEGABYTE,
        "\U0001f62d" * MEGABYTE,
    ],
    ids=["prose", "shouting", "one-long-word", "spaces", "emoji"],
)
def test_when_a_megabyte_of_text_arrives_then_it_completes_within_two_seconds_and_is_truncated(
    analyzer: Analyzer, text: str
) -> None:
    outcome = _time_in_child(analyzer, text, limit=2.0)
    assert outcome is not None, "analysis did not finish within 3 s"
    elapsed, truncated, _ = outcome
    assert truncated is True
    assert elapsed < 2.0, f"took {elapsed:.2f} s"


def test_when_text_is_longer_than_the_limit_then_the_result_says_truncated(analyzer: Analyzer) -> None:
    limit = analyzer.pipeline.config.max_chars
    assert analyzer.utterance("a" * (limit + 1)).truncated is True
    assert analyzer.utterance("a" * limit).truncated is False


def test_when_a_cue_lies_beyond_the_limit_then_truncation_is_flagged_so_the_gap_is_visible(analyzer: Analyzer) -> None:
    limit = analyzer.pipeline.config.max_chars
    result = analyzer.utterance("hello " * (limit // 6 + 1) + "I'm going to kill myself tonight")
    assert result.truncated is True


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Je veux parler à un responsable, c'est inadmissible", "fr"),
        ("Quiero hablar con un supervisor, esto es inaceptable", "es"),
        ("Ich möchte sofort mit Ihrem Vorgesetzten sprechen, das ist unerhört", "de"),
    ],
)
def test_when_text_is_not_english_then_the_language_is_named_and_marked_unsupported(
    analyzer: Analyzer, text: str, language: str
) -> None:
    result = analyzer.utterance(text)
    assert result.language == language
    assert result.language_supported is False
    assert all(s.evidence.language_supported is False for s in result.signals)


def test_when_text_is_english_then_it_is_supported(analyzer: Analyzer) -> None:
    result = analyzer.utterance("I'd like to speak to someone about my bill please")
    assert (result.language, result.language_supported) == ("en", True)
