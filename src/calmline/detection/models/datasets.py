"""Public labelled datasets mapped onto Calmline's categories.

Each loader documents its mapping; ``LICENCES`` says which sets may train a shipped model
(Apache, MIT and CC BY only). The others are for evaluation.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from calmline.domain.signals import Category

csv.field_size_limit(10_000_000)


@dataclass(frozen=True, slots=True)
class Example:
    """One text with the set of categories it carries (empty: no risk) and where it came from."""

    text: str
    categories: frozenset[Category]
    source: str
    severity: int = 0
    kind: str | None = None  # hard negatives: idiom, negation, past, media, routine, plain


@dataclass(frozen=True, slots=True)
class Licence:
    name: str
    trainable: bool


LICENCES: dict[str, Licence] = {
    "goemotions": Licence("Apache-2.0", trainable=True),
    "davidson": Licence("MIT", trainable=True),
    "banking77": Licence("CC BY 4.0", trainable=True),
    "sdcnl": Licence("none stated (research use)", trainable=False),
    "ethos": Licence("GPL-3.0", trainable=False),
    "dair_emotion": Licence("research/educational only", trainable=False),
    "complaints": Licence("none stated (research use)", trainable=False),
}

# GoEmotions label ids (emotions.txt): anger 2, annoyance 3, fear 14, grief 16, nervousness 19,
# remorse 24, sadness 25. Anger at the situation <- anger, annoyance; distress <- fear, grief,
# nervousness, sadness.
GOEMOTIONS_MAP: dict[int, Category] = {
    2: Category.ANGER, 3: Category.ANGER,
    14: Category.DISTRESS, 16: Category.DISTRESS, 19: Category.DISTRESS, 25: Category.DISTRESS,
}  # fmt: skip
SPLIT_SEED = 13


def goemotions(root: Path, split: str) -> list[Example]:
    """GoEmotions official split ('train', 'dev', 'test')."""
    out = []
    with (root / "goemotions" / f"{split}.tsv").open(encoding="utf-8") as handle:
        for line in handle:
            text, ids, _ = line.rstrip("\n").split("\t")
            cats = frozenset(GOEMOTIONS_MAP[i] for i in map(int, ids.split(",")) if i in GOEMOTIONS_MAP)
            out.append(Example(text=text, categories=cats, source="goemotions"))
    return out


def _seeded_split(items: list[Example], split: str, *, strata: list[str], test_share: float = 0.2) -> list[Example]:
    """A seeded split, stratified: each stratum keeps its share in train and test."""
    by_stratum: dict[str, list[int]] = {}
    for index, stratum in enumerate(strata):
        by_stratum.setdefault(stratum, []).append(index)
    chosen: list[int] = []
    rng = random.Random(SPLIT_SEED)
    for stratum in sorted(by_stratum):
        order = by_stratum[stratum]
        rng.shuffle(order)
        cut = int(len(order) * test_share)
        chosen += order[:cut] if split == "test" else order[cut:]
    return [items[i] for i in sorted(chosen)]


def davidson(root: Path, split: str) -> list[Example]:
    """Davidson et al.: hate speech or offensive language -> abusive language (seeded 80/20 split,
    stratified on the three classes as its DATA.md recommends)."""
    items, classes = [], []
    with (root / "davidson-hate-offensive" / "labeled_data.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            cats = frozenset({Category.ABUSE}) if row["class"] in ("0", "1") else frozenset()
            items.append(Example(text=row["tweet"], categories=cats, source="davidson"))
            classes.append(row["class"])
    return _seeded_split(items, split, strata=classes)


def banking77(root: Path, split: str) -> list[Example]:
    """BANKING77 routine customer-service queries: no risk category (hard negatives)."""
    with (root / "banking77" / f"{split}.csv").open(encoding="utf-8") as handle:
        return [Example(text=row["text"], categories=frozenset(), source="banking77") for row in csv.DictReader(handle)]


def sdcnl(root: Path, split: str) -> list[Example]:
    """SDCNL r/SuicideWatch (self_harm) vs r/depression (depression) posts; title + body."""
    name = "testing-set.csv" if split == "test" else "training-set.csv"
    out = []
    with (root / "sdcnl-suicide-depression" / name).open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            cat = Category.SELF_HARM if row["is_suicide"] == "1" else Category.DEPRESSION
            text = f"{row['title']}. {row['selftext']}".strip()
            out.append(Example(text=text, categories=frozenset({cat}), source="sdcnl"))
    return out


def ethos(root: Path, split: str) -> list[Example]:
    """ETHOS binary set: threat <- violence incitement >= 0.5; abuse <- isHate >= 0.5 (all rows)."""
    del split  # no official split: the whole set is evaluation data
    violent: dict[str, float] = {}
    with (root / "ethos" / "Ethos_Dataset_Multi_Label.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            violent[_squash(row["comment"])] = float(row["violence"])
    out = []
    with (root / "ethos" / "Ethos_Dataset_Binary.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            cats = set()
            if float(row["isHate"]) >= 0.5:
                cats.add(Category.ABUSE)
            if violent.get(_squash(row["comment"]), 0.0) >= 0.5:
                cats.add(Category.THREAT)
            out.append(Example(text=row["comment"], categories=frozenset(cats), source="ethos"))
    return out


def _squash(text: str) -> str:
    """The two ETHOS files differ in spacing (non-breaking, trailing) for a few comments."""
    return " ".join(text.split())


def dair_emotion(root: Path, split: str) -> list[Example]:
    """dair-ai emotion: anger -> anger; fear, sadness -> distress."""
    mapping = {"anger": Category.ANGER, "fear": Category.DISTRESS, "sadness": Category.DISTRESS}
    name = {"dev": "val"}.get(split, split)
    out = []
    with (root / "dair-emotion" / f"{name}.txt").open(encoding="utf-8") as handle:
        for line in handle:
            text, _, label = line.rstrip("\n").rpartition(";")
            cats = frozenset({mapping[label]}) if label in mapping else frozenset()
            out.append(Example(text=text, categories=cats, source="dair_emotion"))
    return out


def complaints(root: Path, split: str) -> list[Example]:
    """Complaints on Twitter: complaint -> anger (S1 frustration); evaluation over all rows."""
    del split
    out = []
    with (root / "complaints-twitter" / "complaints-data.csv").open(encoding="utf-8") as handle:
        for row in csv.reader(handle):
            cats = frozenset({Category.ANGER}) if row[2] == "1" else frozenset()
            out.append(Example(text=row[1], categories=cats, source="complaints"))
    return out


LOADERS: dict[str, Callable[[Path, str], list[Example]]] = {
    "goemotions": goemotions,
    "davidson": davidson,
    "banking77": banking77,
    "sdcnl": sdcnl,
    "ethos": ethos,
    "dair_emotion": dair_emotion,
    "complaints": complaints,
}


def load(name: str, root: Path, split: str, *, for_training: bool = False) -> list[Example]:
    """Load a dataset; refuses to hand a non-permissive set to training."""
    if for_training and not LICENCES[name].trainable:
        raise PermissionError(f"{name} ({LICENCES[name].name}) is evaluation-only; it cannot train a shipped model")
    return LOADERS[name](root, split)


def corpus(root: Path, split: str) -> list[Example]:
    """The project's own labelled corpus (``corpus/train`` or ``corpus/heldout``)."""
    out = []
    for path in sorted((root / split).glob("*.jsonl")):
        for record in _jsonl(path):
            labels = record.get("labels", [])
            cats = frozenset(Category(label["category"]) for label in labels)
            severity = max((int(label["severity"]) for label in labels), default=0)
            kind = record.get("kind")
            out.append(
                Example(
                    text=record["text"],
                    categories=cats,
                    source=f"corpus:{path.stem}",
                    severity=severity,
                    kind=kind if isinstance(kind, str) else None,
                )
            )
    return out


def _jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)
