"""Rule files as validated data: strict schema, macro expansion and compilation.

A broken rule file stops start-up with the file, the rule id and what is wrong.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field

from calmline.configfile import load_strict
from calmline.domain.errors import ConfigError
from calmline.domain.signals import Category, StrictModel

SubjectRule = Literal["self", "third_party", "agent", "resolve", "target"]
_MACRO = re.compile(r"%([A-Z][A-Z0-9_]*)%")
_LEET: dict[str, str] = {
    "a": "a4@*", "b": "b8*", "c": "ck(*", "e": "e3*", "g": "g9*", "h": "h*", "i": "i1!|*",
    "k": "kc*", "l": "l1|*", "n": "n*", "o": "o0*", "r": "r*", "s": "s5$z*", "t": "t7+*",
    "u": "uv*", "w": "w*", "d": "d*", "p": "p*", "m": "m*", "y": "y*", "z": "zs*",
}  # fmt: skip


class RuleSpec(StrictModel):
    """One rule: patterns that, when they match, raise a category at a severity."""

    id: str = Field(pattern=r"^[a-z_]+\.[a-z0-9_.]+$")
    severity: int = Field(ge=1, le=4)
    score: float = Field(gt=0.0, le=1.0)
    subject: SubjectRule = "resolve"
    tags: tuple[str, ...] = ()
    patterns: tuple[str, ...] = Field(min_length=1)
    negatable: bool = True
    guard_idioms: bool = True
    guards: tuple[str, ...] = ()  # names from _lexicon.yaml `guards`, checked in the match's sentence
    note: str | None = None


class RuleFile(StrictModel):
    """A file of rules for one category."""

    category: Category
    rules: tuple[RuleSpec, ...] = Field(min_length=1)


class IdiomSpec(StrictModel):
    """A benign figure of speech that suppresses risk matches overlapping it."""

    id: str = Field(pattern=r"^idiom\.[a-z0-9_.]+$")
    patterns: tuple[str, ...] = Field(min_length=1)
    suppresses: tuple[Category, ...] = Field(min_length=1)
    note: str | None = None


class LexiconFile(StrictModel):
    """Shared vocabulary: named alternations and profanities matched through obfuscation."""

    macros: dict[str, str]
    obfuscated: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    negators: tuple[str, ...] = Field(min_length=1)
    negation_exceptions: tuple[str, ...] = ()
    media_cues: tuple[str, ...] = ()
    reporting_verbs: tuple[str, ...] = ()
    guards: dict[str, tuple[str, ...]] = Field(default_factory=dict)


class IdiomFile(StrictModel):
    idioms: tuple[IdiomSpec, ...]


@dataclass(frozen=True, slots=True)
class CompiledRule:
    spec: RuleSpec
    category: Category
    regexes: tuple[re.Pattern[str], ...]


@dataclass(frozen=True, slots=True)
class CompiledIdiom:
    spec: IdiomSpec
    regex: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class Rulebook:
    """Everything the rule detector needs, compiled once."""

    idioms: tuple[CompiledIdiom, ...]
    idiom_scan: re.Pattern[str]  # every idiom in one pass; the group name says which
    gates: tuple[tuple[re.Pattern[str], tuple[CompiledRule, ...]], ...]  # per category: any rule can match?
    negators: re.Pattern[str]
    negation_exceptions: re.Pattern[str] | None
    media_cues: re.Pattern[str] | None
    reporting_verbs: re.Pattern[str] | None
    guards: dict[str, re.Pattern[str]]
    digest: str


def obfuscation_pattern(word: str) -> str:
    """A pattern for ``word`` written with masking (f***), leetspeak (sh1t, $hit) or spacing (f u c k).

    The first character may be disguised but not masked, so a run of asterisks alone never matches.
    """
    first = word[0]
    parts = [f"[{re.escape(_LEET.get(first, first).replace('*', ''))}]"]
    for ch in word[1:]:
        chars = re.escape(_LEET.get(ch, ch) + "*")
        optional = "?" if ch in "aeiou" else ""
        parts.append(f"(?:[ ._-]?[{chars}]){optional}")
    return "".join(parts)


def _expand(pattern: str, macros: dict[str, str], *, where: str) -> str:
    def sub(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in macros:
            raise ConfigError(f"{where}: unknown macro %{name}%")
        return f"(?:{macros[name]})"

    for _ in range(5):  # macros may use macros; bounded so a cycle fails loudly
        expanded = _MACRO.sub(sub, pattern)
        if expanded == pattern:
            return expanded
        pattern = expanded
    raise ConfigError(f"{where}: macros nest too deeply (a cycle?)")


_ESCAPE = re.compile(r"\\.|\(\?P<\w+>|\(\?P=\w+\)")


def _compile(pattern: str, *, where: str) -> re.Pattern[str]:
    """Compile a rule pattern; rules run on lower-cased text, so upper-case letters would never match."""
    if re.search(r"[A-Z]", _ESCAPE.sub("", pattern)):
        raise ConfigError(f"{where}: patterns must be lower case (they match lower-cased text)")
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ConfigError(f"{where}: invalid pattern: {exc}") from exc


def _word_alternation(words: tuple[str, ...]) -> re.Pattern[str] | None:
    if not words:
        return None
    return re.compile(r"\b(?:" + "|".join(words) + r")\b", re.IGNORECASE)


def _macros(lexicon: LexiconFile) -> dict[str, str]:
    macros = dict(lexicon.macros)
    for name, words in lexicon.obfuscated.items():
        macros[name] = "|".join(obfuscation_pattern(w) for w in words)
    return macros


def load_idioms(rules_dir: Path) -> tuple[CompiledIdiom, ...]:
    """The benign figures of speech in ``_idioms.yaml``, compiled (once per file contents)."""
    lexicon, idioms = (rules_dir / "_lexicon.yaml").read_bytes(), (rules_dir / "_idioms.yaml").read_bytes()
    return _load_idioms(rules_dir, hashlib.sha256(lexicon + idioms).hexdigest())


@functools.lru_cache(maxsize=8)
def _load_idioms(rules_dir: Path, digest: str) -> tuple[CompiledIdiom, ...]:
    del digest  # part of the cache key: edited files are compiled again
    macros = _macros(load_strict(rules_dir / "_lexicon.yaml", LexiconFile))
    path = rules_dir / "_idioms.yaml"
    compiled = []
    for idiom in load_strict(path, IdiomFile).idioms:
        where = f"{path} {idiom.id}"
        joined = "|".join(f"(?:{_expand(p, macros, where=where)})" for p in idiom.patterns)
        compiled.append(CompiledIdiom(spec=idiom, regex=_compile(joined, where=where)))
    return tuple(compiled)


def combine_idioms(idioms: tuple[CompiledIdiom, ...]) -> re.Pattern[str]:
    """One regex for all idioms (group ``i<N>`` is idiom N): one scan of the text instead of one each."""
    if not idioms:
        return re.compile(r"(?!x)x")
    return re.compile("|".join(f"(?P<i{n}>{idiom.regex.pattern})" for n, idiom in enumerate(idioms)))


def _gates(rules: list[CompiledRule]) -> tuple[tuple[re.Pattern[str], tuple[CompiledRule, ...]], ...]:
    """One alternation per category. It matches somewhere exactly when one of its rules does, so a
    text that fails the gate skips that category's rules: same results, half the scanning."""
    by_category: dict[Category, list[CompiledRule]] = {}
    for rule in rules:
        by_category.setdefault(rule.category, []).append(rule)
    gates = []
    for group in by_category.values():
        alternation = "|".join(f"(?:{regex.pattern})" for rule in group for regex in rule.regexes)
        gates.append((re.compile(re.sub(r"\(\?P<who\d+>", "(?:", alternation)), tuple(group)))
    return tuple(gates)


