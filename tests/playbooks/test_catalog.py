"""Playbooks as validated data: the shipped catalogue, bad files, overrides, locales, CLI."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from calmline.cli import app
from calmline.domain.errors import ConfigError
from calmline.playbooks.catalog import load_catalog
from calmline.playbooks.locales import REQUIRED_COUNTRIES, load_locales
from calmline.playbooks.schema import STABLE_IDS

CONFIG = Path(__file__).resolve().parents[2] / "config"
PLAYBOOKS = CONFIG / "playbooks"
LIFE_SAFETY = {"suicide-risk", "threat", "medical-emergency"}


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "playbooks"
    shutil.copytree(PLAYBOOKS, target)
    shutil.copy(CONFIG / "techniques.yaml", tmp_path / "techniques.yaml")
    return target


def _edit(path: Path, change: dict[str, object] | None = None, drop: str | None = None) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.update(change or {})
    if drop:
        data.pop(drop)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def test_when_the_shipped_playbooks_load_then_every_stable_id_is_there_and_life_safety_is_marked() -> None:
    catalog = load_catalog(PLAYBOOKS)
    assert set(catalog) == set(STABLE_IDS)
    assert {pid for pid, p in catalog.items() if p.life_safety} == LIFE_SAFETY
    assert all(len(step.say) >= 2 for p in catalog.values() for step in p.steps)


def test_when_the_suicide_playbook_is_read_then_it_asks_directly_and_has_the_imminent_branch() -> None:
    playbook = load_catalog(PLAYBOOKS)["suicide-risk"]
    assert any("suicide" in line.lower() for step in playbook.steps for line in step.say)
    assert any(step.branch and "imminent" in step.branch.lower() for step in playbook.steps)
    assert any(item.id == "asked-directly" and "ASK-S" in item.ticked_by for item in playbook.checklist)


def test_when_any_phrasing_is_read_then_it_follows_safe_messaging() -> None:
    for playbook in load_catalog(PLAYBOOKS).values():
        for step in playbook.steps:
            for line in (*step.say, step.do):
                assert not re.search(r"\bcommit(?:ted)? suicide\b", line, re.I), (playbook.id, line)


# fmt: off
BROKEN = [
    ("unknown key", "angry-customer.yaml", {"colour": "red"}, None, "colour"),
    ("missing steps", "angry-customer.yaml", None, "steps", "steps"),
    ("bad severity", "threat.yaml", {"trigger": {"categories": ["threat"], "min_severity": 7}}, None, "min_severity"),
    ("unknown category", "threat.yaml", {"trigger": {"categories": ["rage"], "min_severity": 3}}, None, "categories"),
    ("broken link", "verbal-abuse.yaml", {"links": [{"playbook": "no-such-playbook", "when": "never"}]}, None,
     "no-such-playbook"),
    ("disabled life-safety", "suicide-risk.yaml", {"enabled": False}, None, "life-safety"),
]
# fmt: on


@pytest.mark.parametrize(("name", "file", "change", "drop", "needle"), BROKEN, ids=[b[0] for b in BROKEN])
def test_when_a_playbook_file_is_broken_then_loading_fails_naming_the_file_and_problem(
    folder: Path, name: str, file: str, change: dict[str, object] | None, drop: str | None, needle: str
) -> None:
    _edit(folder / file, change, drop)
    with pytest.raises(ConfigError) as error:
        load_catalog(folder)
    assert file in str(error.value), name
    assert needle in str(error.value), name


def test_when_a_playbook_names_an_unknown_technique_code_then_loading_fails(folder: Path) -> None:
    _edit(folder / "suicide-risk.yaml", {"avoid_codes": ["SECR", "SECRET"]})
    with pytest.raises(ConfigError, match=r"suicide-risk\.yaml: unknown technique code\(s\) SECRET"):
        load_catalog(folder)  # checked against techniques.yaml beside the folder


def test_when_two_files_share_an_id_then_loading_fails(folder: Path) -> None:
    shutil.copy(folder / "threat.yaml", folder / "threat-copy.yaml")
    with pytest.raises(ConfigError, match="duplicate playbook id 'threat'"):
        load_catalog(folder)


def test_when_a_stable_playbook_is_missing_then_loading_fails(folder: Path) -> None:
    (folder / "medical-emergency.yaml").unlink()
    with pytest.raises(ConfigError, match=r"missing playbook.*medical-emergency"):
        load_catalog(folder)


def test_when_an_override_has_a_higher_version_then_it_wins_and_a_lower_one_is_ignored(tmp_path: Path) -> None:
    overrides = tmp_path / "overrides"
    overrides.mkdir()
    shutil.copy(PLAYBOOKS / "angry-customer.yaml", overrides / "angry-customer.yaml")
    _edit(overrides / "angry-customer.yaml", {"version": 2, "title": "Our angry-customer script"})
    shutil.copy(PLAYBOOKS / "verbal-abuse.yaml", overrides / "verbal-abuse.yaml")
    _edit(overrides / "verbal-abuse.yaml", {"version": 1, "title": "Same version, ignored"})
    catalog = load_catalog(PLAYBOOKS, overrides=overrides)
    assert catalog["angry-customer"].title == "Our angry-customer script"
    assert catalog["verbal-abuse"].title != "Same version, ignored"


def test_when_an_override_would_make_a_life_safety_playbook_ordinary_then_loading_fails(tmp_path: Path) -> None:
    overrides = tmp_path / "overrides"
    overrides.mkdir()
    shutil.copy(PLAYBOOKS / "suicide-risk.yaml", overrides / "suicide-risk.yaml")
    _edit(overrides / "suicide-risk.yaml", {"version": 9, "life_safety": False})
    with pytest.raises(ConfigError, match="life-safety"):
        load_catalog(PLAYBOOKS, overrides=overrides)


def test_when_the_locale_pack_loads_then_required_countries_have_emergency_numbers_and_crisis_lines() -> None:
    pack = load_locales(CONFIG / "locales" / "crisis-lines.yaml")
    for code in REQUIRED_COUNTRIES:
        country = pack.country(code)
        assert country.emergency_numbers and country.crisis_lines
    assert pack.country("uk") == pack.country("GB")
    assert "988" in pack.country("US").crisis_lines[0].contact
    with pytest.raises(ConfigError, match="no locale"):
        pack.country("ZZ")


def test_when_a_required_country_is_missing_then_the_locale_pack_fails(tmp_path: Path) -> None:
    data = yaml.safe_load((CONFIG / "locales" / "crisis-lines.yaml").read_text(encoding="utf-8"))
    del data["countries"]["IE"]
    path = tmp_path / "crisis-lines.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ConfigError, match="missing countries IE"):
        load_locales(path)


def test_when_the_playbooks_cli_is_used_then_list_show_and_validate_work() -> None:
    runner = CliRunner()
    listed = runner.invoke(app, ["playbooks", "list"])
    assert listed.exit_code == 0 and "suicide-risk" in listed.output
    shown = runner.invoke(app, ["playbooks", "show", "medical-emergency"])
    assert shown.exit_code == 0 and "address" in shown.output.lower()
    assert runner.invoke(app, ["playbooks", "show", "nope"]).exit_code == 2
    valid = runner.invoke(app, ["playbooks", "validate"])
    assert valid.exit_code == 0 and "7 playbooks OK" in valid.output


def test_when_validate_is_given_a_broken_folder_then_it_exits_2_naming_the_file(folder: Path) -> None:
    _edit(folder / "threat.yaml", {"colour": "red"})
    result = CliRunner().invoke(app, ["playbooks", "validate", str(folder)])
    assert result.exit_code == 2
    assert "threat.yaml" in result.output
