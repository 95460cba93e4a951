"""Dataset licences and the project's own corpus loader."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from calmline.detection.models import datasets
from calmline.domain.signals import Category

EVALUATION_ONLY = sorted(name for name, licence in datasets.LICENCES.items() if not licence.trainable)
TRAINABLE = sorted(name for name, licence in datasets.LICENCES.items() if licence.trainable)


def test_when_sdcnl_is_requested_for_training_then_it_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PermissionError, match="evaluation-only"):
        datasets.load("sdcnl", tmp_path, "train", for_training=True)


@pytest.mark.parametrize("name", EVALUATION_ONLY)
def test_when_an_evaluation_only_set_is_requested_for_training_then_it_is_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(PermissionError, match=name):
        datasets.load(name, tmp_path, "train", for_training=True)


@pytest.mark.parametrize("name", TRAINABLE)
def test_when_a_permissive_set_is_requested_for_training_then_only_missing_files_can_stop_it(
    tmp_path: Path, name: str
) -> None:
    with pytest.raises(FileNotFoundError):
        datasets.load(name, tmp_path, "train", for_training=True)


def test_when_licences_are_listed_then_every_loader_has_one() -> None:
    assert set(datasets.LOADERS) == set(datasets.LICENCES)
    assert "sdcnl" in EVALUATION_ONLY


def test_when_the_corpus_is_read_then_labels_become_categories_and_the_highest_severity(tmp_path: Path) -> None:
    folder = tmp_path / "heldout"
    folder.mkdir()
    rows: list[dict[str, Any]] = [
        {
            "text": "I'm going to end it tonight",
            "labels": [{"category": "self_harm", "severity": 4, "subject": "self"}],
        },
        {
            "text": "he's collapsed after taking all his pills",
            "labels": [
                {"category": "medical_emergency", "severity": 4, "subject": "third_party"},
                {"category": "self_harm", "severity": 3, "subject": "third_party"},
            ],
        },
        {"text": "my phone died", "labels": []},
    ]
    (folder / "mixed.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n\n", encoding="utf-8")
    (folder / "notes.txt").write_text("not a corpus file", encoding="utf-8")
    examples = datasets.corpus(tmp_path, "heldout")
    assert [e.text for e in examples] == [r["text"] for r in rows]
    assert [e.severity for e in examples] == [4, 4, 0]
    assert examples[1].categories == frozenset({Category.MEDICAL_EMERGENCY, Category.SELF_HARM})
    assert examples[2].categories == frozenset()
    assert {e.source for e in examples} == {"corpus:mixed"}


def test_when_the_corpus_split_is_empty_then_no_examples_are_returned(tmp_path: Path) -> None:
    (tmp_path / "heldout").mkdir()
    assert datasets.corpus(tmp_path, "heldout") == []
