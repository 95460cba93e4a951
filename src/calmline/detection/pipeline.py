"""Runs the configured detectors over an utterance, isolating any that fail."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

import calmline.detection.builtin  # noqa: F401  (registers the built-in detectors)
from calmline.detection.base import (
    CRITICAL_TAG,
    CRITICAL_WEAK_TAG,
    INTENSITY_TAG,
    LEAD_ONLY_TAG,
    MODEL_TAG,
    VETO_TAG,
    Detector,
    DetectorContext,
    detectors,
)
from calmline.detection.config import PipelineConfig, load_pipeline_config
from calmline.detection.text import LanguageGuesser, Prepared, prepare
from calmline.domain.errors import ConfigError, RegistryError
from calmline.domain.severity import Severity
from calmline.domain.signals import Adjustment, Category, Signal, Subject

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DetectorFailure:
    """A detector that raised on an utterance; the rest of the pipeline carried on."""

    detector: str
    error: str


@dataclass(slots=True)
class UtteranceResult:
    """Everything detection found in one utterance, before conversation context."""

    prepared: Prepared
    signals: list[Signal]
    failures: list[DetectorFailure] = field(default_factory=list)

    @property
    def degraded(self) -> bool:
        return bool(self.failures)


def build_detectors(config: PipelineConfig, *, config_dir: Path, source: Path | None = None) -> list[Detector]:
    """Instantiate every enabled detector, validating its parameters; errors name the file."""
    where = source or config_dir / "detectors.yaml"
    context = DetectorContext(config_dir=str(config_dir))
    built: list[Detector] = []
    for index, entry in enumerate(config.detectors):
        if not entry.enabled:
            continue
        try:
            cls = detectors.get(entry.use)
        except RegistryError as exc:
            raise RegistryError(f"{where}: detectors[{index}]: {exc.message}") from exc
        try:
            params = cls.Params.model_validate(entry.with_)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"])
            raise ConfigError(f"{where}: detectors[{index}] ({entry.use}) with.{field}: {first['msg']}") from exc
        built.append(cls(params, context))  # type: ignore[call-arg]
    return built


class Pipeline:
    """Prepares text once, runs every detector, merges signals per category and subject."""

    def __init__(self, *, config: PipelineConfig, detector_list: Sequence[Detector]) -> None:
        self.config = config
        self.detectors = list(detector_list)
        self.languages = LanguageGuesser(supported=frozenset(config.supported_languages))

    @classmethod
    def from_config_dir(cls, config_dir: Path) -> Pipeline:
        config = load_pipeline_config(config_dir / "detectors.yaml")
        return cls(config=config, detector_list=build_detectors(config, config_dir=config_dir))

    def prepare(self, text: str) -> Prepared:
        return prepare(text, max_chars=self.config.max_chars, languages=self.languages)

    def analyse(self, text: str) -> UtteranceResult:
        return self.analyse_batch([text])[0]

    def analyse_agent(self, text: str) -> UtteranceResult:
        """Agent turns are prepared (language, bounds) but never produce customer-risk signals."""
        return UtteranceResult(prepared=self.prepare(text), signals=[])

    def analyse_batch(self, texts: Sequence[str]) -> list[UtteranceResult]:
        prepared = [self.prepare(t) for t in texts]
        results = [UtteranceResult(prepared=p, signals=[]) for p in prepared]
        for detector in self.detectors:
            self._run(detector, prepared, results)
        for result in results:
            result.signals = merge_signals(result.signals)
        return results

    def _run(self, detector: Detector, prepared: list[Prepared], results: list[UtteranceResult]) -> None:
        try:
            batches = detector.detect_batch(prepared)
        except Exception:
            batches = [self._run_one(detector, p, r) for p, r in zip(prepared, results, strict=True)]
        for result, found in zip(results, batches, strict=True):
            result.signals.extend(found)

    def _run_one(self, detector: Detector, prepared: Prepared, result: UtteranceResult) -> list[Signal]:
        try:
            return detector.detect(prepared)
        except Exception as exc:
            log.exception("detector %s v%s failed", detector.name, detector.version)
            result.failures.append(DetectorFailure(detector=detector.name, error=f"{type(exc).__name__}: {exc}"))
            return []


def merge_signals(signals: list[Signal]) -> list[Signal]:
    """One signal per category and subject, explained.

    Rules outrank a model's default severity (they are specific); a model corroborates their score
    and may lift an S3 rule signal to S4 (its critical head). A cue the rules set aside (negated,
    an idiom, a guard) silences a model-only signal in that category. Vetoes are never returned.
    """
    vetoes = {s.category: s for s in signals if VETO_TAG in s.evidence.tags}
    by_category: dict[Category, list[Signal]] = {}
    for signal in signals:
        if VETO_TAG not in signal.evidence.tags:
            by_category.setdefault(signal.category, []).append(signal)
    claimed = [(span.start, span.end) for s in signals if MODEL_TAG not in s.evidence.tags for span in s.evidence.spans]
    # A rule already found the emergency: the critical head's category guess adds nothing.
    rule_s4 = any(s.severity == Severity.S4 and MODEL_TAG not in s.evidence.tags for s in signals)
    merged: list[Signal] = []
    for category, group in by_category.items():
        specific = [s for s in group if MODEL_TAG not in s.evidence.tags]
        learned = [s for s in group if MODEL_TAG in s.evidence.tags]
        if specific:
            merged += _with_model(_by_subject(specific), learned)
        elif category not in vetoes:
            merged += _by_subject(
                [
                    s
                    for s in learned
                    if not _explained(s, claimed) and not (rule_s4 and LEAD_ONLY_TAG in s.evidence.tags)
                ]
            )
    merged.sort(key=lambda s: (s.severity, s.score), reverse=True)
    return merged


def _explained(signal: Signal, claimed: list[tuple[int, int]]) -> bool:
    """True when the words that moved the model most already belong to a rule's cue (explained away)."""
    if not signal.evidence.spans:
        return False
    strongest = signal.evidence.spans[0]
    return any(a <= strongest.start and strongest.end <= b for a, b in claimed)


