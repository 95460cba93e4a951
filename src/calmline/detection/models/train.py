"""``calmline train``: fit the linear heads from permissive public data and the project corpus.

Reproducible: a fixed seed, a fixed split, deterministic solvers. Refuses evaluation-only data.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, precision_recall_fscore_support

from calmline import __version__
from calmline.detection.models import datasets
from calmline.detection.models.datasets import Example
from calmline.detection.models.linear import FeatureSpec, FloatArray, HeadSet, featurize
from calmline.domain.signals import Category

TRAINING_SETS: dict[str, tuple[str, float]] = {
    # name -> (split, sample weight). The corpus speaks our domain; public sets add breadth.
    "goemotions": ("train", 0.5),
    "davidson": ("train", 0.3),
    "banking77": ("train", 0.5),
}
CORPUS_WEIGHT = 3.0
CRITICAL_RECALL = 0.95  # domain brief 0.1: tune S4 for recall; a human confirms before anything happens
CONFIDENT_PRECISION = 0.75  # above this the critical head may declare S4 without corroboration
HEADS: tuple[str, ...] = (*(c.value for c in Category), "critical")
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class TrainConfig:
    data_dir: Path
    corpus_dir: Path
    out_dir: Path
    seed: int = 13
    validation_share: float = 0.15
    c: float = 4.0
    public_limit: int | None = None  # a seeded sample of each public set (quick runs and tests)


def _labels(examples: Sequence[Example]) -> np.ndarray:
    matrix = np.zeros((len(examples), len(HEADS)), dtype=np.int8)
    for row, ex in enumerate(examples):
        for cat in ex.categories:
            matrix[row, HEADS.index(cat.value)] = 1
        if ex.severity >= 4:
            matrix[row, HEADS.index("critical")] = 1
    return matrix


def gather(config: TrainConfig) -> tuple[list[Example], np.ndarray]:
    """All training examples with their sample weights (permissive public sets + own corpus)."""
    examples: list[Example] = []
    weights: list[float] = []
    for name, (split, weight) in TRAINING_SETS.items():
        loaded = datasets.load(name, config.data_dir, split, for_training=True)
        if config.public_limit is not None and len(loaded) > config.public_limit:
            loaded = random.Random(config.seed).sample(loaded, config.public_limit)
        examples += loaded
        weights += [weight] * len(loaded)
    own = datasets.corpus(config.corpus_dir, "train")
    examples += own
    weights += [CORPUS_WEIGHT] * len(own)
    return examples, np.asarray(weights, dtype=np.float32)


def _idf(features: Sequence[str], spec: FeatureSpec) -> FloatArray:
    """Smoothed IDF per hashed feature, fitted on the training texts."""
    parts = []
    for vectorizer in spec.vectorizers():
        counts = vectorizer.transform(features).tocsc()
        df = np.diff(counts.indptr).astype(np.float64)
        parts.append(np.log((1 + len(features)) / (1 + df)) + 1.0)
    return np.concatenate(parts).astype(np.float32)


def _recall_threshold(y: np.ndarray, p: np.ndarray, *, target: float) -> float:
    """The highest threshold that still keeps recall at ``target`` (S4 statements: recall first)."""
    positives = np.sort(p[y == 1])
    if positives.size == 0:
        return 0.5
    index = int(np.floor((1.0 - target) * positives.size))
    return round(float(positives[index]) - 0.005, 3)


def _precision_threshold(y: np.ndarray, p: np.ndarray, *, target: float) -> float:
    """The lowest threshold whose precision reaches ``target`` (when the model may act alone)."""
    for t in np.arange(0.05, 0.995, 0.005):
        predicted = p >= t
        if predicted.sum() >= 5 and float((predicted & (y == 1)).sum()) / float(predicted.sum()) >= target:
            return round(float(t), 3)
    return 0.99


def _threshold(y: np.ndarray, p: np.ndarray, *, beta: float) -> float:
    best, best_t = -1.0, 0.5
    for t in np.arange(0.05, 0.96, 0.01):
        pred = p >= t
        tp = float((pred & (y == 1)).sum())
        prec = tp / max(pred.sum(), 1)
        rec = tp / max((y == 1).sum(), 1)
        f = (1 + beta**2) * prec * rec / max(beta**2 * prec + rec, 1e-9)
        if f > best:
            best, best_t = f, float(t)
    return round(best_t, 2)


def train(config: TrainConfig, *, progress: Progress) -> HeadSet:
    """Fit, calibrate and threshold every head; save the artifact and return it."""
    started = time.perf_counter()
    examples, weights = gather(config)
    order = list(range(len(examples)))
    random.Random(config.seed).shuffle(order)
    cut = int(len(order) * config.validation_share)
    val_idx, train_idx = sorted(order[:cut]), sorted(order[cut:])
    texts = [e.text for e in examples]
    labels = _labels(examples)
    spec = FeatureSpec()
    idf = _idf([texts[i] for i in train_idx], spec)
    features = featurize(texts, idf=idf, vectorizers=spec.vectorizers())
    x_train, x_val = features[train_idx], features[val_idx]
    coef = np.zeros((features.shape[1], len(HEADS)), dtype=np.float32)
    intercept = np.zeros(len(HEADS), dtype=np.float32)
    platt_a = np.ones(len(HEADS), dtype=np.float32)
    platt_b = np.zeros(len(HEADS), dtype=np.float32)
    thresholds: dict[str, float] = {}
    metrics: dict[str, dict[str, float]] = {}
    for h, head in enumerate(HEADS):
        progress(head, h, len(HEADS))
        y_train, y_val = labels[train_idx, h], labels[val_idx, h]
        if y_train.sum() == 0 or y_val.sum() == 0:
            raise ValueError(
                f"head {head!r} has no positive examples in training or validation; "
                f"is the corpus at {config.corpus_dir}?"
            )
        model = LogisticRegression(
            C=config.c, class_weight="balanced", solver="liblinear", max_iter=200, random_state=config.seed
        )
        model.fit(x_train, y_train, sample_weight=weights[train_idx])
        coef[:, h], intercept[h] = model.coef_[0], model.intercept_[0]
        margin = np.asarray(x_val @ coef[:, h]).ravel() + intercept[h]
        platt = LogisticRegression(C=1e4, solver="lbfgs").fit(margin.reshape(-1, 1), y_val)
        platt_a[h], platt_b[h] = platt.coef_[0, 0], platt.intercept_[0]
        prob = 1.0 / (1.0 + np.exp(-(platt_a[h] * margin + platt_b[h])))
        thresholds[head] = (
            _recall_threshold(y_val, prob, target=CRITICAL_RECALL)
            if head == "critical"
            else _threshold(y_val, prob, beta=1.0)
        )
        if head == "critical":
            thresholds["critical_confident"] = _precision_threshold(y_val, prob, target=CONFIDENT_PRECISION)
        p, r, f, _ = precision_recall_fscore_support(y_val, prob >= thresholds[head], average="binary", zero_division=0)
        metrics[head] = {
            "precision": round(float(p), 3),
            "recall": round(float(r), 3),
            "f1": round(float(f), 3),
            "pr_auc": round(float(average_precision_score(y_val, prob)), 3),
            "positives": int(y_val.sum()),
        }
    progress("done", len(HEADS), len(HEADS))
    meta = _meta(config, examples, weights, metrics, time.perf_counter() - started)
    heads = HeadSet(
        spec=spec,
        heads=HEADS,
        idf=idf,
        coef=coef,
        intercept=intercept,
        platt_a=platt_a,
        platt_b=platt_b,
        thresholds=thresholds,
        meta=meta,
    )
    heads.save(config.out_dir)
    write_model_card(config.out_dir, heads)
    return heads


def _meta(
    config: TrainConfig,
    examples: list[Example],
    weights: np.ndarray,
    metrics: dict[str, dict[str, float]],
    seconds: float,
) -> dict[str, Any]:
    sources: dict[str, int] = {}
    for ex in examples:
        key = ex.source.split(":")[0]
        sources[key] = sources.get(key, 0) + 1
    corpus_hash = hashlib.sha256()
    for path in sorted((config.corpus_dir / "train").glob("*.jsonl")):
        corpus_hash.update(path.read_bytes())
    return {
        "version": "heads-v1",
        "calmline": __version__,
        "seed": config.seed,
        "c": config.c,
        "validation_share": config.validation_share,
        "training_rows": sources,
        "weights": {**{k: v[1] for k, v in TRAINING_SETS.items()}, "corpus": CORPUS_WEIGHT},
        "licences": {name: datasets.LICENCES[name].name for name in TRAINING_SETS}
        | {"corpus": "this project (Apache-2.0)"},
        "corpus_sha256": corpus_hash.hexdigest()[:16],
        "validation": metrics,
        "train_seconds": round(seconds, 1),
        "total_weight": round(float(weights.sum()), 1),
    }


def write_model_card(directory: Path, heads: HeadSet) -> None:
    """MODEL_CARD.md beside the weights: data, licences, seed, metrics, limits."""
    meta = heads.meta
    extra = {k: v for k, v in heads.thresholds.items() if k not in meta["validation"]}
    rows = "\n".join(
        f"| {head} | {heads.thresholds[head]:.2f} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f}"
        f" | {m['pr_auc']:.3f} | {m['positives']} |"
        for head, m in meta["validation"].items()
    )
    sources = "\n".join(
        f"| {k} | {v} | {meta['licences'].get(k, '?')} | {meta['weights'].get(k, '?')} |"
        for k, v in meta["training_rows"].items()
    )
    text = f"""# Model card: linear heads `{meta["version"]}`

