"""Coding the agent's own turns with technique and pitfall codes (domain brief 3.1, 3.2).

Codes come from ``config/techniques.yaml`` (strict); each carries its evidence like a signal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field

from calmline.configfile import load_strict
from calmline.detection.text import clean, lower_same_length
from calmline.domain.errors import ConfigError
from calmline.domain.signals import Span, StrictModel

CODER = "techniques.rules.v1"
CODE = r"^[A-Z][A-Z-]{1,7}$"


class CodeSpec(StrictModel):
    kind: Literal["positive", "pitfall"]
    name: str = Field(min_length=2)
    patterns: tuple[str, ...] = Field(min_length=1)
    not_with: tuple[str, ...] = ()  # a code that, when present, cancels this one (APO vs NONAP)
    crisis_only: bool = False


class TechniqueFile(StrictModel):
    codes: dict[str, CodeSpec]


class CodedTechnique(StrictModel):
    """One code on one agent turn, with the words that earned it."""

    code: str = Field(pattern=CODE)
    kind: Literal["positive", "pitfall"]
    name: str
    coder: str = CODER
    spans: tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class _Compiled:
    code: str
    spec: CodeSpec
    regex: re.Pattern[str]


class TechniqueCoder:
    """Codes agent turns; compile once, call per turn."""

    def __init__(self, path: Path) -> None:
        data = load_strict(path, TechniqueFile)
        self.codes: list[_Compiled] = []
        for code, spec in data.codes.items():
            if not re.match(CODE, code):
                raise ConfigError(f"{path}: code {code!r} must be 2-8 capitals or '-'")
            unknown = [c for c in spec.not_with if c not in data.codes]
            if unknown:
                raise ConfigError(f"{path}: code {code}: not_with names unknown code(s) {', '.join(unknown)}")
            try:
                regex = re.compile("|".join(f"(?:{p})" for p in spec.patterns))
            except re.error as exc:
                raise ConfigError(f"{path}: code {code}: invalid pattern: {exc}") from exc
            self.codes.append(_Compiled(code, spec, regex))

    def code(self, text: str, *, crisis: bool = False) -> list[CodedTechnique]:
        """Codes for one agent turn; ``crisis`` (contact at S3+) enables crisis-only pitfalls."""
        cleaned = clean(text)
        lowered = lower_same_length(cleaned)
        found: dict[str, CodedTechnique] = {}
        for item in self.codes:
            if item.spec.crisis_only and not crisis:
                continue
            spans = tuple(
                Span(start=m.start(), end=m.end(), text=text[m.start() : m.end()])
                for m in item.regex.finditer(lowered)
                if m.end() > m.start()
            )
            if spans:
                found[item.code] = CodedTechnique(
                    code=item.code, kind=item.spec.kind, name=item.spec.name, spans=spans[:3]
                )
        cancelled = {c.code for c in self.codes if c.code in found and set(c.spec.not_with) & set(found)}
        return [coded for code, coded in found.items() if code not in cancelled]
