"""Readable timelines of analysed conversations (Rich)."""

from __future__ import annotations

from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from calmline.detection.analyzer import ConversationAnalysis, TurnAnalysis
from calmline.domain.severity import SEVERITY_NAMES, Severity
from calmline.playbooks.runner import PlaybookState
from calmline.playbooks.schema import Playbook

SEVERITY_STYLE: dict[Severity, str] = {
    Severity.S0: "dim",
    Severity.S1: "cyan",
    Severity.S2: "yellow",
    Severity.S3: "bold dark_orange",
    Severity.S4: "bold white on red",
}


def severity_badge(severity: Severity) -> Text:
    return Text(f" {severity.label} ", style=SEVERITY_STYLE[severity])


def _highlight(turn: TurnAnalysis) -> Text:
    text = Text(turn.text)
    for signal in turn.signals:
        for span in signal.evidence.spans:
            if span.end <= len(turn.text):
                text.stylize(f"underline {SEVERITY_STYLE[signal.severity]}", span.start, span.end)
    return text


def _signal_lines(turn: TurnAnalysis) -> Text:
    lines = Text()
    for signal in turn.signals:
        lines.append(f"{signal.category.value}", style=SEVERITY_STYLE[signal.severity])
        lines.append(f" {signal.severity.label} {signal.score:.2f} ({signal.subject.value}) ")
        lines.append(f"{signal.evidence.detector}: {signal.evidence.rule}", style="dim")
        for adjustment in signal.evidence.adjustments:
            if adjustment.severity_after is not None:
                lines.append(f"\n  ↑ {adjustment.reason}", style="magenta")
        lines.append("\n")
    if not turn.language_supported:
        lines.append(f"language '{turn.language}' unsupported: scores may be low\n", style="bold magenta")
    if turn.degraded:
        lines.append("DEGRADED: a detector failed on this turn\n", style="bold red")
    return lines


def print_timeline(result: ConversationAnalysis, console: Console) -> None:
    """One table row per turn: who spoke, what they said (cues underlined), signals, severity."""
    table = Table(show_lines=True, expand=True, title_justify="left")
    table.add_column("#", width=3, justify="right")
    table.add_column("who", width=8)
    table.add_column("turn", ratio=3)
    table.add_column("signals", ratio=3)
    table.add_column("sev", width=5)
    for turn in result.turns:
        table.add_row(
            str(turn.index), turn.speaker, _highlight(turn), _signal_lines(turn), severity_badge(turn.severity)
        )
    header = Text.assemble(
        (f"{result.id}  ", "bold"),
        "max ",
        severity_badge(result.max_severity),
        f" {SEVERITY_NAMES[result.max_severity]}  ·  anger trajectory: {result.trajectory}",
        f"  ·  abusive turns: {result.abusive_turns}",
    )
    console.print(Panel(table, title=header, title_align="left"))


def playbook_table(playbooks: dict[str, Playbook]) -> Table:
    """One row per playbook: id, version, what triggers it, life-safety."""
    table = Table(title="Playbooks", title_justify="left")
    for column in ("id", "version", "title", "trigger", "life-safety", "steps"):
        table.add_column(column)
    for playbook in playbooks.values():
        trigger = f"{', '.join(c.value for c in playbook.trigger.categories)} >= S{playbook.trigger.min_severity}"
        table.add_row(
            playbook.id,
            str(playbook.version),
            playbook.title,
            trigger,
            "yes" if playbook.life_safety else "",
            str(len(playbook.steps)),
        )
    return table


def print_playbook(playbook: Playbook, console: Console) -> None:
    """A playbook card: goal, steps with what to say, what to avoid, checklist and fields."""
    body = Text()
    body.append(f"{playbook.goal}\n\n", style="italic")
    for number, step in enumerate(playbook.steps, start=1):
        branch = f" [{step.branch}]" if step.branch else ""
        body.append(f"{number}. {step.title}{branch}\n", style="bold")
        body.append(f"   {step.do}\n")
        for line in step.say:
            body.append(f"   say: {line}\n", style="green")
    body.append("\nAvoid\n", style="bold red")
    for item in playbook.avoid:
        body.append(f"  - {item}\n")
    if playbook.checklist:
        body.append("\nChecklist\n", style="bold")
        for check in playbook.checklist:
            body.append(f"  [ ] {check.text}{'' if check.required else ' (optional)'}\n")
    if playbook.capture:
        body.append("\nCapture\n", style="bold")
        body.append("  " + "; ".join(field.label for field in playbook.capture) + "\n")
    title = f"{playbook.title} ({playbook.id} v{playbook.version}{', life-safety' if playbook.life_safety else ''})"
    console.print(Panel(body, title=title, title_align="left"))


def print_playbook_states(states: list[PlaybookState], console: Console) -> None:
    """The playbook cards at the end of the conversation: next step, checklist, warnings."""
    for state in states:
        body = Text()
        if state.current_step:
            body.append(f"next: {state.current_step}\n", style="bold")
            for line in state.next_say[:2]:
                body.append(f"  say: {line}\n", style="green")
        else:
            body.append("all steps with a check are done\n", style="green")
        for item, ticked in state.checklist.items():
            body.append(f"  [{'x' if ticked else ' '}] {item}\n")
        for warning in state.warnings:
            body.append(
                f"  ! turn {warning.turn}: {warning.code} (the playbook says to avoid this)\n", style="bold red"
            )
        style = "red" if state.life_safety else "cyan"
        console.print(
            Panel(body, title=f"{state.title} (from turn {state.activated_at})", border_style=style, title_align="left")
        )
