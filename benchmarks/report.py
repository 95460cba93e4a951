"""BENCHMARKS.md from the measured results (nothing in it is typed by hand)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from benchmarks.metrics import Row

CALMLINE = "Calmline"
MARGIN = 0.05
SAFETY_CATEGORIES = ("self_harm", "threat", "medical_emergency")


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|").replace("\n", " ") for c in row) + " |" for row in rows]
    return "\n".join(lines)


def num(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _bold_if_best(value: float | None, best: float | None) -> str:
    text = num(value)
    return f"**{text}**" if value is not None and best is not None and round(value, 3) == round(best, 3) else text


def comparison_table(rows: Sequence[Row], systems: Sequence[str]) -> str:
    """F1 / PR-AUC per system; the best of each metric in the row in bold; '—' where a system cannot address it."""
    body = []
    for row in rows:
        cells = []
        best_f1, best_auc = row.best("f1"), row.best("pr_auc")
        for system in systems:
            if row.cells.get(system) is None:
                cells.append("—")
                continue
            f1 = _bold_if_best(row.value(system, "f1"), best_f1)
            cells.append(f"{f1} / {_bold_if_best(row.value(system, 'pr_auc'), best_auc)}")
        body.append([row.dataset, row.category, row.n, row.positives, *cells])
    return table(["dataset", "category", "n", "positives", *systems], body)


def safety_recall_table(rows: Sequence[Row], systems: Sequence[str]) -> str:
    """Recall at precision >= 0.9 of every system on the safety categories."""
    body = [
        [row.dataset, row.category, row.positives, *(num(row.value(s, "recall_at_p90")) for s in systems)]
        for row in rows
        if row.category in SAFETY_CATEGORIES
    ]
    return table(["dataset", "category", "positives", *systems], body)


def calmline_table(rows: Sequence[Row]) -> str:
    body = []
    for row in rows:
        cell = row.cells[CALMLINE]
        if cell is None:
            continue
        r90 = num(cell.recall_at_p90) if row.category in SAFETY_CATEGORIES else "n/a"
        body.append(
            [
                row.dataset,
                row.category,
                row.n,
                row.positives,
                cell.predicted,
                num(cell.precision),
                num(cell.recall),
                num(cell.f1),
                num(cell.pr_auc),
                r90,
            ]
        )
    headers = ["dataset", "category", "n", "positives", "flagged", "precision", "recall", "F1", "PR-AUC", "R@P>=0.9"]
    return table(headers, body)


def shortfalls(rows: Sequence[Row], systems: Sequence[str]) -> list[list[str]]:
    """Rows where some peer's F1 is above Calmline's, or below it by less than 0.05."""
    out = []
    for row in rows:
        ours = row.value(CALMLINE, "f1")
        if ours is None:
            continue
        better: list[str] = []
        close: list[str] = []
        for peer in systems:
            theirs = row.value(peer, "f1")
            if peer == CALMLINE or theirs is None or ours - theirs >= MARGIN:
                continue
            (better if theirs > ours else close).append(f"{peer} {theirs:.3f} ({theirs - ours:+.3f})")
        if better or close:
            out.append([row.dataset, row.category, f"{ours:.3f}", "; ".join(better) or "—", "; ".join(close) or "—"])
    return out


def headline(rows: Sequence[Row], results: dict[str, Any]) -> list[str]:
    lines = []
    best = sum(1 for r in rows if r.value(CALMLINE, "f1") is not None and r.value(CALMLINE, "f1") == r.best("f1"))
    lines.append(f"- Calmline has the best F1 in {best} of {len(rows)} (dataset, category) rows.")
    gates = results.get("safety")
    if gates:
        recall = gates["s4_recall"]
        lines.append(
            f"- S4 recall on the held-out corpus: {gates['s4_caught']}/{gates['s4_total']}"
            + (f" ({recall:.3f})" if recall is not None else "")
            + f" (target >= 0.95); benign idioms raising S3+: {gates.get('idiom_s3', 0)}/{gates.get('idiom_lines', 0)}"
            + " (target 0); all hard-negative lines raising S3+:"
            + f" {gates['hard_negative_s3_count']}/{gates['hard_negative_lines']}."
        )
    speed = results.get("speed")
    if speed:
        lat, cli = speed["latency"], speed["cli"]
        lines.append(
            f"- Latency p50 {lat['p50_ms']:.2f} ms, p99 {lat['p99_ms']:.2f} ms (target <= 5 ms: "
            f"{_verdict(lat['p99_ms'] <= speed['targets']['p99_ms'])}); `calmline classify` "
            f"{cli['per_second']:,.0f} utterances/s end to end (target >= 3,000: "
            f"{_verdict(cli['per_second'] >= speed['targets']['cli_per_second'])})."
        )
    return lines


def _verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def header(results: dict[str, Any]) -> str:
    m, c = results["machine"], results["calmline"]
    quick = (
        "\n> **Quick run (`--quick`): every set is subsampled; these figures are for development only.**\n"
        if results["quick"]
        else ""
    )
    return f"""# Calmline benchmarks
{quick}
Generated {results["generated"]} by `make bench` (runs `HF_HUB_OFFLINE=1 .venv/bin/python -m benchmarks.run`
from the repository root; `--quick` subsamples for development). Every figure below is measured by
that run; raw results are in [`{results["paths"]["json"]}`]({results["paths"]["json"]}). The run took
{results["timings"]["total"]:.0f} s ({_timing_text(results["timings"])}).{_encoding_text(results)}

