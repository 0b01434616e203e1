"""Tests for ie.writers: jsonl, csv and table are views of the same records."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import fields

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ie.records import Field, Record
from ie.writers import CSV_COLUMNS, FORMATS, open_writer

OUTPUT_KEYS = {
    "doc",
    "type",
    "start",
    "end",
    "text",
    "fields",
    "rule",
    "source",
    "pack",
    "pack_version",
}

SPOKESPERSON = Record(
    doc="000_bb0def335cd299fa",
    type="Spokesperson",
    start=1898,
    end=1933,
    text="Haftar's spokesman Ahmed al-Mesmari",
    token_start=310,
    token_end=316,
    fields={
        "spokesperson": Field("Ahmed al-Mesmari", 1917, 1933, "Person"),
        "principal": Field("Haftar", 1898, 1904, "Person"),
    },
    rule="spokesperson_possessive",
    source="rules/news/relations.ie:12",
    pack="news",
    pack_version="0.1.0",
)

AWKWARD = Record(
    doc="notes/été",
    type="Quote",
    start=0,
    end=24,
    text='He said, "no,\r\nnot [bold]',
    token_start=0,
    token_end=9,
    fields={"speaker": Field("He", 0, 2), "kind": Field("lower")},
    rule="quote",
    source="rules/q.ie:3",
    pack="q",
    pack_version="1.0",
)

ESCAPE = Record(
    doc="d",
    type="T",
    start=0,
    end=9,
    text="red\x1b[31m!\tx",
    token_start=0,
    token_end=1,
    fields={},
    rule="r",
    source="s.ie:1",
    pack="p",
    pack_version="1",
)


def render(fmt: str, documents: Sequence[Sequence[Record]], *, color: bool = False) -> str:
    stream = io.StringIO()
    writer = open_writer(fmt, stream, color=color)
    for records in documents:
        writer.write(records)
    writer.close()
    return stream.getvalue()


def test_formats() -> None:
    assert FORMATS == ("jsonl", "table", "csv")


def test_unknown_format_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="jsonl, table, csv"):
        open_writer("parquet", io.StringIO())


def test_jsonl_lines_carry_the_contract_keys() -> None:
    out = render("jsonl", [[SPOKESPERSON], [], [AWKWARD]])
    assert out.endswith("\n")
    lines = out.split("\n")[:-1]
    assert len(lines) == 2
    objects = [json.loads(line) for line in lines]
    for obj in objects:
        assert obj.keys() >= OUTPUT_KEYS
    assert objects[0]["fields"]["principal"] == {
        "text": "Haftar",
        "start": 1898,
        "end": 1904,
        "type": "Person",
    }
    assert objects[1]["text"] == AWKWARD.text
    assert objects[1]["fields"]["kind"] == {"text": "lower"}
    assert "été" in out  # UTF-8 text, not \\u escapes


def test_jsonl_streams_each_document_at_once() -> None:
    stream = io.StringIO()
    writer = open_writer("jsonl", stream)
    writer.write([SPOKESPERSON])
    assert stream.getvalue() == SPOKESPERSON.to_jsonl() + "\n"


def test_csv_round_trips() -> None:
    out = render("csv", [[SPOKESPERSON, AWKWARD], [ESCAPE]])
    rows = list(csv.reader(io.StringIO(out, newline="")))
    assert rows[0] == list(CSV_COLUMNS)
    assert rows[0] == ["doc", "type", "start", "end", "text", "rule", "source", "fields"]
    for row, record in zip(rows[1:], [SPOKESPERSON, AWKWARD, ESCAPE], strict=True):
        assert row[:7] == [
            record.doc,
            record.type,
            str(record.start),
            str(record.end),
            record.text,
            record.rule,
            record.source,
        ]
        assert json.loads(row[7]) == {name: f.text for name, f in record.fields.items()}
    # Fields in name order, compact: the same record always gives the same cell.
    assert rows[1][7] == '{"principal":"Haftar","spokesperson":"Ahmed al-Mesmari"}'


def test_csv_header_is_written_even_without_records() -> None:
    assert render("csv", []) == ",".join(CSV_COLUMNS) + "\n"
    assert render("csv", [[], []]) == ",".join(CSV_COLUMNS) + "\n"


def test_csv_streams_and_uses_newline_line_ends() -> None:
    stream = io.StringIO()
    writer = open_writer("csv", stream)
    writer.write([SPOKESPERSON])
    assert stream.getvalue().count("\n") == 2
    assert "\r\n" not in stream.getvalue()


def test_table_shows_the_records() -> None:
    out = render("table", [[SPOKESPERSON], [AWKWARD]])
    for text in (
        "000_bb0def335cd299fa",
        "Spokesperson",
        "1898-1933",
        "Haftar's spokesman",  # long cells may wrap at word boundaries
        "Ahmed al-Mesmari",
        "principal=Haftar",
        "spokesperson=Ahmed",
        "spokesperson_possessive",
        "[bold]",  # document text is never read as rich markup
    ):
        assert text in out
    assert "\r" not in out
    assert "no,⏎not" in out
    assert "\x1b" not in out  # no colour unless asked
    assert all(len(line) <= 120 for line in out.splitlines())


def test_table_neutralises_control_codes() -> None:
    out = render("table", [[ESCAPE]], color=True)
    assert "\x1b[31m!" not in out
    assert "red␛[31m! x" in out


def test_table_colour_only_when_asked() -> None:
    assert "\x1b[" in render("table", [[SPOKESPERSON]], color=True)
    assert "\x1b[" not in render("table", [[SPOKESPERSON]], color=False)


@pytest.mark.parametrize(
    "documents",
    [pytest.param([], id="no-documents"), pytest.param([[], []], id="documents-without-records")],
)
def test_table_without_records_says_so(documents: list[list[Record]]) -> None:
    assert render("table", documents) == "no records\n"


def test_table_ignores_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    plain = render("table", [[SPOKESPERSON, AWKWARD]])
    monkeypatch.setenv("COLUMNS", "40")
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    assert render("table", [[SPOKESPERSON, AWKWARD]]) == plain


@pytest.mark.parametrize("fmt", FORMATS)
def test_output_is_deterministic(fmt: str) -> None:
    documents = [[SPOKESPERSON, AWKWARD], [], [ESCAPE]]
    first = render(fmt, documents).encode("utf-8")
    second = render(fmt, documents).encode("utf-8")
    assert first == second


# jsonl is Record.to_jsonl, owned by ie.records: it keeps the fields as the rule wrote them.
@pytest.mark.parametrize("fmt", ["csv", "table"])
def test_field_insertion_order_does_not_matter_in_views(fmt: str) -> None:
    reordered = Record(
        **{
            **{f.name: getattr(SPOKESPERSON, f.name) for f in fields(SPOKESPERSON) if f.init},
            "fields": dict(reversed(list(SPOKESPERSON.fields.items()))),
        }
    )
    assert render(fmt, [[reordered]]) == render(fmt, [[SPOKESPERSON]])


@pytest.mark.parametrize("fmt", FORMATS)
def test_close_flushes_and_leaves_the_stream_open(fmt: str) -> None:
    stream = io.StringIO()
    writer = open_writer(fmt, stream)
    writer.write([SPOKESPERSON])
    writer.close()
    assert not stream.closed
    assert "Ahmed al-Mesmari" in stream.getvalue()


_texts = st.text(max_size=12)
_fields = st.dictionaries(
    _texts,
    st.builds(
        Field,
        _texts,
        st.one_of(st.none(), st.integers(0, 10**6)),
        st.integers(0, 10**6),
        st.one_of(st.none(), _texts),
    ),
    max_size=3,
)


@given(
    st.builds(
        Record, _texts, _texts, st.integers(0, 10**9), st.integers(0, 10**9), _texts,
        st.integers(0, 10**6), st.integers(0, 10**6), _fields, _texts, _texts, _texts,
        _texts, st.integers(-5, 5), st.integers(0, 100),
    )
)  # fmt: skip
def test_jsonl_line_is_exactly_json_dumps_of_the_record(record: Record) -> None:
    # to_jsonl assembles the line itself for speed; it must be byte for byte json.dumps
    expected = json.dumps(record.to_json(), ensure_ascii=False, separators=(",", ":"))
    assert record.to_jsonl() == expected
