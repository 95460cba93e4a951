"""What the rule detector (with the rest of the bundled pipeline) says about single utterances.

Each table row is one customer utterance and the judgement a contact-centre reviewer expects:
a category present at an exact severity (and, where it matters, who it concerns), a category
absent, or no high-severity signal at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from calmline.detection.analyzer import Analyzer, UtteranceAnalysis
from calmline.detection.base import detectors
from calmline.domain.severity import Severity
from calmline.domain.signals import Category, Subject

ANGER, ABUSE, DISTRESS = Category.ANGER, Category.ABUSE, Category.DISTRESS
DEPRESSION, SELF_HARM, THREAT = Category.DEPRESSION, Category.SELF_HARM, Category.THREAT
MEDICAL, VULNERABILITY = Category.MEDICAL_EMERGENCY, Category.VULNERABILITY
SELF, THIRD, AGENT = Subject.SELF, Subject.THIRD_PARTY, Subject.AGENT
DETECTOR_NAME = re.compile(r"^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+\.v[0-9]+$")


@dataclass(frozen=True)
class Present:
    """``category`` is flagged at exactly ``severity``; every signal of it concerns ``subject`` (if given)."""

    text: str
    category: Category
    severity: int
    subject: Subject | None = None


@dataclass(frozen=True)
class Absent:
    """``category`` is not flagged at all."""

    text: str
    category: Category


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:48]


def _by_category(result: UtteranceAnalysis, category: Category) -> list[tuple[Severity, Subject]]:
    return [(s.severity, s.subject) for s in result.signals if s.category is category]


def _describe(result: UtteranceAnalysis) -> str:
    return ", ".join(
        f"{s.category.value} S{int(s.severity)} {s.subject.value} ({s.evidence.rule})" for s in result.signals
    )


# --- explicit cues, one or more per category -------------------------------------------------------
EXPLICIT_CUES = [
    # self-harm, from a passive wish to intent with a time
    Present("I'm going to kill myself tonight", SELF_HARM, 4, SELF),
    Present("I keep thinking about ending it", SELF_HARM, 3, SELF),
    Present("everyone would be better off without me", SELF_HARM, 2, SELF),
    Present("I've been stockpiling my sleeping pills for weeks", SELF_HARM, 4, SELF),
    Present("I've already taken a whole box of paracetamol", SELF_HARM, 4, SELF),
    Present("nobody cares, I'm going to end my life", SELF_HARM, 4, SELF),
    Present("I can't keep myself safe tonight", SELF_HARM, 4, SELF),
    Present("I've been cutting myself again", SELF_HARM, 3, SELF),
    Present("I just want to die", SELF_HARM, 3, SELF),
    Present("I'm such a burden to everyone", SELF_HARM, 2, SELF),
    # medical emergencies are always S4
    Present("he's collapsed and isn't breathing", MEDICAL, 4, THIRD),
    Present("My husband has chest pain going down his left arm", MEDICAL, 4, THIRD),
    Present("Her face is drooping and her speech is slurred", MEDICAL, 4, THIRD),
    Present("I think I'm having a heart attack, please help", MEDICAL, 4, SELF),
    Present("I've just taken forty paracetamol", MEDICAL, 4),
    # threats: S4 with a place, time or means, S3 when vague or conditional
    Present("There's a bomb in your Leeds branch and it goes off at 3 o'clock", THREAT, 4),
    Present("I've got a knife and I'm waiting outside your office", THREAT, 4),
    Present("I'm going to burn your office down tonight", THREAT, 4),
    Present("I'm going to stab you", THREAT, 4),
    Present("I know where you live", THREAT, 3),
    Present("You'll regret this", THREAT, 3),
    # abuse aimed at the agent
    Present("you're a useless idiot", ABUSE, 3, AGENT),
    Present("you're an absolute moron", ABUSE, 3, AGENT),
    Present("are you thick or something?", ABUSE, 3, AGENT),
    Present("Shut up and listen to me, you stupid cow", ABUSE, 3, AGENT),
    Present("what are you wearing right now, you sound sexy", ABUSE, 3, AGENT),
    Present("Go back to your own country", ABUSE, 3, AGENT),
    # anger at the situation
    Present("I want to speak to a manager", ANGER, 2, SELF),
    Present("I'm going to make a formal complaint", ANGER, 2, SELF),
    Present("I'm absolutely furious with this company", ANGER, 2, SELF),
    Present("I'm fed up with being on hold for an hour", ANGER, 1, SELF),
    Present("this is ridiculous", ANGER, 1, SELF),
    # distress
    Present("I've been crying all morning, I can't cope", DISTRESS, 2, SELF),
    Present("I'm having a panic attack", DISTRESS, 2, SELF),
    Present("My mum passed away last week", DISTRESS, 2),
    Present("Sorry, I'm crying, it's just been an awful week", DISTRESS, 2, SELF),
    # depression
    Present("I feel so hopeless and empty", DEPRESSION, 2, SELF),
    Present("I've lost all interest in everything", DEPRESSION, 2, SELF),
    Present("I haven't slept properly in weeks", DEPRESSION, 2, SELF),
    Present("I've been struggling with depression", DEPRESSION, 2, SELF),
    Present("I've been feeling really low and can't get out of bed", DEPRESSION, 2, SELF),
    # vulnerability: S3 for scams, coercion and domestic abuse, S2 otherwise
    Present("The bank rang and told me to move my savings to a safe account", VULNERABILITY, 3),
    Present("Someone claiming to be from HMRC said I have to pay with gift cards", VULNERABILITY, 3),
    Present("He won't let me see my own bank statements", VULNERABILITY, 3),
    Present("My partner hits me", VULNERABILITY, 3),
    Present("I can't afford to eat this week", VULNERABILITY, 2, SELF),
    Present("I've been made redundant", VULNERABILITY, 2, SELF),
    Present("I've got dementia and I get very confused", VULNERABILITY, 2, SELF),
]


@pytest.mark.parametrize("case", EXPLICIT_CUES, ids=lambda c: _slug(c.text))
def test_when_an_explicit_cue_is_said_then_its_category_severity_and_subject_are_reported(
    analyzer: Analyzer, case: Present
) -> None:
    result = analyzer.utterance(case.text)
    found = _by_category(result, case.category)
    assert found, f"{case.category.value} missing; got: {_describe(result)}"
    assert max(sev for sev, _ in found) == case.severity, _describe(result)
    if case.subject is not None:
        assert {subject for _, subject in found} == {case.subject}, _describe(result)


# --- statements that are not risk of a particular kind -----------------------------------------------
NOT_THAT_CATEGORY = [
    # negation: the customer denies the risk
    Absent("I'm not suicidal", SELF_HARM),
    Absent("I would never hurt myself", SELF_HARM),
    Absent("I'm not going to kill myself, don't worry", SELF_HARM),
    Absent("I'm not going to hurt myself, I'm just angry", SELF_HARM),
    # quotation and media: a title or lyric is not the customer's own wish
    Absent('my favourite song is "I Want To Die" by some band', SELF_HARM),
    Absent('the song "Suicide Is Painless" came on the radio', SELF_HARM),
    Absent('I had the lyric "I wanna end it all tonight" stuck in my head from that song', SELF_HARM),
    # venting at the company is anger, not abuse of the agent
    Absent("this bloody system is useless", ABUSE),
    Absent("the app is rubbish", ABUSE),
    Absent("this company is a total joke", ABUSE),
    Absent("I've had it up to here with you lot", SELF_HARM),
    # a risk to oneself is not a threat to others; low mood is not a medical emergency
    Absent("I'm going to kill myself tonight", THREAT),
    Absent("I've been feeling really low and can't get out of bed", MEDICAL),
]


@pytest.mark.parametrize("case", NOT_THAT_CATEGORY, ids=lambda c: f"{c.category.value}-{_slug(c.text)}")
def test_when_a_statement_denies_quotes_or_vents_then_that_category_is_not_flagged(
    analyzer: Analyzer, case: Absent
) -> None:
    result = analyzer.utterance(case.text)
    assert not _by_category(result, case.category), f"unexpected {case.category.value}: {_describe(result)}"


# --- negation that does not negate -------------------------------------------------------------------
STILL_AT_RISK = [
    "I can't stop thinking about killing myself",
    "I'm not joking, I'll kill myself",
    "I'm not kidding, I want to end my life",
    "nobody would even notice if I wasn't here",
]


@pytest.mark.parametrize("text", STILL_AT_RISK, ids=_slug)
def test_when_a_negator_does_not_deny_the_cue_then_self_harm_is_still_flagged(analyzer: Analyzer, text: str) -> None:
    result = analyzer.utterance(text)
    assert _by_category(result, SELF_HARM), f"self_harm missing; got: {_describe(result)}"
    assert result.severity >= Severity.S2


# --- idiom and hyperbole -----------------------------------------------------------------------------
FIGURES_OF_SPEECH = [
    "this bill is killing me",
    "I'm dying to know",
    "I'll kill it at my interview",
    "my phone died",
    "I could murder a coffee",
    "I nearly had a heart attack when I saw the price",
    "shoot me an email",
    "it cost me a bomb",
    "I'm dead tired after work",
    "My laptop battery is dead",
    "I need to kill some time before my appointment",
    "I'm going to kill the direct debit",
    "We bombed the presentation",
    "That film was the bomb",
    "The deadline is Friday",
    "my wife will kill me if I'm late again",
]


@pytest.mark.parametrize("text", FIGURES_OF_SPEECH, ids=_slug)
def test_when_a_figure_of_speech_is_used_then_no_high_severity_signal_is_raised(analyzer: Analyzer, text: str) -> None:
    result = analyzer.utterance(text)
    assert result.severity < Severity.S3, _describe(result)
    assert all(s.severity < Severity.S3 for s in result.signals)


# --- reports about someone else ----------------------------------------------------------------------
THIRD_PARTY_REPORTS = [
    ("my dad said he'd be better off dead", SELF_HARM),
    ("my son says he wants to kill himself", SELF_HARM),
    ("My sister told me she's been cutting herself", SELF_HARM),
    ("My best friend keeps saying she wants to die", SELF_HARM),
    ("my toddler has swallowed some bleach", MEDICAL),
    ("my dad's not breathing", MEDICAL),
]


@pytest.mark.parametrize(("text", "category"), THIRD_PARTY_REPORTS, ids=[_slug(t) for t, _ in THIRD_PARTY_REPORTS])
def test_when_the_customer_reports_someone_else_at_risk_then_the_signal_concerns_a_third_party(
    analyzer: Analyzer, text: str, category: Category
) -> None:
    result = analyzer.utterance(text)
    found = _by_category(result, category)
    assert found, f"{category.value} missing; got: {_describe(result)}"
    assert {subject for _, subject in found} == {THIRD}, _describe(result)


# --- abuse aimed at the agent versus venting -----------------------------------------------------------
@pytest.mark.parametrize("text", ["this bloody system is useless", "the app is rubbish", "sh1t service"], ids=_slug)
def test_when_the_customer_vents_at_the_company_then_anger_is_flagged_without_abuse(
    analyzer: Analyzer, text: str
) -> None:
    result = analyzer.utterance(text)
    assert _by_category(result, ANGER), _describe(result)
    assert not _by_category(result, ABUSE), _describe(result)


@pytest.mark.parametrize(
    "text", ["you're useless", "f*** you", "f u c k you", "you f***ing idiot", "u r a useless muppet"], ids=_slug
)
def test_when_an_insult_or_profanity_targets_the_agent_then_abuse_concerns_the_agent(
    analyzer: Analyzer, text: str
) -> None:
    result = analyzer.utterance(text)
    found = _by_category(result, ABUSE)
    assert found, f"abuse missing; got: {_describe(result)}"
    assert {subject for _, subject in found} == {AGENT}
    assert max(sev for sev, _ in found) == Severity.S3


@pytest.mark.parametrize("text", ["sh1t service", "this $hit service again", "what a load of b*llocks"], ids=_slug)
def test_when_profanity_is_obfuscated_then_it_is_still_recognised_as_anger(analyzer: Analyzer, text: str) -> None:
    result = analyzer.utterance(text)
    assert _by_category(result, ANGER), f"anger missing; got: {_describe(result)}"


# --- shouting ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    ["WHY IS THIS STILL NOT FIXED!!!", "THIS IS RIDICULOUS!!!", "I WANT TO SPEAK TO A MANAGER NOW!!!"],
    ids=_slug,
)
def test_when_an_anger_cue_is_shouted_then_anger_is_at_least_s2(analyzer: Analyzer, text: str) -> None:
    result = analyzer.utterance(text)
    found = _by_category(result, ANGER)
    assert found, _describe(result)
    assert max(sev for sev, _ in found) >= Severity.S2, _describe(result)
    anger = next(s for s in result.signals if s.category is ANGER)
    detectors_involved = {anger.evidence.detector} | {a.reason for a in anger.evidence.adjustments}
    assert any("intensity.shouting.v1" in d for d in detectors_involved), "shouting is not reflected in the evidence"


def test_when_the_same_cue_is_said_calmly_then_anger_stays_s1(analyzer: Analyzer) -> None:
    found = _by_category(analyzer.utterance("this is ridiculous"), ANGER)
    assert max(sev for sev, _ in found) == Severity.S1


def test_when_shouting_carries_no_anger_cue_then_it_is_only_a_weak_s1_signal(analyzer: Analyzer) -> None:
    result = analyzer.utterance("HELLO CAN YOU HEAR ME NOW")
    assert result.severity <= Severity.S1
    assert {s.category for s in result.signals} <= {ANGER}


# --- routine contact ---------------------------------------------------------------------------------
ROUTINE = [
    "I'd like to check my balance please",
    "Can you update my address",
    "Thank you so much, you've been brilliant",
    "What time does the branch open on Saturday?",
]


@pytest.mark.parametrize("text", ROUTINE, ids=_slug)
def test_when_a_routine_request_is_made_then_severity_is_s0(analyzer: Analyzer, text: str) -> None:
    result = analyzer.utterance(text)
    assert result.severity == Severity.S0, _describe(result)
    assert result.signals == []


# --- evidence ----------------------------------------------------------------------------------------
ALL_TEXTS = sorted(
    {c.text for c in EXPLICIT_CUES}
    | {c.text for c in NOT_THAT_CATEGORY}
    | set(STILL_AT_RISK)
    | set(FIGURES_OF_SPEECH)
    | {t for t, _ in THIRD_PARTY_REPORTS}
)


def test_when_the_tables_are_counted_then_there_are_at_least_sixty_cases() -> None:
    assert len(ALL_TEXTS) >= 60


@pytest.mark.parametrize("text", ALL_TEXTS, ids=_slug)
def test_when_a_signal_is_raised_then_its_evidence_names_the_detector_and_points_at_the_words(
    analyzer: Analyzer, text: str
) -> None:
    result = analyzer.utterance(text)
    registered = set(detectors.names())
    for signal in result.signals:
        evidence = signal.evidence
        assert DETECTOR_NAME.match(evidence.detector), evidence.detector
        assert evidence.detector in registered
        assert evidence.version
        assert evidence.rule
        assert 0.0 <= signal.score <= 1.0
        assert evidence.language == result.language
        for span in evidence.spans:
            assert 0 <= span.start <= span.end <= len(text)
            assert span.text == text[span.start : span.end]


@pytest.mark.parametrize(
    "text",
    [
        "I\u2019ve been stockpiling my sleeping pills for weeks",
        "I want to speak to a\u00a0manager",
        "I\u2019m going to make a formal complaint",
    ],
    ids=["curly-apostrophe", "no-break-space", "curly-apostrophe-complaint"],
)
def test_when_the_input_has_typographic_characters_then_span_text_is_the_customers_own_words(
    analyzer: Analyzer, text: str
) -> None:
    result = analyzer.utterance(text)
    assert result.signals, "expected a signal"
    for signal in result.signals:
        for span in signal.evidence.spans:
            assert span.text == text[span.start : span.end], (span, text[span.start : span.end])