Detector `model.linear_heads.v1`. One logistic-regression head per risk category plus a
`critical` head (S4 statements), over hashed word
{heads.spec.word_ngrams[0]}-{heads.spec.word_ngrams[1]}-grams and character
{heads.spec.char_ngrams[0]}-{heads.spec.char_ngrams[1]}-grams
(2^{heads.spec.word_bits} + 2^{heads.spec.char_bits} features, sublinear TF x IDF), each head
Platt-calibrated on a held-back validation share. Weights are stored as float16 arrays.

## Training data (permissive licences and this project's own corpus only)
| source | rows | licence | sample weight |
|---|---|---|---|
{sources}

Mappings: GoEmotions anger/annoyance -> anger, fear/grief/nervousness/sadness -> distress;
Davidson hate or offensive -> abuse; BANKING77 -> no risk (routine queries). The corpus
(`corpus/train/*.jsonl`, sha256 prefix `{meta["corpus_sha256"]}`) is written by the project
for every category. Evaluation-only sets (SDCNL, ETHOS, dair-emotion, complaints, ESConv,
EPITOME, AnnoMI) never train this model: `datasets.load(..., for_training=True)` refuses them.

## Reproduce
`calmline train` (seed {meta["seed"]}, C={meta["c"]}, validation share {meta["validation_share"]});
took {meta["train_seconds"]} s on the 2-core reference machine.

