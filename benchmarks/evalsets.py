"""The evaluation sets, their category mappings, the training mixture and the published reference results.

Loading goes through ``calmline.detection.models.datasets`` (the documented mappings) and
``calmline.detection.models.train`` (the exact training mixture); nothing here re-implements them.
"""

from __future__ import annotations

import hashlib
import inspect
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from calmline.detection.models import datasets, train
from calmline.detection.models.datasets import Example
from calmline.domain.signals import Category

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = (REPO.parent / "shared" / "data").resolve()
DEFAULT_CORPUS = REPO / "corpus"
HELDOUT = "corpus_heldout"
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class EvalSpec:
    """One evaluation set: which loader and split, and the categories it can test."""

    name: str
    split: str
    categories: tuple[Category, ...]
    folder: str | None  # folder under the data directory holding DATA.md (None: the project's corpus)


EVAL_SPECS: tuple[EvalSpec, ...] = (
    EvalSpec("goemotions", "test", (Category.ANGER, Category.DISTRESS), "goemotions"),
    EvalSpec("davidson", "test", (Category.ABUSE,), "davidson-hate-offensive"),
    EvalSpec("sdcnl", "test", (Category.SELF_HARM,), "sdcnl-suicide-depression"),
    EvalSpec("ethos", "all rows", (Category.ABUSE, Category.THREAT), "ethos"),
    EvalSpec("dair_emotion", "test", (Category.ANGER, Category.DISTRESS), "dair-emotion"),
    EvalSpec("complaints", "all rows", (Category.ANGER,), "complaints-twitter"),
    EvalSpec(HELDOUT, "heldout", tuple(Category), None),
)

# How each published figure differs from what we measure (our own words; the figures are quoted from DATA.md).
COMPARABILITY: dict[str, str] = {
    "goemotions": "Different task: published figures are macro-F1 over 28 labels (or the Ekman / sentiment "
    "groupings) of models fine-tuned on GoEmotions; ours are binary F1 for two mapped categories.",
    "davidson": "Different task: the paper's F1 is a weighted 3-class figure of a model fitted on the whole corpus "
    "(no released split); ours is binary abuse (hate or offensive) on the seeded 20% test split.",
    "sdcnl": "Different setting: published figures come from classifiers trained on SDCNL after label correction; "
    "Calmline never sees SDCNL (evaluation-only licence) and we score the raw subreddit labels.",
    "ethos": "Closest in task (hate vs not ~ our abuse), but published models are trained on ETHOS itself and "
    "cross-validated; Calmline is not trained on ETHOS. No per-label figure is published for violence (our threat).",
    "dair_emotion": "Different task: published figures are 6-way accuracy / F1 of models fine-tuned on this data; "
    "ours are binary F1 for two mapped categories, without training on dair-emotion.",
    "complaints": "Related but different label: published F1 is complaint vs not with in-domain training; "
    "we map complaint -> anger and do not train on this data.",
}


@dataclass(frozen=True, slots=True)
class EvalSet:
    """An evaluation set as loaded (possibly subsampled)."""

    spec: EvalSpec
    examples: list[Example]

    @property
    def texts(self) -> list[str]:
        return [e.text for e in self.examples]

    def labels(self, category: Category) -> BoolArray:
        return np.fromiter((category in e.categories for e in self.examples), dtype=np.bool_, count=len(self.examples))


def load_eval_set(spec: EvalSpec, data_dir: Path, corpus_dir: Path) -> list[Example]:
    """All examples of one evaluation set (loaders without an official split ignore the split name)."""
    if spec.name == HELDOUT:
        return datasets.corpus(corpus_dir, spec.split)
    split = "test" if spec.split == "all rows" else spec.split
    return datasets.load(spec.name, data_dir, split)


def subsample(examples: Sequence[Example], limit: int | None, seed: int) -> list[Example]:
    """A seeded random subset of at most ``limit`` examples, in the original order."""
    if limit is None or len(examples) <= limit:
        return list(examples)
    chosen = sorted(random.Random(seed).sample(range(len(examples)), limit))
    return [examples[i] for i in chosen]


