"""The classify stream never loses, reorders or crashes on a line, whatever bytes arrive."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from calmline.cli_io import classify_stream
from calmline.detection.analyzer import Analyzer
from tests.conftest import Validate

json_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=30),
    st.sampled_from(["customer", "agent", "robot", "I'm going to kill myself tonight", "you're a useless idiot"]),
)
records = st.dictionaries(st.sampled_from(["id", "text", "speaker", "ts", "extra"]), json_values, max_size=5)
well_formed = st.builds(
    lambda i, text, speaker: {"id": i, "text": text, **({"speaker": speaker} if speaker else {})},
    st.text(max_size=10),
    st.text(max_size=60),
    st.sampled_from([None, "customer", "agent"]),
)


def _encode(record: dict[str, Any], ascii_only: bool) -> bytes:
    return json.dumps(record, ensure_ascii=ascii_only).encode("utf-8", errors="surrogatepass")


line_bytes = st.one_of(
    st.builds(_encode, well_formed, st.booleans()),
    st.builds(_encode, records, st.booleans()),
    st.binary(max_size=60),
).map(lambda raw: raw.replace(b"\n", b" "))


@given(lines=st.lists(line_bytes, max_size=12), batch=st.integers(1, 5))
def test_when_any_bytes_are_streamed_then_each_line_gets_exactly_one_valid_answer_in_order(
    analyzer: Analyzer, validate_classify_output: Validate, lines: list[bytes], batch: int
) -> None:
    out = list(classify_stream(analyzer, [line + b"\n" for line in lines], batch=batch))
    assert len(out) == len(lines)
    for raw, answer in zip(lines, out, strict=True):
        record = json.loads(answer)
        validate_classify_output(record)
        try:
            sent = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue
        if isinstance(sent, dict) and isinstance(sent.get("id"), str):
            assert record.get("id") == sent["id"]
