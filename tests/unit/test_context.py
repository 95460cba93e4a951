"""Conversation context: the contact severity ratchet, cues adding up across turns, the anger
trajectory, the abusive-turn count, and agent turns that never raise customer-risk signals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from calmline.detection.analyzer import Analyzer, TurnAnalysis
from calmline.domain.severity import Severity
from calmline.domain.signals import Category, Signal, Speaker
from tests.conftest import CONFIG_DIR

HOPELESS = "I just feel hopeless, there's no point any more"
AFFAIRS = "I've sorted out who gets my things"
FINALITY = "I won't need the account after Friday"


def _self_harm(turn: TurnAnalysis) -> Signal:
    found = [s for s in turn.signals if s.category is Category.SELF_HARM]
    assert found, f"no self_harm signal in turn {turn.index}: {[s.category.value for s in turn.signals]}"
    return max(found, key=lambda s: s.severity)


def test_when_a_calm_turn_follows_a_critical_one_then_contact_severity_stays_critical(analyzer: Analyzer) -> None:
    conversation = analyzer.conversation("c1")
    critical = conversation.add_turn(speaker="customer", text="I'm going to kill myself tonight")
    calm = conversation.add_turn(speaker="customer", text="Anyway, can you update my address?")
    assert critical.contact_severity == Severity.S4
    assert calm.severity == Severity.S0
    assert calm.contact_severity == Severity.S4
    assert conversation.summary().max_severity == Severity.S4


@pytest.mark.parametrize(
    "texts",
    [
        ["hello", "I'm fed up with being on hold for an hour", "I want to speak to a manager", "ok thanks"],
        ["you're a useless idiot", "fine", "sorry, I'm just stressed", "thanks"],
        ["I'm having a panic attack", "my husband has collapsed and isn't breathing", "ok", "he's breathing now"],
    ],
    ids=["anger", "abuse", "medical"],
)
def test_when_turns_come_in_then_contact_severity_is_the_running_maximum(analyzer: Analyzer, texts: list[str]) -> None:
    conversation = analyzer.conversation("c-ratchet")
    turns = [conversation.add_turn(speaker="customer", text=t) for t in texts]
    running = Severity.S0
    for turn in turns:
        running = max(running, turn.severity)
        assert turn.contact_severity == running
    assert [t.contact_severity for t in turns] == sorted(t.contact_severity for t in turns)


def test_when_hopelessness_came_earlier_then_veiled_finality_is_raised_to_s4_by_the_context_rule(
    analyzer: Analyzer,
) -> None:
    conversation = analyzer.conversation("c1")
    conversation.add_turn(speaker="customer", text=HOPELESS)
    conversation.add_turn(speaker="agent", text="I'm really sorry you're feeling like that.")
    later = conversation.add_turn(speaker="customer", text=FINALITY)
    signal = _self_harm(later)
    assert signal.severity == Severity.S4
    reasons = [a.reason for a in signal.evidence.adjustments if a.severity_after == Severity.S4]
    assert any("context.hopelessness_then_finality" in r for r in reasons), (
        f"no adjustment names the context rule; adjustments: {[a.reason for a in signal.evidence.adjustments]}"
    )


def test_when_veiled_finality_comes_without_earlier_hopelessness_then_it_stays_s2(analyzer: Analyzer) -> None:
    conversation = analyzer.conversation("c1")
    conversation.add_turn(speaker="customer", text="Hi, I need to update the address on my account")
    turn = conversation.add_turn(speaker="customer", text=FINALITY)
    assert _self_harm(turn).severity == Severity.S2


def test_when_affairs_are_settled_then_self_harm_is_at_least_s3(analyzer: Analyzer) -> None:
    # Recent preparatory behaviour is C-SSRS Q6: S3 from the rule, S4 when the model's critical head agrees.
    conversation = analyzer.conversation("c1")
    conversation.add_turn(speaker="customer", text="Hi, I need to update the address on my account")
    turn = conversation.add_turn(speaker="customer", text=AFFAIRS)
    signal = _self_harm(turn)
    assert signal.severity >= Severity.S3, f"{signal.evidence.detector}: {signal.evidence.rule}"


def test_when_the_hopeless_turn_comes_after_the_affairs_turn_then_the_earlier_turn_is_not_raised(
    analyzer: Analyzer,
) -> None:
    conversation = analyzer.conversation("c1")
    affairs = conversation.add_turn(speaker="customer", text=AFFAIRS)
    conversation.add_turn(speaker="customer", text=HOPELESS)
    assert conversation.turns[0] is affairs
    assert not any("context." in a.reason for s in affairs.signals for a in s.evidence.adjustments)


def test_when_anger_rises_then_falls_then_the_trajectory_is_escalating_then_calming(analyzer: Analyzer) -> None:
    conversation = analyzer.conversation("c-anger")
    rising = [
        "Hi, I'd like to check my bill",
        "This is annoying",
        "I'm absolutely furious, this is a joke",
        "I WANT TO SPEAK TO A MANAGER NOW!!! THIS IS RIDICULOUS!!!",
    ]
    falling = ["ok thanks", "that's fine, thank you", "great, cheers"]
    up = [conversation.add_turn(speaker="customer", text=t) for t in rising]
    down = [conversation.add_turn(speaker="customer", text=t) for t in falling]
    assert up[0].trajectory == "steady"
    assert up[-1].trajectory == "escalating"
    assert down[-1].trajectory == "calming"
    assert conversation.summary().trajectory == "calming"


def test_when_a_conversation_stays_calm_then_the_trajectory_is_steady(analyzer: Analyzer) -> None:
    conversation = analyzer.conversation("c-calm")
    for text in ["Hello", "I'd like to check my balance please", "Thanks", "Bye"]:
        turn = conversation.add_turn(speaker="customer", text=text)
    assert turn.trajectory == "steady"


def test_when_agent_turns_interleave_then_they_do_not_move_the_anger_trajectory(analyzer: Analyzer) -> None:
    alone = analyzer.conversation("a")
    mixed = analyzer.conversation("b")
    texts = ["This is annoying", "I'm absolutely furious, this is a joke", "I WANT A MANAGER NOW!!! THIS IS A JOKE!!!"]
    for text in texts:
        last_alone = alone.add_turn(speaker="customer", text=text)
        mixed.add_turn(speaker="agent", text="I understand, I'm sorry about this.")
        last_mixed = mixed.add_turn(speaker="customer", text=text)
    assert last_mixed.trajectory == last_alone.trajectory


def test_when_customers_abuse_the_agent_then_abusive_turns_counts_only_those_customer_turns(
    analyzer: Analyzer,
) -> None:
    conversation = analyzer.conversation("c-abuse")
    script: list[tuple[Speaker, str]] = [
        ("customer", "you're a useless idiot"),
        ("agent", "you are useless"),
        ("customer", "fine"),
        ("customer", "this bloody system is useless"),
        ("customer", "shut up you stupid cow"),
    ]
    counts = [conversation.add_turn(speaker=speaker, text=text).abusive_turns for speaker, text in script]
    assert counts == [1, 1, 1, 1, 2]
    assert conversation.summary().abusive_turns == 2


@pytest.mark.parametrize(
    "text",
    [
        "you are useless",
        "f*** you",
        "I'm going to kill myself tonight",
        "There's a bomb in the branch",
        "he's collapsed and isn't breathing",
        "WHY IS THIS STILL NOT FIXED!!!",
    ],
)
def test_when_the_agent_speaks_then_no_signal_is_produced(analyzer: Analyzer, text: str) -> None:
    turn = analyzer.conversation("c1").add_turn(speaker="agent", text=text)
    assert turn.signals == []
    assert turn.severity == Severity.S0
    assert turn.contact_severity == Severity.S0
    assert turn.abusive_turns == 0
    assert analyzer.utterance(text, speaker="agent").signals == []


def test_when_an_agent_turn_follows_a_risky_customer_turn_then_contact_severity_is_kept(analyzer: Analyzer) -> None:
    conversation = analyzer.conversation("c1")
    conversation.add_turn(speaker="customer", text="you're a useless idiot")
    agent = conversation.add_turn(speaker="agent", text="Please don't speak to me like that.")
    assert agent.severity == Severity.S0
    assert agent.contact_severity == Severity.S3


def test_when_turns_are_added_then_they_are_indexed_in_order(analyzer: Analyzer) -> None:
    conversation = analyzer.conversation("c1")
    speakers: list[Speaker] = ["agent", "customer", "agent", "customer"]
    turns = [conversation.add_turn(speaker=s, text=f"turn {i}", ts=i) for i, s in enumerate(speakers)]
    assert [t.index for t in turns] == [0, 1, 2, 3]
    assert [t.ts for t in turns] == [0, 1, 2, 3]
    assert conversation.summary().turns == turns


@pytest.mark.parametrize("path", sorted((CONFIG_DIR / "examples").glob("*.json")), ids=lambda p: p.stem)
def test_when_a_whole_conversation_is_analysed_then_it_matches_feeding_turns_one_by_one(
    analyzer: Analyzer, path: Path
) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    batched = analyzer.analyse_conversation(data)
    live = analyzer.conversation(data["id"])
    for turn in data["turns"]:
        live.add_turn(speaker=turn["speaker"], text=turn["text"], ts=turn.get("ts"))
    assert batched == live.summary()
