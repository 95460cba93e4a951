"""The trained linear heads: artifact round trip, evidence indexing, and missing artifacts."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from sklearn.feature_extraction.text import HashingVectorizer

from calmline.detection.base import DetectorContext
from calmline.detection.config import DetectorEntry, PipelineConfig
from calmline.detection.models.linear import (
    ARTIFACT_ROOT,
    TOKEN_PATTERN,
    FeatureSpec,
    HeadSet,
    LinearHeadsDetector,
    LinearHeadsParams,
)
from calmline.detection.pipeline import build_detectors
from calmline.domain.errors import ModelArtifactError
from calmline.domain.signals import Category
from tests.conftest import CONFIG_DIR

HEADS = (*(c.value for c in Category), "critical")
WORD_BITS = 16
CHAR_BITS = 4


def _tiny_headset(*, weights: dict[int, float] | None = None) -> HeadSet:
    """A small, fully known model: zero weights except where asked (on head 0), unit IDF."""
    spec = FeatureSpec(word_bits=WORD_BITS, char_bits=CHAR_BITS, word_ngrams=(1, 2), char_ngrams=(3, 5))
    width = 2**WORD_BITS + 2**CHAR_BITS
    coef = np.zeros((width, len(HEADS)), dtype=np.float32)
    for index, weight in (weights or {}).items():
        coef[index, 0] = weight
    return HeadSet(
        spec=spec,
        heads=HEADS,
        idf=np.ones(width, dtype=np.float32),
        coef=coef,
        intercept=np.full(len(HEADS), -2.0, dtype=np.float32),
        platt_a=np.ones(len(HEADS), dtype=np.float32),
        platt_b=np.zeros(len(HEADS), dtype=np.float32),
        thresholds=dict.fromkeys(HEADS, 0.5),
        meta={"version": "tiny-test"},
    )


def _detector_on(directory: Path) -> LinearHeadsDetector:
    params = LinearHeadsParams(
        artifact=str(directory),  # an absolute path replaces the bundled artifact root
        severities=dict.fromkeys(Category, 2),
        idioms_from=None,
    )
    return LinearHeadsDetector(params, DetectorContext(config_dir=str(CONFIG_DIR)))


def _word_index(gram: str) -> int:
    """Where scikit-learn's HashingVectorizer puts this word n-gram (the reference)."""
    n = len(re.findall(TOKEN_PATTERN, gram))
    vectorizer = HashingVectorizer(
        n_features=2**WORD_BITS,
        ngram_range=(n, n),
        alternate_sign=False,
        norm=None,
        token_pattern=TOKEN_PATTERN,
        lowercase=True,
    )
    indices = vectorizer.transform([gram]).indices
    assert len(indices) == 1, f"{gram!r} is not a single {n}-gram"
    return int(indices[0])


def _all_word_indices(text: str) -> list[int]:
    vectorizer = HashingVectorizer(
        n_features=2**WORD_BITS, ngram_range=(1, 2), alternate_sign=False, norm=None, token_pattern=TOKEN_PATTERN
    )
    row = vectorizer.transform([text])
    return [int(i) for i, count in zip(row.indices, row.data, strict=True) for _ in range(int(count))]


def test_when_a_headset_is_saved_and_loaded_then_it_round_trips(tmp_path: Path) -> None:
    original = _tiny_headset(weights={17: 1.5, 4242: -0.25})
    original.save(tmp_path / "tiny")
    loaded = HeadSet.load(tmp_path / "tiny")
    assert loaded.spec == original.spec
    assert loaded.heads == original.heads
    assert loaded.thresholds == original.thresholds
    for field in ("idf", "coef", "intercept", "platt_a", "platt_b"):
        assert np.array_equal(getattr(loaded, field), getattr(original, field)), field
    assert loaded.meta["version"] == "tiny-test"


def test_when_the_shipped_artifact_is_saved_again_then_loading_gives_the_same_model(tmp_path: Path) -> None:
    shipped = HeadSet.load(ARTIFACT_ROOT / "heads-v1")
    shipped.save(tmp_path / "copy")
    again = HeadSet.load(tmp_path / "copy")
    assert again.spec == shipped.spec
    assert again.heads == shipped.heads
    assert again.thresholds == shipped.thresholds
    for field in ("idf", "coef", "intercept", "platt_a", "platt_b"):
        assert np.array_equal(getattr(again, field), getattr(shipped, field)), field


