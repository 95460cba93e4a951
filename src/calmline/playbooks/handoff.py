"""The emergency form and the hand-off packet for a warm transfer.

The packet gathers what the next person needs so the caller does not repeat themselves: the risk
summary, the facts (for the agent to confirm), key quotes verbatim, and what has been said and tried.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from calmline.detection.analyzer import ConversationAnalysis
from calmline.detection.extract import EmergencyFacts, Fact
from calmline.domain.severity import SEVERITY_NAMES, Severity
from calmline.domain.signals import Category
from calmline.playbooks.runner import PlaybookState


class EmergencyState(BaseModel):
    model_config = ConfigDict(extra="forbid")
    active: bool
    fields: dict[str, Fact | None]


class Quote(BaseModel):
    model_config = ConfigDict(extra="forbid")
    turn: int
    severity: Severity
    categories: list[Category]
    text: str


class HandoffPacket(BaseModel):
    model_config = ConfigDict(extra="forbid")
    contact_id: str
    max_severity: Severity
    categories: list[Category]
    trajectory: str
    abusive_turns: int
    facts: dict[str, str | bool]
    key_quotes: list[Quote]
    techniques_used: list[str]
    playbooks: list[str]
    steps_done: dict[str, list[str]]
    open_checklist: dict[str, list[str]]
    text: str


def emergency_state(analysis: ConversationAnalysis, *, account_address: str | None = None) -> EmergencyState:
    """Facts from the customer's turns; the protocol is active once the contact reaches S4."""
    facts = EmergencyFacts(account_address=account_address)
    for turn in analysis.turns:
        if turn.speaker == "customer":
            bomb = any(s.category is Category.THREAT and "bomb" in s.evidence.tags for s in turn.signals)
            facts.observe(turn.text, turn=turn.index, bomb=bomb)
    return EmergencyState(active=analysis.max_severity == Severity.S4, fields=facts.fields)


def handoff_packet(
    analysis: ConversationAnalysis, playbooks: list[PlaybookState], emergency: EmergencyState
) -> HandoffPacket:
    """Everything the next person needs, in one structure (and as readable text)."""
    categories = sorted({s.category for t in analysis.turns for s in t.signals}, key=lambda c: c.value)
    quotes = [
        Quote(
            turn=t.index,
            severity=t.severity,
            categories=sorted({s.category for s in t.signals}, key=lambda c: c.value),
            text=t.text,
        )
        for t in analysis.turns
        if t.speaker == "customer" and t.severity >= Severity.S3
    ]
    facts = {name: fact.value for name, fact in emergency.fields.items() if fact is not None}
    packet = HandoffPacket(
        contact_id=analysis.id,
        max_severity=analysis.max_severity,
        categories=categories,
        trajectory=analysis.trajectory,
        abusive_turns=analysis.abusive_turns,
        facts=facts,
        key_quotes=quotes,
        techniques_used=sorted({code for t in analysis.turns for code in t.techniques}),
        playbooks=[p.id for p in playbooks],
        steps_done={p.id: p.done_steps for p in playbooks},
        open_checklist={p.id: [item for item, ticked in p.checklist.items() if not ticked] for p in playbooks},
        text="",
    )
    return packet.model_copy(update={"text": _text(packet)})


def _text(packet: HandoffPacket) -> str:
    lines = [
        f"Hand-off for contact {packet.contact_id}: {packet.max_severity.label} "
        f"{SEVERITY_NAMES[packet.max_severity]} ({', '.join(c.value for c in packet.categories) or 'no risk'}).",
    ]
    if packet.facts:
        lines.append("Facts to confirm: " + "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in packet.facts.items()))
    for quote in packet.key_quotes[-3:]:
        lines.append(f'Turn {quote.turn} ({quote.severity.label}): "{quote.text}"')
    if packet.playbooks:
        lines.append("Playbooks: " + ", ".join(packet.playbooks) + ".")
    done = sorted({step for steps in packet.steps_done.values() for step in steps})
    if done:
        lines.append("Already done: " + ", ".join(done) + ".")
    still = sorted({item for items in packet.open_checklist.values() for item in items})
    if still:
        lines.append("Still open: " + ", ".join(still) + ".")
    return "\n".join(lines)