## Validation (held-back {meta["validation_share"]:.0%} of the training mixture; thresholds chosen there)
Each category head's threshold maximises F1 there; the `critical` head's threshold is the
highest that keeps {CRITICAL_RECALL:.0%} recall of S4 statements there (recall first, domain
brief 0.1); `critical_confident` is the lowest threshold with {CONFIDENT_PRECISION:.0%} precision there.
Above `critical_confident` the model lifts its likeliest safety category (self_harm, threat,
medical_emergency) to S4 on its own, if that category's head at least half agrees. Between the
two thresholds it lifts only with corroboration: a rule signal of the same category in the
utterance, or earlier risk cues in the conversation (context rule). Rules outrank the model's
default severities; a cue the rules set aside (negation, idiom, guard) silences a model-only
signal in that category.

| head | threshold | precision | recall | F1 | PR-AUC | positives |
|---|---|---|---|---|---|---|
{rows}

Further thresholds: {", ".join(f"`{k}` = {v}" for k, v in extra.items()) or "none"}.

Test-set results against public data and peers are in `BENCHMARKS.md`.

## Limits
English only. Public training text is Reddit and Twitter; the corpus is written, not transcribed
from real calls. Davidson's labels carry documented dialect bias. Scores are calibrated on the
training mixture, not on any one organisation's traffic: review thresholds on local data.
"""
    (directory / "MODEL_CARD.md").write_text(text, encoding="utf-8")
