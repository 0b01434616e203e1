"""Robustness properties of the front end (in the style of jmespath's hypothesis tests).

For any text, `parse_file` returns a file and diagnostics and never raises, and every
diagnostic points inside the text. The same holds for near-miss rule files (a valid pack
with a character or keyword deleted, duplicated or inserted) and for token soups built from
the language's own pieces, which reach much deeper into the grammar than random characters.
`compile_source` on a pack holding such text never raises either: every mistake becomes a
diagnostic.

Huge repetition counts (`{99999999999}`) crash the compiler today; that bug has its own
xfail test in tests/test_diagnostics.py, so the soups here keep counts small.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ie.compiler import compile_source
from ie.diagnostics import Diagnostic
from ie.parser import KEYWORDS, parse_file

VALID = """\
# A small valid pack file: every declaration kind and most pattern forms.
lexicon Titles = "president" | "prime minister" | "general"
lexicon Verbs = "said" | "says" exact
let Cap = [is_title and not is_upper]
let Name = Cap (("-" | "al") Cap){0,3}

rule titled_person
  match title:Titles name:Name
  yield Person(name, title=lower(title))
  example "President Joe Biden spoke" -> Person(name="Joe Biden", title="president")

rule spokesperson
  match principal:Person "'s" /^spokes(wo)?(man|person)$/i ","? who:Person
  yield Spokesperson(principal, spokesperson=who)
  priority 2
  within paragraph
  not "A spokesman said nothing"

rule said
  like "X said"
  where X: Person | [shape = "Xxxx"]
  yield Said(speaker=X)

rule numbers
  match (?<! "no") n:[like_num or length >= 4] _{0,2}? "percent" (?= $)
  yield Share(n)

overlap Person longest
"""

PIECES = [
    *KEYWORDS,
    "rule r",
    "rule r2",
    "exact",
    "accents",
    "from",
    "as",
    "and",
    "or",
    "in",
    "first",
    "longest",
    "paragraph",
    "Person",
    "Org",
    "Cap",
    "Titles",
    "@Person",
    "@Nope",
    "Person(",
    "Person(name)",
    "X(",
    "lower(",
    "join(",
    "name:",
    "who:",
    "X:",
    "word",
    "said",
    '"said"',
    '"the Kremlin\'s spokesman"',
    '""',
    "'s'",
    '"',
    "'",
    "/^a+$/",
    "/a(b/",
    "/x/i",
    "/",
    "[",
    "]",
    "[is_title]",
    "[length > 3]",
    "[lower in Titles]",
    "[text ~ /x/]",
    "[shape = 'Xx']",
    "(",
    ")",
    "(?=",
    "(?<!",
    "(?!",
    "(?<=",
    "|",
    ",",
    "=",
    "!=",
    "->",
    "^",
    "$",
    "_",
    "_{0,5}",
    "?",
    "*",
    "+",
    "+?",
    "{2,1}",
    "{0}",
    "{1,3}",
    "{,2}",
    "3",
    "-1",
    "#",
    "\n",
    "\t",
    "\r\n",
    "é",
    "\u2028",
    "\x00",
]

soup = st.lists(st.sampled_from(PIECES), max_size=40).map(" ".join)
texts = st.one_of(st.text(max_size=200), soup)


def span_inside(d: Diagnostic, source: str, path: str) -> None:
    span = d.span
    assert span is not None, d
    lines = source.split("\n")
    assert span.path == path
    assert 1 <= span.line <= len(lines), (d, source)
    assert 1 <= span.col <= len(lines[span.line - 1]) + 1, (d, source)
    assert (span.end_line, span.end_col) >= (span.line, span.col), (d, source)
    assert 0 <= span.start <= span.end <= len(source), (d, source)
    assert d.message.strip(), d


def check_parse(source: str) -> None:
    parsed, diags = parse_file("fuzz.ie", source)
    assert parsed.path == "fuzz.ie"
    for d in diags:
        # the parser's own codes: syntax (E01xx) and a clause given twice in a rule (E0311)
        assert d.code.startswith("E01") or d.code == "E0311", d
        span_inside(d, source, "fuzz.ie")


def test_the_seed_file_is_valid() -> None:
    parsed, diags = parse_file("seed.ie", VALID)
    assert diags == []
    assert len(parsed.decls) == 9
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "seed.ie").write_text(VALID, encoding="utf-8")
        comp = compile_source(tmp)
    assert [d for d in comp.diagnostics if d.is_error] == []


@given(texts)
@example("")
@example('"')
@example("/")
@example("rule")
@example("rule r match")
@example('rule r\n  match "a\n')
@example("\n\n\n(")
@example("rule r match [")
@example("# only a comment")
@example('rule r\r\n  match "a" )\r\n')
def test_parse_never_raises_and_points_inside(source: str) -> None:
    check_parse(source)


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = VALID
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["delete", "duplicate", "insert-char", "insert-piece"]))
        if action == "delete" and at < len(text):
            size = draw(st.integers(1, 8))
            text = text[:at] + text[at + size :]
        elif action == "duplicate" and at < len(text):
            text = text[: at + 1] + text[at:]
        elif action == "insert-char":
            text = text[:at] + draw(st.characters()) + text[at:]
        else:
            text = text[:at] + " " + draw(st.sampled_from(PIECES)) + " " + text[at:]
    return text


@given(mutated())
def test_mutated_valid_file_parses_or_reports_inside(source: str) -> None:
    check_parse(source)


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=60, deadline=None)
@given(st.one_of(mutated(), soup, st.text(max_size=80)))
@example('rule r\n  match x:"a"{2,1}\n  yield X(y)\n')
@example('let A = B\nlet B = A\nrule r\n  like "" where Q: A\n  yield Q()\n')
@example('lexicon L from "../../etc/passwd"\nrule r\n  match L\n  yield X()\n')
def test_compile_source_never_raises(source: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        pack = Path(tmp) / "pack"
        pack.mkdir()
        (pack / "fuzz.ie").write_text(source, encoding="utf-8", newline="")
        (pack / "good.ie").write_text('rule ok\n  match "ok"\n  yield Ok()\n', encoding="utf-8")
        comp = compile_source(pack)
    for d in comp.diagnostics:
        assert d.code[0] in "EW" and d.message.strip(), d
        if d.span is not None and d.span.path.endswith("fuzz.ie"):
            span_inside(d, source, d.span.path)
    if comp.pack is None:
        assert comp.errors
