"""`ie eval` and ie.evaluation: the scorer on hand-made gold, the command on a tiny gold file
written here, and the corpus converters (only when the corpora exist; no corpus text is
embedded in these tests)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from typer.testing import CliRunner

from ie.cli import app
from ie.evaluation import GoldDoc, GoldError, Item, Value, match, parse_gold, render, score

ROOT = Path(__file__).resolve().parent.parent
# the converters' own default: ../shared/corpora beside the project (scripts/gold_io.py)
CORPORA = Path(os.environ.get("IE_CORPORA", ROOT.parent / "shared" / "corpora"))


def item(t: str, s: int, e: int, rule: str | None = None, **fields: Value) -> Item:
    return Item("d", t, s, e, "x" * (e - s), fields, rule, f"r.ie:{len(rule or '')}")


def doc(*records: Item, text: str = " " * 100) -> GoldDoc:
    return GoldDoc("d", text, records)


# ---- matching ----------------------------------------------------------------------------


def test_exact_needs_identical_span_and_type() -> None:
    gold = [item("Person", 0, 5), item("Org", 10, 15)]
    pred = [item("Person", 0, 5), item("Person", 10, 15), item("Org", 10, 14)]
    assert match(gold, pred, "exact") == [(0, 0)]
    assert match(gold, pred, "overlap") == [(0, 0), (1, 2)]


def test_overlap_is_one_to_one_largest_overlap_first() -> None:
    gold = [item("P", 0, 10), item("P", 8, 20)]
    # the long prediction overlaps both gold records; it goes to the larger overlap
    pred = [item("P", 5, 20), item("P", 0, 3)]
    assert match(gold, pred, "overlap") == [(0, 1), (1, 0)]
    # one prediction can match only one of two gold records
    assert match([item("P", 0, 4), item("P", 5, 9)], [item("P", 0, 9)], "overlap") == [(0, 0)]


def test_touching_spans_do_not_overlap() -> None:
    assert match([item("P", 0, 5)], [item("P", 5, 9)], "overlap") == []


def test_scores_per_type_and_mode() -> None:
    gold = doc(item("Person", 0, 5), item("Person", 10, 20), item("Org", 30, 35))
    pred = {"d": [item("Person", 0, 5, "a"), item("Person", 12, 20, "a"), item("Org", 50, 55, "b")]}
    report = score([gold], pred)
    person = report.row("Person")
    assert (person.scores["exact"].tp, person.scores["exact"].fp) == (1, 1)
    assert person.scores["exact"].fn == 1
    assert person.scores["exact"].f1 == pytest.approx(0.5)
    assert person.scores["overlap"].f1 == pytest.approx(1.0)
    org = report.row("Org")
    assert org.scores["overlap"].precision == 0.0 and org.scores["overlap"].recall == 0.0
    assert report.types == ["Org", "Person"]


def test_types_filter_and_default_types() -> None:
    gold = doc(item("Person", 0, 5))
    pred = {"d": [item("Person", 0, 5, "a"), item("Spokesperson", 0, 5, "s")]}
    assert [r.name for r in score([gold], pred).rows] == ["Person"]  # the gold's types
    report = score([gold], pred, types=["Spokesperson"])
    assert report.row("Spokesperson").scores["exact"].fp == 1
    with pytest.raises(KeyError):
        report.row("Person")


# ---- fields ------------------------------------------------------------------------------


def test_fields_scored_on_matched_pairs() -> None:
    gold = doc(
        item("Quote", 0, 20, content=Value("c", 1, 19), source=Value("Ann Lee", 30, 37)),
        item("Quote", 40, 60, content=Value("c", 41, 59), source=Value("Bo", 70, 72)),
        item("Quote", 80, 90, content=Value("c", 80, 90)),
    )
    pred = {
        "d": [
            # same source text elsewhere in the document: agrees (text)
            item("Quote", 0, 20, "q", content=Value("c", 1, 19), source=Value("Ann Lee", 90, 97)),
            # source overlaps only: wrong when exact, right with overlap
            item("Quote", 40, 60, "q", content=Value("c2", 41, 58), source=Value("Bob", 70, 73)),
            # a record the gold does not have: its fields are false positives
            item("Quote", 92, 95, "q", content=Value("c3", 92, 95), source=Value("Cy", 96, 98)),
        ]
    }
    report = score([gold], pred)
    src = report.row("Quote.source")
    assert (src.gold, src.predicted) == (2, 3)
    e, o = src.scores["exact"], src.scores["overlap"]
    assert (e.tp, e.fp, e.fn) == (1, 2, 1)
    assert (o.tp, o.fp, o.fn) == (2, 1, 0)
    content = report.row("Quote.content")
    assert (content.scores["exact"].tp, content.scores["exact"].fn) == (1, 2)
    assert content.scores["overlap"].tp == 2


def test_fields_the_gold_never_has_are_not_scored() -> None:
    gold = doc(item("Person", 0, 5))
    pred = {"d": [item("Person", 0, 5, "t", title=Value("Dr", 6, 8))]}
    assert [r.name for r in score([gold], pred).rows] == ["Person"]


def test_subtypes_are_scored_among_themselves() -> None:
    direct = Value("direct")
    gold = doc(
        item("Quote", 0, 10, content=Value("a", 1, 9), kind=direct),
        item("Quote", 20, 30, content=Value("b", 20, 30)),
    )
    pred = {
        "d": [
            item("Quote", 0, 10, "dq", content=Value("a", 1, 9), kind=direct),
            item("Quote", 40, 50, "dq", content=Value("z", 41, 49), kind=direct),
        ]
    }
    report = score([gold], pred)
    sub = report.row("Quote[kind=direct]")
    assert (sub.gold, sub.predicted) == (1, 2)
    assert sub.scores["exact"].recall == 1.0 and sub.scores["exact"].precision == 0.5
    assert report.row("Quote[kind=direct].content").scores["exact"].tp == 1
    assert report.row("Quote").scores["exact"].recall == 0.5
    names = [r.name for r in report.rows]
    assert names.index("Quote.kind") < names.index("Quote[kind=direct]")


def test_subtypes_the_gold_never_uses_get_no_row() -> None:
    gold = doc(item("Org", 0, 5))
    pred = {"d": [item("Org", 0, 5, "org", kind=Value("company"))]}
    names = [r.name for r in score([gold], pred).rows]
    assert "Org" in names
    assert not any(name.startswith("Org[") for name in names)


# ---- false positives by rule ---------------------------------------------------------------


def test_false_positives_attributed_to_rules() -> None:
    gold = doc(item("P", 0, 10))
    pred = {
        "d": [
            item("P", 0, 8, "near"),  # boundary error: FP exact only
            item("P", 20, 25, "far"),
            item("P", 30, 35, "far"),
            item("P", 50, 55, "near"),  # overlaps nothing
        ]
    }
    fps = score([gold], pred).false_positives
    assert [(f.rule, f.exact, f.overlap) for f in fps] == [("far", 2, 2), ("near", 2, 1)]
    # the example prefers a record that overlaps no gold record
    assert fps[1].example.startswith("d@50:")
    text = render(score([gold], pred))
    assert "far (r.ie:3)" in text and "e.g. d@20:" in text


def test_report_is_deterministic() -> None:
    gold = doc(item("P", 0, 10), item("Q", 20, 30))
    a = [item("Q", 20, 30, "q"), item("P", 0, 4, "p"), item("P", 5, 9, "p")]
    r1 = score([gold], {"d": a})
    r2 = score([gold], {"d": list(reversed(a))})
    assert render(r1) == render(r2) and r1.to_json() == r2.to_json()


# ---- gold parsing ----------------------------------------------------------------------------


def test_parse_gold_checks_spans_and_texts() -> None:
    line = {
        "id": "a",
        "text": "Mayor Ada Obi spoke.",
        "records": [
            {
                "type": "Person",
                "start": 6,
                "end": 13,
                "text": "Ada Obi",
                "fields": {"name": {"text": "Ada Obi", "start": 6, "end": 13}},
            }
        ],
    }
    (d,) = parse_gold([json.dumps(line)])
    assert d.records[0].fields["name"] == Value("Ada Obi", 6, 13)
    bad = dict(line, records=[{"type": "Person", "start": 6, "end": 12, "text": "Ada Obi"}])
    with pytest.raises(GoldError, match=r"gold.jsonl:2: record text"):
        parse_gold(["", json.dumps(bad)], "gold.jsonl")
    with pytest.raises(GoldError, match="outside the text"):
        parse_gold([json.dumps(dict(line, records=[{"type": "P", "start": 0, "end": 99}]))])
    with pytest.raises(GoldError, match="appears twice"):
        parse_gold([json.dumps(line), json.dumps(line)])
    with pytest.raises(GoldError, match="not valid JSON"):
        parse_gold(["{"])


# ---- the command -----------------------------------------------------------------------------

PACK = """\
rule titled
  match (?<= title:("Mayor" | "Senator")) name:[is_title]+
  yield Person(name, title)

