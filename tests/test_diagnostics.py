"""Diagnostics as an analyst sees them: documented codes, golden output, JSON, collection.

- docs/errors.md has a heading for every code in `ie.diagnostics.CODES` and every document
  error code (D001-D008), and no heading for a code that does not exist.
- Golden files: `tests/golden/<name>.ie` is a small broken rule file and
  `tests/golden/<name>.expected` the exact stdout of `ie check <name>.ie` run from inside
  tests/golden (so paths print as `<name>.ie`; the absolute path of tests/golden, which a
  few messages contain, is replaced by `<golden>`). Regenerate them after a deliberate
  change of wording with

      IE_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_diagnostics.py

  and read the diff before committing it.
- `--error-format json` prints one object a line with the same positions as the text.
- Every error of a pack is reported at once, whatever stage found it.

Tests marked `xfail(strict=True, reason="BUG: ...")` show the behaviour we expect from the
engine and do not get yet; when one starts passing, pytest fails it so the mark is removed.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

import ie.cli
import ie.inputs
from ie.diagnostics import CODES
from ie.parser import parse_file

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
ERRORS_MD = ROOT / "docs" / "errors.md"
UPDATE = os.environ.get("IE_UPDATE_GOLDEN") == "1"

HEADER = re.compile(
    r"^(?P<path>[^\n:]+):(?P<line>\d+):(?P<col>\d+): (?P<sev>error|warning)\[(?P<code>[A-Z]\d+)\]",
    re.M,
)


def invoke(args: list[str]) -> Result:
    """Run the CLI in-process; a Python exception escaping it is always a failure."""
    result = CliRunner(env={"NO_COLOR": "1"}).invoke(ie.cli.app, args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"ie {' '.join(args)} raised {result.exception!r}")
    assert "Traceback" not in result.stdout + result.stderr
    return result


def check_in(directory: Path, name: str, *extra: str) -> Result:
    cwd = Path.cwd()
    os.chdir(directory)
    try:
        return invoke(["check", *extra, name])
    finally:
        os.chdir(cwd)


def write_pack(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def headers(text: str) -> list[tuple[str, int, int, str, str]]:
    return [
        (m["path"], int(m["line"]), int(m["col"]), m["sev"], m["code"])
        for m in HEADER.finditer(text)
    ]


# ---- (a) docs/errors.md and CODES agree ----------------------------------------------------


def document_codes() -> set[str]:
    """D001-D006 from ie.inputs' docstring, and any "Dnnn" the engine emits (D007, D008)."""
    found = set(re.findall(r"\bD\d{3}\b", ie.inputs.__doc__ or ""))
    for source in sorted(Path(ie.cli.__file__).parent.glob("*.py")):
        found |= set(re.findall(r"\"(D\d{3})\"", source.read_text(encoding="utf-8")))
    return found


def doc_headings() -> dict[str, str]:
    text = ERRORS_MD.read_text(encoding="utf-8")
    return {
        m.group(1): m.group(2).strip()
        for m in re.finditer(r"^#{2,4} +`?([EWD]\d{3,4})`?\b[:\s-]*(.*)$", text, re.M)
    }


def test_document_codes_are_the_expected_eight() -> None:
    assert document_codes() == {f"D00{i}" for i in range(1, 9)}


def test_every_code_has_a_heading_in_errors_md() -> None:
    missing = sorted((set(CODES) | document_codes()) - set(doc_headings()))
    assert not missing, f"docs/errors.md has no heading for {missing}"


def test_every_heading_in_errors_md_is_a_real_code() -> None:
    unknown = sorted(set(doc_headings()) - set(CODES) - document_codes())
    assert not unknown, f"docs/errors.md documents codes that do not exist: {unknown}"


@pytest.mark.parametrize("code", sorted(CODES))
def test_heading_carries_the_codes_title(code: str) -> None:
    heading = doc_headings().get(code, "")
    assert CODES[code].lower() in heading.lower(), (code, heading)


def test_errors_md_explains_reading_a_diagnostic_and_json() -> None:
    text = ERRORS_MD.read_text(encoding="utf-8")
    assert "--error-format json" in text
    assert "= help:" in text


# ---- (b) golden files ----------------------------------------------------------------------

GOLDEN_FILES = sorted(GOLDEN.glob("*.ie"))

# Codes `ie check` must be able to show from one rule file, each with a golden named after it.
# E0103/E0104 need a folder or a missing path (tests/test_cli.py); E0307, E0311 and W0101 are
# never emitted yet (xfail tests below).
SINGLE_FILE_CODES = sorted(set(CODES) - {"E0103", "E0104", "E0307", "E0311", "W0101"})


def normalise(text: str) -> str:
    return text.replace(str(GOLDEN), "<golden>")