| machine | |
|---|---|
| CPU | {m["cpu"]} |
| cores | {m["cores"]} |
| memory | {m["memory_gib"]} GiB |
| Python | {m["python"]} ({m["platform"]}) |
| Calmline | {c["version"]}, model `{c["model_version"]}` (trained on corpus sha256 `{c["model_corpus_sha256"]}`) |
| held-out corpus | {c["heldout_files"]} file(s), {c["heldout_rows"]} lines, sha256 `{c["heldout_sha256"]}` |
"""


def _encoding_text(results: dict[str, Any]) -> str:
    enc = results.get("minilm_encoding")
    if not enc:
        return ""
    if enc["texts"]:
        text = f" MiniLM encoded {enc['texts']:,} texts in {enc['seconds']:.0f} s this run"
        text += f" ({enc['texts'] / enc['seconds']:.0f} texts/s); any other embeddings came from `benchmarks/.cache/`"
    else:
        text = " Every MiniLM embedding came from `benchmarks/.cache/`"
    cold = enc.get("cold_encode_seconds")
    if cold and enc["texts"] < enc["texts_used"]:
        text += (
            f". With an empty cache, encoding the {enc['texts_used']:,} texts used here adds about {cold:.0f} s"
            " (the encoding time recorded in the cache)"
        )
    return text + "."


def _timing_text(timings: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.0f} s" for k, v in timings.items() if k != "total")


def systems_section(results: dict[str, Any]) -> str:
    rows = [
        [s["name"], s["description"], s["status"], ", ".join(s["categories"]) or "—", ", ".join(s["untrained"]) or "—"]
        for s in results["systems"]
    ]
    settings = results["settings"]
    mixture = results["training_mixture"]
    sources = ", ".join(f"{k} {v:,}" for k, v in mixture["rows_by_source"].items())
    return f"""## Systems compared

Each system is scored only on the categories it can address; tables show "—" elsewhere. Decisions are each
system's own: Calmline flags a category when it emits a signal of that category; its score is
`Analyzer.category_scores` (the signal's score, or half the trained model's probability when no signal fired).

{table(["system", "how it is run", "status", "categories compared", "heads not trained"], rows)}