rule said
  match (?<= "Director") name:[is_title]+
  yield Person(name)
"""

TEXT = "Mayor Ada Obi met Senator Tom Reyes Jr and Director Lu Fen in Portvale."


def gold_line(text: str, spans: list[tuple[str, str]]) -> str:
    records = []
    for t, s in spans:
        start = text.index(s)
        records.append({"type": t, "start": start, "end": start + len(s), "text": s})
    return json.dumps({"id": "town", "text": text, "records": records})


def test_cli_eval(tmp_path: Path) -> None:
    (tmp_path / "pack").mkdir()
    (tmp_path / "pack" / "rules.ie").write_text(PACK, encoding="utf-8")
    gold = tmp_path / "gold.jsonl"
    spans = [("Person", "Ada Obi"), ("Person", "Tom Reyes"), ("Place", "Portvale")]
    gold.write_text(gold_line(TEXT, spans) + "\n", encoding="utf-8")
    out = tmp_path / "scores.json"
    result = CliRunner().invoke(
        app, ["eval", str(tmp_path / "pack"), str(gold), "--json", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    lines = {ln.split()[0]: ln.split() for ln in result.output.splitlines() if ln.strip()}
    # Person: gold 2, predicted 3 (Ada Obi exact, Tom Reyes Jr overlaps, Lu Fen spurious)
    assert lines["Person"][1:4] == ["2", "3", "0.333"]
    assert lines["Place"][1:3] == ["1", "0"]
    assert "said (" in result.output and "'Lu Fen'" in result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    person = next(r for r in data["rows"] if r["name"] == "Person")
    assert person["exact"]["tp"] == 1 and person["overlap"]["tp"] == 2
    assert data["false_positives"][0]["rule"] == "said"

    only = CliRunner().invoke(app, ["eval", str(tmp_path / "pack"), str(gold), "--types", "Place"])
    assert only.exit_code == 0 and "Person" not in only.output


def test_cli_eval_timeout_scores_the_other_documents(tmp_path: Path) -> None:
    """A document on which a rule runs away is reported by id and scored empty; the
    others are scored as usual, and the exit status says something went wrong."""
    (tmp_path / "rules.ie").write_text(
        'rule said\n  match who:[is_title] "said"\n  yield Said(who)\n\n'
        "rule runaway\n  chars /(x+x+)+y/\n  yield Runaway\n",
        encoding="utf-8",
    )
    gold = tmp_path / "gold.jsonl"
    docs = [("ok", "Ann said no."), ("bomb", "Bob said " + "x" * 5000)]
    gold.write_text(
        "".join(
            json.dumps({"id": i, "text": t, "records": [{"type": "Said", "start": 0, "end": 8}]})
            + "\n"
            for i, t in docs
        ),
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        app, ["eval", str(tmp_path / "rules.ie"), str(gold), "--timeout", "0.2", "--no-progress"]
    )
    assert result.exit_code == 1
    assert "document 'bomb': rule `runaway`" in result.output
    assert "Traceback" not in result.output
    said = next(ln.split() for ln in result.output.splitlines() if ln.startswith("Said"))
    assert said[1:4] == ["2", "1", "1.000"]  # gold 2, predicted 1 (from 'ok'), P = 1


def test_cli_eval_bad_gold(tmp_path: Path) -> None:
    (tmp_path / "rules.ie").write_text(PACK, encoding="utf-8")
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"id": "a", "text": "x", "records": [{"type": "P"}]}\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", str(tmp_path / "rules.ie"), str(gold)])
    assert result.exit_code == 1
    assert "gold.jsonl:1: record start must be an integer" in result.output
    missing = CliRunner().invoke(app, ["eval", str(tmp_path / "rules.ie"), str(tmp_path / "no")])
    assert missing.exit_code == 2


# ---- converters (only with the corpora) --------------------------------------------------------


def run_script(
    name: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / name), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )


@pytest.mark.parametrize("script", ["convert_polnear.py", "convert_gum.py", "convert_conll.py"])
def test_converters_say_when_the_corpus_is_absent(script: str, tmp_path: Path) -> None:
    r = run_script(script, "-o", str(tmp_path / "g.jsonl"), env={"IE_CORPORA": str(tmp_path)})
    assert r.returncode == 2 and "not found" in r.stderr
    assert not (tmp_path / "g.jsonl").exists()


@pytest.mark.parametrize("script", ["convert_polnear.py", "convert_conll.py"])
def test_converters_refuse_the_test_split(script: str, tmp_path: Path) -> None:
    r = run_script(script, "--split", "test", "-o", str(tmp_path / "g.jsonl"))
    assert r.returncode == 2 and "held out" in r.stderr


CONVERTERS = [
    ("convert_polnear.py", "polnear/polnear_dev.jsonl", ["--split", "dev"], {"Quote"}),
    ("convert_gum.py", "gum-news/gum_news_annotations.jsonl", [], {"Person", "Org", "Place"}),
    (
        "convert_conll.py",
        "conll2003/conllpp_dev.txt",
        ["--split", "dev"],
        {"Person", "Org", "Place"},
    ),
]


@pytest.mark.parametrize(("script", "needs", "args", "types"), CONVERTERS)
def test_converter_output_is_valid_gold(
    script: str, needs: str, args: list[str], types: set[str], tmp_path: Path
) -> None:
    if not (CORPORA / needs).is_file():
        pytest.skip(f"corpus not present: {CORPORA / needs}")
    out = tmp_path / "gold.jsonl"
    r = run_script(script, *args, "-o", str(out))
    assert r.returncode == 0, r.stderr
    docs = parse_gold(out.read_text(encoding="utf-8").splitlines(), str(out))  # checks spans
    assert docs and len({d.id for d in docs}) == len(docs)
    found = {rec.type for d in docs for rec in d.records}
    assert found == types
    if script == "convert_conll.py":
        assert len(docs) == 216 and sum(len(d.records) for d in docs) == 5020
    if script == "convert_polnear.py":
        quotes = [rec for d in docs for rec in d.records]
        direct = [q for q in quotes if "kind" in q.fields]
        assert direct and all(q.fields["content"].text for q in quotes)
        # direct content lies strictly inside the record (the quotation marks are outside)
        for q in direct:
            c = q.fields["content"]
            assert c.start is not None and c.end is not None
            assert q.start < c.start and c.end <= q.end


def polnear() -> ModuleType:
    """scripts/convert_polnear.py as a module (scripts are not part of the package)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import convert_polnear
    finally:
        sys.path.pop(0)
    return convert_polnear


