"""Cascades: rules that match the records other rules produce.

A reference to a record type matches exactly the tokens of one record of that type (not
fewer, not more), as the type stands after its overlap policy; it may constrain the
record's fields; a capture of it keeps the record's type. Types are computed in
dependency order, and a cycle between types is a compile error naming them and the rules.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ie.compiler import compile_pack
from ie.diagnostics import CompileError
from ie.records import Record
from ie.runtime import Engine

Out = tuple[str, str, dict[str, str]]


def extract(directory: Path, src: str, text: str) -> list[Record]:
    path = directory / "t.ie"
    path.write_text(src, encoding="utf-8")
    pack = compile_pack(path)
    records = Engine(pack).extract("d", text)
    unplanned = Engine(pack, planner=False).extract("d", text)
    assert [r.to_jsonl() for r in records] == [r.to_jsonl() for r in unplanned]
    for r in records:
        assert r.text == text[r.start : r.end]
        for f in r.fields.values():
            if f.start is not None:
                assert f.text == text[f.start : f.end]
    return records


def simplify(records: list[Record], types: tuple[str, ...]) -> list[Out]:
    return [
        (r.type, r.text, {k: f.text for k, f in r.fields.items()})
        for r in records
        if r.type in types
    ]


@pytest.fixture
def run(tmp_path: Path) -> Any:
    def _run(src: str, text: str, types: tuple[str, ...] = ("T",)) -> list[Out]:
        return simplify(extract(tmp_path, src, text), types)

    return _run


PERSON = "rule person match [is_title] [is_title] yield Person()\n"

# ---- a reference matches the record's tokens exactly ------------------------------------------

EXACT = [
    ("whole-record", PERSON + "rule t match x:Person", "so Bob Smith came", ["Bob Smith"]),
    (
        "in-sequence",
        PERSON + 'rule t match x:(Person "said")',
        "so Bob Smith said",
        ["Bob Smith said"],
    ),
    # not fewer: "Smith" alone is not a Person record, only a part of one
    ("not-a-suffix", PERSON + 'rule t match x:(Person "Smith")', "so Bob Smith said", []),
    (
        "not-a-prefix",
        PERSON + 'rule t match x:("so" Person)',
        "so Bob Smith said",
        ["so Bob Smith"],
    ),
    ("not-a-part", PERSON + 'rule t match x:("Bob" Person)', "so Bob Smith said", []),
    # not more: "Bob Smith Jones" holds the record "Bob Smith" and a lone "Jones"
    ("not-more", PERSON + 'rule t match x:(Person "said")', "so Bob Smith Jones said", []),
    (
        "two-records",
        PERSON + 'rule t match x:(Person "and" Person)',
        "so Bob Smith and Al Jones",
        ["Bob Smith and Al Jones"],
    ),
    (
        "repeated",
        PERSON + 'rule t match x:(Person ","?)+',
        "so Bob Smith, Al Jones left",
        ["Bob Smith, Al Jones"],
    ),
    (
        "adjacent-records",
        PERSON + "rule t match x:(Person Person)",
        "so Bob Smith Al Jones left",
        ["Bob Smith Al Jones"],
    ),
    ("lookahead", PERSON + 'rule t match x:"met" (?= Person)', "he met Bob Smith, met Al", ["met"]),
    (
        "lookbehind",
        PERSON + 'rule t match (?<= Person) x:"said"',
        "so Bob Smith said, Al said",
        ["said"],
    ),
    (
        "negative-lookbehind",
        PERSON + 'rule t match (?<! Person) x:"said"',
        "so Bob Smith said, Al said",
        ["said"],
    ),
]


@pytest.mark.parametrize(
    ("src", "text", "expected"), [c[1:] for c in EXACT], ids=[c[0] for c in EXACT]
)
def test_reference_matches_record_tokens_exactly(
    run: Any, src: str, text: str, expected: list[str]
) -> None:
    assert [t for _, t, _ in run(src + " yield T(x)\n", text)] == expected


def test_capture_of_reference_keeps_the_type(tmp_path: Path) -> None:
    src = (
        'lexicon Title = "General" | "President"\n'
        "rule person match t:Title? n:([is_title] [is_title]) yield Person(name=n, title=t)\n"
        'rule said match p:Person v:"said" yield Said(p, v, whole=p)\n'
    )
    recs = extract(tmp_path, src, "then General Khalifa Haftar said so.")
    (said,) = [r for r in recs if r.type == "Said"]
    field = said.fields["p"]
    assert field.type == "Person"
    assert field.text == "General Khalifa Haftar"
    assert said.to_json()["fields"]["p"]["type"] == "Person"
    assert said.fields["whole"].type == "Person"
    # the field carries the referenced record itself, with its own fields
    assert field.record is not None
    assert field.record.fields["title"].text == "General"
    assert field.record.fields["name"].text == "Khalifa Haftar"
    # a plain token capture has no type
    assert said.fields["v"].type is None
    assert "type" not in said.to_json()["fields"]["v"]


def test_capture_wider_than_the_reference_has_no_type(tmp_path: Path) -> None:
    src = PERSON + 'rule said match p:(Person "said") yield Said(p)\n'
    (said,) = [r for r in extract(tmp_path, src, "so Bob Smith said") if r.type == "Said"]
    assert said.fields["p"].text == "Bob Smith said"
    assert said.fields["p"].type is None


def test_capture_of_lexicon_hit_has_no_type(tmp_path: Path) -> None:
    src = 'lexicon City = "New York"\nrule t match c:City yield T(c)\n'
    (rec,) = extract(tmp_path, src, "in New York today")
    assert rec.fields["c"].text == "New York"
    assert rec.fields["c"].type is None


# ---- constraints on the referenced record's fields ---------------------------------------------

CONSTRAINED = """
lexicon Title = "President" | "General"
rule person match t:Title? n:([is_title]+) yield Person(name=n, title=t)
"""

CONSTRAINTS = [
    (
        "has-field",
        'rule t match p:Person(title) "said" yield T(p)',
        ["President Bob said", "General Al said"],
    ),
    (
        "field-equals",
        'rule t match p:Person(title="General") "said" yield T(p)',
        ["General Al said"],
    ),
    (
        "field-differs",
        'rule t match p:Person(title!="General") "said" yield T(p)',
        ["President Bob said", "Joe said"],
    ),
    ("field-equals-is-exact", 'rule t match p:Person(title="general") "said" yield T(p)', []),
    (
        "two-constraints",
        'rule t match p:Person(title, name="Bob") "said" yield T(p)',
        ["President Bob said"],
    ),
    (
        "unconstrained",
        'rule t match p:Person "said" yield T(p)',
        ["President Bob said", "General Al said", "Joe said"],
    ),
    (
        "two-views-in-one-rule",
        'rule t match p:Person(title="President") _* q:Person(title="General") yield T(p, q)',
        [],  # each Person sits in its own sentence below
    ),
]


@pytest.mark.parametrize(
    ("rule_src", "expected"), [c[1:] for c in CONSTRAINTS], ids=[c[0] for c in CONSTRAINTS]
)
def test_field_constraints(run: Any, rule_src: str, expected: list[str]) -> None:
    text = "so President Bob said. General Al said. then Joe said."
    assert [t for _, t, _ in run(CONSTRAINED + rule_src + "\n", text)] == expected


def test_two_views_of_one_type(run: Any) -> None:
    src = CONSTRAINED + (
        'rule t match p:Person(title="President") "met" q:Person(title="General") yield T(p, q)\n'
    )
    assert run(src, "so President Bob met General Al. President Jo met Sam.") == [
        ("T", "President Bob met General Al", {"p": "President Bob", "q": "General Al"})
    ]


# ---- the referencing rule sees the records after the overlap policy -----------------------------

POLICY_PACK = """
rule one match [is_title] yield Person()
rule two match [is_title] [is_title] yield Person()
rule said match x:Person "said" yield T(x)
"""


@pytest.mark.parametrize(
    ("policy", "persons", "expected"),
    [
        ("longest", ["Yes", "Bob Smith"], [("T", "Bob Smith said", {"x": "Bob Smith"})]),
        ("first", ["Yes", "Bob", "Smith"], [("T", "Smith said", {"x": "Smith"})]),
        ("priority", ["Yes", "Bob Smith"], [("T", "Bob Smith said", {"x": "Bob Smith"})]),
    ],
    ids=["longest", "first", "priority"],
)
def test_reference_sees_records_after_policy(
    run: Any, policy: str, persons: list[str], expected: list[Out]
) -> None:
    src = POLICY_PACK + f"overlap Person {policy}\n"
    text = "Yes, Bob Smith said."
    assert [t for _, t, _ in run(src, text, ("Person",))] == persons
    assert run(src, text) == expected


def test_reference_tries_every_record_at_a_start(run: Any) -> None:
    src = POLICY_PACK + "overlap Person all\n"
    # records "Bob Smith", "Bob" and "Smith" all exist; the leftmost match is at "Bob"
    assert run(src, "Yes, Bob Smith said.") == [("T", "Bob Smith said", {"x": "Bob Smith"})]


def test_policy_all_reference_finds_a_record_at_a_start(run: Any) -> None:
    src = POLICY_PACK + "overlap Person all\n"
    persons = run(src, "Yes, Bob Smith said.", ("Person",))
    assert [t for _, t, _ in persons] == ["Yes", "Bob Smith", "Bob", "Smith"]
    # one of the records starting at "Bob" lets the rule match there
    src2 = POLICY_PACK.replace('"said"', '"Smith"') + "overlap Person all\n"
    assert run(src2, "Yes, Bob Smith said.") == [("T", "Bob Smith", {"x": "Bob"})]


def test_views_see_records_after_policy(run: Any) -> None:
    src = (
        'lexicon Title = "General"\n'
        "rule short match t:Title n:[is_title] yield Person(title=t, name=n)\n"
        "rule long match n:([is_title] [is_title] [is_title]) yield Person(name=n)\n"
        'rule said match x:Person(title) "said" yield T(x)\n'
    )
    # the titled record "General Khalifa" loses to the longer untitled "General Khalifa
    # Haftar", so the view Person(title) has nothing left at this position
    assert run(src, "then General Khalifa Haftar said") == []
    assert run(src, "then General Khalifa said") == [
        ("T", "General Khalifa said", {"x": "General Khalifa"})
    ]


# ---- deeper cascades ---------------------------------------------------------------------------

THREE_LEVELS = """
let Cap = [is_title and not lower in ("general", "president")]
rule name    match n:(Cap Cap?)                              yield Name(n)
rule person  match t:("General" | "President") n:Name        yield Person(title=t, name=n)
rule quote   match p:Person ","? v:("said" | "told")         yield Quote(speaker=p, verb=v)
"""


def test_three_level_cascade(tmp_path: Path) -> None:
    text = "then General Khalifa Haftar, said it. then President Bob told me."
    recs = extract(tmp_path, THREE_LEVELS, text)
    assert simplify(recs, ("Quote",)) == [
        (
            "Quote",
            "General Khalifa Haftar, said",
            {"speaker": "General Khalifa Haftar", "verb": "said"},
        ),
        ("Quote", "President Bob told", {"speaker": "President Bob", "verb": "told"}),
    ]
    quote = next(r for r in recs if r.type == "Quote")
    person = quote.fields["speaker"].record
    assert quote.fields["speaker"].type == "Person"
    assert person is not None and person.fields["name"].type == "Name"
    assert person.fields["name"].text == "Khalifa Haftar"


def test_cascade_order_does_not_depend_on_file_order(tmp_path: Path) -> None:
    lines = [line for line in THREE_LEVELS.strip().splitlines() if line.startswith("rule")]
    reversed_src = THREE_LEVELS.strip().splitlines()[0] + "\n" + "\n".join(reversed(lines)) + "\n"
    text = "then General Khalifa Haftar, said it."
    a = simplify(extract(tmp_path, THREE_LEVELS, text), ("Quote", "Person", "Name"))
    b = simplify(extract(tmp_path, reversed_src, text), ("Quote", "Person", "Name"))
    assert sorted(a, key=repr) == sorted(b, key=repr)


def test_pack_strata_follow_dependencies(tmp_path: Path) -> None:
    path = tmp_path / "t.ie"
    path.write_text(THREE_LEVELS, encoding="utf-8")
    pack = compile_pack(path)
    level = {pack.rules[i].type: k for k, stratum in enumerate(pack.strata) for i in stratum}
    assert level["Name"] < level["Person"] < level["Quote"]


def test_type_from_several_rules(run: Any) -> None:
    src = (
        'rule a match "Kremlin" yield Org()\n'
        'rule b match "White" "House" yield Org()\n'
        'rule t match x:Org "\'s" yield T(x)\n'
    )
    assert [t for _, t, _ in run(src, "the Kremlin's and the White House's men")] == [
        "Kremlin's",
        "White House's",
    ]


def test_reference_to_type_with_no_records(run: Any) -> None:
    src = PERSON + 'rule t match x:Person "said" yield T(x)\n'
    assert run(src, "nobody said anything") == []


def test_records_do_not_cross_into_other_scope(run: Any) -> None:
    # a Person is within one sentence; a paragraph-scope rule can still chain two of them
    src = PERSON + "rule t within paragraph match x:(Person _* Person) yield T(x)\n"
    assert [t for _, t, _ in run(src, "so Bob Smith left. Then Al Jones came.")] == [
        "Bob Smith left. Then Al"
    ]


# ---- cycles -------------------------------------------------------------------------------------

CYCLES = [
    (
        "two-types",
        'rule ra match B "x" yield A()\n'
        'rule rb match A "y" yield B()\n'
        'rule rc match "z" yield A()\n',
        {"A", "B"},
        {"ra", "rb"},
    ),
    ("self", 'rule ra match A "x" yield A()\nrule rb match "x" yield A()\n', {"A"}, {"ra"}),
    (
        "three-types",
        "rule ra match C yield A()\nrule rb match A yield B()\nrule rc match B yield C()\n",
        {"A", "B", "C"},
        {"ra", "rb", "rc"},
    ),
    (
        "through-a-view",
        "rule ra match Person(title) yield Org()\nrule rb match t:Org yield Person(title=t)\n",
        {"Org", "Person"},
        {"ra", "rb"},
    ),
    (
        "through-a-let",
        "let P = Person\nrule ra match P yield Org()\nrule rb match Org yield Person()\n",
        {"Org", "Person"},
        {"ra", "rb"},
    ),
]


@pytest.mark.parametrize(
    ("src", "types", "rules"), [c[1:] for c in CYCLES], ids=[c[0] for c in CYCLES]
)
def test_cycle_is_a_compile_error(
    tmp_path: Path, src: str, types: set[str], rules: set[str]
) -> None:
    path = tmp_path / "t.ie"
    path.write_text(src, encoding="utf-8")
    with pytest.raises(CompileError) as info:
        compile_pack(path)
    cycles = [d for d in info.value.diagnostics if d.code == "E0304"]
    assert len(cycles) == 1
    diag = cycles[0]
    for t in types:
        assert t in diag.message
    notes = " ".join(diag.notes)
    for r in rules:
        assert f"`{r}`" in notes
    # rules outside the cycle are not blamed
    assert "`rc`" not in notes or "rc" in rules
    assert diag.span is not None and diag.span.path.endswith("t.ie")


def test_no_cycle_for_independent_types(tmp_path: Path) -> None:
    src = 'rule ra match "x" yield A()\nrule rb match A yield B()\nrule rc match A B? yield C()\n'
    path = tmp_path / "t.ie"
    path.write_text(src, encoding="utf-8")
    assert [r.type for r in compile_pack(path).rules] == ["A", "B", "C"]


def test_capture_name_shared_by_alternatives_keeps_the_lexicon_row(tmp_path: Path) -> None:
    (tmp_path / "lexicons").mkdir()
    (tmp_path / "lexicons" / "m.txt").write_text("feb\tFebruary\n", encoding="utf-8")
    (tmp_path / "a.ie").write_text(
        'lexicon M from "lexicons/m.txt"\n'
        "rule r\n  match m:M x | y m:M\n  yield D(month=canonical(m))\n",
        encoding="utf-8",
    )
    from ie.compiler import compile_pack
    from ie.runtime import Engine

    records = Engine(compile_pack(tmp_path)).extract("d", "feb x. y feb.")
    assert [r.fields["month"].text for r in records] == ["February", "February"]


# ---- looking up earlier records: fullname and linked -------------------------------------

LOOKUP = """\
rule full
  match   (?<= general) name:([is_title] _)
  yield   P(name)

