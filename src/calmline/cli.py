"""The ``calmline`` command line (Typer + Rich)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.panel import Panel

from calmline.domain.errors import CalmlineError

if TYPE_CHECKING:  # the analyzer loads models: imported only when a command needs it
    from calmline.detection.analyzer import Analyzer
    from calmline.playbooks.abuse import Policy
    from calmline.playbooks.schema import Playbook

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Calmline: conversation risk engine.")
err = Console(stderr=True, soft_wrap=True)  # error lines stay whole: paths get copied
ConfigOpt = Annotated[Path | None, typer.Option("--config", help="Configuration directory (default: bundled).")]
BATCH = 512


def _analyzer(config: Path | None) -> Analyzer:
    from calmline.detection.analyzer import Analyzer

    try:
        return Analyzer.load(config)
    except CalmlineError as exc:
        err.print(f"[red]configuration error[/red] {exc}")
        raise typer.Exit(2) from exc


@app.command()
def classify(config: ConfigOpt = None) -> None:
    """Classify JSON Lines from stdin ({"id", "text", "speaker"?}); one JSON line out per line in."""
    from calmline.cli_io import classify_stream

    analyzer = _analyzer(config)
    out = sys.stdout
    for line in classify_stream(analyzer, _stdin_lines(), batch=BATCH):
        out.write(line)
        out.write("\n")
    out.flush()


def _stdin_lines() -> Iterator[bytes]:
    yield from sys.stdin.buffer


@app.command()
def analyze(
    file: Annotated[Path, typer.Argument(exists=False, help='Conversation JSON: {"id", "turns": [...]}')],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of a timeline.")] = False,
    account_address: Annotated[
        str | None, typer.Option("--account-address", help="Resolves 'at home' in the emergency form.")
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Analyse a conversation: risk with context, playbooks, emergency facts and the hand-off packet."""
    from calmline.cli_io import load_conversation
    from calmline.render import print_playbook_states, print_timeline

    try:
        conversation = load_conversation(file)
    except CalmlineError as exc:
        err.print(f"[red]cannot read {file}[/red]: {exc}")
        raise typer.Exit(2) from exc
    from calmline.playbooks.abuse import abuse_protocol
    from calmline.playbooks.handoff import emergency_state, handoff_packet
    from calmline.playbooks.runner import run_playbooks

    result = _analyzer(config).analyse_conversation(conversation)
    states = run_playbooks(_catalog(config / "playbooks" if config else None, None), result.turns)
    emergency = emergency_state(result, account_address=account_address)
    packet = handoff_packet(result, states, emergency)
    abuse = abuse_protocol(result, _policy(config).abuse)
    if as_json:
        payload = result.model_dump(mode="json")
        payload["playbooks"] = [state.model_dump(mode="json") for state in states]
        payload["emergency"] = emergency.model_dump(mode="json")
        payload["handoff"] = packet.model_dump(mode="json")
        payload["abuse"] = abuse.model_dump(mode="json")
        sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
    else:
        console = Console()
        print_timeline(result, console)
        print_playbook_states(states, console)
        if abuse.abusive_turns:
            console.print(f"[bold]Abuse protocol[/bold]: {len(abuse.warnings)} warning(s); {abuse.reason}")
        if emergency.active or packet.facts:
            console.print(Panel(packet.text, title="Hand-off packet", title_align="left", border_style="magenta"))


@app.command()
def run(
    examples: Annotated[Path | None, typer.Option(help="Folder of example conversations.")] = None,
    config: ConfigOpt = None,
) -> None:
    """Analyse the bundled example conversations and print their timelines."""
    from calmline.cli_io import load_conversation
    from calmline.render import print_timeline

    folder = examples or _examples_dir()
    analyzer = _analyzer(config)
    console = Console()
    files = sorted(folder.glob("*.json"))
    if not files:
        err.print(f"[red]no example conversations in {folder}[/red]")
        raise typer.Exit(2)
    for path in files:
        print_timeline(analyzer.analyse_conversation(load_conversation(path)), console)