def load_rulebook(rules_dir: Path) -> Rulebook:
    """Load ``_lexicon.yaml``, ``_idioms.yaml`` and every category file in ``rules_dir``."""
    if not rules_dir.is_dir():
        raise ConfigError(f"{rules_dir}: rules directory not found")
    lexicon = load_strict(rules_dir / "_lexicon.yaml", LexiconFile)
    macros = _macros(lexicon)
    idioms = load_idioms(rules_dir)
    rules: list[CompiledRule] = []
    seen: set[str] = set()
    digest = hashlib.sha256()
    for path in sorted(rules_dir.glob("*.yaml")):
        digest.update(path.read_bytes())
        if path.name.startswith("_"):
            continue
        rule_file = load_strict(path, RuleFile)
        for rule in rule_file.rules:
            where = f"{path} rule {rule.id}"
            if rule.id in seen:
                raise ConfigError(f"{where}: duplicate rule id")
            seen.add(rule.id)
            unknown = [g for g in rule.guards if g not in lexicon.guards]
            if unknown:
                raise ConfigError(f"{where}: unknown guard {', '.join(unknown)} (define it in _lexicon.yaml)")
            # One alternation per rule: one regex call instead of one per pattern (the live-path cost).
            joined = "|".join(
                f"(?:{_expand(p, macros, where=where).replace('(?P<who>', f'(?P<who{i}>')})"
                for i, p in enumerate(rule.patterns)
            )
            regexes = (_compile(joined, where=where),)
            rules.append(CompiledRule(spec=rule, category=rule_file.category, regexes=regexes))
    if not rules:
        raise ConfigError(f"{rules_dir}: no rule files")
    return Rulebook(
        idioms=idioms,
        idiom_scan=combine_idioms(idioms),
        gates=_gates(rules),
        negators=_compile(r"\b(?:" + "|".join(lexicon.negators) + r")\b", where="_lexicon.yaml negators"),
        negation_exceptions=_word_alternation(lexicon.negation_exceptions),
        media_cues=_word_alternation(lexicon.media_cues),
        reporting_verbs=_word_alternation(lexicon.reporting_verbs),
        guards={
            name: _compile(
                r"\b(?:" + "|".join(_expand(w, macros, where=f"_lexicon.yaml guard {name}") for w in words) + r")\b",
                where=f"_lexicon.yaml guard {name}",
            )
            for name, words in lexicon.guards.items()
        },
        digest=digest.hexdigest()[:12],
    )