rule short
  match   (?<! [is_title] | general) name:[is_title] (?! [is_title])
  yield   T(name, full=fullname(name, P), link=linked(name, P))
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "General Khalifa Haftar came. Haftar spoke.",
            [("T", "Haftar", {"name": "Haftar", "full": "Khalifa Haftar",
                              "link": "Khalifa Haftar"})],
            id="space",
        ),
        pytest.param(
            "General Ahmed al-Mesmari came. Mesmari spoke.",
            [("T", "Mesmari", {"name": "Mesmari", "full": "Ahmed al-Mesmari",
                               "link": "Ahmed al-Mesmari"})],
            id="hyphen",
        ),
        pytest.param(
            # linked makes no record without an earlier full name; a later one does not count
            "Haftar spoke. General Khalifa Haftar came.",
            [],
            id="none-before",
        ),
        pytest.param(
            # the nearest earlier one wins
            "General Ali Haftar came. General Khalifa Haftar came. Haftar spoke.",
            [("T", "Haftar", {"name": "Haftar", "full": "Khalifa Haftar",
                              "link": "Khalifa Haftar"})],
            id="nearest",
        ),
        pytest.param("General Khalifa Haftar came. Khalifa spoke.", [], id="first-name-no-link"),
    ],
)  # fmt: skip
def test_fullname_and_linked(run: Any, text: str, expected: list[Out]) -> None:
    assert run(LOOKUP, text) == expected


