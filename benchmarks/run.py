"""``python -m benchmarks.run``: accuracy against peers and public data, safety gates, speed -> BENCHMARKS.md.

``make bench`` runs it from the repository root. ``--quick`` subsamples everything (about two minutes) and
writes to ``benchmarks/results/quick/`` instead of regenerating ``BENCHMARKS.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import rich

import calmline
from benchmarks import charts, evalsets, extraction, report, speed, techniques
from benchmarks.evalsets import HELDOUT, REPO, EvalSet
from benchmarks.gates import safety_gates
from benchmarks.metrics import Metrics, Row, Scored, evaluate
from benchmarks.systems import LEXICON_PEERS, CalmlineOutput, Peer, run_calmline
from benchmarks.trained import EmbeddingCache, MiniLmPeer, TfidfPeer
from calmline.detection.analyzer import Analyzer
from calmline.detection.models.datasets import Example
from calmline.domain.errors import CalmlineError
from calmline.domain.signals import Category

console = rich.get_console()  # the console rich.progress.track draws on
CACHE = REPO / "benchmarks" / ".cache"
CALMLINE = report.CALMLINE


@dataclass(frozen=True, slots=True)
class Plan:
    quick: bool
    seed: int
    eval_limit: int | None
    tfidf_cap: int | None
    minilm_cap: int | None
    speed: speed.SpeedPlan


@dataclass(slots=True)
class Stages:
    """Wall time of each stage, printed as it goes."""

    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        console.print(f"[bold cyan]>[/bold cyan] {name}")
        started = time.perf_counter()
        yield
        self.seconds[name] = time.perf_counter() - started
        console.print(f"  [dim]{name}: {self.seconds[name]:.1f} s[/dim]")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="subsample everything (development, ~2 minutes)")
    parser.add_argument("--data", type=Path, default=evalsets.DEFAULT_DATA, help="public datasets (shared/data)")
    parser.add_argument("--corpus", type=Path, default=evalsets.DEFAULT_CORPUS, help="the project's corpus")
    parser.add_argument("--seed", type=int, default=13, help="seed of every subsample and draw")
    parser.add_argument(
        "--minilm-cap",
        type=int,
        default=40_000,
        help="most training rows embedded for the MiniLM peer (0: all); every corpus row is always kept",
    )
    return parser.parse_args(argv)


def make_plan(args: argparse.Namespace) -> Plan:
    if args.quick:
        return Plan(True, args.seed, eval_limit=400, tfidf_cap=8000, minilm_cap=2000, speed=speed.QUICK_PLAN)
    cap = args.minilm_cap or None
    return Plan(False, args.seed, eval_limit=None, tfidf_cap=None, minilm_cap=cap, speed=speed.FULL_PLAN)


def machine() -> dict[str, Any]:
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        models = [ln.split(":", 1)[1].strip() for ln in cpuinfo.read_text().splitlines() if ln.startswith("model name")]
        cpu = models[0] if models else cpu
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30 if hasattr(os, "sysconf") else 0.0
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(memory, 1),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
    }


def load_analyzer() -> Analyzer:
    """The shipped analyzer; a clear message and exit code 2 when its configuration or model cannot load."""
    try:
        return Analyzer.load()
    except CalmlineError as exc:
        console.print(f"[red]Calmline did not load, nothing to benchmark[/red]: {exc}")
        raise SystemExit(2) from exc


def calmline_info(analyzer: Analyzer, corpus_dir: Path) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    for detector in analyzer.pipeline.detectors:
        meta = getattr(getattr(detector, "model", None), "meta", None) or meta
    files = sorted((corpus_dir / "heldout").glob("*.jsonl"))
    rows = sum(1 for f in files for line in f.read_text("utf-8").splitlines() if line.strip())
    return {
        "version": calmline.__version__,
        "model_version": meta.get("version", "none"),
        "model_corpus_sha256": meta.get("corpus_sha256", "?"),
        "model_training_rows": meta.get("training_rows", {}),
        "heldout_files": len(files),
        "heldout_rows": rows,
        "heldout_sha256": evalsets.fingerprint(files) if files else "—",
    }


# ---- accuracy ---------------------------------------------------------------------------------------------------


def rows_for_set(eval_set: EvalSet, outputs: dict[str, dict[Category, Scored] | None]) -> tuple[list[Row], list[str]]:
    """One row per category the set tests (categories with no positive example are reported, not scored)."""
    rows, skipped = [], []
    for category in eval_set.spec.categories:
        labels = eval_set.labels(category)
        if not labels.any():
            skipped.append(f"{eval_set.spec.name} · {category.value}")
            continue
        cells: dict[str, Metrics | None] = {}
        for system, scored in outputs.items():
            found = scored.get(category) if scored is not None else None
            safety = category.value in report.SAFETY_CATEGORIES
            cells[system] = evaluate(labels, found, with_recall_at_p90=safety) if found is not None else None
        rows.append(Row(eval_set.spec.name, category.value, len(labels), int(labels.sum()), cells))
    return rows, skipped


def peer_outputs(peers: Sequence[Peer], eval_set: EvalSet) -> dict[str, dict[Category, Scored] | None]:
    """Each peer's scores on the set, restricted to the categories both the set and the peer address."""
    out: dict[str, dict[Category, Scored] | None] = {}
    for peer in peers:
        wanted = [c for c in eval_set.spec.categories if c in peer.categories]
        out[peer.name] = {c: s for c, s in peer.score(eval_set.texts).items() if c in wanted} if wanted else None
    return out


