"""Speed: per-utterance latency, batch throughput, and the ``calmline classify`` command end to end."""

from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from rich.progress import track

from benchmarks.evalsets import REPO
from benchmarks.metrics import percentiles
from calmline.detection.analyzer import Analyzer
from calmline.detection.models import datasets

# Short-text sets that look like contact-centre turns (SDCNL's long Reddit posts are left out of the mix).
POOL_SETS: tuple[tuple[str, str], ...] = (
    ("banking77", "test"),
    ("goemotions", "test"),
    ("davidson", "test"),
    ("dair_emotion", "test"),
    ("complaints", "test"),
    ("ethos", "test"),
)
P99_TARGET_MS = 5.0
CLI_TARGET_PER_S = 3000.0


@dataclass(frozen=True, slots=True)
class SpeedPlan:
    latency_n: int
    warmup: int
    batch_n: int
    cli_n: int
    startup_runs: int
    cli_runs: int


FULL_PLAN = SpeedPlan(latency_n=3000, warmup=300, batch_n=20_000, cli_n=20_000, startup_runs=3, cli_runs=3)
QUICK_PLAN = SpeedPlan(latency_n=400, warmup=50, batch_n=2000, cli_n=2000, startup_runs=1, cli_runs=1)


def text_pool(data_dir: Path, corpus_dir: Path) -> tuple[list[str], dict[str, int]]:
    """All texts of the mixed pool and how many each source contributed."""
    texts: list[str] = []
    sizes: dict[str, int] = {}
    for name, split in POOL_SETS:
        loaded = [e.text for e in datasets.load(name, data_dir, split)]
        sizes[f"{name} {split}"] = len(loaded)
        texts += loaded
    own = [e.text for e in datasets.corpus(corpus_dir, "heldout")]
    if own:
        sizes["corpus heldout"] = len(own)
        texts += own
    return texts, sizes


def draw(pool: Sequence[str], n: int, seed: int) -> list[str]:
    """``n`` texts drawn without replacement (the pool is cycled when it is smaller than ``n``)."""
    rng = random.Random(seed)
    out: list[str] = []
    while len(out) < n:
        out += rng.sample(list(pool), min(len(pool), n - len(out)))
    return out


@contextmanager
def one_core() -> Iterator[bool]:
    """Pin this process to CPU 0 for the duration (when the platform allows it)."""
    if not hasattr(os, "sched_setaffinity"):
        yield False
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {0})
    try:
        yield True
    finally:
        os.sched_setaffinity(0, before)


def latency(analyzer: Analyzer, warmup: Sequence[str], texts: Sequence[str]) -> np.ndarray:
    """Nanoseconds of ``analyzer.utterance(text)`` per text, after untimed warm-up calls."""
    for text in warmup:
        analyzer.utterance(text)
    out = np.zeros(len(texts), dtype=np.int64)
    for i, text in enumerate(track(texts, description="  latency (one utterance at a time)", transient=True)):
        started = time.perf_counter_ns()
        analyzer.utterance(text)
        out[i] = time.perf_counter_ns() - started
    return out


def batch_throughput(analyzer: Analyzer, texts: Sequence[str]) -> dict[str, float]:
    """One ``analyzer.utterances`` call over all texts (a small warm-up call first)."""
    analyzer.utterances(list(texts[:100]))
    started = time.perf_counter()
    results = analyzer.utterances(list(texts))
    seconds = time.perf_counter() - started
    if len(results) != len(texts):
        raise RuntimeError(f"analyzer returned {len(results)} results for {len(texts)} texts")
    return {"texts": len(texts), "seconds": seconds, "per_second": len(texts) / seconds}


def cli_command() -> tuple[list[str], bool]:
    """``[taskset -c 0] calmline classify`` from this interpreter's environment; whether it is pinned."""
    script = Path(sys.executable).parent / "calmline"
    base = [str(script), "classify"] if script.exists() else [sys.executable, "-m", "calmline.cli", "classify"]
    taskset = shutil.which("taskset")
    return ([taskset, "-c", "0", *base], True) if taskset else (base, False)


@dataclass(frozen=True, slots=True)
class CliRun:
    lines_in: int
    lines_out: int
    error_lines: int
    seconds: float
    max_rss_mib: float
    exit_code: int


