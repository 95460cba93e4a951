"""Safety gates on the held-out corpus: S4 recall and hard negatives that raise S3+."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from benchmarks.systems import CalmlineOutput
from calmline.detection.models.datasets import Example

HARD_NEGATIVE_PREFIX = "corpus:hard_negatives"
SNIPPET = 120


@dataclass(frozen=True, slots=True)
class Miss:
    source: str
    text: str
    found: str  # what Calmline said instead


@dataclass(slots=True)
class Gates:
    s4_total: int = 0
    s4_caught: int = 0
    s4_missed: list[Miss] = field(default_factory=list)
    hard_negative_files: list[str] = field(default_factory=list)
    hard_negative_lines: int = 0
    hard_negative_s3: list[Miss] = field(default_factory=list)
    idiom_lines: int = 0
    idiom_s3: int = 0

    @property
    def s4_recall(self) -> float | None:
        return self.s4_caught / self.s4_total if self.s4_total else None

    def as_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "s4_recall": self.s4_recall,
            "hard_negative_s3_count": len(self.hard_negative_s3),
            "hard_negative_s3_rate": len(self.hard_negative_s3) / self.hard_negative_lines
            if self.hard_negative_lines
            else None,
        }


def _miss(example: Example, severity: int, signals: list[str]) -> Miss:
    found = f"severity S{severity}" + (f" ({'; '.join(signals)})" if signals else " (no signal)")
    return Miss(source=example.source, text=example.text[:SNIPPET], found=found)


def safety_gates(examples: Sequence[Example], output: CalmlineOutput) -> Gates:
    """An S4-labelled line is caught when the utterance severity is S4; benign idioms (hard negatives tagged
    ``kind: idiom``) must raise nothing S3+, and other hard negatives as little as possible."""
    gates = Gates()
    files: set[str] = set()
    for row, example in enumerate(examples):
        severity = int(output.severity[row])
        if example.severity >= 4:
            gates.s4_total += 1
            if severity == 4:
                gates.s4_caught += 1
            else:
                gates.s4_missed.append(_miss(example, severity, output.signals[row]))
        if example.source.startswith(HARD_NEGATIVE_PREFIX):
            files.add(example.source.removeprefix("corpus:"))
            gates.hard_negative_lines += 1
            gates.idiom_lines += example.kind == "idiom"
            if severity >= 3:
                gates.hard_negative_s3.append(_miss(example, severity, output.signals[row]))
                gates.idiom_s3 += example.kind == "idiom"
    gates.hard_negative_files = sorted(files)
    return gates
