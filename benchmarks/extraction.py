"""Emergency fact extraction against the project's labelled set (``corpus/extraction/emergency.jsonl``).

A predicted value matches a labelled one exactly (same words, ignoring case and surrounding
punctuation) or by overlap (one contains the other); ``alone`` is compared as a boolean. The bomb
fields are extracted only when Calmline itself reads a bomb threat, as in the product.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from calmline.detection.analyzer import Analyzer
from calmline.detection.extract import FIELDS, extract
from calmline.domain.signals import Category

TARGETS = {"location": 0.9, "callback_number": 0.9}


@dataclass(frozen=True, slots=True)
class FieldScore:
    field: str
    labelled: int
    predicted: int
    exact: int
    overlap: int

    def as_dict(self) -> dict[str, Any]:
        def ratio(a: int, b: int) -> float | None:
            return round(a / b, 3) if b else None

        return {
            **asdict(self),
            "recall_exact": ratio(self.exact, self.labelled),
            "precision_exact": ratio(self.exact, self.predicted),
            "recall_overlap": ratio(self.overlap, self.labelled),
            "precision_overlap": ratio(self.overlap, self.predicted),
            "target_recall": TARGETS.get(self.field),
        }


_LEADING = ("on the ", "at the ", "in the ", "by the ", "near the ", "on ", "at ", "in ", "by ", "near ")


def _norm(value: object) -> str:
    """Lower-case, edge punctuation and a leading preposition removed ('on the bridge' ~ 'the bridge')."""
    text = str(value).strip(" ,.;:!?").lower()
    for prefix in _LEADING:
        if text.startswith(prefix):
            return text[len(prefix) :] if not prefix.endswith("the ") else "the " + text[len(prefix) :]
    return text


def _matches(predicted: object, gold: object) -> tuple[bool, bool]:
    if isinstance(gold, bool) or isinstance(predicted, bool):
        same = predicted == gold
        return same, same
    p, g = _norm(predicted), _norm(gold)
    return p == g, bool(p and g and (p in g or g in p))


def evaluate(analyzer: Analyzer, path: Path) -> dict[str, Any]:
    """Per-field precision and recall on the labelled emergency utterances."""
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    results = analyzer.utterances([r["text"] for r in records])
    counts = {f: [0, 0, 0, 0] for f in FIELDS}  # labelled, predicted, exact, overlap
    for record, result in zip(records, results, strict=True):
        bomb = any(s.category is Category.THREAT and "bomb" in s.evidence.tags for s in result.signals)
        facts = extract(record["text"], turn=0, bomb=bomb)
        gold: dict[str, Any] = record["fields"]
        for name in FIELDS:
            if name in gold:
                counts[name][0] += 1
            if name in facts:
                counts[name][1] += 1
                if name in gold:
                    exact, overlap = _matches(facts[name].value, gold[name])
                    counts[name][2] += exact
                    counts[name][3] += overlap
    scores = [FieldScore(name, *values).as_dict() for name, values in counts.items() if values[0] or values[1]]
    return {"path": str(path), "utterances": len(records), "fields": scores}
