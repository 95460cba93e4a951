"""Shouting (capitals, repeated '!') as intensity: a weak anger cue on its own."""

from __future__ import annotations

import re

from calmline.detection.base import INTENSITY_TAG, Detector, DetectorContext, DetectorParams, DetectorSpec, detectors
from calmline.detection.text import Prepared
from calmline.domain.severity import Severity
from calmline.domain.signals import Category, Signal, Subject

_CAPS_RUN = re.compile(r"\b[A-Z][A-Z' ]{5,}[A-Z]\b|!{2,}")


class ShoutingParams(DetectorParams):
    min_intensity: float = 0.5


@detectors.register("intensity.shouting.v1")
class ShoutingDetector(Detector):
    """Anger S1 from shouting; the pipeline uses it to raise an anger cue found by other detectors."""

    spec = DetectorSpec(categories=(Category.ANGER,), emits=(Severity.S1,))
    Params = ShoutingParams

    def __init__(self, params: ShoutingParams, context: DetectorContext) -> None:
        del context  # needs no files
        self.min_intensity = params.min_intensity

    def detect(self, utterance: Prepared) -> list[Signal]:
        intensity = utterance.shouting
        if intensity < self.min_intensity:
            return []
        spans = tuple(m.span() for m in _CAPS_RUN.finditer(utterance.text))[:5]
        score = round(min(0.9, 0.4 + 0.5 * intensity), 3)
        evidence = self.evidence(
            rule=f"shouting intensity {intensity:.2f} (capitals {utterance.caps_ratio:.2f}, "
            f"'!' x{utterance.exclamations})",
            score=score,
            utterance=utterance,
            spans=spans,
            tags=(INTENSITY_TAG,),
        )
        return [self.signal(category=Category.ANGER, severity=Severity.S1, subject=Subject.SELF, evidence=evidence)]
