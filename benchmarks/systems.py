"""Calmline and the off-the-shelf peers (VADER, NRCLex, alt-profanity-check) behind one small interface."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from rich.progress import track

from benchmarks.metrics import Scored
from calmline.detection.analyzer import Analyzer, UtteranceAnalysis
from calmline.domain.signals import Category

CHUNK = 1000
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")


class Peer(Protocol):
    name: str
    description: str
    categories: tuple[Category, ...]

    def score(self, texts: Sequence[str]) -> dict[Category, Scored]: ...


@dataclass(slots=True)
class CalmlineOutput:
    """Calmline on a list of texts: per-category scores and decisions, utterance severity, signal summaries."""

    scores: dict[Category, Scored]
    severity: np.ndarray
    signals: list[list[str]] = field(default_factory=list)


def run_calmline(analyzer: Analyzer, texts: Sequence[str], *, label: str) -> CalmlineOutput:
    """Decision = a signal of the category exists; score = ``Analyzer.category_scores`` (the signal's
    score, or half the trained model's probability when there is no signal), a full ranking for PR-AUC."""
    results: list[UtteranceAnalysis] = []
    ranked: list[dict[Category, float]] = []
    for start in track(range(0, len(texts), CHUNK), description=f"  calmline on {label}", transient=True):
        chunk = list(texts[start : start + CHUNK])
        results += analyzer.utterances(chunk)
        ranked += analyzer.category_scores(chunk)
    scores = {}
    for category in Category:
        score = np.array([row[category] for row in ranked], dtype=np.float64)
        scores[category] = Scored(score=score, predicted=np.array([_fires(r, category) for r in results]))
    severity = np.array([int(r.severity) for r in results], dtype=np.int8)
    summaries = [[f"{s.category.value} S{int(s.severity)} {s.score:.2f}" for s in r.signals] for r in results]
    return CalmlineOutput(scores=scores, severity=severity, signals=summaries)


def _fires(result: UtteranceAnalysis, category: Category) -> bool:
    return any(s.category == category for s in result.signals)


class VaderPeer:
    name = "VADER"
    description = "vaderSentiment: score = `neg` of `polarity_scores`; positive when `compound` <= -0.05."
    categories: tuple[Category, ...] = (Category.ANGER, Category.DISTRESS, Category.ABUSE)

    def __init__(self) -> None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        self.analyzer = SentimentIntensityAnalyzer()

    def score(self, texts: Sequence[str]) -> dict[Category, Scored]:
        polarity = [self.analyzer.polarity_scores(t) for t in track(texts, description="  VADER", transient=True)]
        neg = np.array([p["neg"] for p in polarity], dtype=np.float64)
        negative = np.array([p["compound"] <= -0.05 for p in polarity])
        return {c: Scored(score=neg, predicted=negative) for c in self.categories}


NRC_LISTS: dict[Category, frozenset[str]] = {
    Category.ANGER: frozenset({"anger"}),
    Category.DISTRESS: frozenset({"fear", "sadness"}),
}


class NrcPeer:
    name = "NRCLex"
    description = (
        "NRCLex 4 `NRCLex().load_token_list(tokens)` on lower-cased word tokens: score = share of tokens in the "
        "anger list (anger) or the fear or sadness lists (distress); positive when at least one such token."
    )
    categories: tuple[Category, ...] = (Category.ANGER, Category.DISTRESS)

    def __init__(self) -> None:
        from nrclex import NRCLex

        self.lexicon: Any = NRCLex()

    def score(self, texts: Sequence[str]) -> dict[Category, Scored]:
        hits = {c: np.zeros(len(texts)) for c in self.categories}
        shares = {c: np.zeros(len(texts)) for c in self.categories}
        for row, text in enumerate(track(texts, description="  NRCLex", transient=True)):
            tokens = _WORD.findall(text.lower())
            self.lexicon.load_token_list(tokens)
            affect: dict[str, list[str]] = self.lexicon.affect_dict
            for category, lists in NRC_LISTS.items():
                hits[category][row] = sum(1 for t in tokens if lists.intersection(affect.get(t, ())))
                shares[category][row] = hits[category][row] / max(len(tokens), 1)
        return {c: Scored(score=shares[c], predicted=hits[c] > 0) for c in self.categories}


class ProfanityPeer:
    name = "alt-profanity-check"
    description = "alt-profanity-check: score = `predict_prob`; positive when > 0.5 (the decision of its `predict`)."
    categories: tuple[Category, ...] = (Category.ABUSE,)

    def __init__(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # its pickled model predates our scikit-learn
            import profanity_check

        self.predict_prob: Callable[[list[str]], np.ndarray] = profanity_check.predict_prob

    def score(self, texts: Sequence[str]) -> dict[Category, Scored]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            prob = np.asarray(self.predict_prob(list(texts)), dtype=np.float64)
        return {Category.ABUSE: Scored(score=prob, predicted=prob > 0.5)}


LEXICON_PEERS: tuple[Callable[[], Peer], ...] = (VaderPeer, NrcPeer, ProfanityPeer)
