"""The detector seam: a small abstract base every detector implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict

from calmline.detection.text import Prepared
from calmline.domain.severity import Severity
from calmline.domain.signals import Category, Evidence, Signal, Span, Subject

D = TypeVar("D", bound="Detector")

# Evidence tags with a meaning across detectors (the pipeline and the context tracker read them).
MODEL_TAG = "model"  # a trained model's judgement
VETO_TAG = "veto"  # S0: a cue the rules saw and set aside (negated, idiom, guard, media)
INTENSITY_TAG = "intensity"  # shouting, raising anger one step
CRITICAL_TAG = "critical"  # the model's critical head is confident: S4 on its own
CRITICAL_WEAK_TAG = "critical_weak"  # S4 only with a rule or earlier cues to back it
LEAD_ONLY_TAG = "lead_only"  # category named only as the critical head's likeliest guess


class DetectorParams(BaseModel):
    """Typed parameters a detector takes from ``config/detectors.yaml`` (unknown keys fail)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True, slots=True)
class DetectorSpec:
    """What a detector looks at and what it can say."""

    categories: tuple[Category, ...]
    emits: tuple[Severity, ...]
    requires: tuple[str, ...] = ("text",)


@dataclass(frozen=True, slots=True)
class DetectorContext:
    """What a detector is given besides the text: where config and model files live."""

    config_dir: str


class Detector(ABC):
    """Reads one prepared customer utterance and returns signals, each with its evidence.

    ``name`` and ``version`` are stamped by the registry; ``Params`` declares the
    configuration the detector accepts.
    """

    name: ClassVar[str] = "unregistered"
    version: ClassVar[str] = "0"
    spec: ClassVar[DetectorSpec]
    Params: ClassVar[type[DetectorParams]] = DetectorParams

    @abstractmethod
    def detect(self, utterance: Prepared) -> list[Signal]:
        """Signals for one utterance; an empty list when nothing fires."""

    def detect_batch(self, utterances: Sequence[Prepared]) -> list[list[Signal]]:
        """Signals for many utterances; detectors with vectorised models override this."""
        return [self.detect(u) for u in utterances]

    def evidence(
        self,
        *,
        rule: str,
        score: float,
        utterance: Prepared,
        spans: tuple[tuple[int, int], ...] = (),
        tags: tuple[str, ...] = (),
    ) -> Evidence:
        """Evidence stamped with this detector's name, version and the utterance's language."""
        return Evidence(
            detector=self.name,
            version=self.version,
            rule=rule,
            spans=tuple(Span(start=s, end=e, text=utterance.original[s:e]) for s, e in spans),
            score_raw=score,
            tags=tags,
            language=utterance.language,
            language_supported=utterance.language_supported,
        )

    def signal(
        self,
        *,
        category: Category,
        severity: Severity,
        subject: Subject,
        evidence: Evidence,
    ) -> Signal:
        return Signal(
            category=category,
            severity=severity,
            score=evidence.score_raw,
            subject=subject,
            evidence=evidence,
        )


def _version_of(name: str) -> str:
    return name.rsplit(".v", 1)[1]


class _DetectorRegistry:
    """Registry of detector classes; stamps each class with its registered name and version."""

    def __init__(self) -> None:
        from calmline.detection.registry import Registry

        self._registry: Registry[type[Detector]] = Registry(kind="detector", entry_point_group="calmline.detectors")

    def register(self, name: str) -> Callable[[type[D]], type[D]]:
        def add(cls: type[D]) -> type[D]:
            cls.name = name
            cls.version = _version_of(name)
            self._registry.add(name, cls)
            return cls

        return add

    def get(self, name: str) -> type[Detector]:
        return self._registry.get(name)

    def names(self) -> list[str]:
        return self._registry.names()


detectors = _DetectorRegistry()
