"""Agent-technique coding against public counselling data (evaluation only: non-commercial licences).

The public label sets are not our codes, so each comparison maps a public label to the codes that
express it and scores a binary decision (the coder emits any of those codes). Mappings:

- EPITOME (Reddit response posts; level >= 1 is positive): emotional reactions -> EMP or LBL;
  explorations -> OQ; interpretations -> CR, LBL or SUM.
- AnnoMI (therapist utterances, deduplicated on transcript and utterance): reflection -> CR, LBL,
  SUM or ACK; open question -> OQ; closed question -> CQ.
- ESConv test (supporter turns): Question -> OQ or CQ; Reflection of feelings -> LBL or EMP;
  Restatement or Paraphrasing -> SUM, ACK or CR; Affirmation and Reassurance -> AFF.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from calmline.detection.techniques import TechniqueCoder

csv.field_size_limit(10_000_000)


@dataclass(frozen=True, slots=True)
class Item:
    text: str
    labels: frozenset[str]  # public labels that apply


COMPARISONS: dict[str, dict[str, tuple[str, ...]]] = {
    "epitome": {
        "emotional_reactions": ("EMP", "LBL"),
        "explorations": ("OQ",),
        "interpretations": ("CR", "LBL", "SUM"),
    },
    "annomi": {"reflection": ("CR", "LBL", "SUM", "ACK"), "open_question": ("OQ",), "closed_question": ("CQ",)},
    "esconv": {
        "Question": ("OQ", "CQ"),
        "Reflection of feelings": ("LBL", "EMP"),
        "Restatement or Paraphrasing": ("SUM", "ACK", "CR"),
        "Affirmation and Reassurance": ("AFF",),
    },
}
PUBLISHED = {
    "epitome": "Sharma et al. 2020, RoBERTa multi-task, 3-class accuracy / macro-F1: emotional reactions "
    "79.43 / 74.46, interpretations 84.04 / 62.60, explorations 92.61 / 72.58 (recalled in DATA.md; a 3-class task, "
    "ours is binary).",
    "annomi": "Wu et al. 2023 report macro-F1 for therapist-behaviour prediction with fine-tuned language models; the "
    "exact figures were not retrievable for DATA.md, so none is quoted.",
    "esconv": "Next-strategy prediction top-1 accuracy about 28.6% (BlenderBot-Joint) and 31.6% (MISC) (recalled in "
    "DATA.md; a different task: predicting the next strategy, not coding a written turn).",
}


def epitome(root: Path) -> list[Item]:
    pairs: dict[str, dict[str, Any]] = {}
    for label, name in (
        ("emotional_reactions", "emotional-reactions"),
        ("explorations", "explorations"),
        ("interpretations", "interpretations"),
    ):
        with (root / "epitome" / f"{name}-reddit.csv").open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                entry = pairs.setdefault(row["rp_id"], {"text": row["response_post"], "labels": set()})
                if int(row["level"]) >= 1:
                    entry["labels"].add(label)
    return [Item(p["text"], frozenset(p["labels"])) for p in pairs.values()]


def annomi(root: Path) -> list[Item]:
    seen: dict[tuple[str, str], Item] = {}
    with (root / "annomi" / "AnnoMI-full.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            key = (row["transcript_id"], row["utterance_id"])
            if row["interlocutor"] != "therapist" or key in seen:
                continue
            labels = set()
            if row["reflection_exists"] == "True":
                labels.add("reflection")
            if row["question_subtype"] in ("open", "closed"):
                labels.add(f"{row['question_subtype']}_question")
            seen[key] = Item(row["utterance_text"], frozenset(labels))
    return list(seen.values())


def esconv(root: Path) -> list[Item]:
    items = []
    with (root / "esconv" / "test.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            for turn in json.loads(line)["dialog"]:
                if turn["speaker"] == "sys":
                    items.append(Item(turn["text"], frozenset({turn.get("strategy") or "Others"})))
    return items


LOADERS: dict[str, Callable[[Path], list[Item]]] = {"epitome": epitome, "annomi": annomi, "esconv": esconv}


def evaluate(coder: TechniqueCoder, data_root: Path) -> list[dict[str, Any]]:
    """Precision, recall and F1 per (dataset, public label), with the codes it maps to."""
    rows = []
    for dataset, comparisons in COMPARISONS.items():
        try:
            items = LOADERS[dataset](data_root)
        except FileNotFoundError:
            continue
        coded = [{c.code for c in coder.code(item.text)} for item in items]
        for label, codes in comparisons.items():
            tp = fp = fn = 0
            for item, got in zip(items, coded, strict=True):
                predicted, actual = bool(got & set(codes)), label in item.labels
                tp += predicted and actual
                fp += predicted and not actual
                fn += actual and not predicted
            precision = tp / (tp + fp) if tp + fp else 0.0
            recall = tp / (tp + fn) if tp + fn else 0.0
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            rows.append(
                {
                    "dataset": dataset,
                    "label": label,
                    "codes": list(codes),
                    "n": len(items),
                    "positives": tp + fn,
                    "precision": round(precision, 3),
                    "recall": round(recall, 3),
                    "f1": round(f1, 3),
                }
            )
    return rows
