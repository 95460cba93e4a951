"""The rule detector: explicit cues for every category, with the hard parts handled.

Negation ("I'm not suicidal"), idiom and hyperbole ("this bill is killing me"), quotation and
media ("that song 'I want to die'"), and who the risk concerns ("my dad said he'd be better off
dead" is still a signal, about a third party).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from calmline.detection.base import VETO_TAG, Detector, DetectorContext, DetectorParams, DetectorSpec, detectors
from calmline.detection.builtin.rulebook import CompiledRule, Rulebook, load_rulebook
from calmline.detection.text import Prepared
from calmline.domain.severity import Severity
from calmline.domain.signals import Adjustment, Category, Signal, Subject

_PHRASE_BREAK = re.compile(r"[,;:()\-]|\bbut\b|\bthough\b|\bbecause\b|\bcos\b|\bif\b", re.IGNORECASE)
_TOKEN = re.compile(r"[A-Za-z']+")
_SELF = re.compile(r"^(?:i|i'm|im|i've|ive|i'd|id|i'll|ill|me|my|myself|mine)$", re.IGNORECASE)
_THIRD = re.compile(
    r"^(?:he|she|they|he's|she's|they're|he'd|she'd|they'd|he'll|she'll|they'll|hes|shes|his|her|"
    r"him|them|their|himself|herself|themselves|son|daughter|dad|father|mum|mom|mother|husband|wife|"
    r"partner|boyfriend|girlfriend|brother|sister|friend|kid|child|nan|gran|grandad|grandma|"
    r"grandpa|uncle|aunt|neighbour|neighbor|flatmate|colleague|mate|baby|toddler|someone|somebody|man|woman|"
    r"lad|girl|boy|nephew|niece|cousin|granddaughter|grandson|stepson|stepdaughter|carer|patient|customer|"
    r"passenger|lodger|tenant|fiance|fiancee|pal|buddy|bloke|guy|lady|infant|newborn|teenager|teen)$",
    re.IGNORECASE,
)
_POSSESSIVE = re.compile(r"'s$", re.IGNORECASE)
_YOU = re.compile(r"\b(?:you|you're|youre|yourself|ya|u|you all|youse)\b", re.IGNORECASE)
_REFLEXIVE_THIRD = re.compile(r"\b(?:himself|herself|themselves|his life|her life|their lives?)\b", re.I)
_MAX_MATCHES_PER_RULE = 3
_NEGATION_WINDOW_TOKENS = 5


class RuleParams(DetectorParams):
    rules_dir: str = "rules"


@dataclass(frozen=True, slots=True)
class _Hit:
    rule: CompiledRule
    span: tuple[int, int]
    subject: Subject
    score: float
    adjustments: tuple[Adjustment, ...]
    veto: str | None = None  # why a match was set aside (negated, idiom, guard, media quote)


@detectors.register("rules.lexicon.v1")
class RuleDetector(Detector):
    """Explicit cues from ``config/rules/*.yaml`` (one file per category)."""

    # S0 is a veto: evidence that a cue was seen and set aside (negated, idiom, guard, media).
    spec = DetectorSpec(categories=tuple(Category), emits=tuple(Severity))
    Params = RuleParams

    def __init__(self, params: RuleParams, context: DetectorContext) -> None:
        self.book: Rulebook = load_rulebook(Path(context.config_dir) / params.rules_dir)
        self.rules_version = self.book.digest

    def detect(self, utterance: Prepared) -> list[Signal]:
        if not utterance.text.strip():
            return []  # a language guess never silences rules: signals carry language_supported
        # Per-category gates keep the common no-cue text to one scan per category.
        candidates = [rules for gate, rules in self.book.gates if gate.search(utterance.lower) is not None]
        if not candidates:
            return []
        idiom_spans = self._idiom_spans(utterance.lower)
        hits: list[_Hit] = []
        for rules in candidates:
            for rule in rules:
                hits.extend(self._rule_hits(rule, utterance, idiom_spans))
        return self._best_per_category(hits, utterance)

    def _idiom_spans(self, text: str) -> list[tuple[int, int, frozenset[Category]]]:
        spans = []
        for match in self.book.idiom_scan.finditer(text):
            idiom = self.book.idioms[int((match.lastgroup or "i0")[1:])]
            spans.append((match.start(), match.end(), frozenset(idiom.spec.suppresses)))
        return spans

    def _rule_hits(
        self,
        rule: CompiledRule,
        utterance: Prepared,
        idiom_spans: list[tuple[int, int, frozenset[Category]]],
    ) -> list[_Hit]:
        hits: list[_Hit] = []
        for regex in rule.regexes:
            for count, match in enumerate(regex.finditer(utterance.lower)):
                if count >= _MAX_MATCHES_PER_RULE:
                    break
                hit = self._judge(rule, match, utterance, idiom_spans)
                if hit is not None:
                    hits.append(hit)
        return hits

    def _judge(
        self,
        rule: CompiledRule,
        match: re.Match[str],
        utterance: Prepared,
        idiom_spans: list[tuple[int, int, frozenset[Category]]],
    ) -> _Hit | None:
        start, end = match.span()
        if end == start:
            return None
        veto = self._veto_reason(rule, match, utterance, idiom_spans)
        if veto is not None:
            return _Hit(
                rule=rule, span=(start, end), subject=Subject.SELF, score=rule.spec.score, adjustments=(), veto=veto
            )
        subject = self._subject(rule, match, utterance)
        score = rule.spec.score
        adjustments: tuple[Adjustment, ...] = ()
        quote = utterance.in_quote(start, end)
        if quote is not None:
            verdict = self._quotation(utterance.text, quote)
            if verdict == "reported" and subject is Subject.SELF:
                subject = Subject.THIRD_PARTY
            new_score = round(score * 0.85, 3)
            adjustments = (
                Adjustment(reason=f"inside quotation ({verdict})", score_before=score, score_after=new_score),
            )
            score = new_score
        return _Hit(rule=rule, span=(start, end), subject=subject, score=score, adjustments=adjustments)

    def _veto_reason(
        self,
        rule: CompiledRule,
        match: re.Match[str],
        utterance: Prepared,
        idiom_spans: list[tuple[int, int, frozenset[Category]]],
    ) -> str | None:
        """Why this match is not a risk cue (idiom, negation, guard, media quotation), or None."""
        start, end = match.span()
        if rule.spec.guard_idioms and any(
            s < end and start < e and rule.category in cats for s, e, cats in idiom_spans
        ):
            return "figure of speech"
        if rule.spec.negatable and self._negated(utterance.lower, start, utterance):
            return "negated"
        if rule.spec.guards and self._guarded(rule, utterance.lower, start, end):
            return "guarded (" + ", ".join(rule.spec.guards) + ")"
        quote = utterance.in_quote(start, end)
        if quote is not None and self._quotation(utterance.text, quote) == "media":
            return "quoted from media"
        return None

    def _guarded(self, rule: CompiledRule, text: str, start: int, end: int) -> bool:
        """True when the match's sentence says the cue is past, hypothetical, about a pet or a machine..."""
        left = max((text.rfind(mark, 0, start) for mark in ".?!\n"), default=-1) + 1
        rights = [i for i in (text.find(mark, end) for mark in ".?!\n") if i >= 0]
        sentence = text[left : min(rights) if rights else len(text)]
        return any(self.book.guards[name].search(sentence) for name in rule.spec.guards)

    def _negated(self, text: str, start: int, utterance: Prepared) -> bool:
        clause_start, _ = utterance.clause_of(start)
        window = text[max(clause_start, start - 80) : start]
        breaks = list(_PHRASE_BREAK.finditer(window))
        if breaks:
            window = window[breaks[-1].end() :]
        if self.book.negation_exceptions is not None:
            window = self.book.negation_exceptions.sub(" ", window)
        tokens = _TOKEN.findall(window)[-_NEGATION_WINDOW_TOKENS:]
        return self.book.negators.search(" ".join(tokens)) is not None

    def _quotation(self, text: str, quote: tuple[int, int]) -> str:
        """``media`` (lyrics, titles), ``reported`` (someone else's words) or ``quoted``."""
        q_start, q_end = quote
        around = text[max(0, q_start - 80) : min(len(text), q_end + 60)]
        if self.book.media_cues is not None and self.book.media_cues.search(around):
            return "media"
        before = text[max(0, q_start - 60) : q_start]
        verbs = list(self.book.reporting_verbs.finditer(before)) if self.book.reporting_verbs else []
        if not verbs:
            return "quoted"
        speaker = _TOKEN.findall(before[: verbs[-1].start()])[-1:]
        return "quoted" if speaker and _SELF.match(speaker[0]) else "reported"

    def _subject(self, rule: CompiledRule, match: re.Match[str], utterance: Prepared) -> Subject:
        mode = rule.spec.subject
        if mode in ("self", "third_party", "agent"):
            return Subject(mode)
        who = next((v for k, v in match.groupdict().items() if k.startswith("who") and v is not None), None)
        if mode == "target":
            target = who if who is not None else match.group(0)
            return Subject.AGENT if _YOU.search(target) else Subject.THIRD_PARTY
        if who is not None:
            return _subject_of_word(who)
        return _resolve_subject(match, utterance)

    def _best_per_category(self, hits: list[_Hit], utterance: Prepared) -> list[Signal]:
        best: dict[tuple[Category, Subject], list[_Hit]] = {}
        vetoed: dict[Category, _Hit] = {}
        for hit in hits:
            if hit.veto is not None:
                vetoed.setdefault(hit.rule.category, hit)
            else:
                best.setdefault((hit.rule.category, hit.subject), []).append(hit)
        signals = [self._signal(group, utterance) for group in best.values()]
        found = {category for category, _ in best}
        signals += [self._veto(hit, utterance) for category, hit in vetoed.items() if category not in found]
        return signals

    def _signal(self, group: list[_Hit], utterance: Prepared) -> Signal:
        group.sort(key=lambda h: (h.rule.spec.severity, h.score), reverse=True)
        top = group[0]
        spans = tuple(dict.fromkeys(h.span for h in group))[:5]
        also = [h.rule.spec.id for h in group[1:] if h.rule.spec.id != top.rule.spec.id]
        rule_text = top.rule.spec.id + (f" (+{', '.join(dict.fromkeys(also))})" if also else "")
        tags = tuple(dict.fromkeys(t for h in group for t in h.rule.spec.tags))
        evidence = self.evidence(rule=rule_text, score=top.score, utterance=utterance, spans=spans, tags=tags)
        evidence = evidence.model_copy(update={"adjustments": top.adjustments, "version": self._version})
        return self.signal(
            category=top.rule.category,
            severity=Severity(top.rule.spec.severity),
            subject=top.subject,
            evidence=evidence,
        )

    def _veto(self, hit: _Hit, utterance: Prepared) -> Signal:
        """Evidence of absence: the rules saw this cue and set it aside (never shown as a risk)."""
        evidence = self.evidence(
            rule=f"{hit.rule.spec.id} set aside: {hit.veto}",
            score=hit.score,
            utterance=utterance,
            spans=(hit.span,),
            tags=(VETO_TAG,),
        )
        evidence = evidence.model_copy(update={"version": self._version})
        return self.signal(category=hit.rule.category, severity=Severity.S0, subject=hit.subject, evidence=evidence)

    @property
    def _version(self) -> str:
        return f"{self.version}+{self.rules_version}"


def _subject_of_word(word: str) -> Subject:
    lowered = word.lower()
    if _YOU.search(lowered):
        return Subject.AGENT
    tokens = _TOKEN.findall(lowered)
    if tokens and all(_SELF.match(t) for t in tokens[:1]):
        return Subject.SELF
    return Subject.THIRD_PARTY


def _resolve_subject(match: re.Match[str], utterance: Prepared) -> Subject:
    """The person a cue is about: reflexives and the cue's own subject, then the nearest before it."""
    matched = match.group(0)
    if _REFLEXIVE_THIRD.search(matched):
        return Subject.THIRD_PARTY
    words = _TOKEN.findall(matched)
    if words and _THIRD.match(words[0]):
        return Subject.THIRD_PARTY
    if words and _SELF.match(words[0]):
        return Subject.SELF
    clause_start, _ = utterance.clause_of(match.start())
    for raw in reversed(_TOKEN.findall(utterance.text[clause_start : match.start()])[-8:]):
        token = _POSSESSIVE.sub("", raw)  # "dad's" is about dad
        if _SELF.match(token):
            return Subject.SELF
        if _THIRD.match(token):
            return Subject.THIRD_PARTY
    return Subject.SELF
