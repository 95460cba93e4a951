"""The playbook runner on scripted conversations (own wording), one per scenario."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from calmline.cli import app
from calmline.detection.analyzer import Analyzer
from calmline.playbooks.catalog import load_catalog
from calmline.playbooks.runner import PlaybookState, run_playbooks
from calmline.playbooks.schema import Playbook

PLAYBOOKS = Path(__file__).resolve().parents[2] / "config" / "playbooks"


@pytest.fixture(scope="module")
def catalog() -> dict[str, Playbook]:
    return load_catalog(PLAYBOOKS)


def _run(analyzer: Analyzer, catalog: dict[str, Playbook], turns: list[tuple[str, str]]) -> dict[str, PlaybookState]:
    result = analyzer.analyse_conversation({"id": "t", "turns": [{"speaker": s, "text": t} for s, t in turns]})
    return {state.id: state for state in run_playbooks(catalog, result.turns)}


def test_when_suicide_risk_appears_then_the_playbook_activates_and_asking_directly_ticks_the_checklist(
    analyzer: Analyzer, catalog: dict[str, Playbook]
) -> None:
    states = _run(
        analyzer,
        catalog,
        [
            ("customer", "Honestly I keep thinking about ending it all."),
            ("agent", "Thank you for telling me. Are you thinking about suicide?"),
            ("customer", "Yes, most days."),
            ("agent", "Are you safe right now?"),
        ],
    )
    state = states["suicide-risk"]
    assert state.activated_at == 0
    assert state.checklist["asked-directly"] and state.checklist["safety-checked"]
    assert not state.checklist["referred"]
    assert state.current_step == "warm-transfer"  # S3: the imminent branch does not apply


def test_when_the_agent_promises_secrecy_then_the_suicide_playbook_warns(
    analyzer: Analyzer, catalog: dict[str, Playbook]
) -> None:
    states = _run(
        analyzer,
        catalog,
        [
            ("customer", "I want to kill myself tonight."),
            ("agent", "Don't worry, I won't tell anyone."),
        ],
    )
    assert [w.code for w in states["suicide-risk"].warnings] == ["SECR"]


def test_when_several_playbooks_apply_then_life_safety_comes_first(
    analyzer: Analyzer, catalog: dict[str, Playbook]
) -> None:
    result = analyzer.analyse_conversation(
        {
            "id": "t",
            "turns": [
                {"speaker": "customer", "text": "This is ridiculous, put me through to your manager."},
                {"speaker": "customer", "text": "He's collapsed and he's not breathing."},
            ],
        }
    )
    states = run_playbooks(catalog, result.turns)
    assert states[0].id == "medical-emergency" and states[0].life_safety
    assert "angry-customer" in [s.id for s in states]
    assert states[0].current_step == "location"


def test_when_an_angry_customer_is_told_to_calm_down_then_a_warning_is_raised(
    analyzer: Analyzer, catalog: dict[str, Playbook]
) -> None:
    states = _run(
        analyzer,
        catalog,
        [
            ("customer", "This is the third time I've rung, it's ridiculous, I want a manager."),
            ("agent", "Calm down, please."),
            ("agent", "I'm sorry this has dragged on. I'll call you back by 4 pm today."),
        ],
    )
    state = states["angry-customer"]
    assert [w.code for w in state.warnings] == ["CALM"]
    assert state.checklist["apologised"] and state.checklist["next-step-owned"]


def test_when_abuse_is_met_with_a_boundary_then_the_boundary_item_is_ticked(
    analyzer: Analyzer, catalog: dict[str, Playbook]
) -> None:
    states = _run(
        analyzer,
        catalog,
        [
            ("customer", "You're a useless idiot."),
            ("agent", "I want to help, but if the insults continue I'll end this call."),
        ],
    )
    assert states["verbal-abuse"].checklist["boundary-set"]


def test_when_a_bomb_threat_is_made_then_the_threat_playbook_leads_with_its_questions(
    analyzer: Analyzer, catalog: dict[str, Playbook]
) -> None:
    states = _run(analyzer, catalog, [("customer", "There's a bomb in your Leeds branch and it goes off at three.")])
    assert states["threat"].life_safety and states["threat"].current_step == "exact-words"


def test_when_analyze_prints_json_then_playbooks_are_included(tmp_path: Path) -> None:
    conversation: dict[str, Any] = {
        "id": "c",
        "turns": [
            {"speaker": "customer", "text": "My husband died last week and now this letter."},
            {"speaker": "agent", "text": "I'm so sorry for your loss. Take your time."},
        ],
    }
    path = tmp_path / "c.json"
    path.write_text(json.dumps(conversation), encoding="utf-8")
    result = CliRunner().invoke(app, ["analyze", str(path), "--json"])
    assert result.exit_code == 0
    payload = json.loads(result.output)
    states = {p["id"]: p for p in payload["playbooks"]}
    assert states["distress-grief"]["checklist"]["acknowledged"] is True
