"""Training is reproducible with a fixed seed and writes a model card (needs ../shared/data)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from calmline.detection.models.linear import HeadSet
from calmline.detection.models.train import TrainConfig, train

REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / "shared" / "data"


def _quiet(head: str, done: int, total: int) -> None:
    del head, done, total  # progress is for people; the test only needs the result


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if not (DATA / "goemotions" / "train.tsv").exists():
        pytest.skip(f"public datasets not found at {DATA}")
    outs = []
    for name in ("first", "second"):
        out = tmp_path_factory.mktemp(name) / "heads"
        config = TrainConfig(data_dir=DATA, corpus_dir=REPO / "corpus", out_dir=out, public_limit=1500)
        train(config, progress=_quiet)
        outs.append(out)
    return outs[0], outs[1]


def test_when_trained_twice_with_the_same_seed_then_the_weights_are_identical(two_runs: tuple[Path, Path]) -> None:
    first, second = (HeadSet.load(path) for path in two_runs)
    assert first.heads == second.heads
    assert first.thresholds == second.thresholds
    assert np.array_equal(first.coef, second.coef)
    assert np.array_equal(first.idf, second.idf)


def test_when_trained_then_a_model_card_names_data_licences_and_seed(two_runs: tuple[Path, Path]) -> None:
    card = (two_runs[0] / "MODEL_CARD.md").read_text(encoding="utf-8")
    for needle in ("Apache-2.0", "MIT", "CC BY 4.0", "seed 13", "critical_confident", "evaluation-only"):
        assert needle.lower() in card.lower(), needle
