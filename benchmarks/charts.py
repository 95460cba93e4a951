"""PNG charts (matplotlib, Agg backend): F1 by dataset and category against peers; latency histogram."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import matplotlib.ticker as ticker
import numpy as np

from benchmarks.metrics import Row

COLOURS = ("#1b6ca8", "#e07b39", "#7f7f7f", "#59a14f", "#b07aa1", "#edc948", "#76b7b2")


def f1_chart(rows: Sequence[Row], systems: Sequence[str], path: Path) -> None:
    """Horizontal bars grouped by (dataset, category); a group holds only the systems that address it."""
    colour = {system: COLOURS[k % len(COLOURS)] for k, system in enumerate(systems)}
    bars: list[tuple[float, float, str]] = []  # (y, F1, system)
    ticks: list[tuple[float, str]] = []
    y = 0.0
    for row in rows:
        present = [(s, v) for s in systems if (v := row.value(s, "f1")) is not None]
        ticks.append((y + (len(present) - 1) / 2, f"{row.dataset} · {row.category}"))
        bars += [(y + k, value, system) for k, (system, value) in enumerate(present)]
        y += len(present) + 1.0
    fig, ax = plt.subplots(figsize=(10, 1.6 + 0.17 * y))
    for system in systems:
        mine = [(b[0], b[1]) for b in bars if b[2] == system]
        ax.barh([-m[0] for m in mine], [m[1] for m in mine], height=0.85, color=colour[system], label=system)
    for pos, value, _ in bars:
        ax.text(value + 0.005, -pos, f"{value:.2f}", va="center", fontsize=6)
    ax.set_yticks([-t[0] for t in ticks], [t[1] for t in ticks], fontsize=8)
    ax.set_xlim(0, 1.06)
    ax.set_ylim(-y + 0.5, 1.0)
    ax.set_xlabel("F1 at each system's own decision threshold")
    ax.set_title("F1 by dataset and category (a system appears only where it addresses the category)", fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.6 / max(y, 1) - 0.02), ncol=len(systems), fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def latency_chart(latency_ns: Sequence[int], target_ms: float, path: Path) -> None:
    """Histogram of per-utterance latency on a log axis, with p50, p99 and the budget marked."""
    ms = np.asarray(latency_ns, dtype=np.float64) / 1e6
    fig, ax = plt.subplots(figsize=(9, 4.5))
    bins = np.logspace(np.log10(max(ms.min(), 1e-3)), np.log10(max(ms.max(), target_ms) * 1.1), 60)
    ax.hist(ms, bins=list(bins), color=COLOURS[0])
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(ticker.FormatStrFormatter("%g"))
    ax.xaxis.set_minor_formatter(ticker.FormatStrFormatter("%g"))
    ax.tick_params(axis="x", which="minor", labelsize=7)
    for value, label, style, colour in (
        (np.percentile(ms, 50), "p50", "--", "black"),
        (np.percentile(ms, 99), "p99", "-.", "black"),
        (target_ms, "p99 budget", "-", "red"),
    ):
        ax.axvline(value, color=colour, linestyle=style, linewidth=1.2, label=f"{label} {value:.2f} ms")
    ax.legend(fontsize=8)
    ax.set_xlabel("milliseconds per `Analyzer.utterance` call (one core)")
    ax.set_ylabel("utterances")
    ax.set_title(f"Per-utterance latency, {len(ms):,} mixed utterances")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
