"""Errors with stable codes; mapped to HTTP or exit codes only at the edges."""

from __future__ import annotations


class CalmlineError(Exception):
    """Base of every error Calmline raises on purpose."""

    code = "CAL000"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class ConfigError(CalmlineError):
    """A configuration file is missing, malformed or inconsistent."""

    code = "CFG001"


class RegistryError(CalmlineError):
    """A registered name is unknown or registered twice."""

    code = "CFG002"


class ModelArtifactError(CalmlineError):
    """A trained model artifact is missing or does not match its card."""

    code = "MDL001"


class InputError(CalmlineError):
    """An input record cannot be read (bad JSON, wrong type, missing field)."""

    code = "INP001"
