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
from calmline.detection.merge import merge_signals
from calmline.detection.text import LanguageGuesser, Prepared, prepare
from calmline.domain.errors import ConfigError, RegistryError
from calmline.domain.signals import Signal

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
