"""The playbook runner: one per contact, fed each analysed turn in order.

It activates playbooks from signals (life-safety first), tracks the next step and the checklist,
ticks items when the agent's own turns show them done, and warns when the agent does something
the active playbook says to avoid.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict

from calmline.detection.analyzer import TurnAnalysis
from calmline.domain.severity import Severity
from calmline.playbooks.schema import Playbook, Step


class PitfallWarning(BaseModel):
    """The agent used a pitfall the active playbook avoids."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    turn: int
    code: str
    playbook: str
    text: str


class PlaybookState(BaseModel):
    """What an agent sees of one active playbook (the ``playbooks`` key of ``analyze --json``)."""

    model_config = ConfigDict(extra="forbid")
    id: str
    title: str
    life_safety: bool
    activated_at: int
    current_step: str | None
    next_say: list[str]
    checklist: dict[str, bool]
    done_steps: list[str]
    warnings: list[PitfallWarning]


@dataclass(slots=True)
class _Active:
    playbook: Playbook
    activated_at: int
    codes_seen: set[str] = field(default_factory=set)
    warnings: list[PitfallWarning] = field(default_factory=list)


class PlaybookRunner:
    """Per-contact playbook state."""

    def __init__(self, catalog: dict[str, Playbook]) -> None:
        self.catalog = catalog
        self.active: dict[str, _Active] = {}
        self.severity = Severity.S0

    def observe(self, turn: TurnAnalysis) -> list[PlaybookState]:
        """Take one analysed turn; return the playbooks in force, most urgent first."""
        self.severity = max(self.severity, turn.contact_severity)
        if turn.speaker == "customer":
            self._activate(turn)
        else:
            self._agent(turn)
        return self.states()

    def _activate(self, turn: TurnAnalysis) -> None:
        for playbook in self.catalog.values():
            if playbook.id in self.active or not playbook.enabled:
                continue
            trigger = playbook.trigger
            if any(
                s.category in trigger.categories
                and s.severity >= trigger.min_severity
                and (not trigger.subjects or s.subject in trigger.subjects)
                for s in turn.signals
            ):
                self.active[playbook.id] = _Active(playbook=playbook, activated_at=turn.index)

    def _agent(self, turn: TurnAnalysis) -> None:
        for state in self.active.values():
            state.codes_seen.update(turn.techniques)
            for code in turn.pitfalls:
                if code in state.playbook.avoid_codes:
                    state.warnings.append(
                        PitfallWarning(turn=turn.index, code=code, playbook=state.playbook.id, text=turn.text[:200])
                    )

    def states(self) -> list[PlaybookState]:
        ordered = sorted(self.active.values(), key=lambda a: (not a.playbook.life_safety, a.activated_at))
        return [self._state(a) for a in ordered]

    def _state(self, active: _Active) -> PlaybookState:
        playbook = active.playbook
        steps = [s for s in playbook.steps if s.min_severity <= self.severity]
        done = [s.id for s in steps if _done(s, active.codes_seen)]
        furthest = max((i for i, s in enumerate(steps) if s.id in done), default=-1)
        # Agents rarely follow a script in order: suggest what comes after the furthest step done,
        # and only then go back to anything skipped.
        candidates = [s for s in steps[furthest + 1 :] if s.done_when and s.id not in done]
        candidates += [s for s in steps[: furthest + 1] if s.done_when and s.id not in done]
        pending = candidates[0] if candidates else None
        return PlaybookState(
            id=playbook.id,
            title=playbook.title,
            life_safety=playbook.life_safety,
            activated_at=active.activated_at,
            current_step=pending.id if pending else None,
            next_say=list(pending.say) if pending else [],
            checklist={c.id: bool(set(c.ticked_by) & active.codes_seen) for c in playbook.checklist},
            done_steps=done,
            warnings=list(active.warnings),
        )


def _done(step: Step, codes: set[str]) -> bool:
    return bool(set(step.done_when) & codes)


def run_playbooks(catalog: dict[str, Playbook], turns: Iterable[TurnAnalysis]) -> list[PlaybookState]:
    """The playbook states at the end of a conversation."""
    runner = PlaybookRunner(catalog)
    states: list[PlaybookState] = []
    for turn in turns:
        states = runner.observe(turn)
    return states
