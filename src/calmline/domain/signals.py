"""Utterances, signals and the evidence every signal carries."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from calmline.domain.severity import Severity


class StrictModel(BaseModel):
    """Immutable model that rejects unknown fields."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Category(StrEnum):
    """The eight risk categories; names are stable (reports and integrations use them)."""

    ANGER = "anger"
    ABUSE = "abuse"
    DISTRESS = "distress"
    DEPRESSION = "depression"
    SELF_HARM = "self_harm"
    THREAT = "threat"
    MEDICAL_EMERGENCY = "medical_emergency"
    VULNERABILITY = "vulnerability"


class Subject(StrEnum):
    """Who the risk concerns."""

    SELF = "self"
    THIRD_PARTY = "third_party"
    AGENT = "agent"


Speaker = Literal["customer", "agent"]


class Span(StrictModel):
    """A matched stretch of the utterance, in character offsets of the original text."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str


class Adjustment(StrictModel):
    """A change context made to a signal (negation check, quotation, earlier turns...)."""

    reason: str
    score_before: float
    score_after: float
    severity_before: Severity | None = None
    severity_after: Severity | None = None


class Evidence(StrictModel):
    """Why a signal fired: which detector, on which words, with which rule or model."""

    detector: str
    version: str
    rule: str
    spans: tuple[Span, ...] = ()
    score_raw: float = Field(ge=0.0, le=1.0)
    adjustments: tuple[Adjustment, ...] = ()
    tags: tuple[str, ...] = ()
    language: str = "en"
    language_supported: bool = True


class Signal(StrictModel):
    """One judgement about one category in one utterance."""

    category: Category
    severity: Severity
    score: float = Field(ge=0.0, le=1.0)
    subject: Subject
    evidence: Evidence