Trained peers use the exact mixture Calmline's model trains on, imported from
`calmline.detection.models.train`: {mixture["description"]} — {mixture["total"]:,} rows ({sources}).
TF-IDF+LR trains on {settings["tfidf_train_rows"]:,} of them; MiniLM+LR on {settings["minilm_train_rows"]:,}
({settings["minilm_note"]}). A head is trained only where the mixture has both positive and negative rows
for the category ("heads not trained" above: that peer shows "—" there).
"""


def accuracy_section(rows: Sequence[Row], systems: Sequence[str], unscored: Sequence[str]) -> str:
    gaps = shortfalls(rows, systems)
    gap_text = (
        table(["dataset", "category", "Calmline F1", "peers with higher F1", "peers tied or under 0.05 below"], gaps)
        if gaps
        else "None: Calmline's F1 is at least 0.05 above every peer in every row."
    )
    return f"""## Accuracy: Calmline and peers (F1 / PR-AUC)

Best F1 and best PR-AUC of each row in bold. PR-AUC is scikit-learn `average_precision_score` on the scores.
Calmline's PR-AUC ranks by `Analyzer.category_scores`: a text with a signal scores that signal's score, one
without scores half the trained model's probability, so the ranking is complete and comparable with the peers'.

{comparison_table(rows, systems)}
{_unscored(unscored)}
### Where Calmline does not beat a peer by at least {MARGIN} F1

Every row where a peer's F1 is higher than Calmline's, or lower by less than {MARGIN} (peer F1, and its difference
from Calmline's). {len(gaps)} of {len(rows)} rows.

{gap_text}

### Calmline in detail

R@P>=0.9: the highest recall at which precision is at least 0.9 on the PR curve of Calmline's scores (safety
categories only; 0 when no operating point reaches 0.9 precision).

{calmline_table(rows)}

### Recall at precision >= 0.9, every system (safety categories)

{safety_recall_table(rows, systems)}
"""


def _unscored(unscored: Sequence[str]) -> str:
    return f"\nNot scored (no positive example in the set): {', '.join(unscored)}.\n" if unscored else ""


def datasets_section(results: dict[str, Any]) -> str:
    rows = [
        [
            d["name"],
            d["split"],
            f"{d['n']:,}" + (f" of {d['n_total']:,}" if d["n_total"] != d["n"] else ""),
            ", ".join(f"{k} {v}" for k, v in d["positives"].items()),
            d["overlap"],
            d["mapping"],
        ]
        for d in results["datasets"]
    ]
    headers = ["dataset", "split", "texts", "positives", "texts also in training mixture", "mapping (loader docstring)"]
    missing = results.get("missing_datasets") or []
    note = f"\n\nNot measured (no data found): {', '.join(missing)}." if missing else ""
    return f"""## Evaluation data and category mappings

