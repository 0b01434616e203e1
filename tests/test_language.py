"""The rule language, construct by construct: a pack, a text, the records it must give.

Every table row is (id, pack source, text, expected records) where a record is simplified
to (type, text, {field: text}). Rows with no expected records are the negative cases: text
that must NOT match. Every run also checks the record invariants (record and field text
quote the document exactly, output in the total order) and that the planner does not
change the result, so each row tests those too.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ie.compiler import compile_pack
from ie.diagnostics import CompileError
from ie.records import Record
from ie.runtime import Engine

Out = tuple[str, str, dict[str, str]]


def check_invariants(text: str, records: list[Record]) -> None:
    """What every record of every pack must satisfy."""
    for r in records:
        assert r.text == text[r.start : r.end], r
        assert 0 <= r.start < r.end <= len(text)
        assert r.token_start < r.token_end
        for name, f in r.fields.items():
            if f.start is not None:
                assert f.end is not None
                assert f.text == text[f.start : f.end], (name, f)
    assert records == sorted(records, key=Record.sort_key)


def extract(directory: Path, src: str, text: str, *, planner: bool = True) -> list[Record]:
    path = directory / "t.ie"
    path.write_text(src, encoding="utf-8")
    pack = compile_pack(path)
    records = Engine(pack, planner=planner).extract("d", text)
    check_invariants(text, records)
    return records


def simplify(records: list[Record], types: tuple[str, ...] | None = None) -> list[Out]:
    return [
        (r.type, r.text, {k: f.text for k, f in r.fields.items()})
        for r in records
        if types is None or r.type in types
    ]


@pytest.fixture
def run(tmp_path: Path) -> Any:
    """run(src, text) -> simplified records, checking invariants and planner on == off."""

    def _run(src: str, text: str, types: tuple[str, ...] | None = None) -> list[Out]:
        planned = extract(tmp_path, src, text)
        unplanned = extract(tmp_path, src, text, planner=False)
        assert simplify(planned) == simplify(unplanned), "planner changed the result"
        return simplify(planned, types)

    return _run


def rule(pattern: str, yield_: str = "T(x)", head: str = "") -> str:
    return f"{head}\nrule r\n  match {pattern}\n  yield {yield_}\n"


def xs(*texts: str, field: str = "x", type_: str = "T") -> list[Out]:
    """Records whose whole text is also the one field `x`."""
    return [(type_, t, {field: t}) for t in texts]


Case = tuple[str, str, str, list[Out]]


def table(cases: list[Case]) -> Any:
    return pytest.mark.parametrize(
        ("src", "text", "expected"), [c[1:] for c in cases], ids=[c[0] for c in cases]
    )


# ---- literals ---------------------------------------------------------------------------

LITERALS: list[Case] = [
    (
        "bare-word-any-case",
        rule("x:said"),
        "He SAID it and Said so and said.",
        xs("SAID", "Said", "said"),
    ),
    ("quoted-any-case", rule('x:"Said"'), "He SAID it and said so.", xs("SAID", "said")),
    ("single-quoted", rule("x:'said'"), "He said so.", xs("said")),
    ("word-not-substring", rule('x:"York"'), "Yorkshire and New Yorker.", []),
    ("exact-case", rule('x:exact "Kremlin"'), "kremlin Kremlin KREMLIN", xs("Kremlin")),
    ("exact-negative", rule('x:exact "Kremlin"'), "the kremlin and the KREMLIN", []),
    (
        "multi-word",
        rule('x:"the Kremlin\'s spokesman"'),
        "And THE kremlin's Spokesman said",
        xs("THE kremlin's Spokesman"),
    ),
    ("multi-word-negative", rule('x:"the Kremlin\'s spokesman"'), "the Kremlin spokesman", []),
    (
        "multi-word-exact",
        rule('x:exact "New York"'),
        "new york, New york, New York",
        xs("New York"),
    ),
    (
        "possessive-s",
        rule('x:[is_title] "\'s"'),
        "Haftar's men met Sarraj's aides",
        [
            ("T", "Haftar's", {"x": "Haftar"}),
            ("T", "Sarraj's", {"x": "Sarraj"}),
        ],
    ),
    ("possessive-s-negative", rule('x:[is_title] "\'s"'), "Haftar is here", []),
    (
        "sequence-of-words",
        rule('x:("civil" war)'),
        "the 2011 Civil War and a civil servant",
        xs("Civil War"),
    ),
]


@table(LITERALS)
def test_literals(run: Any, src: str, text: str, expected: list[Out]) -> None:
    assert run(src, text) == expected


# ---- token regexes -----------------------------------------------------------------------

REGEXES: list[Case] = [
    (
        "anchored-both-ends",
        rule("x:/^spokes(wo)?(man|person)$/"),
        "spokesman, spokeswoman, spokesperson, spokesmen, Spokesman",
        xs("spokesman", "spokeswoman", "spokesperson"),
    ),
    (
        "search-semantics",
        rule("x:/ar/"),
        "Haftar met Sarraj in a car",
        xs("Haftar", "Sarraj", "car"),
    ),
    ("case-sensitive-default", rule("x:/^bob$/"), "Bob bob BOB", xs("bob")),
    ("flag-i", rule("x:/^bob$/i"), "Bob bob BOB Bobby", xs("Bob", "bob", "BOB")),
    ("flag-x", rule("x:/^b o b$/x"), "Bob bob", xs("bob")),
    ("start-anchor", rule("x:/^un/"), "unclear and sun and Unite", xs("unclear")),
    ("end-anchor", rule("x:/ing$/"), "sing singer bringing ingot", xs("sing", "bringing")),
    ("digits", rule(r"x:/^\d+$/"), "in 1969 and the 90s", xs("1969")),
    ("class", rule("x:/^[A-Z]{2,}$/"), "the UN and NATO and Nato", xs("UN", "NATO")),
    ("dot-stays-in-token", rule("x:/^a.$/"), "a b ab abc", xs("ab")),
    ("negated-class-stays-in-token", rule("x:/^a[^z]$/"), "a b ab az", xs("ab")),
    ("escaped-slash", rule(r"x:/^\/$/"), "either / or", xs("/")),
    ("backslash-A-Z", rule(r"x:/\Ab.*b\Z/"), "bob abob bobs b", xs("bob")),
    ("named-group", rule("x:/^(?P<first>b)o/"), "bob obo", xs("bob")),
    ("top-level-alternation", rule("x:/^a|b$/"), "ax xb xa bx", xs("ax", "xb")),
    ("unicode-property", rule(r"x:/^\p{Lu}/"), "Foo foo Über über", xs("Foo", "Über")),
    ("word-boundary", rule(r"x:/\bfoo/"), "foo xfoo foo-bar", xs("foo", "foo-bar")),
    ("negative", rule("x:/^spokes/"), "the unspoken words of the press", []),
]


@table(REGEXES)
def test_token_regex(run: Any, src: str, text: str, expected: list[Out]) -> None:
    assert run(src, text) == expected


@pytest.mark.parametrize(
    ("src", "code"),
    [
        (rule(r"x:/(b)o\1/"), "E0305"),
        (rule("x:/(/"), "E0305"),
        (rule('x:("a"{3,1})'), "E0306"),
        (rule("x:Nobody"), "E0201"),
        (rule('x:[colour = "red"]'), "E0204"),
        (rule('x:[length = "long"]'), "E0308"),
        (rule('x:"a"', "T(y)"), "E0303"),
        (rule('x:"a"', "T(f=shout(x))"), "E0205"),
    ],
    ids=[
        "backreference",
        "unbalanced",
        "bounds",
        "unknown-name",
        "unknown-attr",
        "length-not-number",
        "unknown-capture",
        "unknown-function",
    ],
)
def test_bad_patterns_are_compile_errors(tmp_path: Path, src: str, code: str) -> None:
    with pytest.raises(CompileError) as info:
        extract(tmp_path, src, "a")
    assert code in [d.code for d in info.value.diagnostics]


@pytest.mark.parametrize(
    "src",
    [
        'rule r match "a" match "b" yield T()\n',
        'rule r match "a" yield T() yield U()\n',
        'rule r priority 1 priority 2 match "a" yield T()\n',
        'rule r within paragraph within sentence match "a" yield T()\n',
    ],
    ids=["match", "yield", "priority", "within"],
)
def test_clause_given_twice_is_an_error(tmp_path: Path, src: str) -> None:
    with pytest.raises(CompileError) as info:
        extract(tmp_path, src, "a b")
    assert "E0311" in [d.code for d in info.value.diagnostics]


def test_capture_name_used_twice_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CompileError) as info:
        extract(tmp_path, rule('name:[is_title] "and" name:[is_title]', "T(name)"), "Bob and Al")
    assert "E0307" in [d.code for d in info.value.diagnostics]


def test_capture_name_reused_across_alternatives_is_fine(run: Any) -> None:
    src = rule('(x:"cat" | x:"dog") "food"')
    assert run(src, "cat food, dog food") == [
        ("T", "cat food", {"x": "cat"}),
        ("T", "dog food", {"x": "dog"}),
    ]


def test_token_regex_class_cannot_leave_the_token(run: Any) -> None:
    # neither token holds "n", any character, "x"; but a class with \s\S in it can match
    # the control characters of the token-record string, so the regex runs on past the
    # token's text (into its shape, or the next token) and matches "an bn" as one item
    assert run(rule(r"x:/n[\s\S]x/"), "an bn") == []


def test_token_regex_verbose_comment(run: Any) -> None:
    # either supported, or reported as a diagnostic; never a crash
    with contextlib.suppress(CompileError):
        assert run(rule("x:/a # the letter a/x"), "a b") == xs("a")


def test_token_regex_unknown_flag_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CompileError):
        extract(tmp_path, rule("x:/foo/q"), "foo")


# ---- attribute tests -----------------------------------------------------------------------

FLAGTEXT = 'He paid $ 5 , "ten" or 3.5 items in USA and NATO; Bob ran.'

FLAGS: list[Case] = [
    ("is_title", rule("x:[is_title]"), FLAGTEXT, xs("He", "Bob")),
    ("is_upper", rule("x:[is_upper]"), FLAGTEXT, xs("USA", "NATO")),
    (
        "is_lower",
        rule("x:[is_lower]"),
        FLAGTEXT,
        xs("paid", "ten", "or", "items", "in", "and", "ran"),
    ),
    ("is_digit", rule("x:[is_digit]"), FLAGTEXT, xs("5")),
    (
        "is_alpha",
        rule("x:[is_alpha]"),
        FLAGTEXT,
        xs("He", "paid", "ten", "or", "items", "in", "USA", "and", "NATO", "Bob", "ran"),
    ),
    ("is_punct", rule("x:[is_punct]"), FLAGTEXT, xs(",", '"', '"', ";", ".")),
    ("like_num", rule("x:[like_num]"), FLAGTEXT, xs("5", "ten", "3.5")),
    ("is_quote", rule("x:[is_quote]"), FLAGTEXT, xs('"', '"')),
    ("is_currency", rule("x:[is_currency]"), FLAGTEXT, xs("$")),
    ("sent_start", rule("x:[sent_start]"), "Bob ran. Al came home.", xs("Bob", "Al")),
    ("sent_end", rule("x:[sent_end]"), "Bob ran. Al came home", xs(".", "home")),
    ("not-flag", rule("x:[not is_alpha and not is_punct]"), FLAGTEXT, xs("$", "5", "3.5")),
]


@table(FLAGS)
def test_flags(run: Any, src: str, text: str, expected: list[Out]) -> None:
    assert run(src, text) == expected


ATTRS: list[Case] = [
    ("text-eq", rule('x:[text = "USA"]'), FLAGTEXT, xs("USA")),
    ("text-eq-is-case-sensitive", rule('x:[text = "usa"]'), FLAGTEXT, []),
    ("lower-eq", rule('x:[lower = "usa"]'), "USA usa Usa", xs("USA", "usa", "Usa")),
    ("lower-eq-value-lowered", rule('x:[lower = "USA"]'), "USA usa", xs("USA", "usa")),
    ("text-ne", rule('x:[text != "Bob" and is_title]'), "Bob Al bob", xs("Al")),
    ("shape-eq", rule('x:[shape = "Xxx"]'), "Bob Al Jon bob BOB", xs("Bob", "Jon")),
    ("shape-eq-digits", rule('x:[shape = "dddd"]'), "in 1969 or 90", xs("1969")),
    ("shape-ne", rule('x:[shape != "xxx" and is_alpha]'), "Bob and Al", xs("Bob", "Al")),
    ("text-in-set", rule('x:[text in ("Bob", "NATO")]'), FLAGTEXT, xs("NATO", "Bob")),
    ("lower-in-set", rule('x:[lower in ("BOB", "he")]'), FLAGTEXT, xs("He", "Bob")),
    (
        "shape-in-set",
        rule('x:[shape in ("Xx", "XXX")]'),
        "He met Al in USA and UK",
        xs("He", "Al", "USA"),
    ),
    ("text-regex", rule("x:[text ~ /^N/]"), "NATO and Nato and nato", xs("NATO", "Nato")),
    ("lower-regex", rule("x:[lower ~ /^n/]"), "NATO and Nato and nato", xs("NATO", "Nato", "nato")),
    ("shape-regex", rule("x:[shape ~ /^X+$/]"), "USA and Usa and UN", xs("USA", "UN")),
    ("regex-flag-i", rule("x:[text ~ /^n/i]"), "NATO and nato", xs("NATO", "nato")),
    ("prefix-eq", rule('x:[prefix = "N"]'), FLAGTEXT, xs("NATO")),
    (
        "prefix-ne",
        rule('x:[prefix != "a" and is_lower]'),
        "apple pear and plum",
        xs("pear", "plum"),
    ),
    (
        "suffix-eq",
        rule('x:[suffix = "ing"]'),
        "bring running sing ng",
        xs("bring", "running", "sing"),
    ),
    ("suffix-short-token", rule('x:[suffix = "ng"]'), "bring running ng", xs("ng")),
    ("suffix-ne", rule('x:[suffix != "ing" and is_lower]'), "sing song", xs("song")),
    ("length-eq", rule("x:[length = 4]"), FLAGTEXT, xs("paid", "NATO")),
    ("length-ne", rule("x:[length != 1 and length < 3]"), FLAGTEXT, xs("He", "or", "in")),
    ("length-gt", rule("x:[length > 4]"), FLAGTEXT, xs("items")),
    ("length-ge", rule("x:[length >= 4]"), FLAGTEXT, xs("paid", "items", "NATO")),
    ("length-lt", rule("x:[length < 2]"), "a bb ccc", xs("a")),
    ("length-le", rule("x:[length <= 2]"), "a bb ccc", xs("a", "bb")),
    ("and", rule("x:[is_title and length > 2]"), "He met Bob", xs("Bob")),
    ("or", rule("x:[is_digit or is_upper]"), FLAGTEXT, xs("5", "USA", "NATO")),
    ("not", rule("x:[not is_lower and is_alpha]"), "He met Bob", xs("He", "Bob")),
    (
        "nested-and-or-not",
        rule('x:[is_title and (lower = "bob" or not length < 3)]'),
        "He met Bob and Al and Jon",
        xs("Bob", "Jon"),
    ),
    (
        "or-binds-looser-than-and",
        rule("x:[is_digit or is_title and length > 2]"),
        "5 He Bob",
        xs("5", "Bob"),
    ),
    ("double-not", rule("x:[not not is_digit]"), FLAGTEXT, xs("5")),
    ("negative", rule("x:[is_title and is_digit]"), FLAGTEXT, []),
]


@table(ATTRS)
def test_attribute_tests(run: Any, src: str, text: str, expected: list[Out]) -> None:
    assert run(src, text) == expected


# ---- lexicons ------------------------------------------------------------------------------

LEX = 'lexicon City = "New York" | "Paris" | "Tripoli"\n'

LEXICONS: list[Case] = [
    ("inline", rule("x:City", head=LEX), "From paris to Tripoli.", xs("paris", "Tripoli")),
    (
        "multi-word",
        rule("x:City", head=LEX),
        "In New York and new york.",
        xs("New York", "new york"),
    ),
    ("multi-word-partial-is-no-hit", rule("x:City", head=LEX), "New Jersey and York", []),
    ("in-lexicon-test", rule("x:[text in City]", head=LEX), "Paris, New York", xs("Paris")),
    (
        "in-lexicon-combined",
        rule("x:[lower in City and is_title]", head=LEX),
        "paris and Paris",
        xs("Paris"),
    ),
    (
        "exact",
        rule("x:L", head='lexicon L = "Kremlin" | "UN" exact\n'),
        "kremlin Kremlin un UN",
        xs("Kremlin", "UN"),
    ),
    (
        "accents",
        rule("x:L", head='lexicon L = "Pena" accents\n'),
        "Peña pena PENA Pina",
        xs("Peña", "pena", "PENA"),
    ),
    (
        "accents-off-by-default",
        rule("x:L", head='lexicon L = "Peña"\n'),
        "Peña pena peña",
        xs("Peña", "peña"),
    ),
    (
        "in-sequence",
        rule('"in" x:City', head=LEX),
        "born in new york and in Paris",
        [("T", "in new york", {"x": "new york"}), ("T", "in Paris", {"x": "Paris"})],
    ),
    (
        "longer-hit-wins-at-same-start",
        rule("x:L", head='lexicon L = "New York City" | "York"\n'),
        "New York City and York",
        xs("New York City", "York"),
    ),
]


@table(LEXICONS)
def test_lexicons(run: Any, src: str, text: str, expected: list[Out]) -> None:
    assert run(src, text) == expected


def test_lexicon_from_file(run: Any, tmp_path: Path) -> None:
    (tmp_path / "cities.txt").write_text("# comment\nNew York\n\nTripoli\n", encoding="utf-8")
    src = rule("x:City", head='lexicon City from "cities.txt"')
    assert run(src, "From new York to Tripoli and Paris.") == xs("new York", "Tripoli")


def test_lexicon_entries_sharing_a_first_token(run: Any) -> None:
    # "New" and "New York" both start at "New"; only the longer one lets "city" follow
    src = rule('x:L "city"', head='lexicon L = "New" | "New York"\n')
    assert run(src, "I love New York city.") == [("T", "New York city", {"x": "New York"})]


# ---- any token, sentence anchors ---------------------------------------------------------------

ANY_AND_ANCHORS: list[Case] = [
    ("any", rule('"the" x:_ "of"'), "the end of it, the of", [("T", "the end of", {"x": "end"})]),
    (
        "bounded-gap",
        rule('x:("from" _{0,2} "to")'),
        "from a to, from a b c to, from to",
        xs("from a to", "from to"),
    ),
    ("any-matches-punctuation", rule('x:("a" _ "b")'), "a , b", xs("a , b")),
    ("sentence-start", rule("^ x:_"), "Bob ran. Al came home.", xs("Bob", "Al")),
    ("sentence-end", rule("x:_ $"), "Bob ran. Al came home", xs(".", "home")),
    ("start-negative", rule('^ x:"said"'), "He said so.", []),
    ("end-negative", rule('x:"said" $'), "He said so.", []),
    ("whole-sentence", rule('^ x:("yes" ".") $'), "Yes. No yes. Yes.", xs("Yes.", "Yes.")),
]


@table(ANY_AND_ANCHORS)
def test_any_and_anchors(run: Any, src: str, text: str, expected: list[Out]) -> None:
    assert run(src, text) == expected


# ---- quantifiers: greedy and lazy -------------------------------------------------------------

QUANTIFIERS: list[Case] = [
    ("optional", rule('x:("big"? "dog")'), "a big dog and a dog", xs("big dog", "dog")),
    (
        "optional-greedy",
        rule('x:("a" "b"?) y:"b"?', "T(x, y)"),
        "a b",
        [("T", "a b", {"x": "a b"})],
    ),
    (
        "optional-lazy",
        rule('x:("a" "b"??) y:"b"?', "T(x, y)"),
        "a b",
        [("T", "a b", {"x": "a", "y": "b"})],
    ),
    ("star-zero-or-more", rule('x:("b" "a"*)'), "b c b a a", xs("b", "b a a")),
    (
        "star-greedy",
        rule('x:("a" _*) "b"'),
        "a b a b a",
        [("T", "a b a b", {"x": "a b a"})],
    ),
    (
        "star-lazy",
        rule('x:("a" _*?) "b"'),
        "a b a b a",
        [("T", "a b", {"x": "a"}), ("T", "a b", {"x": "a"})],
    ),
    ("plus-one-or-more", rule('x:("a"+)'), "a a b a", xs("a a", "a")),
    ("plus-negative", rule('x:("b" "a"+)'), "b c b", []),
    (
        "plus-greedy",
        rule("x:(_+) y:(_+)", "T(x, y)"),
        "a b c",
        [("T", "a b c", {"x": "a b", "y": "c"})],
    ),
    (
        "plus-lazy",
        rule("x:(_+?) y:(_+)", "T(x, y)"),
        "a b c",
        [("T", "a b c", {"x": "a", "y": "b c"})],
    ),
    (
        "range-greedy",
        rule("x:(_{1,3}) y:(_+)", "T(x, y)"),
        "a b c d",
        [("T", "a b c d", {"x": "a b c", "y": "d"})],
    ),
    (
        "range-lazy",
        rule("x:(_{1,3}?) y:(_+)", "T(x, y)"),
        "a b c d",
        [("T", "a b c d", {"x": "a", "y": "b c d"})],
    ),
    ("range-bounds", rule('x:("a"{2,3})'), "a a a a a b a", xs("a a a", "a a")),
    ("at-least", rule('x:("a"{2,})'), "a a a b a", xs("a a a")),
    (
        "at-least-lazy",
        rule('x:("a"{2,}?) y:("a"*)', "T(x, y)"),
        "a a a",
        [("T", "a a a", {"x": "a a", "y": "a"})],
    ),
    ("exactly", rule('x:("a"{2})'), "a a a", xs("a a")),
    ("exactly-negative", rule('x:("b" "a"{2} "b")'), "b a b b a a a b", []),
    ("group-repeated", rule('x:(("a" "b")+)'), "a b a b a", xs("a b a b")),
    ("group-optional", rule('x:("a" ("b" "c")? "d")'), "a d a b c d a b d", xs("a d", "a b c d")),
]


@table(QUANTIFIERS)
def test_quantifiers(run: Any, src: str, text: str, expected: list[Out]) -> None:
    assert run(src, text) == expected


# ---- alternation and groups --------------------------------------------------------------------

ALTERNATION: list[Case] = [
    (
        "alternatives",
        rule('x:("cat" | "dog" "food")'),
        "dog food and cat and dog",
        xs("dog food", "cat"),
    ),
    ("first-alternative-wins", rule('x:("a" | "a" "b")'), "a b", xs("a")),
    ("longer-alternative-first", rule('x:("a" "b" | "a")'), "a b a", xs("a b", "a")),
    ("group-in-sequence", rule('x:("a" ("b" | "c") "d")'), "a b d a c d a d", xs("a b d", "a c d")),
    (
        "alternation-of-tests",
        rule('x:([is_digit] | [is_upper] | "bob")'),
        "5 USA bob Bob x",
        xs("5", "USA", "bob", "Bob"),
    ),
    (
        "capture-per-alternative",
        rule('(x:"cat" | y:"dog") "food"', "T(x, y)"),
        "cat food dog food",
        [("T", "cat food", {"x": "cat"}), ("T", "dog food", {"y": "dog"})],
    ),
    ("negative", rule('x:("cat" | "dog") "food"'), "cow food and cat toy", []),
]


@table(ALTERNATION)
def test_alternation(run: Any, src: str, text: str, expected: list[Out]) -> None:
    assert run(src, text) == expected


# ---- lookaround ----------------------------------------------------------------------------

LOOKAROUND: list[Case] = [
    ("lookahead", rule('x:[is_title] (?= "said")'), "Bob said and Al ran", xs("Bob")),
    ("negative-lookahead", rule('x:[is_title] (?! "said")'), "Bob said and Al ran", xs("Al")),
    ("lookbehind", rule('(?<= "president") x:[is_title]'), "president Bob and Al", xs("Bob")),
    (
        "negative-lookbehind",
        rule('(?<! "president") x:[is_title]'),
        "president Bob and Al",
        xs("Al"),
    ),
    (
        "lookahead-does-not-consume",
        rule('x:(_ (?= "b")) y:"b"', "T(x, y)"),
        "a b",
        [("T", "a b", {"x": "a", "y": "b"})],
    ),
    (
        "lookbehind-multi-token",
        rule('(?<= "the" "late") x:[is_title]'),
        "the late Gadhafi and the Gadhafi",
        xs("Gadhafi"),
    ),
    (
        "lookbehind-variable-width",
        rule('(?<= "mr" ","? ) x:[is_title]'),
        "mr Smith and mr , Jones and Al",
        xs("Smith", "Jones"),
    ),
    (
        "lookahead-with-alternation",
        rule('x:[is_title] (?= ("said" | "told"))'),
        "Bob told Al said Jo ran",
        xs("Bob", "Al"),
    ),
    (
        "lookbehind-not-in-record-span",
        rule('(?<= "the") x:"end"'),
        "the end",
        xs("end"),
    ),
    (
        "lookbehind-stops-at-sentence",
        rule('(?<= "president") x:[is_title]'),
        "He was president. Bob ran.",
        [],
    ),
    ("lookahead-negative-case", rule('x:[is_title] (?= "said")'), "Bob ran", []),
]


@table(LOOKAROUND)
def test_lookaround(run: Any, src: str, text: str, expected: list[Out]) -> None:
    assert run(src, text) == expected


def test_lookahead_leaves_tokens_to_the_next_match(run: Any) -> None:
    # "b" is only looked at by the first match, so the second match can start on it
    src = rule('x:_ (?= "b" "c")')
    assert run(src, "a b c") == xs("a")
    src = rule('x:("a" | "b") (?= _)')
    assert run(src, "a b c") == xs("a", "b")


# ---- captures and yield -----------------------------------------------------------------------

YIELDS: list[Case] = [
    (
        "two-captures",
        rule('who:[is_title] "said" what:_', "Said(who, what)"),
        "Bob said yes",
        [("Said", "Bob said yes", {"who": "Bob", "what": "yes"})],
    ),
    (
        "renamed-field",
        rule('who:[is_title] "said"', "Said(speaker=who)"),
        "Bob said",
        [("Said", "Bob said", {"speaker": "Bob"})],
    ),
    (
        "string-literal",
        rule('who:[is_title] "said"', 'Said(who, verb="say")'),
        "Bob said",
        [("Said", "Bob said", {"who": "Bob", "verb": "say"})],
    ),
    (
        "functions",
        rule(
            "x:([is_title]+)",
            'T(a=x, b=lower(x), c=upper(x), d=norm(x), e=join(x, "jr"), g=text(x))',
        ),
        "met Bob   Smith here",
        [
            (
                "T",
                "Bob   Smith",
                {
                    "a": "Bob   Smith",
                    "b": "bob   smith",
                    "c": "BOB   SMITH",
                    "d": "Bob Smith",
                    "e": "Bob   Smith jr",
                    "g": "Bob   Smith",
                },
            )
        ],
    ),
    (
        "join-several",
        rule("a:_ b:_ c:_", "T(j=join(c, b, a))"),
        "x y z",
        [("T", "x y z", {"j": "z y x"})],
    ),
    (
        "missing-capture-is-absent",
        rule('x:"a" y:"q"?', "T(x, y, l=lower(y), j=join(x, y))"),
        "a b",
        [("T", "a", {"x": "a", "j": "a"})],
    ),
    (
        "capture-in-repeat-keeps-last",
        rule('(x:[is_title] ",")+', "T(x)"),
        "Bob , Al , Jo",
        [("T", "Bob , Al ,", {"x": "Al"})],
    ),
    (
        "capture-spans-group",
        rule('x:("a" ("b" | "c"))', "T(x)"),
        "a c",
        xs("a c"),
    ),
    (
        "bare-yield",
        'rule r match "hello" yield Greeting\n',
        "hello there",
        [("Greeting", "hello", {})],
    ),
    (
        "capture-in-lookbehind",
        rule('(?<= t:"president") x:[is_title]', "T(x, t)"),
        "president Bob",
        [("T", "Bob", {"x": "Bob", "t": "president"})],
    ),
]


@table(YIELDS)
def test_captures_and_yield(run: Any, src: str, text: str, expected: list[Out]) -> None:
    assert run(src, text) == expected


def test_field_spans_point_into_the_document(tmp_path: Path) -> None:
    text = "we met Bob   Smith here."
    (rec,) = extract(tmp_path, rule("x:([is_title]+)", 'T(x, n=norm(x), s="lit")'), text)
    assert (rec.fields["x"].start, rec.fields["x"].end) == (7, 18)
    assert text[rec.fields["x"].start : rec.fields["x"].end] == "Bob   Smith"
    # computed values have no span
    assert rec.fields["n"].start is None and rec.fields["s"].start is None
    assert rec.to_json()["fields"]["s"] == {"text": "lit"}


# ---- lets ---------------------------------------------------------------------------------

LETS: list[Case] = [
    ("let", rule("x:Cap", head="let Cap = [is_title]"), "he met Bob", xs("Bob")),
    (
        "nested-lets",
        rule(
            "x:Name",
            head='let Cap = [is_title]\nlet Particle = "al" | "el"\nlet Name = Cap (Particle Cap)?',
        ),
        "met Omar al Bashir and Bob",
        xs("Omar al Bashir", "Bob"),
    ),
    (
        "let-used-twice",
        rule('x:Cap "and" y:Cap', "T(x, y)", head="let Cap = [is_title]"),
        "Bob and Al",
        [("T", "Bob and Al", {"x": "Bob", "y": "Al"})],
    ),
    (
        "let-of-alternation-repeated",
        rule("x:(AB+)", head='let A = "a"\nlet AB = A "b" | "c"'),
        "a b c a b x c",
        xs("a b c a b", "c"),
    ),
    (
        "let-with-capture",
        rule('P "and" P', "T(n)", head="let P = n:[is_title]"),
        "Bob and Al",
        [("T", "Bob and Al", {"n": "Al"})],
    ),
]


@table(LETS)
def test_lets(run: Any, src: str, text: str, expected: list[Out]) -> None:
    assert run(src, text) == expected


# ---- like ... where ...  ----------------------------------------------------------------------

LIKE_PACK = """
lexicon Org = "Kremlin" | "White House"
rule person
  match [is_title] [is_title]
  yield Person()
