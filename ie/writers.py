"""Writers: the output stage, turning records into one of the views of OUTPUT.md.

Guarantees:

- Every format is a view of the same records, written in the order they are given (the
  caller passes each document's records already in the total order).
- Identical records give byte-identical output: no timestamps, fields always in name
  order in the csv and table views, `\\n` line ends, a fixed table width off a terminal,
  and the environment (COLUMNS, FORCE_COLOR, Jupyter...) never changes what is written.
- jsonl and csv stream: each `write` goes to the stream at once. The table is laid out
  from all records, so it renders at `close`.
- Writers only write to the stream they are given, and never close it (the caller owns it).
  Document text never reaches the table as markup or terminal control codes.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol, TextIO

from ie.records import Field, Record

if TYPE_CHECKING:
    from rich.table import Table

__all__ = ["CSV_COLUMNS", "FORMATS", "RecordWriter", "open_writer"]

FORMATS = ("jsonl", "table", "csv")
CSV_COLUMNS = ("doc", "type", "start", "end", "text", "rule", "source", "fields")
TABLE_WIDTH = 120  # off a terminal: fixed, so files and pipes get the same bytes everywhere
NO_RECORDS = "no records"


class RecordWriter(Protocol):
    def write(self, records: Sequence[Record]) -> None:
        """Take one document's records, already in the total order."""

    def close(self) -> None:
        """Finish the output (the table renders here) and flush; the stream stays open."""


def open_writer(fmt: str, stream: TextIO, *, color: bool = False) -> RecordWriter:
    """A writer for `fmt` (one of FORMATS) on `stream`; `color` only affects the table."""
    if fmt == "jsonl":
        return _JsonlWriter(stream)
    if fmt == "csv":
        return _CsvWriter(stream)
    if fmt == "table":
        return _TableWriter(stream, color=color)
    raise ValueError(f"unknown output format {fmt!r}; expected one of {', '.join(FORMATS)}")


def jsonl_text(records: Sequence[Record]) -> str:
    """One document's records as JSON lines (what the jsonl writer writes for them)."""
    return "".join(record.to_jsonl() + "\n" for record in records)


class _JsonlWriter:
    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, records: Sequence[Record]) -> None:
        if records:
            self._stream.write(jsonl_text(records))

    def write_text(self, text: str) -> None:
        """Write records already rendered by `jsonl_text` (in a worker process)."""
        self._stream.write(text)

    def close(self) -> None:
        self._stream.flush()


class _CsvWriter:
    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._csv = csv.writer(stream, lineterminator="\n")
        self._started = False

    def _start(self) -> None:
        # Written even with no records, so an empty run is still a well-formed table.
        if not self._started:
            self._started = True
            self._csv.writerow(CSV_COLUMNS)

    def write(self, records: Sequence[Record]) -> None:
        self._start()
        self._csv.writerows(
            (r.doc, r.type, r.start, r.end, r.text, r.rule, r.source, _fields_json(r.fields))
            for r in records
        )

    def close(self) -> None:
        self._start()
        self._stream.flush()


def _fields_json(fields: Mapping[str, Field]) -> str:
    texts = {name: field.text for name, field in sorted(fields.items())}
    return json.dumps(texts, ensure_ascii=False, separators=(",", ":"))


class _TableWriter:
    def __init__(self, stream: TextIO, *, color: bool) -> None:
        self._stream = stream
        self._color = color
        self._records: list[Record] = []

    def write(self, records: Sequence[Record]) -> None:
        self._records.extend(records)

    def close(self) -> None:
        # rich is imported here, not at the top: JSONL and CSV runs never load it
        from rich.console import Console
        from rich.text import Text

        console = Console(
            file=self._stream,
            width=_width(self._stream),
            force_terminal=self._color,
            force_jupyter=False,  # in a notebook rich would display instead of writing
            force_interactive=False,
            no_color=not self._color,
            color_system="auto" if self._color else None,
            legacy_windows=False,
            soft_wrap=False,
            markup=False,
            emoji=False,
            highlight=False,
        )
        if not self._records:
            console.print(Text(NO_RECORDS))
        else:
            console.print(_table(self._records))
        self._records = []
        self._stream.flush()


def _table(records: Sequence[Record]) -> Table:
    from rich.table import Table
    from rich.text import Text

    multiline = any(len(r.fields) > 1 for r in records)
    # Rows of several lines need rules between them to be told apart.
    table = Table(show_lines=multiline, header_style="bold")
    table.add_column("doc", no_wrap=True)
    table.add_column("type", no_wrap=True)
    table.add_column("span", no_wrap=True, justify="right")
    table.add_column("text", overflow="fold")
    table.add_column("fields", overflow="fold")
    table.add_column("rule", no_wrap=True)
    for r in records:
        fields = "\n".join(
            f"{name}={_one_line(field.text)}" for name, field in sorted(r.fields.items())
        )
        table.add_row(
            Text(_one_line(r.doc)),
            Text(_one_line(r.type)),
            Text(f"{r.start}-{r.end}"),
            Text(_one_line(r.text)),
            Text(fields),
            Text(_one_line(r.rule)),
        )
    return table


NEWLINE_MARK = "\u23ce"  # ⏎

# Document text may hold control codes (ESC sequences could restyle the user's terminal):
# each is shown as its visible Unicode "control picture" instead.
_VISIBLE: dict[int, str] = {
    **{code: chr(0x2400 + code) for code in range(0x20)},
    0x09: " ",
    0x7F: "\u2421",
    **{code: "\ufffd" for code in range(0x80, 0xA0)},
    0x85: NEWLINE_MARK,
    0x2028: NEWLINE_MARK,
    0x2029: NEWLINE_MARK,
}


def _one_line(text: str) -> str:
    text = text.replace("\r\n", NEWLINE_MARK).replace("\n", NEWLINE_MARK)
    return text.replace("\r", NEWLINE_MARK).translate(_VISIBLE)


def _width(stream: TextIO) -> int:
    try:
        if stream.isatty():
            columns = os.get_terminal_size(stream.fileno()).columns
            if columns > 0:
                return columns
    except (AttributeError, OSError, ValueError):
        pass
    return TABLE_WIDTH
