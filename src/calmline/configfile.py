"""Reading reviewed configuration files: strict validation, and errors that name file and field."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from calmline.domain.errors import ConfigError

M = TypeVar("M", bound=BaseModel)


def read_yaml(path: Path) -> object:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read YAML: {exc}") from exc


def load_strict(path: Path, model: type[M], *, empty_ok: bool = False) -> M:
    """Parse ``path`` into ``model``; any problem raises ``ConfigError`` naming the file and field."""
    raw = read_yaml(path)
    if raw is None and empty_ok:
        raw = {}
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{locate(raw, err['loc'])}: {err['msg']}" for err in exc.errors())
        raise ConfigError(f"{path}: {problems}") from exc


def locate(raw: object, loc: tuple[int | str, ...]) -> str:
    """``rules.3.colour`` becomes ``rule threat.weapon: colour`` when the entry has an id."""
    if len(loc) >= 2 and isinstance(loc[1], int) and isinstance(raw, dict):
        items = raw.get(str(loc[0]))
        if isinstance(items, list) and loc[1] < len(items) and isinstance(items[loc[1]], dict):
            entry_id = items[loc[1]].get("id")
            if entry_id is not None:
                rest = ".".join(str(p) for p in loc[2:]) or "(entry)"
                return f"{str(loc[0]).rstrip('s')} {entry_id}: {rest}"
    return ".".join(str(p) for p in loc) or "(file)"
