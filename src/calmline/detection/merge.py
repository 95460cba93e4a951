"""Merging what the detectors said into one explained signal per category and subject.

Rules outrank a model's default severity (they are specific); a model corroborates their score
and its critical head may lift an S3 rule signal to S4. A cue the rules set aside (negated, an
idiom, a guard) silences a model-only signal in that category, and so does a rule span that
already explains the model's strongest words. Vetoes are never returned.
"""

from __future__ import annotations

from calmline.detection.base import (
    CRITICAL_TAG,
    CRITICAL_WEAK_TAG,
    INTENSITY_TAG,
    LEAD_ONLY_TAG,
    MODEL_TAG,
    VETO_TAG,
)
from calmline.domain.severity import Severity
from calmline.domain.signals import Adjustment, Category, Signal, Subject


def merge_signals(signals: list[Signal]) -> list[Signal]:
    """One signal per category and subject, strongest first."""
    vetoes = {s.category for s in signals if VETO_TAG in s.evidence.tags}
    by_category: dict[Category, list[Signal]] = {}
    for signal in signals:
        if VETO_TAG not in signal.evidence.tags:
            by_category.setdefault(signal.category, []).append(signal)
    claimed = [(span.start, span.end) for s in signals if MODEL_TAG not in s.evidence.tags for span in s.evidence.spans]
    # A rule already found the emergency: the critical head's category guess adds nothing.
    rule_s4 = any(s.severity == Severity.S4 and MODEL_TAG not in s.evidence.tags for s in signals)
    merged: list[Signal] = []
    for category, group in by_category.items():
        specific = [s for s in group if MODEL_TAG not in s.evidence.tags]
        learned = [s for s in group if MODEL_TAG in s.evidence.tags]
        if specific:
            merged += _with_model(_by_subject(specific), learned)
        elif category not in vetoes:
            kept = [
                s for s in learned if not _explained(s, claimed) and not (rule_s4 and LEAD_ONLY_TAG in s.evidence.tags)
            ]
            merged += _by_subject(kept)
    merged.sort(key=lambda s: (s.severity, s.score), reverse=True)
    return merged


def _explained(signal: Signal, claimed: list[tuple[int, int]]) -> bool:
    """True when the words that moved the model most already belong to a rule's cue (explained away)."""
    if not signal.evidence.spans:
        return False
    strongest = signal.evidence.spans[0]
    return any(a <= strongest.start and strongest.end <= b for a, b in claimed)


def _by_subject(group: list[Signal]) -> list[Signal]:
    subjects: dict[Subject, list[Signal]] = {}
    for signal in group:
        subjects.setdefault(signal.subject, []).append(signal)
    return [_merge_group(members) for members in subjects.values()]


def _corroborate(score: float, other: Signal) -> tuple[float, Adjustment]:
    """Noisy-or: another detector agreeing raises the score, by half its own confidence."""
    new = round(1 - (1 - score) * (1 - 0.5 * other.score), 3)
    reason = f"corroborated by {other.evidence.detector} ({other.evidence.rule})"
    return new, Adjustment(reason=reason, score_before=score, score_after=new)


def _raised(reason: str, score: float, before: Severity, after: Severity) -> Adjustment:
    return Adjustment(
        reason=reason, score_before=score, score_after=score, severity_before=before, severity_after=after
    )


def _finish(
    top: Signal, *, score: float, severity: Severity, adjustments: list[Adjustment], tags: tuple[str, ...] | None = None
) -> Signal:
    update: dict[str, object] = {"adjustments": tuple(adjustments)}
    if tags is not None:
        update["tags"] = tags
    evidence = top.evidence.model_copy(update=update)
    return top.model_copy(update={"score": min(score, 0.999), "severity": severity, "evidence": evidence})


def _with_model(merged: list[Signal], learned: list[Signal]) -> list[Signal]:
    """Let the model corroborate the strongest rule signal of the category."""
    if not learned:
        return merged
    merged.sort(key=lambda s: (s.severity, s.score), reverse=True)
    top, model = merged[0], max(learned, key=lambda s: (s.severity, s.score))
    score, adjustment = _corroborate(top.score, model)
    adjustments = [*top.evidence.adjustments, adjustment]
    severity = top.severity
    if {CRITICAL_TAG, CRITICAL_WEAK_TAG} & set(model.evidence.tags) and top.severity == Severity.S3:
        severity = Severity.S4
        adjustments.append(_raised("model's critical head lifts S3 to S4", score, top.severity, severity))
    merged[0] = _finish(top, score=score, severity=severity, adjustments=adjustments)
    return merged


def _merge_group(group: list[Signal]) -> Signal:
    group = sorted(group, key=lambda s: (s.severity, s.score), reverse=True)
    top = group[0]
    if len(group) == 1:
        return top
    score = top.score
    adjustments = list(top.evidence.adjustments)
    for other in group[1:]:
        score, adjustment = _corroborate(score, other)
        adjustments.append(adjustment)
    severity = top.severity
    if any(INTENSITY_TAG in s.evidence.tags for s in group) and top.category is Category.ANGER and severity < 2:
        severity = Severity(severity + 1)
        adjustments.append(_raised("shouting raises anger one step", score, top.severity, severity))
    tags = tuple(dict.fromkeys(t for s in group for t in s.evidence.tags))
    return _finish(top, score=score, severity=severity, adjustments=adjustments, tags=tags)
