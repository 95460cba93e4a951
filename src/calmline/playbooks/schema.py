"""The strict schema of a playbook file (``config/playbooks/*.yaml``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from calmline.domain.signals import Category, StrictModel, Subject

Slug = str  # lower-case words joined by '-' or '_', checked by the patterns below
SLUG = r"^[a-z][a-z0-9_-]*$"
STABLE_IDS = (
    "angry-customer",
    "verbal-abuse",
    "distress-grief",
    "suicide-risk",
    "threat",
    "medical-emergency",
    "vulnerable-customer",
)


class Trigger(StrictModel):
    """When the playbook activates: any of these categories at or above a severity."""

    categories: tuple[Category, ...] = Field(min_length=1)
    min_severity: int = Field(ge=1, le=4)
    subjects: tuple[Subject, ...] = ()  # empty: any subject


class Step(StrictModel):
    """One step: what to do, several ways to say it, and (optionally) the branch it belongs to."""

    id: Slug = Field(pattern=SLUG)
    title: str = Field(min_length=3)
    do: str = Field(min_length=3)
    say: tuple[str, ...] = Field(min_length=2)
    branch: str | None = None  # e.g. "A1 imminent"; steps without a branch apply in all cases
    min_severity: int = Field(default=1, ge=1, le=4)
    done_when: tuple[str, ...] = ()  # agent-technique codes that show the step was done


class ChecklistItem(StrictModel):
    """Something the agent must do; ``ticked_by`` names the agent-technique codes that tick it."""

    id: Slug = Field(pattern=SLUG)
    text: str = Field(min_length=3)
    required: bool = True
    ticked_by: tuple[str, ...] = ()


class CaptureField(StrictModel):
    id: Slug = Field(pattern=SLUG)
    label: str = Field(min_length=2)
    kind: Literal["text", "boolean", "address", "phone", "time", "choice", "quote", "number"] = "text"
    choices: tuple[str, ...] = ()
    required: bool = False

    @model_validator(mode="after")
    def _choices_match_kind(self) -> CaptureField:
        if (self.kind == "choice") != bool(self.choices):
            raise ValueError("choices are required for kind 'choice' and allowed only there")
        return self


class Link(StrictModel):
    """Move to another playbook when this happens."""

    playbook: Slug = Field(pattern=SLUG)
    when: str = Field(min_length=3)


class AfterContact(StrictModel):
    """What well-being does after the contact (used by the well-being service)."""

    recovery_break_minutes: int = Field(ge=0, le=120)
    debrief_offer: bool
    wellbeing_checkin: bool = False


class Playbook(StrictModel):
    """One scenario's guidance."""

    id: Slug = Field(pattern=SLUG)
    version: int = Field(ge=1)
    title: str = Field(min_length=3)
    life_safety: bool = False
    enabled: bool = True
    trigger: Trigger
    goal: str = Field(min_length=10)
    steps: tuple[Step, ...] = Field(min_length=1)
    avoid: tuple[str, ...] = Field(min_length=1)
    avoid_codes: tuple[str, ...] = ()  # pitfall codes that break the avoid list: the runner warns
    checklist: tuple[ChecklistItem, ...] = ()
    capture: tuple[CaptureField, ...] = ()
    links: tuple[Link, ...] = ()
    after_contact: AfterContact
    sources: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _unique_ids(self) -> Playbook:
        for kind, ids in (
            ("step", [s.id for s in self.steps]),
            ("checklist item", [c.id for c in self.checklist]),
            ("capture field", [c.id for c in self.capture]),
        ):
            duplicates = sorted({i for i in ids if ids.count(i) > 1})
            if duplicates:
                raise ValueError(f"duplicate {kind} id {', '.join(duplicates)}")
        if self.life_safety and not self.enabled:
            raise ValueError("a life-safety playbook cannot be disabled")
        return self