def load_lexicon_peers() -> tuple[list[Peer], list[dict[str, Any]]]:
    peers: list[Peer] = []
    status = []
    for factory in LEXICON_PEERS:
        info = _system_info(factory, "ok")
        try:
            peer = factory()
        except ImportError as exc:
            info["status"] = f"not installed ({exc.name})"
        else:
            peers.append(peer)
            info["categories"] = [c.value for c in peer.categories]
        status.append(info)
    return peers, status


def _system_info(kind: Any, status: str) -> dict[str, Any]:
    categories = [c.value for c in getattr(kind, "categories", ())]
    return {"name": kind.name, "description": kind.description, "status": status, "categories": categories} | {
        "untrained": [c.value for c in getattr(kind, "untrained", ())]
    }


def fit_tfidf(examples: list[Example], weights: np.ndarray, plan: Plan) -> tuple[TfidfPeer, int]:
    train, train_weights = evalsets.cap_mixture(examples, weights, plan.tfidf_cap, plan.seed)
    return TfidfPeer(train, train_weights, seed=plan.seed), len(train)


def fit_minilm(examples: list[Example], weights: np.ndarray, plan: Plan) -> tuple[MiniLmPeer | None, int, str]:
    """The MiniLM reference peer, or None with the reason when its package is not installed."""
    train, train_weights = evalsets.cap_mixture(examples, weights, plan.minilm_cap, plan.seed)
    try:
        cache = EmbeddingCache(CACHE)
        return MiniLmPeer(cache, train, train_weights, seed=plan.seed), len(train), "ok"
    except ImportError as exc:
        return None, len(train), f"not installed ({exc.name})"


# ---- the run ----------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Accuracy:
    rows: list[Row] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    heldout: tuple[list[Example], CalmlineOutput] | None = None


def score_everything(analyzer: Analyzer, peers: Sequence[Peer], sets: Sequence[EvalSet]) -> Accuracy:
    acc = Accuracy()
    for eval_set in sets:
        console.print(f"  {eval_set.spec.name}: {len(eval_set.examples):,} texts")
        ours = run_calmline(analyzer, eval_set.texts, label=eval_set.spec.name)
        outputs: dict[str, dict[Category, Scored] | None] = {CALMLINE: ours.scores}
        outputs |= peer_outputs(peers, eval_set)
        rows, skipped = rows_for_set(eval_set, outputs)
        acc.rows += rows
        acc.skipped += skipped
        if eval_set.spec.name == HELDOUT:
            acc.heldout = (eval_set.examples, ours)
    return acc