def test_when_the_shipped_artifact_loads_then_it_has_a_head_and_threshold_per_category() -> None:
    shipped = HeadSet.load(ARTIFACT_ROOT / "heads-v1")
    assert set(shipped.heads) >= {c.value for c in Category}
    assert set(shipped.thresholds) == {*shipped.heads, "critical_confident"}
    assert all(0.0 < t < 1.0 for t in shipped.thresholds.values())
    # acting alone needs more confidence than asking for corroboration
    assert shipped.thresholds["critical_confident"] >= shipped.thresholds["critical"]


@pytest.mark.parametrize(
    ("text", "gram", "span_text"),
    [
        ("I have saved up all my pills", "pills", "pills"),
        ("I keep thinking I might kill myself soon", "kill myself", "kill myself"),
        ("PLEASE CANCEL MY ACCOUNT TODAY", "cancel my", "CANCEL MY"),
        ("I can't stop crying at night", "can't stop", "can't stop"),
        ("Le café était fermé", "café", "café"),
        ("naïve question about my naïve bill", "my naïve", "my naïve"),
    ],
)
def test_when_evidence_terms_are_chosen_then_their_hashed_index_matches_hashing_vectorizer(
    tmp_path: Path, text: str, gram: str, span_text: str
) -> None:
    target = _word_index(gram)
    assert _all_word_indices(text).count(target) == 1, "test text has a hash collision; pick another"
    _tiny_headset(weights={target: 3.0}).save(tmp_path / "tiny")
    detector = _detector_on(tmp_path / "tiny")
    spans = detector._top_terms(text, 0)
    assert [text[s:e] for s, e in spans] == [span_text]


WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéü'", min_size=1, max_size=8).filter(
    lambda w: re.fullmatch(TOKEN_PATTERN.removeprefix("(?u)"), w) is not None
)


@pytest.fixture(scope="module")
def blank_artifact(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("blank") / "tiny"
    _tiny_headset().save(directory)
    return directory


@given(words=st.lists(WORDS, min_size=1, max_size=8, unique=True), data=st.data())
def test_when_any_word_ngram_carries_the_weight_then_top_terms_points_at_it(
    blank_artifact: Path, words: list[str], data: st.DataObject
) -> None:
    text = " ".join(words)
    n = data.draw(st.integers(1, min(2, len(words))), label="n")
    start = data.draw(st.integers(0, len(words) - n), label="start")
    gram = " ".join(words[start : start + n])
    target = _word_index(gram)
    assume(_all_word_indices(text).count(target) == 1)
    detector = _detector_on(blank_artifact)
    detector.model.coef[:, 0] = 0.0
    detector.model.coef[target, 0] = 1.0
    spans = detector._top_terms(text, 0)
    assert [text[s:e] for s, e in spans] == [gram]


def test_when_the_artifact_directory_is_missing_then_loading_raises_model_artifact_error(tmp_path: Path) -> None:
    with pytest.raises(ModelArtifactError, match="cannot load model artifact"):
        HeadSet.load(tmp_path / "no-such-artifact")


def test_when_the_detector_points_at_a_missing_artifact_then_it_raises_model_artifact_error(tmp_path: Path) -> None:
    with pytest.raises(ModelArtifactError):
        _detector_on(tmp_path / "no-such-artifact")


def test_when_the_pipeline_config_names_a_missing_artifact_then_building_fails_with_model_artifact_error() -> None:
    config = PipelineConfig(
        detectors=(DetectorEntry.model_validate({"use": "model.linear_heads.v1", "with": {"artifact": "heads-v999"}}),)
    )
    with pytest.raises(ModelArtifactError, match="heads-v999"):
        build_detectors(config, config_dir=CONFIG_DIR)


def test_when_weights_do_not_match_meta_then_loading_raises_model_artifact_error(tmp_path: Path) -> None:
    _tiny_headset().save(tmp_path / "tiny")
    meta_path = tmp_path / "tiny" / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["features"]["word_bits"] = WORD_BITS + 1
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelArtifactError, match="do not match"):
        HeadSet.load(tmp_path / "tiny")


def test_when_the_weights_file_is_missing_then_loading_raises_model_artifact_error(tmp_path: Path) -> None:
    shutil.copytree(ARTIFACT_ROOT / "heads-v1", tmp_path / "partial", ignore=shutil.ignore_patterns("weights.npz"))
    with pytest.raises(ModelArtifactError):
        HeadSet.load(tmp_path / "partial")


def test_when_a_head_has_no_severity_configured_then_the_detector_refuses_to_start(tmp_path: Path) -> None:
    _tiny_headset().save(tmp_path / "tiny")
    params = LinearHeadsParams(artifact=str(tmp_path / "tiny"), severities={Category.ANGER: 1}, idioms_from=None)
    with pytest.raises(ModelArtifactError, match="no head or severity"):
        LinearHeadsDetector(params, DetectorContext(config_dir=str(CONFIG_DIR)))
