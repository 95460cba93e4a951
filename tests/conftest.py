"""Shared fixtures: one analyzer per session and validators for the published JSON schemas."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from calmline.detection.analyzer import Analyzer

REPO_ROOT = Path(__file__).resolve().parents[1]
CONFIG_DIR = REPO_ROOT / "config"
SCHEMA_DIR = REPO_ROOT / "schemas"

# Hypothesis keeps its caches under tests/ (git-ignored) and no example database; moderate example counts for speed.
set_hypothesis_home_dir(Path(__file__).resolve().parent / ".hypothesis")
settings.register_profile(
    "calmline",
    database=None,
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    # CI replays the same examples every run (a red build is reproducible); locally each run explores afresh.
    derandomize=bool(os.environ.get("CI")),
)
settings.load_profile("calmline")

Validate = Callable[[Any], None]


@pytest.fixture(scope="session")
def analyzer() -> Analyzer:
    """The bundled configuration, loaded once (rules, idioms and the trained heads)."""
    return Analyzer.load()


def _schema_registry() -> tuple[Registry, dict[str, dict[str, Any]]]:
    schemas = {path.name: json.loads(path.read_text(encoding="utf-8")) for path in SCHEMA_DIR.glob("*.schema.json")}
    registry: Registry = Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema)) for schema in schemas.values()
    )
    return registry, schemas


def _validator(name: str) -> Validate:
    registry, schemas = _schema_registry()
    schema = schemas[name]
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema, registry=registry)

    def validate(instance: Any) -> None:
        errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
        if errors:
            details = "; ".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])
            raise AssertionError(f"{name} rejects {json.dumps(instance)[:400]}: {details}")

    return validate


@pytest.fixture(scope="session")
def validate_classify_output() -> Validate:
    """Raises AssertionError unless the instance is a valid ``calmline classify`` output line."""
    return _validator("classify-output.schema.json")


@pytest.fixture(scope="session")
def validate_analyze_output() -> Validate:
    """Raises AssertionError unless the instance is a valid ``calmline analyze --json`` document."""
    return _validator("analyze-output.schema.json")


@pytest.fixture(scope="session")
def validate_signal() -> Validate:
    return _validator("signal.schema.json")
