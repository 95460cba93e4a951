"""The locale pack: emergency numbers and crisis lines per country, as validated data."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from calmline.configfile import load_strict
from calmline.domain.errors import ConfigError
from calmline.domain.signals import StrictModel

REQUIRED_COUNTRIES = ("US", "GB", "CA", "AU", "IE")
ALIASES = {"UK": "GB"}


class CrisisLine(StrictModel):
    name: str = Field(min_length=2)
    contact: str = Field(min_length=3)
    hours: str = Field(min_length=2)
    notes: str | None = None


class Country(StrictModel):
    name: str = Field(min_length=2)
    emergency_numbers: tuple[str, ...] = Field(min_length=1)
    crisis_lines: tuple[CrisisLine, ...] = Field(min_length=1)


class LocalePack(StrictModel):
    countries: dict[str, Country]

    def country(self, code: str) -> Country:
        key = ALIASES.get(code.upper(), code.upper())
        try:
            return self.countries[key]
        except KeyError:
            raise ConfigError(f"no locale for country {code!r}; known: {', '.join(sorted(self.countries))}") from None


def load_locales(path: Path) -> LocalePack:
    """Parse the locale pack; every required country must be present."""
    pack = load_strict(path, LocalePack)
    missing = [code for code in REQUIRED_COUNTRIES if code not in pack.countries]
    if missing:
        raise ConfigError(f"{path}: missing countries {', '.join(missing)}")
    return pack
