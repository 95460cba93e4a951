"""Agent-turn coding with technique and pitfall codes (domain brief 3.1, 3.2)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from calmline.detection.analyzer import Analyzer
from calmline.detection.techniques import TechniqueCoder
from calmline.domain.errors import ConfigError

CONFIG = Path(__file__).resolve().parents[2] / "config"


@pytest.fixture(scope="module")
def coder() -> TechniqueCoder:
    return TechniqueCoder(CONFIG / "techniques.yaml")


# fmt: off
CASES = [
    ("That sounds really stressful, I'm sorry this has dragged on.", {"EMP", "APO"}, set()),
    ("It sounds like you're angry and worn out.", {"LBL"}, set()),
    ("Let me check I've got it: the refund hasn't arrived.", {"SUM"}, set()),
    ("What would a good outcome look like for you?", {"OQ"}, set()),
    ("Is the account in your name?", {"CQ"}, set()),
    ("I'll call you back by 4 pm today with an answer.", {"OWN"}, set()),
    ("We can do it today or next week; which suits you better?", {"CHO"}, set()),
    ("If the insults continue, I'll end this call.", {"BND"}, set()),
    ("Are you thinking about suicide?", {"ASK-S"}, set()),
    ("Are you safe right now? Is anyone with you?", {"SAFE"}, set()),
    ("What's the address where you are right now? Let me read that back.", {"LOC"}, set()),
    ("I'd like to connect you with someone trained for this, and I'll stay on the line.", {"REF"}, set()),
    ("Calm down, there's no need to shout.", set(), {"CALM"}),
    ("You should have read the terms.", set(), {"BLAME"}),
    ("Well, at least you still have the house.", set(), {"MIN"}),
    ("I know exactly how you feel.", set(), {"KNOW"}),
    ("I'm sorry you feel that way.", set(), {"NONAP"}),
    ("That will definitely be fixed today.", set(), {"PROM"}),
    ("Don't worry, I won't tell anyone.", set(), {"SECR"}),
    ("Think about your family.", set(), {"LECT"}),
    ("How were you planning to do it?", set(), {"METH"}),
    ("Do you remember when you opened the account?", set(), {"REM"}),
]
# fmt: on


@pytest.mark.parametrize(("text", "positives", "pitfalls"), CASES, ids=[c[0][:40] for c in CASES])
def test_when_an_agent_says_this_then_these_codes_are_earned(
    coder: TechniqueCoder, text: str, positives: set[str], pitfalls: set[str]
) -> None:
    coded = coder.code(text)
    got_positive = {c.code for c in coded if c.kind == "positive"}
    got_pitfalls = {c.code for c in coded if c.kind == "pitfall"}
    assert positives <= got_positive, got_positive
    assert pitfalls <= got_pitfalls, got_pitfalls
    if not pitfalls:
        assert not got_pitfalls, f"unexpected pitfall {got_pitfalls}"
    for item in coded:
        assert all(text[s.start : s.end] == s.text for s in item.spans)


def test_when_a_non_apology_is_said_then_it_does_not_also_count_as_an_apology(coder: TechniqueCoder) -> None:
    codes = {c.code for c in coder.code("I'm sorry that you feel that way, but it's policy.")}
    assert "NONAP" in codes and "APO" not in codes


def test_when_a_transfer_is_offered_then_it_is_a_pitfall_only_in_a_crisis(coder: TechniqueCoder) -> None:
    text = "I'll just transfer you to another department."
    assert "COLD" not in {c.code for c in coder.code(text)}
    assert "COLD" in {c.code for c in coder.code(text, crisis=True)}


def test_when_a_conversation_is_analysed_then_agent_turns_carry_codes_and_customer_turns_do_not(
    analyzer: Analyzer,
) -> None:
    result = analyzer.analyse_conversation(
        {
            "id": "c",
            "turns": [
                {"speaker": "customer", "text": "I keep thinking about ending it all."},
                {"speaker": "agent", "text": "Thank you for telling me. Are you thinking about suicide?"},
                {"speaker": "customer", "text": "Yes."},
                {"speaker": "agent", "text": "I'll just put you on hold."},
            ],
        }
    )
    assert result.turns[0].techniques == [] and result.turns[0].pitfalls == []
    assert "ASK-S" in result.turns[1].techniques
    assert "COLD" in result.turns[3].pitfalls  # the contact is at S3+ by then


def test_when_the_techniques_file_has_a_bad_code_then_loading_fails_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "techniques.yaml"
    shutil.copy(CONFIG / "techniques.yaml", path)
    path.write_text(path.read_text(encoding="utf-8") + '  bad: {kind: positive, name: x y, patterns: ["x"]}\n')
    with pytest.raises(ConfigError, match="code 'bad'"):
        TechniqueCoder(path)