def dataset_info(sets: Sequence[EvalSet], sizes: dict[str, int], training: frozenset[str], data: Path) -> list[Any]:
    out = []
    for s in sets:
        out.append(
            {
                "name": s.spec.name,
                "split": s.spec.split,
                "n": len(s.examples),
                "n_total": sizes[s.spec.name],
                "categories": [c.value for c in s.spec.categories],
                "positives": {c.value: int(s.labels(c).sum()) for c in s.spec.categories},
                "overlap": evalsets.training_overlap(s, training),
                "mapping": evalsets.mapping_text(s.spec, data),
                "published": evalsets.published_results(data, s.spec),
                "comparability": evalsets.COMPARABILITY.get(s.spec.name),
            }
        )
    return out


def output_paths(plan: Plan) -> tuple[Path, Path]:
    """(results folder, report file)."""
    if plan.quick:
        folder = REPO / "benchmarks" / "results" / "quick"
        return folder, folder / "BENCHMARKS.md"
    return REPO / "benchmarks" / "results", REPO / "BENCHMARKS.md"


@dataclass(slots=True)
class Peers:
    """The peers that run, a status line for every peer (installed or not), and how much each trained on."""

    running: list[Peer] = field(default_factory=list)
    systems: list[dict[str, Any]] = field(default_factory=list)
    minilm: MiniLmPeer | None = None

    def add(self, peer: Peer, status: str = "ok") -> None:
        self.running.append(peer)
        self.systems.append(_system_info(peer, status) | {"categories": [c.value for c in peer.categories]})


def build_peers(
    examples: list[Example], weights: np.ndarray, plan: Plan, stages: Stages
) -> tuple[Peers, dict[str, Any]]:
    peers = Peers()
    with stages.stage("lexicon peers"):
        peers.running, peers.systems = load_lexicon_peers()
    with stages.stage("train TF-IDF+LR"):
        tfidf, tfidf_rows = fit_tfidf(examples, weights, plan)
        peers.add(tfidf)
    with stages.stage("train MiniLM+LR"):
        peers.minilm, minilm_rows, status = fit_minilm(examples, weights, plan)
        if peers.minilm is not None:
            peers.add(peers.minilm, status)
        else:
            peers.systems.append(_system_info(MiniLmPeer, status) | {"categories": []})
    return peers, settings_info(plan, tfidf_rows, minilm_rows)


def load_data(
    args: argparse.Namespace, plan: Plan, results: dict[str, Any]
) -> tuple[list[EvalSet], list[Example], np.ndarray]:
    """Evaluation sets and the training mixture; their descriptions go into ``results``."""
    sets, sizes, missing = evalsets.load_eval_sets(args.data, args.corpus, limit=plan.eval_limit, seed=plan.seed)
    examples, weights = evalsets.training_mixture(args.data, args.corpus)
    training = frozenset(e.text.strip() for e in examples)
    results["datasets"] = dataset_info(sets, sizes, training, args.data)
    results["missing_datasets"] = missing
    results["training_mixture"] = mixture_info(examples)
    return sets, examples, weights