def test_earlier_needs_a_record_before_and_gives_the_nearest(run: Any) -> None:
    src = """\
rule slug
  match   s:[is_upper] (?= "-")
  yield   Slug(s)

rule club
  match   c:("leeds" | "essex")
  yield   T(c, sport=earlier(Slug), near=nearest(Slug))
"""
    text = "Leeds won . SOCCER - REPORT . Leeds won . CRICKET - REPORT . Essex lost ."
    assert run(src, text) == [
        ("T", "Leeds", {"c": "Leeds", "sport": "SOCCER", "near": "SOCCER"}),
        ("T", "Essex", {"c": "Essex", "sport": "CRICKET", "near": "CRICKET"}),
    ]


def test_linked_accepts_the_same_text_and_fullname_does_not(run: Any) -> None:
    src = """\
rule defined
  match   (?<= "(") a:[is_upper] (?= ")")
  yield   Acronym(a)

rule used
  match   (?<! "(") a:[is_upper] (?! ")")
  yield   T(a, full=fullname(a, Acronym), link=linked(a, Acronym))
"""
    text = "The National Farmers Union ( NFU ) met. NFU leaders spoke. IBM did not."
    assert run(src, text) == [("T", "NFU", {"a": "NFU", "full": "NFU", "link": "NFU"})]