def write_jsonl(texts: Sequence[str], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for i, text in enumerate(texts):
            handle.write(json.dumps({"id": f"u{i}", "text": text}, ensure_ascii=False) + "\n")


def run_cli(command: Sequence[str], input_path: Path, work: Path) -> CliRun:
    """Wall time from spawn to exit (start-up, model load, all lines); peak RSS of that child (``wait4``)."""
    out_path, err_path = work / "cli-out.jsonl", work / "cli-err.txt"
    with input_path.open("rb") as stdin, out_path.open("wb") as stdout, err_path.open("wb") as stderr:
        started = time.perf_counter()
        proc = subprocess.Popen(list(command), stdin=stdin, stdout=stdout, stderr=stderr, cwd=REPO)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    lines = out_path.read_text(encoding="utf-8").splitlines()
    errors = sum(1 for line in lines if "error" in json.loads(line))
    with input_path.open("rb") as handle:
        lines_in = sum(1 for _ in handle)
    return CliRun(
        lines_in=lines_in,
        lines_out=len(lines),
        error_lines=errors,
        seconds=seconds,
        max_rss_mib=usage.ru_maxrss / 1024,  # Linux reports kilobytes
        exit_code=proc.returncode,
    )


def cli_figures(texts: Sequence[str], work: Path, plan: SpeedPlan) -> dict[str, Any]:
    """Start-up (one line) and the whole file end to end: medians of several runs after an untimed one."""
    command, pinned = cli_command()
    one_line, big = work / "cli-one.jsonl", work / "cli-big.jsonl"
    write_jsonl(texts[:1], one_line)
    write_jsonl(texts, big)
    run_cli(command, one_line, work)
    startups = [run_cli(command, one_line, work) for _ in range(plan.startup_runs)]
    fulls = [run_cli(command, big, work) for _ in track(range(plan.cli_runs), description="  calmline classify")]
    startup = statistics.median(r.seconds for r in startups)
    seconds = statistics.median(r.seconds for r in fulls)
    last = fulls[-1]
    return {
        "command": " ".join(["taskset -c 0"] * pinned + [".venv/bin/calmline", "classify"]),
        "pinned_to_one_core": pinned,
        "startup_seconds": startup,
        "startup_runs": [r.seconds for r in startups],
        "lines": last.lines_in,
        "lines_out": last.lines_out,
        "error_lines": last.error_lines,
        "exit_code": last.exit_code,
        "runs": len(fulls),
        "run_seconds": [r.seconds for r in fulls],
        "seconds": seconds,
        "per_second": last.lines_in / seconds,
        "per_second_after_startup": last.lines_in / max(seconds - startup, 1e-9),
        "max_rss_mib": max(r.max_rss_mib for r in fulls),
    }


def length_stats(texts: Sequence[str]) -> dict[str, float]:
    lengths = np.array([len(t) for t in texts])
    return {"median_chars": float(np.median(lengths)), "p99_chars": float(np.percentile(lengths, 99))}


def measure(analyzer: Analyzer, pool: Sequence[str], plan: SpeedPlan, *, seed: int, work: Path) -> dict[str, Any]:
    """Every speed figure; in-process timings run pinned to one core, as does the CLI."""
    load_before = os.getloadavg()[0]
    mixed = draw(pool, plan.latency_n + plan.warmup, seed)
    bulk = draw(pool, plan.batch_n, seed + 1)
    with one_core() as pinned:
        ns = latency(analyzer, mixed[: plan.warmup], mixed[plan.warmup :])
        batch = batch_throughput(analyzer, bulk)
    cli = cli_figures(draw(pool, plan.cli_n, seed + 2), work, plan)
    return {
        "latency": {**percentiles(ns), "pinned_to_one_core": pinned, **length_stats(mixed[plan.warmup :])},
        "latency_ns": ns.tolist(),
        "batch": {**batch, "pinned_to_one_core": pinned},
        "cli": cli,
        "targets": {"p99_ms": P99_TARGET_MS, "cli_per_second": CLI_TARGET_PER_S},
        "load_average_1min": {"before": load_before, "after": os.getloadavg()[0]},
    }
