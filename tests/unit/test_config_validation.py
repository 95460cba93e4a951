"""A broken configuration stops start-up with an error that names the file (and the rule)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from calmline.detection.analyzer import Analyzer
from calmline.domain.errors import CalmlineError, ConfigError, RegistryError
from tests.conftest import CONFIG_DIR

Mutation = Callable[[Path], "Expected"]


@dataclass(frozen=True)
class Expected:
    error: type[CalmlineError]
    fragments: tuple[str, ...]  # each must appear in the message


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _dump(path: Path, data: Any) -> None:
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _edit_detectors(config: Path, edit: Callable[[dict[str, Any]], None]) -> None:
    data = _load(config / "detectors.yaml")
    edit(data)
    _dump(config / "detectors.yaml", data)


def _edit_rules(config: Path, name: str, edit: Callable[[list[dict[str, Any]]], None]) -> None:
    path = config / "rules" / name
    data = _load(path)
    edit(data["rules"])
    _dump(path, data)


def _entry(data: dict[str, Any], use: str) -> dict[str, Any]:
    return next(e for e in data["detectors"] if e["use"] == use)


def unknown_top_level_key(config: Path) -> Expected:
    _edit_detectors(config, lambda d: d.update(colour="blue"))
    return Expected(ConfigError, ("detectors.yaml", "colour"))


def unknown_key_in_detector_entry(config: Path) -> Expected:
    _edit_detectors(config, lambda d: _entry(d, "intensity.shouting.v1").update(colour="red"))
    return Expected(ConfigError, ("detectors.yaml", "colour"))


def unknown_detector_parameter(config: Path) -> Expected:
    _edit_detectors(config, lambda d: _entry(d, "intensity.shouting.v1")["with"].update(volume=11))
    return Expected(ConfigError, ("detectors.yaml", "intensity.shouting.v1", "volume"))


def unknown_key_in_context_rule(config: Path) -> Expected:
    _edit_detectors(config, lambda d: d["context"]["rules"][0].update(weight=2))
    return Expected(ConfigError, ("detectors.yaml", "weight"))


def unknown_detector_name(config: Path) -> Expected:
    _edit_detectors(config, lambda d: _entry(d, "intensity.shouting.v1").update(use="intensity.whispering.v1"))
    return Expected(RegistryError, ("detectors.yaml", "intensity.whispering.v1"))


def _first_rule_id(config: Path, name: str, index: int = 0) -> str:
    return str(_load(config / "rules" / name)["rules"][index]["id"])


def invalid_regex(config: Path) -> Expected:
    rule_id = _first_rule_id(config, "anger.yaml")
    _edit_rules(config, "anger.yaml", lambda rules: rules[0]["patterns"].__setitem__(0, "(" + rules[0]["patterns"][0]))
    return Expected(ConfigError, ("anger.yaml", rule_id, "invalid pattern"))


def unknown_macro(config: Path) -> Expected:
    rule_id = _first_rule_id(config, "distress.yaml")
    _edit_rules(config, "distress.yaml", lambda rules: rules[0]["patterns"].append("\\b%NO_SUCH_MACRO%\\b"))
    return Expected(ConfigError, ("distress.yaml", rule_id, "%NO_SUCH_MACRO%"))


def duplicate_rule_id(config: Path) -> Expected:
    rule_id = _first_rule_id(config, "anger.yaml")
    _edit_rules(config, "anger.yaml", lambda rules: rules[1].update(id=rule_id))
    return Expected(ConfigError, ("anger.yaml", rule_id, "duplicate"))


def duplicate_rule_id_across_files(config: Path) -> Expected:
    rule_id = _first_rule_id(config, "anger.yaml")
    _edit_rules(config, "vulnerability.yaml", lambda rules: rules[0].update(id=rule_id))
    return Expected(ConfigError, (rule_id, "duplicate"))


def unknown_key_in_rule(config: Path) -> Expected:
    rule_id = _first_rule_id(config, "threat.yaml", index=1)
    _edit_rules(config, "threat.yaml", lambda rules: rules[1].update(colour="red"))
    return Expected(ConfigError, ("threat.yaml", rule_id, "colour"))


def upper_case_pattern(config: Path) -> Expected:
    rule_id = _first_rule_id(config, "depression.yaml")
    _edit_rules(config, "depression.yaml", lambda rules: rules[0]["patterns"].append("\\bHopeless\\b"))
    return Expected(ConfigError, ("depression.yaml", rule_id, "lower case"))


def invalid_idiom_regex(config: Path) -> Expected:
    path = config / "rules" / "_idioms.yaml"
    data = _load(path)
    idiom_id = data["idioms"][0]["id"]
    data["idioms"][0]["patterns"].append("[unclosed")
    _dump(path, data)
    return Expected(ConfigError, ("_idioms.yaml", idiom_id))


def malformed_yaml(config: Path) -> Expected:
    path = config / "rules" / "abuse.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n  - : [unclosed\n", encoding="utf-8")
    return Expected(ConfigError, ("abuse.yaml", "YAML"))


def missing_lexicon(config: Path) -> Expected:
    (config / "rules" / "_lexicon.yaml").unlink()
    return Expected(ConfigError, ("_lexicon.yaml",))


def missing_rules_directory(config: Path) -> Expected:
    shutil.rmtree(config / "rules")
    return Expected(ConfigError, ("rules",))


BREAKAGES = [
    unknown_top_level_key,
    unknown_key_in_detector_entry,
    unknown_detector_parameter,
    unknown_key_in_context_rule,
    unknown_detector_name,
    invalid_regex,
    unknown_macro,
    duplicate_rule_id,
    duplicate_rule_id_across_files,
    unknown_key_in_rule,
    upper_case_pattern,
    invalid_idiom_regex,
    malformed_yaml,
    missing_lexicon,
    missing_rules_directory,
]


@pytest.fixture
def config_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, copy)
    return copy


def test_when_the_bundled_config_is_copied_unchanged_then_it_loads(config_copy: Path) -> None:
    analyzer = Analyzer.load(config_copy)
    assert {d.name for d in analyzer.pipeline.detectors} >= {"rules.lexicon.v1", "intensity.shouting.v1"}


@pytest.mark.parametrize("breakage", BREAKAGES, ids=lambda f: f.__name__)
def test_when_the_config_is_broken_then_loading_fails_naming_the_file_and_rule(
    config_copy: Path, breakage: Mutation
) -> None:
    expected = breakage(config_copy)
    with pytest.raises(expected.error) as caught:
        Analyzer.load(config_copy)
    message = str(caught.value)
    missing = [fragment for fragment in expected.fragments if fragment not in message]
    assert not missing, f"message lacks {missing}: {message}"
