"""Per-utterance text artefacts computed once and shared by every detector.

Normalisation never changes the length of the text, so a span found in the normalised text is
the same span in what the customer said: evidence always points at their words.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_SAME_LENGTH = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201b": "'", "\u2032": "'", "`": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
        "\u2013": "-", "\u2014": "-", "\u2212": "-",
        "\u00a0": " ", "\u2009": " ", "\u202f": " ",
    }
)  # fmt: skip
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028\u2029\ufeff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_WORD = re.compile(r"[A-Za-z']+")
_LETTER = re.compile(r"[^\W\d_]")
# Each alternative starts only at the start of a run (lookbehinds), so long runs of spaces or
# punctuation cost linear, not quadratic, time.
_CLAUSE_BREAK = re.compile(
    r"(?<![.!?;])[.!?;]+\s+|(?<!\n)\n+|(?<!\s)\s+(?:but|however|though|although|yet)\s+|,\s+(?:and|so)\s+", re.I
)
# Double quotes, or single quotes that open and close outside words (so "I'm" is no quotation).
_QUOTED = re.compile(r'"[^"\n]{2,400}"|(?<![\w\'])\'[^\'\n]{2,120}\'(?![\w\'])')

# Common English function words: a cheap gate so the language identifier runs only when needed.
_ENGLISH_HINTS = frozenset(
    "i me my you your it is am are was were be been the a an and or but not no to of in on at for"
    " with this that what have has had do does did can can't cannot won't don't i'm it's just so"
    " he she they we him her them us our their please thanks thank yes okay ok i've i'd i'll all"
    " been will would there here how why when who get got if as by from up out about now one any"
    " some very really know like want need wanna gonna im ive dont cant wont".split()
)


@dataclass(frozen=True, slots=True)
class Prepared:
    """An utterance ready for detectors: cleaned text, clause bounds and quotation bounds."""

    text: str  # cleaned: same length as what was said, typographic quotes and spaces normalised
    lower: str  # same length as text, so offsets agree; rules match on this
    original: str  # what was said (bounded), for the words quoted in evidence
    truncated: bool
    original_length: int
    clauses: tuple[tuple[int, int], ...]
    quotes: tuple[tuple[int, int], ...]
    language: str
    language_supported: bool
    caps_ratio: float
    exclamations: int
    words: int

    def clause_of(self, pos: int) -> tuple[int, int]:
        """The clause that contains character offset ``pos``."""
        for start, end in self.clauses:
            if start <= pos < end:
                return start, end
        return 0, len(self.text)

    def in_quote(self, start: int, end: int) -> tuple[int, int] | None:
        """The quotation that contains the span, if any."""
        for q_start, q_end in self.quotes:
            if q_start <= start and end <= q_end:
                return q_start, q_end
        return None

    @property
    def shouting(self) -> float:
        """0-1 intensity from capitals and repeated exclamation marks."""
        caps = self.caps_ratio if self.words >= 3 else 0.0
        caps_part = max(0.0, (caps - 0.5) / 0.5)
        bang_part = min(1.0, max(0, self.exclamations - 1) / 3)
        return min(1.0, 0.7 * caps_part + 0.5 * bang_part)


def clean(raw: str) -> str:
    """Replace lone surrogates and control characters, keeping the length unchanged."""
    text = _SURROGATE.sub("\ufffd", raw)
    text = _CONTROL.sub(" ", text)
    return text.translate(_SAME_LENGTH)


def lower_same_length(text: str) -> str:
    """Lower-case without changing length (a few characters lower-case to two; those stay as they are)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


_LEADING_DISGUISE = re.compile(r"(?<![\w$@])([$@])(?=[a-z*])")
_DISGUISE = {"$": "s", "@": "a"}


def undisguise(lowered: str) -> str:
    """Same-length: a word that starts with a symbol for a letter ($hit, @rse) gets the letter back.

    Digits are left alone: times, quantities and emergency numbers matter to the rules."""
    return _LEADING_DISGUISE.sub(lambda m: _DISGUISE[m.group(1)], lowered)


def _clauses(text: str) -> tuple[tuple[int, int], ...]:
    bounds: list[tuple[int, int]] = []
    start = 0
    for match in _CLAUSE_BREAK.finditer(text):
        bounds.append((start, match.start()))
        start = match.end()
    bounds.append((start, len(text)))
    return tuple(b for b in bounds if b[1] > b[0]) or ((0, len(text)),)


def _caps_ratio(text: str) -> float:
    letters = sum(map(str.isalpha, text))
    if not letters:
        return 0.0
    return sum(map(str.isupper, text)) / letters


class LanguageGuesser:
    """Identifies the language only when cheap English cues are missing (lazy model load)."""

    def __init__(self, *, supported: frozenset[str]) -> None:
        self.supported = supported
        self._identifier: object | None = None

    def guess(self, text: str, words: list[str]) -> str:
        """Return an ISO 639-1 code, or ``"und"`` when there is too little text to tell."""
        if _non_latin_share(text) >= 0.5:
            return self._classify(text[:2000]) if len(text.strip()) >= 4 else "und"
        if not words:
            return "und"
        if len(words) < 3 or sum(map(str.isalpha, text[:2000])) < 12:
            return "en" if any(w.lower() in _ENGLISH_HINTS for w in words) else "und"
        hints = sum(1 for w in words[:200] if w.lower() in _ENGLISH_HINTS)
        if hints >= 3 or hints / min(len(words), 200) >= 0.15:
            return "en"  # English function words: no need for the (slower) identifier
        return self._classify(text[:2000])

    def _classify(self, text: str) -> str:
        import py3langid  # deferred: loading its model costs ~0.7 s and is rarely needed

        lang, _ = py3langid.classify(text)
        return str(lang)


def _non_latin_share(text: str) -> float:
    if text.isascii():
        return 0.0
    letters = _LETTER.findall(text[:2000])
    if not letters:
        return 0.0
    return sum(1 for c in letters if not c.isascii() and "LATIN" not in unicodedata.name(c, "")) / len(letters)


def prepare(raw: str, *, max_chars: int, languages: LanguageGuesser) -> Prepared:
    """Clean, bound and segment one utterance."""
    truncated = len(raw) > max_chars
    bounded = raw[:max_chars] if truncated else raw
    text = clean(bounded)
    words = _WORD.findall(text)
    language = languages.guess(text, words)
    supported = language in languages.supported or language == "und"
    return Prepared(
        text=text,
        lower=undisguise(lower_same_length(text)),
        original=_SURROGATE.sub("\ufffd", bounded),
        truncated=truncated,
        original_length=len(raw),
        clauses=_clauses(text),
        quotes=tuple(m.span() for m in _QUOTED.finditer(text)),
        language=language,
        language_supported=supported,
        caps_ratio=_caps_ratio(text),
        exclamations=text.count("!"),
        words=len(words),
    )


_SUBJECT_WORD = re.compile(
    r"\b(?:(?P<third>he|she|they|he's|she's|they're|his|her|their|him|them|my (?:son|daughter|dad|"
    r"father|mum|mom|mother|husband|wife|partner|brother|sister|friend|boyfriend|girlfriend|baby|child|"
    r"kid|nan|gran|grandad|neighbou?r))|(?P<self>i|i'm|im|i've|i'd|i'll|me|my|myself))\b",
    re.IGNORECASE,
)


def third_person_subject(text: str) -> bool:
    """True when the first person the text talks about is someone other than the speaker."""
    for match in _SUBJECT_WORD.finditer(text[:500]):
        if match.group("third"):
            return True
        if match.group("self") and match.group("self").lower() != "my":
            return False
    return False
