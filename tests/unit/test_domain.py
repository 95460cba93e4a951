"""Domain types: the S0-S4 scale, the ratchet, and the strict, frozen signal models."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from calmline.domain.errors import CalmlineError, ConfigError, InputError, ModelArtifactError, RegistryError
from calmline.domain.severity import SEVERITY_NAMES, Severity, lower_by_human, ratchet
from calmline.domain.signals import Adjustment, Category, Evidence, Signal, Span, Subject

severities = st.sampled_from(list(Severity))


def _evidence(**overrides: Any) -> Evidence:
    fields: dict[str, Any] = {
        "detector": "rules.lexicon.v1",
        "version": "1",
        "rule": "anger.frustration",
        "score_raw": 0.7,
    }
    return Evidence(**{**fields, **overrides})


def _signal(**overrides: Any) -> Signal:
    fields: dict[str, Any] = {
        "category": Category.ANGER,
        "severity": Severity.S1,
        "score": 0.7,
        "subject": Subject.SELF,
        "evidence": _evidence(),
    }
    return Signal(**{**fields, **overrides})


@pytest.mark.parametrize(
    ("severity", "value", "label", "name"),
    [
        (Severity.S0, 0, "S0", "routine"),
        (Severity.S1, 1, "S1", "signal"),
        (Severity.S2, 2, "S2", "elevated"),
        (Severity.S3, 3, "S3", "high"),
        (Severity.S4, 4, "S4", "critical"),
    ],
)
def test_when_severity_level_is_used_then_it_is_an_int_with_label_and_name(
    severity: Severity, value: int, label: str, name: str
) -> None:
    assert int(severity) == value
    assert severity == value
    assert severity.label == label
    assert SEVERITY_NAMES[severity] == name


def test_when_severities_are_listed_then_exactly_s0_to_s4_in_order() -> None:
    assert [int(s) for s in Severity] == [0, 1, 2, 3, 4]
    assert sorted(Severity) == list(Severity)


@given(current=severities, observed=severities)
def test_when_ratcheting_then_severity_never_goes_down(current: Severity, observed: Severity) -> None:
    after = ratchet(current, observed)
    assert after >= current
    assert after == max(current, observed)
    assert isinstance(after, Severity)


@given(observations=st.lists(severities, max_size=20))
def test_when_ratcheting_over_a_contact_then_result_is_the_running_maximum(observations: list[Severity]) -> None:
    contact = Severity.S0
    for observed in observations:
        previous = contact
        contact = ratchet(contact, observed)
        assert contact >= previous
    assert contact == max(observations, default=Severity.S0)


@pytest.mark.parametrize("confirmed_by", ["", " ", "\t\n"])
def test_when_lowering_without_a_named_person_then_it_is_refused(confirmed_by: str) -> None:
    with pytest.raises(ValueError, match="name"):
        lower_by_human(Severity.S4, to=Severity.S1, confirmed_by=confirmed_by)


@given(current=severities, to=severities)
def test_when_a_named_person_lowers_severity_then_it_never_rises(current: Severity, to: Severity) -> None:
    after = lower_by_human(current, to=to, confirmed_by="Team leader Sam Okafor")
    assert after <= current
    assert after == min(current, to)


def test_when_a_named_person_lowers_s4_to_s2_then_result_is_s2() -> None:
    assert lower_by_human(Severity.S4, to=Severity.S2, confirmed_by="Priya") == Severity.S2


@pytest.mark.parametrize(
    ("model", "fields"),
    [
        (Span, lambda: {"start": 0, "end": 3, "text": "abc", "colour": "red"}),
        (Adjustment, lambda: {"reason": "x", "score_before": 0.1, "score_after": 0.2, "extra": 1}),
        (Evidence, lambda: {"detector": "a.b.v1", "version": "1", "rule": "r", "score_raw": 0.5, "confidence": 0.9}),
        (
            Signal,
            lambda: {
                "category": "anger",
                "severity": 1,
                "score": 0.5,
                "subject": "self",
                "evidence": _evidence(),
                "x": 1,
            },
        ),
    ],
)
def test_when_a_domain_model_gets_an_unknown_field_then_it_is_rejected(model: type[Any], fields: Any) -> None:
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        model(**fields())


@pytest.mark.parametrize(
    ("obj_factory", "attribute", "value"),
    [
        (_signal, "severity", Severity.S4),
        (_signal, "score", 0.1),
        (_evidence, "detector", "other.detector.v1"),
        (_evidence, "score_raw", 0.0),
        (lambda: Span(start=0, end=1, text="a"), "end", 5),
    ],
)
def test_when_a_signal_or_evidence_is_mutated_then_it_is_refused(obj_factory: Any, attribute: str, value: Any) -> None:
    obj = obj_factory()
    with pytest.raises(ValidationError):
        setattr(obj, attribute, value)
    assert getattr(obj, attribute) != value


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"score": 1.01}, "less than or equal to 1"),
        ({"score": -0.01}, "greater than or equal to 0"),
        ({"severity": 5}, "Input should be"),
        ({"category": "sadness"}, "Input should be"),
        ({"subject": "customer"}, "Input should be"),
    ],
)
def test_when_a_signal_is_out_of_range_then_it_is_rejected(overrides: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        _signal(**overrides)


def test_when_a_span_has_a_negative_offset_then_it_is_rejected() -> None:
    with pytest.raises(ValidationError):
        Span(start=-1, end=2, text="ab")


def test_when_evidence_score_is_above_one_then_it_is_rejected() -> None:
    with pytest.raises(ValidationError):
        _evidence(score_raw=1.5)


def test_when_a_signal_is_copied_with_changes_then_the_original_is_untouched() -> None:
    original = _signal()
    raised = original.model_copy(update={"severity": Severity.S3})
    assert original.severity == Severity.S1
    assert raised.severity == Severity.S3


def test_when_categories_are_listed_then_the_eight_stable_names_are_present() -> None:
    assert {c.value for c in Category} == {
        "anger",
        "abuse",
        "distress",
        "depression",
        "self_harm",
        "threat",
        "medical_emergency",
        "vulnerability",
    }
    assert {s.value for s in Subject} == {"self", "third_party", "agent"}


@pytest.mark.parametrize(
    ("error", "code"),
    [(ConfigError, "CFG001"), (RegistryError, "CFG002"), (ModelArtifactError, "MDL001"), (InputError, "INP001")],
)
def test_when_an_error_is_raised_then_it_carries_a_stable_code(error: type[CalmlineError], code: str) -> None:
    exc = error("something is wrong")
    assert isinstance(exc, CalmlineError)
    assert exc.code == code
    assert str(exc) == f"{code}: something is wrong"
    assert exc.message == "something is wrong"
