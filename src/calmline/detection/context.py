"""Conversation context: one tracker per contact.

Severity ratchets up and never down by itself; cues add up across turns (earlier hopelessness
plus a later "sorted out who gets my things"); the anger trajectory and the count of abusive
turns are kept. Only customer turns produce customer-risk signals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from calmline.detection.config import ContextConfig, ContextRule
from calmline.detection.pipeline import UtteranceResult
from calmline.domain.severity import Severity, ratchet
from calmline.domain.signals import Adjustment, Category, Signal

Trajectory = Literal["escalating", "steady", "calming"]
_HOSTILE = (Category.ANGER, Category.ABUSE, Category.THREAT)


@dataclass(frozen=True, slots=True)
class TurnContext:
    """What the tracker concluded about one turn."""

    index: int
    speaker: str
    signals: list[Signal]
    severity: Severity
    contact_severity: Severity
    trajectory: Trajectory
    abusive_turns: int


@dataclass(slots=True)
class ConversationTracker:
    """Per-contact state; feed it each turn's detection result in order."""

    config: ContextConfig
    severity: Severity = Severity.S0
    abusive_turns: int = 0
    anger_levels: list[float] = field(default_factory=list)
    seen_tags: dict[str, int] = field(default_factory=dict)  # tag -> first turn index seen
    turns: int = 0

    def observe(self, *, speaker: str, result: UtteranceResult) -> TurnContext:
        index = self.turns
        self.turns += 1
        if speaker != "customer":
            return self._context(index, speaker, [], Severity.S0)
        signals = [self._apply_rules(s, index) for s in result.signals]
        signals.sort(key=lambda s: (s.severity, s.score), reverse=True)
        for signal in signals:
            for tag in (*signal.evidence.tags, signal.category.value):
                self.seen_tags.setdefault(tag, index)
        if any(s.category is Category.ABUSE for s in signals):
            self.abusive_turns += 1
        self.anger_levels.append(_anger_level(signals))
        turn_severity = max((s.severity for s in signals), default=Severity.S0)
        self.severity = ratchet(self.severity, turn_severity)
        return self._context(index, speaker, signals, turn_severity)

    def _context(self, index: int, speaker: str, signals: list[Signal], severity: Severity) -> TurnContext:
        return TurnContext(
            index=index,
            speaker=speaker,
            signals=signals,
            severity=severity,
            contact_severity=self.severity,
            trajectory=self.trajectory,
            abusive_turns=self.abusive_turns,
        )

    def _apply_rules(self, signal: Signal, index: int) -> Signal:
        for rule in self.config.rules:
            earlier = self._earlier(rule, index)
            if earlier is None or rule.category is not signal.category or signal.severity >= rule.raise_to:
                continue
            if not set(rule.current_tags) & set(signal.evidence.tags):
                continue
            tag, turn = earlier
            adjustment = Adjustment(
                reason=f"{rule.id}: '{tag}' cue at turn {turn} then this turn",
                score_before=signal.score,
                score_after=signal.score,
                severity_before=signal.severity,
                severity_after=Severity(rule.raise_to),
            )
            evidence = signal.evidence.model_copy(update={"adjustments": (*signal.evidence.adjustments, adjustment)})
            signal = signal.model_copy(update={"severity": Severity(rule.raise_to), "evidence": evidence})
        return signal

    def _earlier(self, rule: ContextRule, index: int) -> tuple[str, int] | None:
        hits = [(tag, self.seen_tags[tag]) for tag in rule.earlier_tags if self.seen_tags.get(tag, index) < index]
        return min(hits, key=lambda h: h[1]) if hits else None

    @property
    def trajectory(self) -> Trajectory:
        """Escalating, steady or calming, from the slope of anger over recent customer turns."""
        recent = self.anger_levels[-self.config.trajectory_window :]
        if len(recent) < 2:
            return "steady"
        n = len(recent)
        mean_x, mean_y = (n - 1) / 2, sum(recent) / n
        slope = sum((i - mean_x) * (y - mean_y) for i, y in enumerate(recent)) / sum(
            (i - mean_x) ** 2 for i in range(n)
        )
        if slope > self.config.trajectory_delta:
            return "escalating"
        if slope < -self.config.trajectory_delta:
            return "calming"
        return "steady"


def _anger_level(signals: list[Signal]) -> float:
    """0-1: how hostile a customer turn is (severity-weighted score of anger, abuse, threat)."""
    levels = [0.5 * int(s.severity) / 4 + 0.5 * s.score for s in signals if s.category in _HOSTILE]
    return max(levels, default=0.0)
