"""The uniform severity scale S0-S4 (domain brief section 1.1) and its ratchet."""

from __future__ import annotations

from enum import IntEnum


class Severity(IntEnum):
    """Risk severity; higher is more urgent."""

    S0 = 0  # routine: no risk signal
    S1 = 1  # signal: emotion present, no risk
    S2 = 2  # elevated: needs a playbook
    S3 = 3  # high: protocol + silent supervisor notification
    S4 = 4  # critical: life-safety, emergency protocol

    @property
    def label(self) -> str:
        return f"S{int(self)}"


SEVERITY_NAMES: dict[Severity, str] = {
    Severity.S0: "routine",
    Severity.S1: "signal",
    Severity.S2: "elevated",
    Severity.S3: "high",
    Severity.S4: "critical",
}


def ratchet(current: Severity, observed: Severity) -> Severity:
    """Return the contact severity after observing a turn: it only goes up automatically."""
    return observed if observed > current else current


def lower_by_human(current: Severity, *, to: Severity, confirmed_by: str) -> Severity:
    """Lower a contact's severity; allowed only with a named person confirming it."""
    if not confirmed_by.strip():
        raise ValueError("lowering severity needs the name of the person who confirmed it")
    return min(current, to)