def _examples_dir() -> Path:
    from calmline.detection.analyzer import default_config_dir

    return default_config_dir() / "examples"


@app.command()
def train(
    data: Annotated[Path, typer.Option(help="Folder of public datasets (../shared/data).")] = Path("../shared/data"),
    corpus: Annotated[Path, typer.Option(help="The project's labelled corpus.")] = Path("corpus"),
    out: Annotated[Path | None, typer.Option(help="Artifact folder (default: the shipped heads-v1).")] = None,
    seed: int = 13,
) -> None:
    """Train the linear heads (permissive data + own corpus) with a fixed seed; writes a model card."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from calmline.detection.models.linear import ARTIFACT_ROOT
    from calmline.detection.models.train import HEADS, TrainConfig
    from calmline.detection.models.train import train as fit

    target = out or ARTIFACT_ROOT / "heads-v1"
    cfg = TrainConfig(data_dir=data, corpus_dir=corpus, out_dir=target, seed=seed)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err,
    ) as bar:
        task = bar.add_task("loading data and features", total=len(HEADS))

        def report(head: str, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, description=f"training head {head}")

        heads = fit(cfg, progress=report)
    err.print(f"[green]saved[/green] {target} ({', '.join(f'{h}>={t}' for h, t in heads.thresholds.items())})")


playbooks_app = typer.Typer(no_args_is_help=True, help="Scenario playbooks: list, show, validate.")
app.add_typer(playbooks_app, name="playbooks")
OverridesOpt = Annotated[
    Path | None, typer.Option("--overrides", help="An organisation's playbook overrides (same id, higher version).")
]


def _catalog(directory: Path | None, overrides: Path | None) -> dict[str, Playbook]:
    from calmline.detection.analyzer import default_config_dir
    from calmline.playbooks.catalog import load_catalog

    try:
        return load_catalog(directory or default_config_dir() / "playbooks", overrides=overrides)
    except CalmlineError as exc:
        err.print(f"[red]playbook error[/red] {exc}")
        raise typer.Exit(2) from exc


def _policy(config: Path | None) -> Policy:
    from calmline.detection.analyzer import default_config_dir
    from calmline.playbooks.abuse import load_policy

    try:
        return load_policy((config or default_config_dir()) / "policy.yaml")
    except CalmlineError as exc:
        err.print(f"[red]policy error[/red] {exc}")
        raise typer.Exit(2) from exc


@playbooks_app.command("list")
def playbooks_list(overrides: OverridesOpt = None) -> None:
    """List the playbooks in force."""
    from calmline.render import playbook_table

    Console().print(playbook_table(_catalog(None, overrides)))


@playbooks_app.command("show")
def playbooks_show(
    playbook_id: Annotated[str, typer.Argument(help="e.g. suicide-risk")], overrides: OverridesOpt = None
) -> None:
    """Show one playbook: goal, steps and what to say, what to avoid, checklist, fields."""
    from calmline.render import print_playbook

    catalog = _catalog(None, overrides)
    if playbook_id not in catalog:
        err.print(f"[red]no playbook {playbook_id!r}[/red]; known: {', '.join(catalog)}")
        raise typer.Exit(2)
    print_playbook(catalog[playbook_id], Console())


@playbooks_app.command("validate")
def playbooks_validate(
    directory: Annotated[Path | None, typer.Argument(help="Folder of playbook YAML (default: bundled).")] = None,
    overrides: OverridesOpt = None,
) -> None:
    """Validate a folder of playbooks (schema, unique ids, links, required scenarios); exit 2 on error."""
    catalog = _catalog(directory, overrides)
    Console().print(f"[green]{len(catalog)} playbooks OK[/green]: {', '.join(catalog)}")


@app.command("validate-config")
def validate_config(config: ConfigOpt = None) -> None:
    """Load and cross-check every configuration file; exit 2 naming the file and field on error."""
    analyzer = _analyzer(config)
    names = ", ".join(f"{d.name} v{d.version}" for d in analyzer.pipeline.detectors)
    Console().print(f"[green]configuration OK[/green]: {names}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