# ---- internal types ------------------------------------------------------------------------

INTERNAL = """\
internal Name, Pair

rule name
  match   n:([is_title] [is_title])
  yield   Name(n)
  example "Ada Obi left." -> Name(n="Ada Obi")

rule said
  match   who:Name said
  yield   T(who)
  example "Ada Obi said so." -> T(who="Ada Obi")

rule pair
  match   a:Name and b:Name
  yield   Pair(a, b)
"""


def test_internal_types_are_read_by_rules_but_not_output(tmp_path: Path) -> None:
    text = "Ada Obi said so. Ivan Petrov and Ada Obi left."
    records = extract(tmp_path, INTERNAL, text)
    assert [(r.type, r.text) for r in records] == [("T", "Ada Obi said")]
    pack = compile_pack(tmp_path / "t.ie")
    assert pack.internal == {"Name", "Pair"}
    kept = Engine(pack, keep_internal=True).extract("d", text)
    assert {r.type for r in kept} == {"Name", "T", "Pair"}


def test_examples_may_show_internal_records(tmp_path: Path) -> None:
    from ie.examples import check_examples

    path = tmp_path / "t.ie"
    path.write_text(INTERNAL, encoding="utf-8")
    ran, failures = check_examples(compile_pack(path))
    assert (ran, failures) == (2, [])


def test_internal_type_no_rule_yields_is_e0206(tmp_path: Path) -> None:
    path = tmp_path / "t.ie"
    source = INTERNAL.replace("internal Name, Pair", "internal Name, Piar")
    path.write_text(source, encoding="utf-8")
    with pytest.raises(CompileError) as info:
        compile_pack(path)
    (diag,) = info.value.diagnostics
    assert diag.code == "E0206"
    assert "`Piar`" in diag.message
    assert diag.help is not None and "Pair" in diag.help
