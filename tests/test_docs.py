"""docs/language.md is executable: every `ie` block compiles, and where a `text` and a
`records` block follow it, running the rules on the text gives exactly those records."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from ie.compiler import compile_source
from ie.diagnostics import render_all
from ie.records import Record
from ie.runtime import Engine

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "language.md"
FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.M | re.S)


@dataclass
class Case:
    line: int
    rules: str
    text: str | None = None
    records: str | None = None


def cases() -> list[Case]:
    source = DOC.read_text(encoding="utf-8")
    out: list[Case] = []
    for m in FENCE.finditer(source):
        kind, body = m.group(1), m.group(2)
        if kind == "ie":
            out.append(Case(source.count("\n", 0, m.start()) + 1, body))
        elif kind == "text" and out and out[-1].text is None:
            out[-1].text = body.rstrip("\n")
        elif kind == "records" and out and out[-1].records is None:
            out[-1].records = body
    return out


def show(r: Record) -> str:
    fields = "".join(f' {k}="{v.text}"' for k, v in r.fields.items())
    return f'{r.type} "{r.text}"{fields}'


def test_reference_has_examples() -> None:
    found = cases()
    assert len(found) >= 10
    assert sum(c.records is not None for c in found) >= 10


@pytest.mark.parametrize("case", cases(), ids=lambda c: f"language.md:{c.line}")
def test_language_reference_example(case: Case, tmp_path: Path) -> None:
    (tmp_path / "example.ie").write_text(case.rules, encoding="utf-8")
    comp = compile_source(tmp_path)
    errors = [d for d in comp.diagnostics if d.is_error]
    assert not errors, render_all(errors, comp.sources)
    assert comp.pack is not None
    if case.text is None:
        return
    records = Engine(comp.pack).extract("doc", case.text)
    for r in records:
        assert case.text[r.start : r.end] == r.text
    expected = [line for line in (case.records or "").splitlines() if line.strip()]
    assert [show(r) for r in records] == expected