rule spokes
  like "X's spokesman Y said"
  where X: Org | Person
        Y: Person
  yield Spokesperson(principal=X, spokesperson=Y)
"""

LIKE: list[Case] = [
    (
        "org",
        LIKE_PACK,
        "the Kremlin's spokesman Dmitri Peskov said no.",
        [
            (
                "Spokesperson",
                "Kremlin's spokesman Dmitri Peskov said",
                {"principal": "Kremlin", "spokesperson": "Dmitri Peskov"},
            )
        ],
    ),
    (
        "person",
        LIKE_PACK,
        "so Khalifa Haftar's spokesman Ahmed Mismari said so.",
        [
            (
                "Spokesperson",
                "Khalifa Haftar's spokesman Ahmed Mismari said",
                {"principal": "Khalifa Haftar", "spokesperson": "Ahmed Mismari"},
            )
        ],
    ),
    (
        "words-case-insensitive",
        LIKE_PACK,
        "the White House's SPOKESMAN Sean Spicer Said so.",
        [
            (
                "Spokesperson",
                "White House's SPOKESMAN Sean Spicer Said",
                {"principal": "White House", "spokesperson": "Sean Spicer"},
            )
        ],
    ),
    ("negative-word", LIKE_PACK, "the Kremlin's spokeswoman Maria Zakharova said no.", []),
    ("negative-slot", LIKE_PACK, "the Kremlin's spokesman Peskov said no.", []),
    (
        "slot-as-let",
        'let Cap = [is_title]\nrule r like "X met Y" where X: Cap Y: ([is_title]+) yield T(X, Y)\n',
        "so Bob met Al Jones today",
        [("T", "Bob met Al Jones", {"X": "Bob", "Y": "Al Jones"})],
    ),
]


@table(LIKE)
def test_like(run: Any, src: str, text: str, expected: list[Out]) -> None:
    assert run(src, text, types=("Spokesperson", "T")) == expected


# ---- scope -----------------------------------------------------------------------------------

SCOPE_TEXT = "Bob went. Al came.\n\nJo came.\n\nBob went."

SCOPE: list[Case] = [
    ("sentence-default", rule('x:("went" _* "came")'), SCOPE_TEXT, []),
    (
        "sentence-explicit",
        'rule r within sentence match x:("went" _* "came") yield T(x)\n',
        SCOPE_TEXT,
        [],
    ),
    (
        "paragraph",
        'rule r within paragraph match x:("went" _* "came") yield T(x)\n',
        SCOPE_TEXT,
        xs("went. Al came"),
    ),
    (
        "paragraph-not-across-paragraphs",
        'rule r within paragraph match x:("came" _* "went") yield T(x)\n',
        SCOPE_TEXT,
        [],
    ),
    (
        "document",
        'rule r within document match x:("came" _* "went") yield T(x)\n',
        SCOPE_TEXT,
        xs("came.\n\nJo came.\n\nBob went"),
    ),
    (
        "document-lazy",
        'rule r within document match x:("came" _*? "went") yield T(x)\n',
        SCOPE_TEXT,
        xs("came.\n\nJo came.\n\nBob went"),
    ),
    (
        "anchors-in-paragraph-scope",
        'rule r within paragraph match x:("." $ ^ [is_title]) yield T(x)\n',
        SCOPE_TEXT,
        xs(". Al"),
    ),
    (
        "anchors-in-document-scope",
        'rule r within document match x:("." $ ^ [is_title]) yield T(x)\n',
        SCOPE_TEXT,
        xs(". Al", ".\n\nJo", ".\n\nBob"),
    ),
    ("anchors-in-sentence-scope", rule('x:("." $ ^ [is_title])'), SCOPE_TEXT, []),
    ("lookahead-stays-in-sentence", rule('x:"went" (?= "." [is_title])'), SCOPE_TEXT, []),
    (
        "lookahead-crosses-in-document",
        'rule r within document match x:"went" (?= "." [is_title]) yield T(x)\n',
        SCOPE_TEXT,
        xs("went"),
    ),
]


@table(SCOPE)
def test_scope(run: Any, src: str, text: str, expected: list[Out]) -> None:
    assert run(src, text) == expected


# ---- priority, overlap policies, total order -----------------------------------------------------

OVERLAP_RULES = """
rule short priority 5 match "b" "c" yield T()
rule long match "a" "b" "c" yield T()
rule mid priority 1 match "c" "d" yield T()
rule far match "d" "e" yield T()
"""


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ("all", ["a b c", "b c", "c d", "d e"]),
        ("longest", ["a b c", "d e"]),  # leftmost, then longer
        ("first", ["b c", "d e"]),  # rule order in the pack
        ("priority", ["b c", "d e"]),  # higher priority first: short(5), then mid(1) overlaps
    ],
    ids=["all", "longest", "first", "priority"],
)
def test_overlap_policies(run: Any, policy: str, expected: list[str]) -> None:
    src = OVERLAP_RULES + f"overlap T {policy}\n"
    assert [t for _, t, _ in run(src, "a b c d e")] == expected


def test_default_policy_is_longest(run: Any) -> None:
    assert [t for _, t, _ in run(OVERLAP_RULES, "a b c d e")] == ["a b c", "d e"]


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        # two equal-priority records: "priority" prefers the longer, "longest" the leftmost
        ("longest", ["a b"]),
        ("priority", ["b c d"]),
        ("first", ["a b"]),
    ],
    ids=["longest-leftmost", "priority-longer-on-tie", "first-rule-order"],
)
def test_overlap_policy_ties(run: Any, policy: str, expected: list[str]) -> None:
    src = (
        'rule one match "a" "b" yield T()\n'
        'rule two match "b" "c" "d" yield T()\n'
        f"overlap T {policy}\n"
    )
    assert [t for _, t, _ in run(src, "a b c d")] == expected


def test_policy_applies_per_type(run: Any) -> None:
    src = (
        'rule ab match "a" "b" yield A()\n'
        'rule bc match "b" "c" yield B()\n'
        'rule abc match "a" "b" "c" yield A()\n'
    )
    # different types never compete; within A, the longer wins
    assert run(src, "a b c") == [("A", "a b c", {}), ("B", "b c", {})]


def test_priority_orders_equal_spans(tmp_path: Path) -> None:
    src = (
        "overlap T all\n"
        'rule low match x:"a" yield T(x, r="low")\n'
        'rule high priority 3 match x:"a" yield T(x, r="high")\n'
        'rule zero match x:"a" yield T(x, r="zero")\n'
    )
    recs = extract(tmp_path, src, "a")
    # same span: higher priority first, then rule order in the pack
    assert [r.rule for r in recs] == ["high", "low", "zero"]
    assert [r.priority for r in recs] == [3, 0, 0]
    src_longest = src.replace("overlap T all\n", "")
    assert [r.rule for r in extract(tmp_path, src_longest, "a")] == ["high"]


def test_total_order_of_output(tmp_path: Path) -> None:
    src = (
        "overlap A all\noverlap B all\n"
        'rule b_word match "b" yield B()\n'
        'rule a_pair match "a" "b" yield A()\n'
        'rule b_pair match "a" "b" yield B()\n'
        'rule a_word match "a" yield A()\n'
        'rule a_tail match "b" "c" yield A()\n'
        'rule c_word priority 2 match "c" yield B()\n'
    )
    recs = extract(tmp_path, src, "a b c")
    got = [(r.start, r.end, r.rule) for r in recs]
    assert got == [
        (0, 3, "a_pair"),  # start 0, longer first, then rule order
        (0, 3, "b_pair"),
        (0, 1, "a_word"),
        (2, 5, "a_tail"),
        (2, 3, "b_word"),
        (4, 5, "c_word"),
    ]
    # writing the rules in another order only changes the order among equal spans
    lines = src.splitlines()
    reordered = "\n".join(lines[:2] + lines[2:][::-1]) + "\n"
    again = extract(tmp_path, reordered, "a b c")
    assert [(r.start, r.end) for r in again] == [(r.start, r.end) for r in recs]
    assert [r.rule for r in again][:2] == ["b_pair", "a_pair"]
    assert sorted(r.rule for r in again) == sorted(r.rule for r in recs)


def test_output_is_deterministic(tmp_path: Path) -> None:
    src = rule('x:([is_title]+) "said"') + "overlap T all\n"
    text = "Bob Smith said. Al said. Jo Ann Lee said so."
    first = [r.to_jsonl() for r in extract(tmp_path, src, text)]
    for _ in range(3):
        assert [r.to_jsonl() for r in extract(tmp_path, src, text)] == first
    # one engine over several documents: nothing leaks from one document to the next
    engine = Engine(compile_pack(tmp_path / "t.ie"))
    other = "Nobody said a thing. Bob Smith said."
    got = [engine.extract(d, t) for d, t in [("d", text), ("e", other), ("d", text)]]
    assert [r.to_jsonl() for r in got[0]] == first == [r.to_jsonl() for r in got[2]]
    assert [r.text for r in got[1]] == ["Nobody said", "Bob Smith said"]


# ---- record invariants on a richer text -----------------------------------------------------

INVARIANT_PACK = """
lexicon Title = "President" | "General" | "Prime Minister" | "Field Marshal"
let Cap = [is_title]
overlap Any all
rule titled match t:Title n:(Cap+) yield Person(name=n, title=t)
rule names match n:(Cap Cap) yield Person(name=n)
rule quote match (?<= ",") s:_+? "said" yield Any(s)
rule poss match o:Cap "'s" w:_ yield Any(o, w, up=upper(w))
rule para within paragraph match a:"the" _{1,3} b:[is_title] yield Any(a, b)
"""


def test_invariants_hold_on_a_document(tmp_path: Path) -> None:
    text = (
        "Field Marshal Khalifa Haftar's forces moved.  President Fayez Sarraj, he said, "
        "stayed.\n\nA Western diplomat, who did not want to be named, said the General "
        "was   hovering. Haftar's men, in the east, said so."
    )
    records = extract(tmp_path, INVARIANT_PACK, text)
    assert len(records) > 5
    assert {r.type for r in records} == {"Person", "Any"}
    assert extract(tmp_path, INVARIANT_PACK, text, planner=False) == records


# ---- example and not clauses -------------------------------------------------------------------

EXAMPLES = [
    (
        "passes",
        'rule r\n  match x:[is_title] "said"\n  yield T(x)\n'
        '  example "then Bob said so" -> T(x="Bob")\n  not "then bob said so"\n',
        [],
    ),
    (
        "wrong-field",
        'rule r\n  match x:[is_title] "said"\n  yield T(x)\n'
        '  example "then Bob said so" -> T(x="Al")\n',
        ["E0401"],
    ),
    (
        "no-record",
        'rule r\n  match x:[is_title] "said"\n  yield T(x)\n'
        '  example "then bob said" -> T(x="bob")\n',
        ["E0401"],
    ),
    (
        "counter-example-matches",
        'rule r\n  match x:[is_title] "said"\n  yield T(x)\n  not "then Bob said so"\n',
        ["E0402"],
    ),
    (
        "bare-type",
        'rule r\n  match "hello"\n  yield Greeting\n  example "hello there" -> Greeting\n',
        [],
    ),
]


@pytest.mark.parametrize(("src", "codes"), [e[1:] for e in EXAMPLES], ids=[e[0] for e in EXAMPLES])
def test_examples_are_checked(tmp_path: Path, src: str, codes: list[str]) -> None:
    from ie.examples import check_examples

    path = tmp_path / "t.ie"
    path.write_text(src, encoding="utf-8")
    ran, diags = check_examples(compile_pack(path))
    assert ran == src.count("example") + src.count("\n  not ")
    assert [d.code for d in diags] == codes
    for d in diags:
        assert "`r`" in d.message


@pytest.mark.parametrize("cap", [0, 3, 1_000_000], ids=["walk", "some-tails", "all-tails"])
def test_lexicon_phrases_same_from_tails_and_sorted_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cap: int
) -> None:
    """Phrases come from per-first-token maps of phrase tails until a lexicon holds its
    quota of them, then from the sorted keys: the records are the same either way."""
    import ie.program

    monkeypatch.setattr(ie.program, "_TAIL_ENTRIES", cap)
    (tmp_path / "p.ie").write_text(
        'lexicon Place = "New York" | "New York City" | "New" | "York" | "New Delhi" | "Delhi"'
        ' | "Los Angeles County"\n'
        "overlap Hit all\n"
        "rule hit\n  match p:Place\n  yield Hit(p)\n",
        encoding="utf-8",
    )
    pack = compile_pack(tmp_path / "p.ie")
    engine = Engine(pack)
    text = "New York City and New Delhi, not York. New. Los Angeles County, not Los Angeles."
    got = [r.text for r in engine.extract("d", text)]
    # longest, left to right; "Los Angeles" is only the start of a phrase
    assert got == ["New York City", "New Delhi", "York", "New", "Los Angeles County"]
    words = ["New", "york", "City", "and", "new", "Delhi", "Los", "Angeles", "County", "Los"]
    lex = pack.lexicons[0]
    n = len(words)
    ends = [[end for end, _ in lex.phrases_at(words, i, n, str.lower)] for i in range(n)]
    assert ends == [[1, 2, 3], [2], [], [], [5, 6], [6], [9], [], [], []]
    assert lex.phrases_at(words, 6, 8, str.lower) == []  # the limit cuts the phrase


LEX_WORDS = ["New", "York", "City", "Los", "Angeles", "County", "Delhi", "new", "the", ".", ","]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(LEX_WORDS), min_size=1, max_size=4), max_size=12),
    st.lists(st.sampled_from(LEX_WORDS), max_size=40),
    st.sampled_from([0, 3, 10**6]),
)
@example([["York", ".", "New"], ["York"]], ["New", "York", ".", "New", "York", ".", "New"], 10**6)
def test_lexicon_hits_are_every_phrase_at_every_token(
    tmp_path_factory: Any, phrases: list[list[str]], words: list[str], cap: int
) -> None:
    """The runtime's walk (by the first token's tails where they are kept, by the sorted
    keys where they are not yet or no longer kept) finds at every token the phrases that
    the sorted keys give there, within one sentence, longest first."""
    import ie.program

    entries = sorted({" ".join(p) for p in phrases}) or ["York"]
    folder = tmp_path_factory.mktemp("lex")
    body = " | ".join(f'"{e}"' for e in entries)
    (folder / "p.ie").write_text(
        f"lexicon L = {body}\noverlap Hit all\nrule hit match p:L yield Hit(p)\n", "utf-8"
    )
    old = ie.program._TAIL_ENTRIES
    ie.program._TAIL_ENTRIES = cap
    try:
        pack = compile_pack(folder / "p.ie")
        engine = Engine(pack)
        doc = engine.tokenizer(" ".join(words))
        hits = engine._lexicon_hits(doc, engine._positions(doc))
        got = [(it.start, it.end) for it in hits.get("@L", ())]
        lex = pack.lexicons[0]
        expected = []
        for a, b in doc.sentences:
            for i in range(a, b):
                ends = lex._walk_keys(doc.words, i, b, str.lower)
                expected += [(i, end) for end, _ in reversed(ends)]
        assert got == sorted(expected, key=lambda se: (se[0], -se[1]))
    finally:
        ie.program._TAIL_ENTRIES = old


# a phrase of letters and digits between single spaces is keyed without the tokenizer (in
# bulk, for million-entry lexicons); every other one is tokenized: both give the key the
# tokenizer gives
ODD_PHRASES = [
    "New York", "St. Louis", "O'Brien", "New  York", "snake_case", "AT&T", "½ price",
    "naïve café", "e\u0301cole", "Dr. No.", "U.S.", "can't stop", "3 Doors Down", "x",
]  # fmt: skip


@pytest.mark.parametrize("exact", [False, True], ids=["lower", "exact"])
def test_lexicon_keys_are_the_tokenizers_words(tmp_path: Path, exact: bool) -> None:
    from ie.program import lexicon_key
    from ie.tokenizer import Tokenizer

    words = " | ".join('"' + p.replace('"', '\\"') + '"' for p in ODD_PHRASES)
    (tmp_path / "p.ie").write_text(
        f"lexicon L = {words}{' exact' if exact else ''}\nrule r\n  match x:L\n  yield T(x)\n",
        encoding="utf-8",
    )
    lex = compile_pack(tmp_path / "p.ie").lexicons[0]
    tok = Tokenizer()
    expected = {" ".join(lexicon_key(w, exact, False) for w in tok(p).words) for p in ODD_PHRASES}
    assert set(lex.phrases.split("\n")) == expected
    assert set(lex.firsts.split("\n")) == {k.split(" ")[0] for k in expected}
