"""The abuse boundary protocol, and scripted conversations for the remaining playbooks."""

from __future__ import annotations

from pathlib import Path

import pytest

from calmline.detection.analyzer import Analyzer, ConversationAnalysis
from calmline.domain.errors import ConfigError
from calmline.playbooks.abuse import AbusePolicy, abuse_protocol, load_policy
from calmline.playbooks.catalog import load_catalog
from calmline.playbooks.runner import run_playbooks

CONFIG = Path(__file__).resolve().parents[2] / "config"
INSULT = "You're a useless idiot."
WARNING = "I want to help, but if the insults continue I'll end this call."


def _conversation(analyzer: Analyzer, turns: list[tuple[str, str]]) -> ConversationAnalysis:
    return analyzer.analyse_conversation({"id": "a", "turns": [{"speaker": s, "text": t} for s, t in turns]})


# fmt: off
CASES = [
    ("no warning yet", [("customer", INSULT)], 1, False),
    ("warned, abuse stopped", [("customer", INSULT), ("agent", WARNING), ("customer", "Fine. The bill is wrong.")], 1,
     False),
    ("warned, abuse continued", [("customer", INSULT), ("agent", WARNING), ("customer", "Shut up, you moron.")], 1,
     True),
    ("policy wants two warnings", [("customer", INSULT), ("agent", WARNING), ("customer", "Shut up, you moron.")], 2,
     False),
    ("sexual remark ends at once", [("customer", "What are you wearing, sweetheart?")], 1, True),
    ("threat ends at once", [("customer", "I'm going to find you after your shift and kill you.")], 1, True),
]
# fmt: on


@pytest.mark.parametrize(("name", "turns", "warnings_needed", "allowed"), CASES, ids=[c[0] for c in CASES])
def test_when_abuse_meets_the_policy_then_ending_is_allowed_only_as_the_policy_says(
    analyzer: Analyzer, name: str, turns: list[tuple[str, str]], warnings_needed: int, allowed: bool
) -> None:
    log = abuse_protocol(_conversation(analyzer, turns), AbusePolicy(warnings_before_end=warnings_needed))
    assert log.end_allowed is allowed, (name, log.reason)
    assert log.abusive_turns and log.abusive_turns[0].text == turns[0][1]  # verbatim


def test_when_the_policy_file_is_broken_then_loading_fails_naming_it(tmp_path: Path) -> None:
    assert load_policy(CONFIG / "policy.yaml").abuse.warnings_before_end == 1
    path = tmp_path / "policy.yaml"
    path.write_text("abuse:\n  warnings_before_end: 9\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"policy\.yaml: abuse\.warnings_before_end"):
        load_policy(path)


def test_when_a_bereaved_customer_is_met_with_condolences_then_the_grief_playbook_ticks_acknowledged(
    analyzer: Analyzer,
) -> None:
    result = _conversation(
        analyzer,
        [
            ("customer", "My wife passed away last week and I don't know what to do with her account."),
            ("agent", "I'm so sorry for your loss. That must be incredibly hard."),
            ("agent", "At least she's not suffering now."),
        ],
    )
    states = {s.id: s for s in run_playbooks(load_catalog(CONFIG / "playbooks"), result.turns)}
    grief = states["distress-grief"]
    assert grief.checklist["acknowledged"]
    assert [w.code for w in grief.warnings] == ["MIN"]


def test_when_a_scam_is_suspected_then_the_vulnerable_playbook_leads_to_pausing_the_transaction(
    analyzer: Analyzer,
) -> None:
    result = _conversation(
        analyzer,
        [
            ("customer", "A man from the bank's fraud team told me to move all my savings to a safe account."),
            ("agent", "Do you remember when he first called you?"),
        ],
    )
    state = {s.id: s for s in run_playbooks(load_catalog(CONFIG / "playbooks"), result.turns)}["vulnerable-customer"]
    assert [w.code for w in state.warnings] == ["REM"]
    assert state.current_step == "teach-back"
