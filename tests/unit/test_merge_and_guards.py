"""Merging rule and model signals, sentence guards, and continuous category scores."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from calmline.detection.analyzer import Analyzer
from calmline.domain.errors import ConfigError
from calmline.domain.severity import Severity
from calmline.domain.signals import Category

CONFIG = Path(__file__).resolve().parents[2] / "config"


def _severity(analyzer: Analyzer, text: str, category: Category) -> Severity | None:
    found = [s.severity for s in analyzer.utterance(text).signals if s.category is category]
    return max(found) if found else None


GUARD_CASES = [
    # a real emergency mentioned next to a dog or CPR is still an emergency
    ("My dad's just collapsed while walking the dog, he's not answering me", Category.MEDICAL_EMERGENCY, Severity.S4),
    ("My friend's collapsed and she's not breathing, someone's doing CPR", Category.MEDICAL_EMERGENCY, Severity.S4),
    # past, fiction, pets and machines are not emergencies
    ("My mum had a stroke two years ago, she's fine now", Category.MEDICAL_EMERGENCY, None),
    ("We did CPR and choking on the first aid course at work", Category.MEDICAL_EMERGENCY, None),
    ("My cat had a seizure last month, is that covered by the pet policy?", Category.MEDICAL_EMERGENCY, None),
    ("The app keeps choking on my photos when I upload them", Category.MEDICAL_EMERGENCY, None),
    # an ordinary farewell to a company is not a goodbye
    ("This is my last call to you lot, I'm switching provider tomorrow", Category.SELF_HARM, None),
]


@pytest.mark.parametrize(("text", "category", "expected"), GUARD_CASES)
def test_when_a_sentence_guard_applies_then_only_real_emergencies_remain(
    analyzer: Analyzer, text: str, category: Category, expected: Severity | None
) -> None:
    assert _severity(analyzer, text, category) == expected


def test_when_a_rule_and_the_model_agree_then_the_rule_sets_the_severity(analyzer: Analyzer) -> None:
    signal = next(s for s in analyzer.utterance("everyone would be better off without me").signals)
    assert signal.category is Category.SELF_HARM
    assert signal.severity == Severity.S2  # the passive-death-wish rule, not the model's default S3
    assert signal.evidence.detector == "rules.lexicon.v1"


def test_when_a_cue_is_negated_then_the_model_cannot_raise_it_on_its_own(analyzer: Analyzer) -> None:
    assert _severity(analyzer, "I'm not suicidal, just fed up with the waiting", Category.SELF_HARM) is None


def test_when_category_scores_are_asked_then_signalled_texts_rank_above_unsignalled(analyzer: Analyzer) -> None:
    texts = ["I want to kill myself", "can I check my balance please", ""]
    scores = analyzer.category_scores(texts)
    assert len(scores) == len(texts)
    assert all(set(row) == set(Category) for row in scores)
    assert all(0.0 <= v <= 1.0 for row in scores for v in row.values())
    assert scores[0][Category.SELF_HARM] > 0.5 > scores[1][Category.SELF_HARM]
    assert analyzer.category_scores([]) == []


def test_when_a_rule_names_an_unknown_guard_then_loading_fails_naming_file_and_rule(tmp_path: Path) -> None:
    config = tmp_path / "config"
    shutil.copytree(CONFIG, config)
    path = config / "rules" / "medical_emergency.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("[past, hypothetical, pet]", "[past, bogus]", 1))
    with pytest.raises(ConfigError) as error:
        Analyzer.load(config)
    assert "medical_emergency.yaml" in str(error.value)
    assert "medical.not_breathing" in str(error.value)
    assert "bogus" in str(error.value)
