"""``calmline classify``: one JSON line out per line in, in order, whatever the input looks like."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from calmline.cli import app
from tests.conftest import Validate

runner = CliRunner()


def _classify(stdin: bytes, *args: str) -> tuple[int, list[dict[str, Any]]]:
    result = runner.invoke(app, ["classify", *args], input=stdin)
    lines = result.stdout.splitlines()
    return result.exit_code, [json.loads(line) for line in lines]


def _jsonl(*records: Any) -> bytes:
    return b"".join(json.dumps(r).encode("utf-8") + b"\n" for r in records)


def test_when_lines_are_classified_then_there_is_one_output_line_per_input_line_in_order(
    validate_classify_output: Validate,
) -> None:
    records = [
        {"id": "1", "text": "I'd like to check my balance please"},
        {"id": "2", "text": "I'm going to kill myself tonight"},
        {"id": "3", "text": "you are useless", "speaker": "agent"},
        {"id": "4", "text": "you're a useless idiot", "speaker": "customer"},
        {"id": "5", "text": ""},
    ]
    code, out = _classify(_jsonl(*records))
    assert code == 0
    assert [o["id"] for o in out] == ["1", "2", "3", "4", "5"]
    assert [o["severity"] for o in out] == [0, 4, 0, 3, 0]
    for line in out:
        validate_classify_output(line)


MALFORMED = [
    ("not-json", b"this is not json", None),
    ("truncated-json", b'{"id": "m1", "text": "hel', None),
    ("json-array", b'["id", "text"]', None),
    ("json-string", b'"just a string"', None),
    ("missing-text", b'{"id": "m2"}', "m2"),
    ("text-not-a-string", b'{"id": "m3", "text": 42}', "m3"),
    ("text-null", b'{"id": "m4", "text": null}', "m4"),
    ("missing-id", b'{"text": "hello"}', None),
    ("numeric-id", b'{"id": 7, "text": "hello"}', None),
    ("bad-speaker", b'{"id": "m5", "text": "hello", "speaker": "robot"}', "m5"),
    ("speaker-not-a-string", b'{"id": "m6", "text": "hello", "speaker": 1}', "m6"),
    ("blank-line", b"   ", None),
]


@pytest.mark.parametrize(("line", "expected_id"), [(m[1], m[2]) for m in MALFORMED], ids=[m[0] for m in MALFORMED])
def test_when_a_line_is_malformed_then_it_gets_an_error_record_and_the_run_continues(
    validate_classify_output: Validate, line: bytes, expected_id: str | None
) -> None:
    stdin = _jsonl({"id": "before", "text": "I want to speak to a manager"}) + line + b"\n"
    stdin += _jsonl({"id": "after", "text": "you're a useless idiot"})
    code, out = _classify(stdin)
    assert code == 0
    assert len(out) == 3
    before, bad, after = out
    assert (before["id"], after["id"]) == ("before", "after")
    assert (before["severity"], after["severity"]) == (2, 3)
    assert set(bad["error"]) == {"code", "message"}
    assert bad["error"]["message"]
    assert bad.get("id") == expected_id
    for record in out:
        validate_classify_output(record)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"id": "u1", "text": "caf\xe9 \xff I want to speak to a manager"}',
        b'{"id": "u1", "text": "\xc3\x28 I want to speak to a manager"}',
        b'{"id": "u1", "text": "\xed\xa0\x80 I want to speak to a manager"}',
    ],
    ids=["latin1-and-ff", "bad-continuation", "encoded-surrogate"],
)
def test_when_a_line_has_invalid_utf8_then_it_is_classified_with_a_note(
    validate_classify_output: Validate, raw: bytes
) -> None:
    code, out = _classify(raw + b"\n" + _jsonl({"id": "u2", "text": "hello"}))
    assert code == 0
    assert [o["id"] for o in out] == ["u1", "u2"]
    assert out[0]["notes"] == ["invalid_utf8_replaced"]
    assert out[0]["severity"] == 2
    assert "notes" not in out[1]
    for record in out:
        validate_classify_output(record)


def test_when_input_uses_crlf_and_no_final_newline_then_every_line_is_still_answered() -> None:
    stdin = b'{"id": "a", "text": "hello"}\r\n{"id": "b", "text": "I want to speak to a manager"}'
    code, out = _classify(stdin)
    assert code == 0
    assert [(o["id"], o["severity"]) for o in out] == [("a", 0), ("b", 2)]


def test_when_input_is_empty_then_nothing_is_printed_and_the_exit_code_is_zero() -> None:
    assert _classify(b"") == (0, [])


def test_when_more_lines_than_a_batch_arrive_then_order_is_kept_across_batches(
    validate_classify_output: Validate,
) -> None:
    lines: list[bytes] = []
    expected: list[tuple[str | None, bool]] = []
    for i in range(1100):
        if i % 7 == 3:
            lines.append(b"{broken")
            expected.append((None, True))
            continue
        speaker = "agent" if i % 5 == 0 else "customer"
        text = "I want to speak to a manager" if i % 2 else f"routine question {i}"
        lines.append(json.dumps({"id": f"n{i}", "text": text, "speaker": speaker}).encode())
        expected.append((f"n{i}", False))
    code, out = _classify(b"\n".join(lines) + b"\n")
    assert code == 0
    assert [(o.get("id"), "error" in o) for o in out] == expected
    for i, record in enumerate(out):
        if "severity" in record:
            speaker_is_agent = i % 5 == 0
            if speaker_is_agent:
                assert record["severity"] == 0, (i, record)
            elif i % 2:
                assert record["severity"] == 2, (i, record)  # a demand for a manager
            else:
                assert record["severity"] <= 1, (i, record)  # routine line: at most a weak model cue
    for record in out[:50]:
        validate_classify_output(record)


def test_when_the_installed_command_reads_stdin_then_it_answers_each_line(tmp_path: Path) -> None:
    executable = Path(sys.executable).with_name("calmline")
    stdin = _jsonl({"id": "p1", "text": "he's collapsed and isn't breathing"}) + b"\xff\xfe not json\n"
    completed = subprocess.run(
        [str(executable), "classify"], input=stdin, capture_output=True, timeout=60, check=False, cwd=tmp_path
    )
    assert completed.returncode == 0, completed.stderr.decode()
    out = [json.loads(line) for line in completed.stdout.decode("utf-8").splitlines()]
    assert out[0]["id"] == "p1"
    assert out[0]["severity"] == 4
    assert out[1]["error"]["code"] == "INP001"
