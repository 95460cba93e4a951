"""Reading CLI input safely: bad lines become error records, never crashes or lost lines."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from calmline.detection.analyzer import Analyzer, ConversationIn
from calmline.domain.errors import InputError

MAX_LINE_BYTES = 8 * 1024 * 1024


def _error(code: str, message: str, id: Any = None) -> str:
    record: dict[str, Any] = {"error": {"code": code, "message": message}}
    if isinstance(id, str):
        record = {"id": id, **record}
    return json.dumps(record, ensure_ascii=False)


def parse_line(raw: bytes) -> tuple[dict[str, Any] | None, str | None, list[str]]:
    """(record, error line, notes) for one input line."""
    notes: list[str] = []
    if len(raw) > MAX_LINE_BYTES:
        return None, _error("INP005", f"line is {len(raw)} bytes; the limit is {MAX_LINE_BYTES}"), notes
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("utf-8", errors="replace")
        notes.append("invalid_utf8_replaced")
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, _error("INP001", f"not valid JSON: {exc.msg} at column {exc.colno}"), notes
    if not isinstance(record, dict):
        return None, _error("INP002", "each line must be a JSON object"), notes
    id_ = record.get("id")
    if not isinstance(id_, str):
        return None, _error("INP003", "'id' must be a string", id_), notes
    if not isinstance(record.get("text"), str):
        return None, _error("INP004", "'text' must be a string", id_), notes
    if record.get("speaker", "customer") not in ("customer", "agent"):
        return None, _error("INP006", "'speaker' must be 'customer' or 'agent'", id_), notes
    return record, None, notes


def classify_stream(analyzer: Analyzer, lines: Iterable[bytes], *, batch: int) -> Iterator[str]:
    """One output line per input line, in order; models run on batches of customer lines."""
    pending: list[tuple[dict[str, Any] | None, str | None, list[str]]] = []
    for raw in lines:
        stripped = raw.rstrip(b"\r\n")
        pending.append(parse_line(stripped) if stripped.strip() else (None, _error("INP001", "empty line"), []))
        if len(pending) >= batch:
            yield from _flush(analyzer, pending)
            pending = []
    yield from _flush(analyzer, pending)


def _flush(analyzer: Analyzer, pending: list[tuple[dict[str, Any] | None, str | None, list[str]]]) -> Iterator[str]:
    customer = [rec for rec, _, _ in pending if rec is not None and rec.get("speaker", "customer") == "customer"]
    results = iter(analyzer.utterances([r["text"] for r in customer], ids=[r["id"] for r in customer]))
    for record, error, notes in pending:
        if record is None:
            yield error or _error("INP000", "unreadable line")
            continue
        if record.get("speaker", "customer") == "customer":
            result = next(results)
        else:
            result = analyzer.utterance(record["text"], speaker="agent", id=record["id"])
        if not notes:
            yield result.model_dump_json()
            continue
        payload = result.model_dump(mode="json")
        payload["notes"] = notes
        yield json.dumps(payload, ensure_ascii=False)


def load_conversation(path: Path) -> ConversationIn:
    """Read and validate a conversation file; problems raise ``InputError`` with the reason."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8", errors="replace"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(str(exc)) from exc
    try:
        return ConversationIn.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InputError(f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from exc