@pytest.mark.parametrize("source", GOLDEN_FILES, ids=[p.stem for p in GOLDEN_FILES])
def test_golden(source: Path) -> None:
    result = check_in(GOLDEN, source.name)
    got = normalise(result.stdout)
    expected_path = source.with_suffix(".expected")
    if UPDATE:
        expected_path.write_text(got, encoding="utf-8")
    assert expected_path.exists(), f"no {expected_path.name}: run with IE_UPDATE_GOLDEN=1"
    assert got == expected_path.read_text(encoding="utf-8")
    has_error = "error[" in got
    assert result.exit_code == (1 if has_error else 0), got


@pytest.mark.parametrize("code", SINGLE_FILE_CODES)
def test_each_single_file_code_has_a_golden(code: str) -> None:
    goldens = [p for p in GOLDEN_FILES if p.stem.startswith(code + "_")]
    assert goldens, f"add tests/golden/{code}_<what>.ie showing {code}"
    for p in goldens:
        expected = p.with_suffix(".expected")
        assert f"[{code}]" in expected.read_text(encoding="utf-8"), p.name


def test_goldens_have_no_stale_expected_files() -> None:
    stale = [p.name for p in GOLDEN.glob("*.expected") if not p.with_suffix(".ie").exists()]
    assert not stale


@pytest.mark.parametrize("source", GOLDEN_FILES, ids=[p.stem for p in GOLDEN_FILES])
def test_golden_diagnostics_point_inside_the_file(source: Path) -> None:
    """Every header names the file, a real line, and a column within (or just past) it."""
    lines = source.read_bytes().decode("utf-8", "replace").split("\n")
    text = source.with_suffix(".expected").read_text(encoding="utf-8")
    for path, line, col, _, _ in headers(text):
        assert path == source.name
        assert 1 <= line <= len(lines)
        assert 1 <= col <= len(lines[line - 1]) + 1


# ---- (c) --error-format json ---------------------------------------------------------------


def test_json_lines_match_the_text_format() -> None:
    text = check_in(GOLDEN, "three_mistakes.ie")
    js = check_in(GOLDEN, "three_mistakes.ie", "--error-format", "json")
    assert js.exit_code == text.exit_code == 1
    objects = [json.loads(line) for line in js.stdout.splitlines()]
    assert objects, js.stdout
    for obj in objects:
        assert {"severity", "code", "message", "path", "line", "col"} <= set(obj), obj
        assert obj["severity"] in ("error", "warning")
        assert obj["code"] in CODES
        assert isinstance(obj["line"], int) and isinstance(obj["col"], int)
    as_tuples = [(o["path"], o["line"], o["col"], o["severity"], o["code"]) for o in objects]
    assert as_tuples == headers(text.stdout)
    helps = [o.get("help") for o in objects if o["code"] == "E0201"]
    assert helps == ["did you mean `Person`?"]


def test_json_has_no_summary_or_decoration() -> None:
    js = check_in(GOLDEN, "W0104_unused_definitions.ie", "--error-format", "json")
    assert js.exit_code == 0
    for line in js.stdout.splitlines():
        assert line.startswith("{") and line.endswith("}")
    assert "found" not in js.stdout


