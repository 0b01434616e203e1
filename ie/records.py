"""Records: the typed, provenance-carrying output of a pack (the OUTPUT.md contract).

A record is plain data. Its JSON form (`to_json`) keeps the keys other programs rely on
(doc, type, start, end, text, fields, rule, source, pack, pack_version) and adds the token
span and priority. `sort_key` is the language's documented total order within a document:
start, then the longer span, then higher priority, then rule order in the pack, then rule
name, then the fields (so that even `keep all` output is fully ordered).

Records and fields are read-only by convention, not frozen: a frozen dataclass sets each
attribute through `object.__setattr__`, which made building a record cost about five
times as much, and a run makes a record per match.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

# a str as JSON, as json.dumps(..., ensure_ascii=False) writes it (the C encoder)
_string = cast(Any, json.encoder).encode_basestring


@dataclass(slots=True)
class Field:
    """A record field: a span of the document (with `start`/`end`) or a computed value.
    Read-only by convention (see the module docstring)."""

    text: str
    start: int | None = None
    end: int | None = None
    type: str | None = None
    record: Record | None = field(default=None, compare=False, repr=False)
    # the lexicon row (phrase, canonical form, subtype, ...) when the field is a lexicon hit
    row: tuple[str, ...] | None = field(default=None, compare=False, repr=False)

    def to_jsonl(self) -> str:
        """`to_json()` in compact JSON (see `Record.to_jsonl`)."""
        out = f'{{"text":{_string(self.text)}'
        if self.start is not None:
            out += f',"start":{self.start},"end":{self.end}'
        if self.type is not None:
            out += f',"type":{_string(self.type)}'
        return out + "}"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.text}
        if self.start is not None:
            out["start"] = self.start
            out["end"] = self.end
        if self.type is not None:
            out["type"] = self.type
        return out


@dataclass(slots=True)
class Record:
    """One extracted fact: a typed span of one document with named fields. Read-only by
    convention (see the module docstring)."""

    doc: str
    type: str
    start: int
    end: int
    text: str
    token_start: int
    token_end: int
    fields: Mapping[str, Field]
    rule: str
    source: str
    pack: str
    pack_version: str
    priority: int = 0
    rule_index: int = 0
    # the total-order key, made once: records are sorted by type, then all together
    _key: tuple[Any, ...] = field(default=(), init=False, compare=False, repr=False)

    def sort_key(self) -> tuple[Any, ...]:
        key = self._key
        if not key:
            key = (
                self.start,
                -(self.end - self.start),
                -self.priority,
                self.rule_index,
                self.rule,
                self.type,
                _fields_key(self.fields),
            )
            self._key = key
        return key

    def to_json(self) -> dict[str, Any]:
        return {
            "doc": self.doc,
            "type": self.type,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "fields": {name: f.to_json() for name, f in self.fields.items()},
            "rule": self.rule,
            "source": self.source,
            "pack": self.pack,
            "pack_version": self.pack_version,
            "token_start": self.token_start,
            "token_end": self.token_end,
            "priority": self.priority,
        }

    def to_jsonl(self) -> str:
        """`to_json()` as one compact line, exactly as `json.dumps(..., ensure_ascii=False,
        separators=(",", ":"))` writes it, assembled directly (it runs once per record)."""
        s = _string
        given = self.fields
        if len(given) > 1:
            fields = ",".join(f"{s(name)}:{f.to_jsonl()}" for name, f in given.items())
        elif given:  # most records have one field or none: no generator, no join
            ((name, f),) = given.items()
            fields = f"{s(name)}:{f.to_jsonl()}"
        else:
            fields = ""
        return (
            f'{{"doc":{s(self.doc)},"type":{s(self.type)},"start":{self.start},'
            f'"end":{self.end},"text":{s(self.text)},"fields":{{{fields}}},'
            f'"rule":{s(self.rule)},"source":{s(self.source)},"pack":{s(self.pack)},'
            f'"pack_version":{s(self.pack_version)},"token_start":{self.token_start},'
            f'"token_end":{self.token_end},"priority":{self.priority}}}'
        )


def _fields_key(fields: Mapping[str, Field]) -> tuple[tuple[str, str, int, int], ...]:
    if not fields:
        return ()
    if len(fields) == 1:
        ((name, f),) = fields.items()
        return ((name, f.text, -1 if f.start is None else f.start, -1 if f.end is None else f.end),)
    return tuple(
        (name, f.text, -1 if f.start is None else f.start, -1 if f.end is None else f.end)
        for name, f in sorted(fields.items())
    )


def sort_records(records: list[Record]) -> list[Record]:
    """Return records in the total order (stable and independent of production order)."""
    return sorted(records, key=Record.sort_key)