def load_eval_sets(
    data_dir: Path, corpus_dir: Path, *, limit: int | None, seed: int
) -> tuple[list[EvalSet], dict[str, int], list[str]]:
    """Every evaluation set that has data, the full size of each, and the names of those with none."""
    out, sizes, missing = [], {}, []
    for spec in EVAL_SPECS:
        try:
            examples = load_eval_set(spec, data_dir, corpus_dir)
        except FileNotFoundError:
            examples = []
        if not examples:
            missing.append(spec.name)
            continue
        sizes[spec.name] = len(examples)
        out.append(EvalSet(spec=spec, examples=subsample(examples, limit, seed)))
    return out, sizes, missing


def training_mixture(data_dir: Path, corpus_dir: Path) -> tuple[list[Example], np.ndarray]:
    """The exact mixture and sample weights Calmline's model trains on (``train.gather``)."""
    config = train.TrainConfig(data_dir=data_dir, corpus_dir=corpus_dir, out_dir=REPO / "benchmarks" / ".cache")
    return train.gather(config)


def cap_mixture(
    examples: Sequence[Example], weights: np.ndarray, cap: int | None, seed: int
) -> tuple[list[Example], np.ndarray]:
    """At most ``cap`` rows: every corpus row is kept, public rows are a seeded random sample of the rest."""
    if cap is None or len(examples) <= cap:
        return list(examples), weights
    own = [i for i, e in enumerate(examples) if e.source.startswith("corpus:")]
    public = [i for i, e in enumerate(examples) if not e.source.startswith("corpus:")]
    keep = sorted(own + random.Random(seed).sample(public, max(cap - len(own), 0)))
    return [examples[i] for i in keep], weights[keep]


def mixture_description() -> str:
    """The training mixture as imported from ``calmline.detection.models.train``."""
    parts = [f"{name} {split} (weight {weight})" for name, (split, weight) in train.TRAINING_SETS.items()]
    return ", ".join(parts) + f", corpus/train (weight {train.CORPUS_WEIGHT})"


def mapping_text(spec: EvalSpec, data_dir: Path) -> str:
    """The loader's own docstring (the documented mapping), plus the GoEmotions label table it applies."""
    if spec.name == HELDOUT:
        return _one_line(inspect.getdoc(datasets.corpus)) + " Categories come from each line's labels."
    text = _one_line(inspect.getdoc(datasets.LOADERS[spec.name]))
    if spec.name == "goemotions":
        text += " " + _goemotions_map(data_dir)
    return text


def _goemotions_map(data_dir: Path) -> str:
    names = (data_dir / "goemotions" / "emotions.txt").read_text(encoding="utf-8").split()
    groups: dict[Category, list[str]] = {}
    for label_id, category in sorted(datasets.GOEMOTIONS_MAP.items()):
        groups.setdefault(category, []).append(names[label_id])
    return "Mapping (`GOEMOTIONS_MAP`): " + "; ".join(f"{', '.join(v)} -> {k.value}" for k, v in groups.items()) + "."


def _one_line(doc: str | None) -> str:
    return " ".join((doc or "").split())


def published_results(data_dir: Path, spec: EvalSpec) -> str | None:
    """The 'Published reference results' section of the dataset's DATA.md, verbatim."""
    if spec.folder is None:
        return None
    path = data_dir / spec.folder / "DATA.md"
    if not path.is_file():
        return None
    match = re.search(r"^## Published reference results\s*\n(.*?)(?=^## |\Z)", path.read_text("utf-8"), re.M | re.S)
    return match.group(1).strip() if match else None


def training_overlap(eval_set: EvalSet, training_texts: frozenset[str]) -> int:
    """How many evaluation texts also occur verbatim (after trimming) in the training mixture."""
    return sum(1 for text in eval_set.texts if text.strip() in training_texts)


def fingerprint(paths: Sequence[Path]) -> str:
    """A short sha256 over file contents (which corpus files were measured)."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
