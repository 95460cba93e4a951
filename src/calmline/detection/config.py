"""``config/detectors.yaml`` as strict, validated data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from calmline.configfile import load_strict
from calmline.domain.signals import Category


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class DetectorEntry(_Strict):
    """One detector to run: its registered name and its parameters."""

    use: str
    with_: dict[str, Any] = Field(default_factory=dict, alias="with")
    enabled: bool = True


class ModelThresholds(_Strict):
    """When a trained head's calibrated probability becomes a signal, and at what severity."""

    threshold: float = Field(gt=0.0, lt=1.0)
    severity: int = Field(ge=1, le=4)


class ContextRule(_Strict):
    """Across turns: when earlier cues and a current cue co-occur, raise a category."""

    id: str
    earlier_tags: tuple[str, ...] = Field(min_length=1)
    current_tags: tuple[str, ...] = Field(min_length=1)
    category: Category
    raise_to: int = Field(ge=1, le=4)


class ContextConfig(_Strict):
    trajectory_window: int = Field(default=4, ge=2, le=20)
    trajectory_delta: float = Field(default=0.15, gt=0.0, lt=1.0)
    rules: tuple[ContextRule, ...] = ()


class PipelineConfig(_Strict):
    """The whole detection set-up."""

    max_chars: int = Field(default=20_000, ge=100, le=2_000_000)
    supported_languages: tuple[str, ...] = ("en",)
    detectors: tuple[DetectorEntry, ...] = Field(min_length=1)
    context: ContextConfig = ContextConfig()


def load_pipeline_config(path: Path) -> PipelineConfig:
    """Parse and validate the detectors file; any problem names the file and the field."""
    return load_strict(path, PipelineConfig)
