"""``calmline analyze`` and ``calmline run``: conversations in, timelines or JSON out."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from calmline.cli import app
from tests.conftest import CONFIG_DIR, Validate

runner = CliRunner()

CRISIS: dict[str, Any] = {
    "id": "crisis-1",
    "turns": [
        {"speaker": "agent", "text": "Thanks for calling, how can I help?", "ts": "2024-05-01T10:00:00Z"},
        {"speaker": "customer", "text": "I just feel hopeless, there's no point any more", "ts": 1.5},
        {"speaker": "agent", "text": "I'm sorry to hear that. Are you safe right now?"},
        {"speaker": "customer", "text": "I'm going to kill myself tonight"},
        {"speaker": "customer", "text": "anyway can you close my account"},
    ],
}


def _write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _flat(text: str) -> str:
    """Rich wraps long lines; compare without any whitespace."""
    return "".join(text.split())


def test_when_analyze_prints_json_then_it_validates_and_keeps_the_stable_keys(
    tmp_path: Path, validate_analyze_output: Validate
) -> None:
    result = runner.invoke(app, ["analyze", str(_write(tmp_path / "c.json", CRISIS)), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    validate_analyze_output(payload)
    assert {"id", "max_severity", "trajectory", "turns"} <= set(payload)
    assert payload["id"] == "crisis-1"
    assert payload["max_severity"] == 4
    assert [t["speaker"] for t in payload["turns"]] == [t["speaker"] for t in CRISIS["turns"]]
    assert [t["contact_severity"] for t in payload["turns"]][-1] == 4
    assert payload["turns"][0]["ts"] == "2024-05-01T10:00:00Z"
    assert payload["turns"][1]["ts"] == 1.5


@pytest.mark.parametrize("path", sorted((CONFIG_DIR / "examples").glob("*.json")), ids=lambda p: p.stem)
def test_when_a_bundled_example_is_analysed_as_json_then_it_validates(
    path: Path, validate_analyze_output: Validate
) -> None:
    result = runner.invoke(app, ["analyze", str(path), "--json"])
    assert result.exit_code == 0, result.output
    validate_analyze_output(json.loads(result.stdout))


def test_when_analyze_prints_a_timeline_then_it_shows_the_severity_badges(tmp_path: Path) -> None:
    result = runner.invoke(app, ["analyze", str(_write(tmp_path / "c.json", CRISIS))])
    assert result.exit_code == 0, result.output
    assert "crisis-1" in result.stdout
    assert "S4" in result.stdout
    assert "S0" in result.stdout
    assert "self_harm" in result.stdout


def test_when_the_conversation_file_is_missing_then_analyze_fails_with_a_clear_message(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.json"
    result = runner.invoke(app, ["analyze", str(missing)])
    assert result.exit_code != 0
    assert result.stdout == ""
    assert "cannot read" in result.stderr
    assert _flat(str(missing)) in _flat(result.stderr)


@pytest.mark.parametrize(
    ("content", "hint"),
    [
        ("{not json", "Expecting"),
        ("", "Expecting value"),
        ('{"id": "x"}', "turns"),
        ('{"id": "x", "turns": [{"speaker": "robot", "text": "hi"}]}', "speaker"),
        ('{"id": "x", "turns": [{"speaker": "customer"}]}', "text"),
        ("[1, 2, 3]", "Input should be"),
    ],
    ids=["bad-json", "empty-file", "no-turns", "bad-speaker", "turn-without-text", "not-an-object"],
)
def test_when_the_conversation_file_is_malformed_then_analyze_fails_with_a_clear_message(
    tmp_path: Path, content: str, hint: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["analyze", str(path), "--json"])
    assert result.exit_code != 0
    assert result.stdout == ""
    assert "cannot read" in result.stderr
    assert hint in result.stderr


def test_when_run_is_given_a_folder_with_one_conversation_then_it_prints_its_timeline(tmp_path: Path) -> None:
    _write(tmp_path / "only.json", CRISIS)
    result = runner.invoke(app, ["run", "--examples", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "crisis-1" in result.stdout
    assert "S4" in result.stdout


def test_when_run_is_given_an_empty_folder_then_it_fails_with_a_clear_message(tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", "--examples", str(tmp_path)])
    assert result.exit_code == 2
    assert "no example conversations" in result.stderr


def test_when_run_uses_the_bundled_examples_then_every_example_is_printed() -> None:
    result = runner.invoke(app, ["run"])
    assert result.exit_code == 0, result.output
    for path in sorted((CONFIG_DIR / "examples").glob("*.json")):
        assert json.loads(path.read_text(encoding="utf-8"))["id"] in result.stdout


def test_when_the_bundled_config_is_validated_then_it_is_reported_ok() -> None:
    result = runner.invoke(app, ["validate-config"])
    assert result.exit_code == 0, result.output
    assert "configuration OK" in result.stdout
    assert "rules.lexicon.v1" in result.stdout


def test_when_a_broken_config_is_used_then_commands_exit_2_naming_the_file(tmp_path: Path) -> None:
    config = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, config)
    path = config / "rules" / "anger.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["rules"][0]["patterns"].append("(unclosed")
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    for args in (["validate-config"], ["classify"], ["analyze", str(_write(tmp_path / "c.json", CRISIS))]):
        result = runner.invoke(app, [*args, "--config", str(config)], input=b"")
        assert result.exit_code == 2, (args, result.output)
        assert "configuration error" in result.stderr
        assert "anger.yaml" in _flat(result.stderr)