def measure_speed(analyzer: Analyzer, args: argparse.Namespace, plan: Plan) -> dict[str, Any]:
    pool, pool_sizes = speed.text_pool(args.data, args.corpus)
    return speed.measure(analyzer, pool, plan.speed, seed=plan.seed, work=CACHE / "cli") | {"pool": pool_sizes}


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    plan = make_plan(args)
    stages = Stages()
    started = time.perf_counter()
    results: dict[str, Any] = {"quick": plan.quick, "machine": machine(), "settings": {"seed": plan.seed}}
    with stages.stage("load Calmline"):
        analyzer = load_analyzer()
        results["calmline"] = calmline_info(analyzer, args.corpus)
    with stages.stage("speed"):
        results["speed"] = measure_speed(analyzer, args, plan)
    with stages.stage("load data"):
        sets, examples, weights = load_data(args, plan, results)
    peers, settings = build_peers(examples, weights, plan, stages)
    results["settings"] |= settings
    results["systems"] = [calmline_system(), *peers.systems]
    with stages.stage("score"):
        acc = score_everything(analyzer, peers.running, sets)
    results["accuracy"] = [r.as_dict() for r in acc.rows]
    results["unscored_rows"] = acc.skipped
    results["safety"] = safety_gates(*acc.heldout).as_dict() if acc.heldout else None
    if analyzer.coder is not None:
        with stages.stage("agent-technique coding"):
            results["techniques"] = techniques.evaluate(analyzer.coder, args.data)
    extraction_set = args.corpus / "extraction" / "emergency.jsonl"
    if extraction_set.exists():
        with stages.stage("emergency extraction"):
            results["extraction"] = extraction.evaluate(analyzer, extraction_set)
    if peers.minilm is not None:
        cache = peers.minilm.cache
        results["minilm_encoding"] = {"texts": cache.encoded, "seconds": cache.encode_seconds} | cache.cold_estimate()
    stages.seconds["total"] = time.perf_counter() - started
    write_outputs(results, acc.rows, [CALMLINE, *(p.name for p in peers.running)], plan, stages)


def mixture_info(examples: Sequence[Example]) -> dict[str, Any]:
    by_source: dict[str, int] = {}
    for e in examples:
        key = e.source.split(":")[0]
        by_source[key] = by_source.get(key, 0) + 1
    return {"description": evalsets.mixture_description(), "rows_by_source": by_source, "total": len(examples)}


def settings_info(plan: Plan, tfidf_rows: int, minilm_rows: int) -> dict[str, Any]:
    cap = plan.minilm_cap
    note = (
        f"a seeded sample, seed {plan.seed}: every corpus row plus public rows up to {cap:,} in all"
        if cap is not None
        else "the whole mixture"
    )
    return {
        "eval_limit": plan.eval_limit,
        "tfidf_train_rows": tfidf_rows,
        "minilm_train_cap": cap,
        "minilm_train_rows": minilm_rows,
        "minilm_note": note,
    }


def calmline_system() -> dict[str, Any]:
    return {
        "name": CALMLINE,
        "description": "`Analyzer.load().utterances(texts)`: rules, shouting and the trained linear heads, as shipped.",
        "status": "ok",
        "categories": [c.value for c in Category],
        "untrained": [],
    }


def write_outputs(results: dict[str, Any], rows: list[Row], systems: list[str], plan: Plan, stages: Stages) -> None:
    folder, report_path = output_paths(plan)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"json": folder / "results.json", "f1_chart": folder / "f1_by_category.png"}
    charts.f1_chart(rows, systems, paths["f1_chart"])
    if results.get("speed"):
        paths["latency_chart"] = folder / "latency_histogram.png"
        charts.latency_chart(results["speed"]["latency_ns"], speed.P99_TARGET_MS, paths["latency_chart"])
    results["paths"] = {k: os.path.relpath(v, report_path.parent) for k, v in paths.items()}
    results["generated"] = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    results["timings"] = {k: round(v, 1) for k, v in stages.seconds.items()}
    paths["json"].write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    report_path.write_text(report.render(results, rows, systems), encoding="utf-8")
    (folder / "summary.md").write_text("\n".join(report.headline(rows, results)) + "\n", encoding="utf-8")
    console.print(f"[green]wrote[/green] {report_path} and {folder} ({stages.seconds['total']:.0f} s)")


if __name__ == "__main__":
    main()