@pytest.mark.parametrize(
    ("fragment", "content", "direct"),
    [
        ('"We will win," ', "We will win,", True),
        ("“We will win.”.", "We will win.", True),
        ("''We are refugees,''", "We are refugees,", True),  # NYT's doubled apostrophes
        ("that they would win", "that they would win", False),
    ],
)
def test_polnear_content_drops_the_quotation_marks(
    fragment: str, content: str, direct: bool
) -> None:
    text = "He said " + fragment
    field, is_direct = polnear().content_field(text, 8, len(text))
    assert (field["text"], is_direct) == (content, direct)
    assert text[field["start"] : field["end"]] == content


@pytest.mark.parametrize(
    ("text", "fragment", "widened"),
    [
        ("He said “We will win.” Then", "We will win.”", "“We will win.”"),
        ("“We will win,” he said", "“We will win,", "“We will win,”"),
        ("''We are back,'' he said", "''We are back,'", "''We are back,''"),
        ("''We are back,'' he said", "''We are back,", "''We are back,''"),
        ("He said ''We are back,'' then", "'We are back,''", "''We are back,''"),
        ("“We will win,” he said", "“We will win,”", "“We will win,”"),
        # a quotation annotated in pieces, and words no marks enclose: left as they are
        ("“We will win. They will lose.” he said", "“We will win.", "“We will win."),
        ("“We will win. They will lose.” he said", "They will lose.”", "They will lose.”"),
        ("They said the vote was close.", "the vote was close", "the vote was close"),
        (" “Yes,” ", " “Yes,” ", "“Yes,”"),
    ],
)
def test_polnear_fragments_widened_to_enclosing_marks(
    text: str, fragment: str, widened: str
) -> None:
    start = text.index(fragment)
    a, b = polnear().widen_to_marks(text, start, start + len(fragment))
    assert text[a:b] == widened


@pytest.mark.parametrize(
    ("text", "fragments", "joined"),
    [
        # a quotation marked sentence by sentence is one content
        (
            "“We will win. They will lose.” he said",
            ["“We will win.", "They will lose.”"],
            ["“We will win. They will lose.”"],
        ),
        # a quotation broken by the attribution stays two
        (
            "“We will win,” he said, “and they will lose.”",
            ["“We will win,”", "“and they will lose.”"],
            ["“We will win,”", "“and they will lose.”"],
        ),
        # a paragraph break keeps a continued quotation apart
        (
            "“We will win.\n\n“They will lose.”",
            ["“We will win.", "“They will lose.”"],
            ["“We will win.", "“They will lose.”"],
        ),
        # out of order and overlapping fragments
        (
            "He said the vote was close and fair.",
            ["close and fair", "the vote was close"],
            ["the vote was close and fair"],
        ),
        ("He said yes.", ["yes"], ["yes"]),
    ],
)
def test_polnear_fragments_separated_by_spaces_are_joined(
    text: str, fragments: list[str], joined: list[str]
) -> None:
    spans = [[text.index(f), text.index(f) + len(f), f] for f in fragments]
    assert [text[a:b] for a, b in polnear().join_fragments(text, spans)] == joined
