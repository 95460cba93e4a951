"""Facts for the emergency protocol, extracted from the customer's turns.

Every fact says which turn and which words it came from and how sure the pattern is; the agent
confirms or corrects it. A later mention replaces an earlier one (callers correct themselves).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from calmline.detection.text import clean, lower_same_length
from calmline.domain.signals import Span, StrictModel

FIELDS = (
    "location", "callback_number", "alone", "with_whom", "means", "substance", "taken_when", "timeframe",
    "people_at_risk", "bomb_where", "bomb_when", "bomb_what", "bomb_why",
)  # fmt: skip
_NUMBER_WORDS = (
    r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty"
    r"|sixty|a hundred|half|half a|all|all of|the whole|a whole|a full|loads of|a load of|a handful of)"
)
_STREET = (
    r"road|rd|street|st|avenue|ave|lane|ln|close|drive|dr|way|crescent|court|ct|place|pl|terrace|gardens|grove|"
    r"hill|park|row|square|sq|mews|walk|parade|boulevard|blvd|highway|hwy|view|rise|green|bank|wynd|gate|end|"
    r"vale|meadow|meadows|fold|croft|approach|circus|broadway|embankment|quay|yard|parkway|brae|estate"
)
_POSTCODE = r"(?:[a-z]{1,2}\d[a-z\d]?\s?\d[a-z]{2}\b|(?<![\d(+-])\d{5}(?:-\d{4})?\b(?!\s?[\d)-])|[acdefhknprtvwxy]\d{2}\s?[a-z0-9]{4}\b)"
_CLOCK = (
    r"(?:noon|midnight|\d{1,2}(?::\d{2}\s?(?:am|pm)?|\s?(?:am|pm|o'?clock))|one|two|three|four|five|six|seven|eight|nine"
    r"|ten|eleven|twelve|half past \w+)(?: o'?clock)?"
)
_PLACE = (
    r"bridge|footbridge|station|platform|car park|carpark|parking structure|multi[- ]?storey|park|river|beach|strand|"
    r"cliff|cliffs|cliff edge|headland|roof|viaduct|motorway|tracks|railway|level crossing|woods|forest|lake|loch|"
    r"canal|towpath|pier|sea wall|harbour|marina|dock|quay|dam|reservoir|weir|quarry|mill|shopping centre|church|"
    r"hospital|field|campground|campsite|caravan|tent|skatepark|playground|school|mast|hill|summit|underpass|subway|"
    r"tunnel|roundabout|lay-?by|bus shelter|bus stop|phone box|services|petrol station|garage forecourt|lorry park|"
    r"motel|hotel|inn|lodge|pub|bar|club|toilets|stairwell|bathroom|en-?suite|garage|shed|loft|attic|cellar|"
    r"basement|kitchen|bedroom|hallway|garden|living room|spare room"
)
_NUMBER_SPOKEN = (
    r"(?:(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    r"seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred)[\s-]?){1,4}"
)
_QUALIFIER = (
    r"(?:\s+(?:at|on|in|by|near|off|of|behind|opposite|above|under|along from)\s+(?:the\s+)?(?:[a-z0-9'-]+\s?){1,4})?"
)


class Fact(StrictModel):
    """One extracted fact, for the agent to confirm or correct."""

    value: str | bool
    turn: int
    span: Span | None
    confidence: float


@dataclass(frozen=True, slots=True)
class _Pattern:
    field: str
    regex: re.Pattern[str]
    confidence: float
    group: int | str = 0
    value: bool | None = None  # fixed value (for ``alone``); otherwise the matched words


def _p(field: str, pattern: str, confidence: float, *, group: int | str = 0, value: bool | None = None) -> _Pattern:
    return _Pattern(field, re.compile(pattern), confidence, group, value)


# fmt: off
PATTERNS: tuple[_Pattern, ...] = (
    _p("location", rf"(?:(?:flat|apartment|apt|unit|suite)\s*\w+,?\s*)?\b\d{{1,4}}[a-z]?,?\s+(?:[a-z']+\s+){{0,3}}(?:{_STREET})\b(?:,?\s*(?:flat|apartment|apt|unit)\s*\w+)?(?:,?\s*(?:[a-z]+,?\s+)?{_POSTCODE})?", 0.9),
    _p("location", rf"\b{_POSTCODE}", 0.85),
    _p("location", rf"\b{_NUMBER_SPOKEN}\s+(?:[a-z']+\s+){{0,3}}(?:{_STREET})\b", 0.8),
    _p("location", rf"\b[a-z']+ (?:cottage|house|farm|lodge|barn|villa|manor|hall|bungalow),?\s+(?:[a-z']+\s+){{0,3}}(?:{_STREET})\b(?:,\s*[a-z']+(?: [a-z']+){{0,2}})?", 0.85),
    _p("location", rf"\b(?:room|cabin|unit|chalet|site|pitch|bay|plot)\s+(?:number\s+)?\d+[a-z]?\s+(?:at|in|of)\s+(?:the\s+)?(?:[a-z'-]+\s+){{0,4}}(?:motel|hotel|inn|motor inn|lodge|campground|campsite|park|car park|block|tower|house|court)\b{_QUALIFIER}", 0.85),
    _p("location", r"\b(?:the\s+)?(?:[a-z'-]+\s+){0,4}(?:motel|hotel|inn|lodge)\b(?:\s+(?:on|off|in|at)\s+(?:the\s+)?(?:[a-z0-9'-]+\s?){1,3})?,?\s+(?:room|cabin|chalet)\s+(?:number\s+)?\d+\b", 0.85),
    _p("location", r"\b(?:route|highway|interstate|the [ab])\s?\d{1,4}\b", 0.6),
    _p("location", rf"\b(?:the\s+)?(?:(?!on\b|at\b|in\b|by\b|off\b)[a-z'-]+\s+){{1,3}}(?:on|off|in)\s+(?:[a-z'-]+\s+){{1,3}}(?:{_STREET})\b", 0.75),
    _p("location", r"\b(?:flat|unit|apartment|suite)\s+\d+[a-z]?,\s+(?:[a-z0-9'-]+,?\s?){1,8}?(?:estate|block|house|tower|court|centre|park|walk|heights)\b", 0.85),
    _p("location", rf"\b(?:on|at|in|by|near|under|behind|outside|inside|top of|upstairs in|downstairs in)\s+(?:the\s+)?(?:(?!on\b|at\b|in\b|by\b|myself\b)[a-z0-9'-]+\s+){{0,4}}?(?:{_PLACE})\b{_QUALIFIER}", 0.7),
    _p("location", rf"\b(?:[a-z'-]+\s){{1,2}}(?:strand|beach|quarry|weir|pier|point|reservoir|woods|forest|bridge|viaduct|services)\b{_QUALIFIER}", 0.55),
    _p("location", r"\b(?:at home|at my (?:house|flat|place|mum'?s|dad'?s)|in my (?:flat|house|home|car|bedroom|bathroom|garage|kitchen))\b", 0.5),
    _p("callback_number", r"(?<![\d])(?:\+\d{1,3}[\s-]?)?(?:\(?\d{2,5}\)?[\s-]?)?\d{3,4}[\s-]?\d{3,4}(?![\d])", 0.85),
    _p("alone", r"\b(?:i'?m|i am) (?:all )?(?:on my own|alone|by myself)\b|\b(?:no ?one|nobody)(?:'s| is)? (?:here|with me|else here|home)\b|\bthere'?s no ?one (?:here|with me|else)\b", 0.85, value=True),
    _p("alone", r"\b(?:my|the) (?:\w+ )?\w+(?:'s| is) (?:here|with me|home|next to me|in the other room)\b|\b(?:i'?m|i am) with (?:my \w+|\w+)\b", 0.75, value=False),
    _p("with_whom", r"\b(?P<who>(?:my|the) (?:\w+ )?\w+)(?:'s| is) (?:here|with me|home|next to me|in the other room)\b|\b(?:i'?m|i am) with (?P<who2>my \w+)\b", 0.75, group="who"),
    _p("means", r"\b(?:a|the|my|some|his|her|(?:my )?(?:dad|mum|brother|husband)'?s) (?:rope|belt|noose|cord|knife|knives|blade|blades|razor|razors|gun|shotgun|rifle|pistol|pills|tablets|hosepipe|hose|charcoal|petrol|lighter|hammer|machete|bat|crossbow)\b", 0.8),
    _p("substance", rf"\b(?:taken|took|swallowed|drunk|drank|downed|had|necked)\s+(?P<what>(?:about |around |like |nearly |over |at least )?{_NUMBER_WORDS}\s+(?:[a-z']+\s+){{0,3}}?(?:pills|tablets|paracetamol|sleeping pills|painkillers|co-codamol|codeine|sertraline|insulin|vodka|whisky|wine|gin|rum|bleach|antifreeze|of (?:them|my \w+|the \w+)))\b", 0.85, group="what"),
    _p("taken_when", r"\b(?:about |around |maybe |like )?(?:\d+|an?|one|two|three|five|ten|fifteen|twenty|thirty|forty|half an?) (?:minutes?|mins?|hours?) ago\b|\b(?:this morning|this afternoon|last night|earlier today)\b", 0.8),
    _p("timeframe", rf"\b(?:tonight|today|tomorrow(?: morning| night)?|this (?:evening|afternoon|morning|weekend)|after (?:this|the) call|when (?:we'?re|i'?m) done (?:talking|here)|at {_CLOCK}|in (?:\d+|an?|one|two|five|ten|twenty|thirty|half an?) (?:minutes?|hours?)|by (?:the )?(?:weekend|morning|friday|monday|tonight))\b", 0.75),
    _p("people_at_risk", r"\b(?:the kids|the children|my (?:kids|children|son|daughter|wife|husband|partner|baby|family)|everyone (?:in|at) (?:the|your) (?:[a-z']+ ){0,2}\w+|the (?:staff|manager|customers|pupils|workers|engineer|bailiff)|all of you|your (?:staff|manager|engineer))\b", 0.7),
    _p("bomb_where", r"\b(?:in|at|under|inside|outside|behind) (?:the|your) (?:[a-z']+ ){0,3}(?:branch|office|lobby|building|shop|store|depot|station|school|staff room|car park|toilets?|reception|centre|center|hq|headquarters|warehouse)\b", 0.8),
    _p("bomb_when", rf"\b(?:go(?:es)? off|explodes?|blows? up|detonates?)\s+(?P<when>(?:at|by|before) {_CLOCK}|in (?:\d+|an?|one|two|five|ten|twenty|thirty|half an?) (?:minutes?|hours?)|(?:tonight|today|tomorrow|this (?:afternoon|evening|morning)))", 0.8, group="when"),
    _p("bomb_what", r"\b(?:a|the|an) (?:[a-z']+ ){0,2}(?:rucksack|backpack|bag|box|parcel|package|suitcase|holdall|tin|device|pipe|envelope|case)\b", 0.7),
    _p("bomb_why", r"\bbecause (?P<why>[^.!?]{5,80})|\b(?P<why2>for what (?:you|your \w+) (?:did|have done|did to me))", 0.6, group="why"),
)
# fmt: on
BOMB_FIELDS = {"bomb_where", "bomb_when", "bomb_what", "bomb_why"}


def extract(text: str, *, turn: int, bomb: bool = False) -> dict[str, Fact]:
    """Facts stated in one customer turn; bomb-threat fields only when the turn is a bomb threat."""
    lowered = lower_same_length(clean(text))
    found: dict[str, tuple[Fact, int]] = {}
    for index, pattern in enumerate(PATTERNS):
        if pattern.field in BOMB_FIELDS and not bomb:
            continue
        for match in pattern.regex.finditer(lowered):
            start, end = _group_span(match, pattern.group)
            if end <= start:
                continue
            value: str | bool = pattern.value if pattern.value is not None else text[start:end]
            if pattern.field == "callback_number" and not _phone_like(lowered, start, end):
                continue
            previous = found.get(pattern.field)
            # A stronger pattern wins; a later match of the same pattern is the caller correcting themselves.
            if previous is None or pattern.confidence > previous[0].confidence or previous[1] == index:
                fact = Fact(
                    value=value,
                    turn=turn,
                    confidence=pattern.confidence,
                    span=Span(start=start, end=end, text=text[start:end]),
                )
                found[pattern.field] = (fact, index)
    return {name: fact for name, (fact, _) in found.items()}


_PHONE_CUE = re.compile(r"\b(?:call|ring|phone|number|mobile|cell|text|reach)\b")


def _phone_like(lowered: str, start: int, end: int) -> bool:
    """9-13 digits, or a short local number (7-8) right after a word like 'call' or 'number'."""
    digits = sum(c.isdigit() for c in lowered[start:end])
    if 9 <= digits <= 13:
        return True
    return 7 <= digits <= 8 and _PHONE_CUE.search(lowered[max(0, start - 25) : start]) is not None


def _group_span(match: re.Match[str], group: int | str) -> tuple[int, int]:
    if group == 0:
        return match.span()
    for name in (str(group), f"{group}2"):
        if name in match.groupdict() and match.group(name) is not None:
            return match.span(name)
    return match.span()


class EmergencyFacts:
    """Facts gathered over a contact; a later mention of a field replaces an earlier one."""

    def __init__(self, *, account_address: str | None = None) -> None:
        self.account_address = account_address
        self.fields: dict[str, Fact | None] = dict.fromkeys(FIELDS)

    def observe(self, text: str, *, turn: int, bomb: bool = False) -> None:
        for name, fact in extract(text, turn=turn, bomb=bomb).items():
            current = self.fields[name]
            if current is None or fact.turn > current.turn or fact.confidence > current.confidence:
                self.fields[name] = self._resolved(name, fact)

    def _resolved(self, name: str, fact: Fact) -> Fact:
        """'At home' resolved against the account address when one is known."""
        home = isinstance(fact.value, str) and re.search(r"\b(?:home|my (?:house|flat|place))\b", fact.value.lower())
        if name == "location" and home and self.account_address:
            return fact.model_copy(update={"value": f"{self.account_address} (account address, from '{fact.value}')"})
        return fact
