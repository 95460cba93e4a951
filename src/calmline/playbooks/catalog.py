"""Loading playbooks: strict files, organisation overrides (higher version wins), cross-checks.

A typo stops start-up naming the file and field; an override can replace a playbook with a higher
version but never silently disable a life-safety one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from calmline.configfile import load_strict
from calmline.domain.errors import ConfigError
from calmline.playbooks.schema import STABLE_IDS, Playbook


@dataclass(frozen=True, slots=True)
class Loaded:
    playbook: Playbook
    path: Path


def known_codes(path: Path) -> set[str] | None:
    """The technique codes defined in a techniques file, or None when there is none to check against."""
    if not path.exists():
        return None
    from calmline.detection.techniques import TechniqueCoder

    return {compiled.code for compiled in TechniqueCoder(path).codes}


def load_file(path: Path) -> Playbook:
    """One playbook file, validated; errors name the file and the field."""
    return load_strict(path, Playbook)


def load_dir(directory: Path) -> dict[str, Loaded]:
    """Every ``*.yaml`` in a folder; two files with the same id are an error."""
    if not directory.is_dir():
        raise ConfigError(f"{directory}: playbook folder not found")
    found: dict[str, Loaded] = {}
    for path in sorted(directory.glob("*.yaml")):
        playbook = load_file(path)
        if playbook.id in found:
            raise ConfigError(f"{path}: duplicate playbook id {playbook.id!r} (also in {found[playbook.id].path})")
        found[playbook.id] = Loaded(playbook, path)
    return found


def merge_overrides(base: dict[str, Loaded], overrides: dict[str, Loaded]) -> dict[str, Loaded]:
    """An override replaces the playbook with the same id when its version is higher."""
    merged = dict(base)
    for playbook_id, override in overrides.items():
        current = merged.get(playbook_id)
        if current is not None and current.playbook.life_safety and not override.playbook.life_safety:
            raise ConfigError(f"{override.path}: cannot turn life-safety playbook {playbook_id!r} into an ordinary one")
        if current is None or override.playbook.version > current.playbook.version:
            merged[playbook_id] = override
    return merged


def cross_check(
    playbooks: dict[str, Loaded], *, required: Iterable[str] = STABLE_IDS, codes: set[str] | None = None
) -> None:
    """Every link resolves, every stable playbook is present, every technique code is known."""
    missing = [pid for pid in required if pid not in playbooks]
    if missing:
        raise ConfigError(f"missing playbook(s): {', '.join(missing)}")
    for loaded in playbooks.values():
        for link in loaded.playbook.links:
            if link.playbook not in playbooks:
                raise ConfigError(f"{loaded.path}: links to unknown playbook {link.playbook!r}")
        if codes is not None:
            unknown = sorted(_codes_used(loaded.playbook) - codes)
            if unknown:
                raise ConfigError(f"{loaded.path}: unknown technique code(s) {', '.join(unknown)}")


def _codes_used(playbook: Playbook) -> set[str]:
    used = set(playbook.avoid_codes)
    used.update(code for step in playbook.steps for code in step.done_when)
    used.update(code for item in playbook.checklist for code in item.ticked_by)
    return used


def load_catalog(
    directory: Path, *, overrides: Path | None = None, codes: set[str] | None = None
) -> dict[str, Playbook]:
    """The shipped playbooks, with an organisation's overrides applied, cross-checked.

    ``codes`` are the known agent-technique codes (``config/techniques.yaml``); by default they are
    read from ``techniques.yaml`` beside the playbook folder when it exists.
    """
    loaded = load_dir(directory)
    if overrides is not None and overrides.exists():
        loaded = merge_overrides(loaded, load_dir(overrides))
    if codes is None:
        codes = known_codes(directory.parent / "techniques.yaml")
    cross_check(loaded, codes=codes)
    return {pid: item.playbook for pid, item in sorted(loaded.items())}
