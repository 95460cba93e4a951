"""A linear model over hashed word and character n-grams: one calibrated head per category.

The artifact is plain arrays (``.npz``) plus JSON metadata - no pickles - so it loads safely and
identically on any scikit-learn version in our range. Inference for one utterance takes well
under a millisecond; batches are vectorised.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from pydantic import Field
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.utils import murmurhash3_32

from calmline.detection.base import (
    CRITICAL_TAG,
    CRITICAL_WEAK_TAG,
    LEAD_ONLY_TAG,
    MODEL_TAG,
    Detector,
    DetectorContext,
    DetectorParams,
    DetectorSpec,
    detectors,
)
from calmline.detection.builtin.rulebook import CompiledIdiom, combine_idioms, load_idioms
from calmline.detection.text import Prepared, third_person_subject
from calmline.domain.errors import ModelArtifactError
from calmline.domain.severity import Severity
from calmline.domain.signals import Category, Signal, Subject

ARTIFACT_ROOT = Path(__file__).parent / "artifacts"
TOKEN_PATTERN = r"(?u)\b\w[\w']*\b"
_TOKEN = re.compile(TOKEN_PATTERN)
FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class FeatureSpec:
    """How text becomes a vector; saved with the model so training and serving agree."""

    word_bits: int = 17
    char_bits: int = 17
    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (3, 5)

    def vectorizers(self) -> tuple[HashingVectorizer, HashingVectorizer]:
        word = HashingVectorizer(
            n_features=2**self.word_bits,
            ngram_range=self.word_ngrams,
            alternate_sign=False,
            norm=None,
            token_pattern=TOKEN_PATTERN,
            lowercase=True,
            dtype=np.float32,
        )
        char = HashingVectorizer(
            n_features=2**self.char_bits,
            analyzer="char_wb",
            ngram_range=self.char_ngrams,
            alternate_sign=False,
            norm=None,
            lowercase=True,
            dtype=np.float32,
        )
        return word, char


def featurize(
    texts: Sequence[str],
    *,
    idf: FloatArray,
    vectorizers: tuple[HashingVectorizer, HashingVectorizer],
) -> sp.csr_matrix:
    """Sublinear TF x IDF over word and char n-grams, each block L2-normalised."""
    blocks = []
    offset = 0
    for vectorizer in vectorizers:
        counts = vectorizer.transform(texts).tocsr()
        counts.data = 1.0 + np.log(counts.data)
        width = counts.shape[1]
        counts = counts.multiply(idf[offset : offset + width]).tocsr()
        norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        blocks.append(sp.diags((1.0 / norms).astype(np.float32)) @ counts)
        offset += width
    return sp.hstack(blocks, format="csr", dtype=np.float32)


@dataclass(frozen=True, slots=True)
class HeadSet:
    """Weights, calibration and thresholds of every head."""

    spec: FeatureSpec
    heads: tuple[str, ...]
    idf: FloatArray
    coef: FloatArray  # (features, heads)
    intercept: FloatArray
    platt_a: FloatArray
    platt_b: FloatArray
    thresholds: dict[str, float]
    meta: dict[str, Any]

    def save(self, directory: Path) -> None:
        """Write to a sibling folder, then swap it in: a reader never sees a half-written model."""
        staging = directory.with_name(directory.name + ".tmp")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        self._write(staging)
        previous = directory.with_name(directory.name + ".old")
        shutil.rmtree(previous, ignore_errors=True)
        if directory.exists():
            directory.rename(previous)
        staging.rename(directory)
        shutil.rmtree(previous, ignore_errors=True)

    def _write(self, directory: Path) -> None:
        np.savez_compressed(
            directory / "weights.npz",
            idf=self.idf.astype(np.float32),
            coef=self.coef.astype(np.float16),
            intercept=self.intercept,
            platt_a=self.platt_a,
            platt_b=self.platt_b,
        )
        meta = {
            **self.meta,
            "heads": list(self.heads),
            "thresholds": self.thresholds,
            "features": {
                "word_bits": self.spec.word_bits,
                "char_bits": self.spec.char_bits,
                "word_ngrams": list(self.spec.word_ngrams),
                "char_ngrams": list(self.spec.char_ngrams),
            },
        }
        (directory / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> HeadSet:
        try:
            meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
            arrays = np.load(directory / "weights.npz")
        except (OSError, ValueError) as exc:
            raise ModelArtifactError(f"{directory}: cannot load model artifact: {exc}") from exc
        f = meta["features"]
        spec = FeatureSpec(f["word_bits"], f["char_bits"], tuple(f["word_ngrams"]), tuple(f["char_ngrams"]))
        coef = arrays["coef"].astype(np.float32)
        if coef.shape != (2**spec.word_bits + 2**spec.char_bits, len(meta["heads"])):
            raise ModelArtifactError(f"{directory}: weights do not match meta.json")
        return cls(
            spec=spec,
            heads=tuple(meta["heads"]),
            idf=arrays["idf"],
            coef=coef,
            intercept=arrays["intercept"],
            platt_a=arrays["platt_a"],
            platt_b=arrays["platt_b"],
            thresholds=dict(meta["thresholds"]),
            meta=meta,
        )

    def probabilities(self, features: sp.csr_matrix) -> FloatArray:
        """Calibrated probabilities, shape (texts, heads)."""
        margin = np.asarray(features @ self.coef) + self.intercept
        probs: FloatArray = (1.0 / (1.0 + np.exp(-(self.platt_a * margin + self.platt_b)))).astype(np.float32)
        return probs


class LinearHeadsParams(DetectorParams):
    artifact: str = "heads-v1"
    severities: dict[Category, int] = Field(default_factory=dict)
    critical_head: str = "critical"
    # The critical head lifts its likeliest safety category only if that category's own head at
    # least partly agrees (probability >= this share of its threshold).
    lead_agreement: float = Field(default=0.5, ge=0.0, le=1.0)
    critical_categories: tuple[Category, ...] = (Category.SELF_HARM, Category.THREAT, Category.MEDICAL_EMERGENCY)
    max_evidence_terms: int = Field(default=3, ge=1, le=10)
    idioms_from: str | None = "rules"


@detectors.register("model.linear_heads.v1")
class LinearHeadsDetector(Detector):
    """Catches what rules miss (implicit hopelessness, veiled threats) with calibrated scores."""

    spec = DetectorSpec(categories=tuple(Category), emits=tuple(Severity)[1:])
    Params = LinearHeadsParams

    def __init__(self, params: LinearHeadsParams, context: DetectorContext) -> None:
        directory = ARTIFACT_ROOT / params.artifact
        self.idioms: tuple[CompiledIdiom, ...] = ()
        if params.idioms_from is not None:
            self.idioms = load_idioms(Path(context.config_dir) / params.idioms_from)
        self.idiom_scan = combine_idioms(self.idioms)
        self.model = HeadSet.load(directory)
        self.params = params
        self.vectorizers = self.model.spec.vectorizers()
        self.model_version = str(self.model.meta.get("version", params.artifact))
        missing = [c for c in Category if c.value not in self.model.heads or c not in params.severities]
        if missing:
            raise ModelArtifactError(f"{directory}: no head or severity for {', '.join(missing)}")

    def detect(self, utterance: Prepared) -> list[Signal]:
        return self.detect_batch([utterance])[0]

    def detect_batch(self, utterances: Sequence[Prepared]) -> list[list[Signal]]:
        if not utterances:
            return []
        probs = self.probabilities(utterances)
        return [self._signals(u, row) for u, row in zip(utterances, probs, strict=True)]

    def probabilities(self, utterances: Sequence[Prepared]) -> FloatArray:
        """Calibrated probability of every head (columns in ``self.model.heads`` order)."""
        features = featurize([u.text for u in utterances], idf=self.model.idf, vectorizers=self.vectorizers)
        return self.model.probabilities(features)

    def _signals(self, utterance: Prepared, row: FloatArray) -> list[Signal]:
        if not utterance.text.strip():
            return []
        critical = self._prob(row, self.params.critical_head)
        # The critical head says "S4" without saying which category: it lifts the likeliest one.
        lead = max(self.params.critical_categories, key=lambda c: self._prob(row, c.value))
        agrees = self._prob(row, lead.value) >= self.params.lead_agreement * self.model.thresholds[lead.value]
        critical_hit = critical >= self.model.thresholds[self.params.critical_head] and agrees
        if not critical_hit and all(self._prob(row, c.value) < self.model.thresholds[c.value] for c in Category):
            return []  # the common case: nothing to say, so no need to look for idioms
        guarded = self._idiom_categories(utterance.text)
        confident = critical >= self.model.thresholds.get("critical_confident", 1.0)
        out = []
        for category in Category:
            prob = self._prob(row, category.value)
            threshold = self.model.thresholds[category.value]
            is_lead = critical_hit and category is lead
            if category in guarded or (prob < threshold and not is_lead):
                continue
            severity = Severity(self.params.severities[category])
            rule = f"head {category.value} p={prob:.2f} (threshold {threshold:.2f})"
            tags: tuple[str, ...] = (MODEL_TAG,)
            if is_lead:
                rule += f"; critical p={critical:.2f}" + (" (confident)" if confident else " (needs corroboration)")
                tags += (CRITICAL_TAG,) if confident else (CRITICAL_WEAK_TAG,)
                tags += (LEAD_ONLY_TAG,) if prob < threshold else ()
                severity = Severity.S4 if confident else severity
            out.append(self._signal(utterance, category, severity, rule, prob, tags))
        return out

    def _signal(
        self,
        utterance: Prepared,
        category: Category,
        severity: Severity,
        rule: str,
        score: float,
        tags: tuple[str, ...],
    ) -> Signal:
        spans = self._top_terms(utterance.text, self.model.heads.index(category.value))
        evidence = self.evidence(rule=rule, score=round(float(score), 3), utterance=utterance, spans=spans, tags=tags)
        evidence = evidence.model_copy(update={"version": f"{self.version}+{self.model_version}"})
        return self.signal(
            category=category, severity=severity, subject=_subject(category, utterance.text), evidence=evidence
        )

    def _idiom_categories(self, text: str) -> set[Category]:
        """Categories a benign figure of speech in the text rules out for the model (the rules decide)."""
        found: set[Category] = set()
        for match in self.idiom_scan.finditer(text.lower()):
            found.update(self.idioms[int((match.lastgroup or "i0")[1:])].spec.suppresses)
        return found

    def _prob(self, row: FloatArray, head: str) -> float:
        return float(row[self.model.heads.index(head)])

    def _top_terms(self, text: str, head: int) -> tuple[tuple[int, int], ...]:
        """Spans of the word n-grams that pushed this head up the most (the model's 'why'), strongest first."""
        tokens = [(m.start(), m.end(), m.group(0).lower()) for m in _TOKEN.finditer(text[:5000])]
        width = 2**self.model.spec.word_bits
        spans: list[tuple[int, int]] = []
        indices: list[int] = []
        for n in range(self.model.spec.word_ngrams[0], self.model.spec.word_ngrams[1] + 1):
            for i in range(len(tokens) - n + 1):
                gram = " ".join(t[2] for t in tokens[i : i + n])
                indices.append(abs(murmurhash3_32(gram, seed=0)) % width)  # HashingVectorizer's own indexing
                spans.append((tokens[i][0], tokens[i + n - 1][1]))
        if not indices:
            return ()
        where = np.asarray(indices)
        weights = self.model.coef[where, head] * self.model.idf[where]
        order = np.argsort(-weights, kind="stable")[: self.params.max_evidence_terms]
        return tuple(spans[i] for i in order if weights[i] > 0)  # strongest first


def _subject(category: Category, text: str) -> Subject:
    if category is Category.ABUSE:
        return Subject.AGENT
    if category is Category.THREAT:
        return Subject.THIRD_PARTY
    return Subject.THIRD_PARTY if third_person_subject(text) else Subject.SELF
