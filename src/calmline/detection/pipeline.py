"""Runs the configured detectors over an utterance, isolating any that fail."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

import calmline.detection.builtin  # noqa: F401  (registers the built-in detectors)
from calmline.detection.base import Detector, DetectorContext, detectors
from calmline.detection.config import PipelineConfig, load_pipeline_config
from calmline.detection.text import LanguageGuesser, Prepared, prepare
from calmline.domain.errors import ConfigError
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


def build_detectors(config: PipelineConfig, *, config_dir: Path) -> list[Detector]:
    """Instantiate every enabled detector, validating its parameters."""
    context = DetectorContext(config_dir=str(config_dir))
    built: list[Detector] = []
    for index, entry in enumerate(config.detectors):
        if not entry.enabled:
            continue
        cls = detectors.get(entry.use)
        try:
            params = cls.Params.model_validate(entry.with_)
        except ValidationError as exc:
            raise ConfigError(
                f"detectors[{index}] ({entry.use}): {exc.errors()[0]['msg']} at "
                f"{'.'.join(str(p) for p in exc.errors()[0]['loc'])}"
            ) from exc
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
    """One signal per (category, subject): the strongest, corroborated by the rest."""
    groups: dict[tuple[Category, Subject], list[Signal]] = {}
    for signal in signals:
        groups.setdefault((signal.category, signal.subject), []).append(signal)
    merged = [_merge_group(group) for group in groups.values()]
    merged.sort(key=lambda s: (s.severity, s.score), reverse=True)
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
    shouted = any("intensity" in s.evidence.tags for s in group)
    if shouted and top.category is Category.ANGER and severity < Severity.S2:
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
    evidence = top.evidence.model_copy(update={"adjustments": tuple(adjustments)})
    return top.model_copy(update={"score": min(score, 0.999), "severity": severity, "evidence": evidence})