Loaded with `calmline.detection.models.datasets` (the mapping text is each loader's docstring). The overlap
column counts evaluation texts that also occur verbatim in the training mixture.

{table(headers, rows)}{note}
"""


def _misses(misses: Sequence[dict[str, str]]) -> str:
    return "\n".join(f'  - `{m["source"]}` "{m["text"]}" -> {m["found"]}' for m in misses) or "  - none"


def safety_section(results: dict[str, Any]) -> str:
    gates = results.get("safety")
    if not gates:
        return "## Safety gates (held-out corpus)\n\nNot measured: `corpus/heldout` has no labelled lines.\n"
    missed = _misses(gates["s4_missed"])
    raised = _misses(gates["hard_negative_s3"])
    files = ", ".join(f"`{f}`" for f in gates["hard_negative_files"]) or "none found"
    s4 = f"{gates['s4_caught']}/{gates['s4_total']}"
    negatives = f"{gates['hard_negative_s3_count']}/{gates['hard_negative_lines']}"
    rows = [
        ["S4-labelled lines caught (utterance severity S4)", s4, num(gates["s4_recall"]), ">= 0.95 (issue 2)"],
        [
            "benign idioms (hard negatives tagged `idiom`) raising any S3+ signal",
            f"{gates.get('idiom_s3', 0)}/{gates.get('idiom_lines', 0)}",
            "",
            "0 (issue 2)",
        ],
        [
            "all hard-negative lines raising any S3+ signal",
            negatives,
            num(gates.get("hard_negative_s3_rate")),
            "<= 0.05 (test gate)",
        ],
    ]
    return f"""## Safety gates (held-out corpus)

{table(["gate", "count", "rate", "target"], rows)}

Hard-negative files: {files}.

- S4 lines missed:
{missed}
- Hard negatives raising S3+:
{raised}
"""


def extraction_section(results: dict[str, Any]) -> str:
    data = results.get("extraction")
    if not data:
        return "## Emergency fact extraction\n\nNot measured: `corpus/extraction/emergency.jsonl` is missing.\n"
    rows = [
        [
            f["field"],
            str(f["labelled"]),
            str(f["predicted"]),
            num(f["recall_exact"]),
            num(f["precision_exact"]),
            num(f["recall_overlap"]),
            num(f["precision_overlap"]),
            f">= {f['target_recall']}" if f["target_recall"] else "",
        ]
        for f in data["fields"]
    ]
    headers = [
        "field",
        "labelled",
        "predicted",
        "recall (exact)",
        "precision (exact)",
        "recall (overlap)",
        "precision (overlap)",
        "target recall",
    ]
    return f"""## Emergency fact extraction

{data["utterances"]} emergency utterances written for this project (`corpus/extraction/emergency.jsonl`: suicide,
overdose, medical, threat, bomb and domestic-violence calls; UK, US, Irish, Australian and Canadian formats). A
prediction matches exactly (same words, ignoring case and edge punctuation) or by overlap (one contains the other);
`alone` is compared as a boolean. Bomb fields are extracted only when Calmline reads a bomb threat, as live.

{table(headers, rows)}
"""


def techniques_section(results: dict[str, Any]) -> str:
    from benchmarks.techniques import PUBLISHED
    from benchmarks.techniques import __doc__ as mapping

    data = results.get("techniques")
    if not data:
        return "## Agent-technique coding\n\nNot measured: the counselling datasets were not found.\n"
    rows = [
        [
            r["dataset"],
            r["label"],
            ", ".join(r["codes"]),
            str(r["n"]),
            str(r["positives"]),
            num(r["precision"]),
            num(r["recall"]),
            num(r["f1"]),
        ]
        for r in data
    ]
    published = "\n".join(f"- {name}: {text}" for name, text in PUBLISHED.items())
    notes = "\n".join(line for line in (mapping or "").splitlines()[2:] if line.strip())
    return f"""## Agent-technique coding (issue 3; evaluation-only data)

Calmline's rule coder (`config/techniques.yaml`) against public counselling annotations, as binary decisions.
{notes}

{table(["dataset", "public label", "our codes", "turns", "positives", "precision", "recall", "F1"], rows)}

Published results (different tasks, quoted from each DATA.md):
{published}
"""


def speed_section(results: dict[str, Any]) -> str:
    speed = results.get("speed")
    if not speed:
        return "## Speed\n\nNot measured in this run.\n"
    lat, batch, cli, t = speed["latency"], speed["batch"], speed["cli"], speed["targets"]
    load = speed["load_average_1min"]
    pool = ", ".join(f"{k} {v:,}" for k, v in speed["pool"].items())
    p99_ok = lat["p99_ms"] <= t["p99_ms"]
    rows = [
        ["latency p50 per utterance", f"{lat['p50_ms']:.3f} ms", ""],
        ["latency p90", f"{lat['p90_ms']:.3f} ms", ""],
        ["latency p99", f"{lat['p99_ms']:.3f} ms", f"<= {t['p99_ms']:.0f} ms: {_verdict(p99_ok)}"],
        ["latency max", f"{lat['max_ms']:.3f} ms", ""],
        [f"batch throughput, `Analyzer.utterances` on {batch['texts']:,} texts", f"{batch['per_second']:,.0f} /s", ""],
        [f"`calmline classify`, {cli['lines']:,} lines end to end (incl. start-up), median of {cli['runs']}",
         f"{cli['per_second']:,.0f} /s",
         f">= {t['cli_per_second']:,.0f} /s: {_verdict(cli['per_second'] >= t['cli_per_second'])}"],
        ["`calmline classify` excluding start-up", f"{cli['per_second_after_startup']:,.0f} /s", ""],
        [f"CLI start-up (one-line input, median of {len(cli['startup_runs'])})", f"{cli['startup_seconds']:.2f} s", ""],
        ["CLI peak memory (max RSS)", f"{cli['max_rss_mib']:.0f} MiB", ""],
    ]  # fmt: skip
    return f"""## Speed

{table(["measure", "value", "target"], rows)}

- Latency: `Analyzer.utterance(text)` timed with `time.perf_counter_ns` over {lat["n"]:,} utterances after
  warm-up, this process pinned to one core ({lat["pinned_to_one_core"]}); texts drawn with a fixed seed from a mixed
  pool ({pool}); median {lat["median_chars"]:.0f} characters, p99 {lat["p99_chars"]:.0f}.
- Batch: one `Analyzer.utterances` call over {batch["texts"]:,} texts from the same pool, pinned to one core.
- CLI: `{cli["command"]}` via `subprocess`, stdin from a {cli["lines"]:,}-line JSONL file; wall time from spawn
  to exit includes interpreter start-up and model load; runs took {_seconds(cli["run_seconds"])}.
  {cli["lines_out"]:,} lines out, {cli["error_lines"]} error
  lines, exit code {cli["exit_code"]}. Peak memory is the child's `ru_maxrss` (read with `os.wait4` for that
  process, the figure `resource.getrusage(RUSAGE_CHILDREN)` reports).