def test_json_for_a_missing_pack() -> None:
    result = invoke(["check", "--error-format", "json", "/no/such/pack"])
    assert result.exit_code == 1
    (obj,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert obj["code"] == "E0104"
    assert obj["severity"] == "error"
    assert "/no/such/pack" in obj["message"]


def test_json_for_a_non_utf8_file_names_the_file_and_position() -> None:
    result = check_in(GOLDEN, "E0105_not_utf8.ie", "--error-format", "json")
    (obj,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert obj["code"] == "E0105"
    assert obj.get("path") == "E0105_not_utf8.ie"
    assert (obj.get("line"), obj.get("col")) == (1, 9)


# ---- (d) every error of a pack is collected ------------------------------------------------


def test_three_independent_mistakes_are_all_reported() -> None:
    found = headers(check_in(GOLDEN, "three_mistakes.ie").stdout)
    errors = {(line, code) for _, line, _, sev, code in found if sev == "error"}
    assert errors == {(7, "E0201"), (12, "E0205"), (16, "E0303")}


def test_syntax_error_does_not_hide_name_error_in_same_file() -> None:
    found = headers(check_in(GOLDEN, "syntax_error_and_name_error.ie").stdout)
    assert [(line, code) for _, line, _, _, code in found] == [(3, "E0101"), (11, "E0201")]


def test_syntax_error_does_not_hide_errors_in_other_files(tmp_path: Path) -> None:
    write_pack(
        tmp_path / "pack",
        {
            "a.ie": 'rule broken\n  match "a" )\n  yield A()\n',
            "b.ie": 'rule person\n  match n:[is_title] "said"\n  yield Person(n)\n',
            "c.ie": 'rule quote\n  match who:@Persn "told"\n  yield Quote(who)\n'
            'rule other\n  match x:"b"\n  yield B(y)\n',
        },
    )
    result = check_in(tmp_path, "pack")
    assert result.exit_code == 1
    found = [
        (path, line, code) for path, line, _, sev, code in headers(result.stdout) if sev == "error"
    ]
    assert found == [
        ("pack/a.ie", 2, "E0101"),
        ("pack/c.ie", 2, "E0201"),
        ("pack/c.ie", 6, "E0303"),
    ]
    assert "3 errors" in result.stdout


def test_unterminated_string_does_not_hide_the_next_rule() -> None:
    src = 'rule a\n  match "said\n  yield A()\n\nrule b\n  match x:[is_titel]\n  yield B(x)\n'
    parsed, diags = parse_file("x.ie", src)
    assert [(d.code, d.span.line if d.span else 0) for d in diags] == [("E0102", 2)]
    assert [getattr(d, "name", None) for d in parsed.decls] == ["b"]


def test_duplicate_across_files_names_both_places(tmp_path: Path) -> None:
    write_pack(
        tmp_path / "pack",
        {
            "a.ie": "let Cap = [is_title]\nrule a\n  match n:Cap\n  yield A(n)\n",
            "b.ie": "let Cap = [is_upper]\n",
        },
    )
    out = check_in(tmp_path, "pack").stdout
    assert "pack/b.ie:1:1: error[E0202]" in out
    assert "first defined at pack/a.ie:1:1" in out


# ---- behaviour we expect and do not get yet ------------------------------------------------


def check_text(tmp_path: Path, source: str, name: str = "r.ie") -> Result:
    (tmp_path / name).write_text(source, encoding="utf-8")
    return check_in(tmp_path, name)


def test_unknown_flag_reports_one_error(tmp_path: Path) -> None:
    out = check_text(tmp_path, 'rule r\n  match n:[is_titel] "said"\n  yield Said(n)\n').stdout
    assert "error[E0204]" in out and "did you mean `is_title`?" in out
    assert "E0308" not in out
    assert "1 error found" in out


def test_capture_used_twice_is_reported(tmp_path: Path) -> None:
    out = check_text(tmp_path, 'rule r\n  match n:"a" n:"b"\n  yield X(n)\n').stdout
    assert "r.ie:2:15: error[E0307]" in out


def test_clause_given_twice_is_reported(tmp_path: Path) -> None:
    out = check_text(
        tmp_path, 'rule r\n  match "a"\n  match "b"\n  yield X()\n', name="r.ie"
    ).stdout
    assert "r.ie:3:3: error[E0311]" in out


def test_literal_the_tokenizer_splits_differently_warns(tmp_path: Path) -> None:
    out = check_text(tmp_path, 'rule r\n  match "Mr" "." n:[is_title]\n  yield P(n)\n').stdout
    assert "r.ie:2:9: warning[W0101]" in out
    assert """write the one literal "Mr." """.strip() in out
    # a pair the tokenizer keeps apart is fine
    out = check_text(tmp_path, 'rule r\n  match "said" "." \n  yield P()\n').stdout
    assert "W0101" not in out


def test_caret_lines_up_under_the_name_on_tab_indented_lines(tmp_path: Path) -> None:
    src = 'rule r\n\tmatch\tw:@Persn "said"\n\tyield Said(w)\n'
    out = check_text(tmp_path, src).stdout
    source_line, caret_line = out.splitlines()[1:3]
    assert "@Persn" in source_line
    at = source_line.index("@Persn")
    assert caret_line.index("^") == at
    assert caret_line.count("^") == len("@Persn")


def test_line_separator_in_a_comment_keeps_the_shown_line_right(tmp_path: Path) -> None:
    src = '# note \u2028 here\nrule r\n  match w:@Persn "said"\n  yield Said(w)\n'
    out = check_text(tmp_path, src).stdout
    assert "r.ie:3:11: error[E0201]" in out
    assert '   3 |   match w:@Persn "said"' in out


def test_misspelt_example_keyword_gets_did_you_mean(tmp_path: Path) -> None:
    src = (
        'rule r\n  match n:[is_title] "said"\n  yield Said(n)\n'
        '  exmaple "Bob said" -> Said(n="Bob")\n'
    )
    out = check_text(tmp_path, src).stdout
    assert "r.ie:4:3: error[E0101]" in out
    assert "did you mean `example`?" in out


def test_keyword_typo_points_at_the_typo(tmp_path: Path) -> None:
    src = 'rule r\n  match n:[is_title] "said"\n  yeild Said(who=n)\n'
    out = check_text(tmp_path, src).stdout
    assert "r.ie:3:3: error[E0101]" in out
    assert "did you mean `yield`?" in out
    assert "unknown name" not in out  # the type after the typo is not blamed


def test_yield_typo_blames_the_typo_not_the_names_after_it(tmp_path: Path) -> None:
    src = 'rule r\n  match n:[is_title] Nope "said"\n  yeild Said(n)\n'
    out = check_text(tmp_path, src).stdout
    assert "r.ie:3:3: error[E0302]" in out and "did you mean `yield`?" in out
    assert "unknown name `Nope`" in out  # before the typo: a real mistake
    assert "unknown name `Said`" not in out  # after it: the output the user meant
    assert "1:6" not in out  # the caret is on the typo, not on the rule's name
    out = check_text(tmp_path, 'rule r\n  match n:[is_title] "said"\n').stdout
    assert "r.ie:1:6: error[E0302]" in out and "add `yield Type(field, ...)`" in out


def test_label_without_pattern_is_a_syntax_error(tmp_path: Path) -> None:
    out = check_text(tmp_path, "rule r\n  match n:\n  yield X(n)\n").stdout
    assert "error[E0302]" not in out  # the rule does have a yield
    assert "r.ie:2:9: error[E0101]" in out
    assert "unknown name" not in out  # nothing else is blamed on the lost clause
    # a quoted keyword after a label is a word to match, as written
    out = check_text(tmp_path, 'rule r\n  match n:"yield" x:[is_digit]\n  yield X(n)\n').stdout
    assert "error" not in out


def test_unmatched_paren_says_so() -> None:
    out = check_in(GOLDEN, "E0101_unexpected_token.ie").stdout
    assert "matching" in out
    assert "`import`" not in out


@pytest.mark.parametrize(
    "src",
    [
        'rule r\n  match [is_title "b"\n  yield X()\n',
        'rule r\n  match "a"{-1}\n  yield X()\n',
    ],
    ids=["unclosed-bracket", "negative-bound"],
)
def test_expected_list_uses_readable_names(tmp_path: Path, src: str) -> None:
    out = check_text(tmp_path, src).stdout
    assert "error[E0101]" in out
    for raw in ("`tilde`", "`at`", "`circumflex`", "`dollar`", "`lsqb`"):
        assert raw not in out


@pytest.mark.parametrize(
    "pattern",
    ['"a"{99999999999}', '"a" [length = 99999999999]'],
    ids=["repeat", "length"],
)
def test_huge_counts_are_diagnostics_not_crashes(tmp_path: Path, pattern: str) -> None:
    result = check_text(tmp_path, f"rule r\n  match {pattern}\n  yield X()\n")
    assert result.exit_code == 1
    assert "r.ie:2:" in result.stdout


def test_unknown_regex_flag_is_reported(tmp_path: Path) -> None:
    result = check_text(tmp_path, 'rule r\n  match /abc/z "x"\n  yield X()\n')
    assert result.exit_code == 1
    assert "r.ie:2:9: error[E0305]" in result.stdout


def test_prefix_of_wrong_length_is_reported(tmp_path: Path) -> None:
    result = check_text(tmp_path, 'rule r\n  match [prefix = "Ab"] "x"\n  yield X()\n')
    assert "r.ie:2:10:" in result.stdout


def test_missing_lexicon_file_message_is_plain() -> None:
    out = check_in(GOLDEN, "E0313_lexicon_file.ie").stdout
    assert "error[E0313]" in out
    assert "[Errno" not in out
    assert str(GOLDEN) not in out


def test_two_line_example_is_underlined_to_the_end_of_its_first_line(tmp_path: Path) -> None:
    src = (
        'rule r\n  match n:[is_title] "said"\n  yield Said(who=n)\n'
        '  example "the mayor, who is very well known in the city, said"\n'
        '          -> Said(who="Bob")\n'
    )
    out = check_text(tmp_path, src).stdout
    source_line, caret_line = out.splitlines()[1:3]
    assert len(caret_line.rstrip()) == len(source_line.rstrip())


def test_unused_capture_warning_points_at_the_capture() -> None:
    out = check_in(GOLDEN, "W0105_unused_capture.ie").stdout
    assert "W0105_unused_capture.ie:2:9: warning[W0105]" in out


@pytest.mark.parametrize(
    ("expect", "hint"),
    [('Siad(name="Bob")', "did you mean `Said`?"), ('Said(nme="Bob")', "did you mean `name`?")],
    ids=["type", "field"],
)
def test_example_with_misspelt_type_or_field_suggests_the_name(
    tmp_path: Path, expect: str, hint: str
) -> None:
    src = (
        'rule r\n  match name:[is_title] "said"\n  yield Said(name)\n'
        f'  example "Bob said" -> {expect}\n'
    )
    out = check_text(tmp_path, src).stdout
    assert "r.ie:4:" in out
    assert hint in out
