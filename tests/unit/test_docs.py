"""The example in docs/adding-a-detector.md runs as written and keeps the detector contract."""

from __future__ import annotations

import re

import pytest

from calmline.detection.analyzer import Analyzer
from calmline.detection.base import Detector, DetectorContext, detectors
from calmline.detection.pipeline import Pipeline
from calmline.domain.severity import Severity
from calmline.domain.signals import Category
from tests.conftest import CONFIG_DIR, REPO_ROOT

GUIDE = REPO_ROOT / "docs" / "adding-a-detector.md"


@pytest.fixture(scope="module")
def payday_detector() -> type[Detector]:
    if not GUIDE.exists():
        pytest.skip(f"{GUIDE} not present")
    blocks = re.findall(r"```python\n(.*?)```", GUIDE.read_text(encoding="utf-8"), flags=re.S)
    assert blocks, "the guide has no python example"
    if "example.payday_loan.v1" not in detectors.names():
        exec(compile(blocks[0], str(GUIDE), "exec"), {"__name__": "adding_a_detector_example"})
    return detectors.get("example.payday_loan.v1")


def test_when_the_guide_example_runs_then_it_registers_a_working_detector(
    analyzer: Analyzer, payday_detector: type[Detector]
) -> None:
    detector = payday_detector(payday_detector.Params(), DetectorContext(config_dir=str(CONFIG_DIR)))  # type: ignore[call-arg]
    pipeline = Pipeline(config=analyzer.pipeline.config, detector_list=[detector])
    text = "I took out a Payday Loan to cover the rent"
    [signal] = Analyzer(pipeline).utterance(text).signals
    assert signal.category is Category.VULNERABILITY
    assert signal.severity == Severity.S2
    assert signal.evidence.detector == "example.payday_loan.v1"
    assert [span.text for span in signal.evidence.spans] == ["Payday Loan"]
    assert Analyzer(pipeline).utterance("").signals == []
    assert detector.detect_batch([pipeline.prepare(text), pipeline.prepare("")]) == [
        detector.detect(pipeline.prepare(text)),
        [],
    ]
