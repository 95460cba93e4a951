"""The abuse boundary protocol: warnings counted, when ending the contact is allowed, verbatim log.

Policy is data (``config/policy.yaml``): how many warnings before the agent may end the contact, and
which abuse may be ended at once (threats, sexual harassment, hate) (domain brief 2.2, 5.4).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from pydantic import Field

from calmline.configfile import load_strict
from calmline.detection.analyzer import ConversationAnalysis
from calmline.domain.signals import Category, Signal, StrictModel

Immediate = Literal["threat", "sexual", "discriminatory"]


class AbusePolicy(StrictModel):
    warnings_before_end: int = Field(default=1, ge=1, le=3)
    immediate_end_for: tuple[Immediate, ...] = ("threat", "sexual", "discriminatory")


class Policy(StrictModel):
    abuse: AbusePolicy = AbusePolicy()


class LoggedTurn(StrictModel):
    turn: int
    text: str  # verbatim
    why: str


class AbuseLog(StrictModel):
    abusive_turns: tuple[LoggedTurn, ...]
    warnings: tuple[LoggedTurn, ...]
    end_allowed: bool
    reason: str


def load_policy(path: Path) -> Policy:
    return load_strict(path, Policy, empty_ok=True)


def abuse_protocol(analysis: ConversationAnalysis, policy: AbusePolicy) -> AbuseLog:
    """Count warnings and decide whether the agent may end the contact now."""
    abusive: list[LoggedTurn] = []
    warnings: list[LoggedTurn] = []
    immediate: str | None = None
    abuse_after_warning = False
    for turn in analysis.turns:
        if turn.speaker == "agent":
            if "BND" in turn.techniques and abusive:
                warnings.append(LoggedTurn(turn=turn.index, text=turn.text, why="boundary stated"))
            continue
        kinds = _abuse_kinds(turn.signals)
        if not kinds:
            continue
        abusive.append(LoggedTurn(turn=turn.index, text=turn.text, why=", ".join(sorted(kinds))))
        abuse_after_warning = abuse_after_warning or len(warnings) >= policy.warnings_before_end
        immediate = immediate or next((k for k in policy.immediate_end_for if k in kinds), None)
    allowed, reason = _decision(len(warnings), abuse_after_warning, immediate, policy, bool(abusive))
    return AbuseLog(abusive_turns=tuple(abusive), warnings=tuple(warnings), end_allowed=allowed, reason=reason)


def _abuse_kinds(signals: Sequence[Signal]) -> set[str]:
    kinds: set[str] = set()
    for signal in signals:
        if signal.category is Category.ABUSE:
            kinds |= {"abuse"} | ({"sexual", "discriminatory"} & set(signal.evidence.tags))
        elif signal.category is Category.THREAT:
            kinds.add("threat")
    return kinds


def _decision(
    warnings: int, continued: bool, immediate: str | None, policy: AbusePolicy, any_abuse: bool
) -> tuple[bool, str]:
    if immediate is not None:
        return True, f"{immediate}: may be ended at once (policy)"
    if not any_abuse:
        return False, "no abuse aimed at the agent"
    if warnings < policy.warnings_before_end:
        return False, f"{warnings} of {policy.warnings_before_end} warning(s) given: set the boundary first"
    if not continued:
        return False, "warning given; the customer has not continued the abuse since"
    return True, f"abuse continued after {warnings} warning(s): the agent may end the contact"
