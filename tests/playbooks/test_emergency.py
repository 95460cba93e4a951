"""Emergency facts from the customer's words, and the hand-off packet."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from calmline.cli import app
from calmline.detection.analyzer import Analyzer
from calmline.detection.extract import EmergencyFacts, extract
from calmline.playbooks.catalog import load_catalog
from calmline.playbooks.handoff import emergency_state, handoff_packet
from calmline.playbooks.runner import run_playbooks

PLAYBOOKS = Path(__file__).resolve().parents[2] / "config" / "playbooks"

# fmt: off
CASES = [
    ("I'm at 14 Marsh Lane, Flat 2, LS6 2QT, call me on 07700 900123",
     {"location": "14 Marsh Lane, Flat 2, LS6 2QT", "callback_number": "07700 900123"}),
    ("it's 22 Elm Road, no sorry, 24 Elm Road", {"location": "24 Elm Road"}),
    ("i took like thirty paracetamol an hour ago and im on my own",
     {"substance": "like thirty paracetamol", "taken_when": "an hour ago", "alone": True}),
    ("my sister's here with me, we're on the Westgate bridge",
     {"location": "on the Westgate bridge", "alone": False, "with_whom": "my sister"}),
    ("I'm going to do it tonight, I've got a rope", {"timeframe": "tonight", "means": "a rope"}),
    ("Eircode D02 X285, number 087 123 4567", {"location": "D02 X285", "callback_number": "087 123 4567"}),
    ("we are in 90210, call 555-0142", {"location": "90210", "callback_number": "555-0142"}),
]
# fmt: on


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0][:30] for c in CASES])
def test_when_a_caller_states_facts_then_each_is_extracted_with_its_span(
    text: str, expected: dict[str, object]
) -> None:
    facts = extract(text, turn=3)
    for name, value in expected.items():
        assert name in facts, f"{name} missing from {facts}"
        assert facts[name].value == value
        assert facts[name].turn == 3
        span = facts[name].span
        assert span is not None and text[span.start : span.end] == span.text


def test_when_nothing_is_said_about_time_then_a_house_number_is_not_a_time() -> None:
    assert "timeframe" not in extract("I live at 14 Marsh Lane", turn=0)
    assert "callback_number" not in extract("it was 2019 and then 2020", turn=0)


def test_when_a_bomb_threat_is_made_then_the_checklist_fields_are_extracted() -> None:
    text = (
        "There's a bomb in a brown rucksack in your Leeds branch lobby and it goes off at three "
        "because you took my house"
    )
    facts = extract(text, turn=0, bomb=True)
    assert facts["bomb_where"].value == "in your Leeds branch lobby"
    assert facts["bomb_when"].value == "at three"
    assert facts["bomb_what"].value == "a brown rucksack"
    assert facts["bomb_why"].value == "you took my house"
    assert "bomb_where" not in extract(text, turn=0, bomb=False)


def test_when_a_caller_says_at_home_then_the_account_address_is_used() -> None:
    facts = EmergencyFacts(account_address="3 Rose Court, York YO1 7HH")
    facts.observe("I'm at home on my own", turn=2)
    location = facts.fields["location"]
    assert location is not None and "3 Rose Court" in str(location.value) and location.turn == 2


def test_when_a_crisis_conversation_ends_then_the_handoff_packet_carries_quotes_facts_and_what_was_done(
    analyzer: Analyzer,
) -> None:
    result = analyzer.analyse_conversation(
        {
            "id": "h",
            "turns": [
                {"speaker": "customer", "text": "I've already taken all my tablets, like forty of them."},
                {"speaker": "agent", "text": "What's the address where you are right now?"},
                {"speaker": "customer", "text": "14 Marsh Lane, LS6 2QT. I'm on my own."},
            ],
        }
    )
    states = run_playbooks(load_catalog(PLAYBOOKS), result.turns)
    emergency = emergency_state(result)
    assert emergency.active
    packet = handoff_packet(result, states, emergency)
    assert packet.facts["location"] == "14 Marsh Lane, LS6 2QT" and packet.facts["alone"] is True
    assert packet.key_quotes[0].text == "I've already taken all my tablets, like forty of them."
    assert "location-confirmed" not in packet.open_checklist.get("suicide-risk", [])
    assert "14 Marsh Lane" in packet.text


def test_when_analyze_prints_json_then_emergency_and_handoff_keys_are_there(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text(
        json.dumps(
            {
                "id": "c",
                "turns": [
                    {"speaker": "customer", "text": "He's collapsed and he's not breathing, we're at 9 Oak Street."}
                ],
            }
        )
    )
    result = CliRunner().invoke(app, ["analyze", str(path), "--json"])
    payload = json.loads(result.output)
    assert payload["emergency"]["active"] is True
    assert payload["emergency"]["fields"]["location"]["value"] == "9 Oak Street"
    assert payload["emergency"]["fields"]["callback_number"] is None
    assert payload["handoff"]["max_severity"] == 4