def _by_subject(group: list[Signal]) -> list[Signal]:
    subjects: dict[Subject, list[Signal]] = {}
    for signal in group:
        subjects.setdefault(signal.subject, []).append(signal)
    return [_merge_group(members) for members in subjects.values()]


def _with_model(merged: list[Signal], learned: list[Signal]) -> list[Signal]:
    """Let the model corroborate the strongest rule signal of the category."""
    if not learned:
        return merged
    merged.sort(key=lambda s: (s.severity, s.score), reverse=True)
    top, model = merged[0], max(learned, key=lambda s: (s.severity, s.score))
    score = round(1 - (1 - top.score) * (1 - 0.5 * model.score), 3)
    adjustments = [
        *top.evidence.adjustments,
        Adjustment(
            reason=f"corroborated by {model.evidence.detector} ({model.evidence.rule})",
            score_before=top.score,
            score_after=score,
        ),
    ]
    severity = top.severity
    critical = {CRITICAL_TAG, CRITICAL_WEAK_TAG} & set(model.evidence.tags)
    if critical and top.severity == Severity.S3:
        severity = Severity.S4
        adjustments.append(
            Adjustment(
                reason="model's critical head lifts S3 to S4",
                score_before=score,
                score_after=score,
                severity_before=top.severity,
                severity_after=severity,
            )
        )
    evidence = top.evidence.model_copy(update={"adjustments": tuple(adjustments)})
    merged[0] = top.model_copy(update={"score": min(score, 0.999), "severity": severity, "evidence": evidence})
    return merged


def _merge_group(group: list[Signal]) -> Signal:
    group = sorted(group, key=lambda s: (s.severity, s.score), reverse=True)
    top = group[0]
    if len(group) == 1:
        return top
    score = top.score
    adjustments = list(top.evidence.adjustments)
    for other in group[1:]:
        new_score = round(1 - (1 - score) * (1 - 0.5 * other.score), 3)
        reason = f"corroborated by {other.evidence.detector} ({other.evidence.rule})"
        adjustments.append(Adjustment(reason=reason, score_before=score, score_after=new_score))
        score = new_score
    severity = top.severity
    if any(INTENSITY_TAG in s.evidence.tags for s in group) and top.category is Category.ANGER and severity < 2:
        severity = Severity(severity + 1)
        adjustments.append(
            Adjustment(
                reason="shouting raises anger one step",
                score_before=score,
                score_after=score,
                severity_before=top.severity,
                severity_after=severity,
            )
        )
    tags = tuple(dict.fromkeys(t for s in group for t in s.evidence.tags))
    evidence = top.evidence.model_copy(update={"adjustments": tuple(adjustments), "tags": tags})
    return top.model_copy(update={"score": min(score, 0.999), "severity": severity, "evidence": evidence})