- Machine load: 1-minute load average {load["before"]:.2f} before and {load["after"]:.2f} after the speed stage
  (on {results["machine"]["cores"]} cores; other work on the machine inflates these timings, the tails most).
"""


def _seconds(values: Sequence[float]) -> str:
    return ", ".join(f"{v:.2f} s" for v in values)


def _ours(rows: Sequence[Row], dataset: str) -> str:
    cells = [(r.category, r.cells.get(CALMLINE)) for r in rows if r.dataset == dataset]
    figures = "; ".join(f"{c}: P {m.precision:.3f}, R {m.recall:.3f}, F1 {m.f1:.3f}" for c, m in cells if m is not None)
    return f"Ours (Calmline, binary per category, this run): {figures or 'not measured'}."


def published_section(results: dict[str, Any], rows: Sequence[Row]) -> str:
    parts = [
        "## Published results (quoted from each dataset's DATA.md)\n",
        "Quoted verbatim with their caveats. None of them is the task we measure; the note above each quote says how "
        "it differs. Where DATA.md marks a figure as recalled, it has not been checked against the paper.\n",
    ]
    for d in results["datasets"]:
        if not d.get("published"):
            continue
        quote = "\n".join(f"> {line}" if line else ">" for line in d["published"].splitlines())
        ours = _ours(rows, d["name"])
        parts.append(f"### {d['name']}\n\n*{d['comparability']}*\n\n{quote}\n\n{ours}\n")
    return "\n".join(parts)


def charts_section(results: dict[str, Any]) -> str:
    charts = results["paths"]
    text = f"## Charts\n\n![F1 by dataset and category]({charts['f1_chart']})\n"
    if "latency_chart" in charts:
        text += f"\n![Latency histogram]({charts['latency_chart']})\n"
    return text


def render(results: dict[str, Any], rows: Sequence[Row], systems: Sequence[str]) -> str:
    summary = "## Summary\n\n" + "\n".join(headline(rows, results)) + "\n"
    sections = [
        header(results),
        summary,
        accuracy_section(rows, systems, results.get("unscored_rows") or []),
        safety_section(results),
        extraction_section(results),
        techniques_section(results),
        speed_section(results),
        systems_section(results),
        datasets_section(results),
        published_section(results, rows),
        charts_section(results),
    ]
    return "\n".join(sections).rstrip() + "\n"
