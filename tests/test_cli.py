"""The `ie` command line as an analyst meets it: exit codes, message text, never a traceback.

Exit codes: 0 success, 1 errors in the rules or the data, 2 a usage mistake. Most tests run
the Typer app in-process (fast); a few run the installed console script, whose `main()`
also turns unexpected exceptions into a one-line message. Every test checks that no
Python traceback reaches the user. Packs are tiny and written into tmp_path.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from ie.cli import app

IE = Path(sys.executable).parent / "ie"

PEOPLE = """\
let Cap = [is_title]

rule titled
  match title:("President" | "Minister") name:Cap+
  yield Person(name, title)
  example "President Joe Biden spoke" -> Person(name="Joe Biden", title="President")
  not "the president spoke"

rule said
  match who:Person "said"
  yield Said(who)
"""

GOOD_A = "President Joe Biden said hello. Then he left."
GOOD_C = "Minister Ann Lee spoke.\n\nMinister Bo Ek said no."


def ie(*args: str | Path, input: str | bytes | None = None) -> Result:
    """Run `ie ARGS` in-process. An exception escaping the app is a bug, never a pass."""
    runner = CliRunner(env={"NO_COLOR": "1", "IE_DEBUG": None})
    result = runner.invoke(app, [str(a) for a in args], input=input)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"ie {args} raised {result.exception!r}")
    assert "Traceback" not in result.stdout
    assert "Traceback" not in result.stderr
    return result


def ie_process(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed console script, as a user's shell does."""
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("IE_DEBUG", None)
    proc = subprocess.run(
        [str(IE), *map(str, args)], capture_output=True, text=True, env=env, cwd=cwd, timeout=60
    )
    assert "Traceback" not in proc.stdout + proc.stderr
    return proc


def records(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def assert_offsets(recs: list[dict[str, Any]], texts: dict[str, str]) -> None:
    for r in recs:
        doc = texts[r["doc"]]
        assert r["text"] == doc[r["start"] : r["end"]], r
        for f in r["fields"].values():
            if "start" in f:
                assert f["text"] == doc[f["start"] : f["end"]], r


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    root = tmp_path / "pack"
    root.mkdir()
    (root / "people.ie").write_text(PEOPLE, encoding="utf-8")
    return root


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    """a.txt and c.txt are good; b.txt is Latin-1, not UTF-8."""
    root = tmp_path / "docs"
    root.mkdir()
    (root / "a.txt").write_text(GOOD_A, encoding="utf-8")
    (root / "b.txt").write_bytes("Minister Jos\xe9 Ruiz said s\xed.".encode("latin-1"))
    (root / "c.txt").write_text(GOOD_C, encoding="utf-8")
    return root


# ---- ie check ------------------------------------------------------------------------------


def test_check_clean_pack_exits_0(pack: Path) -> None:
    result = ie("check", pack)
    assert result.exit_code == 0, result.stdout
    assert result.stdout == ""
    assert result.stderr.startswith("ok: ")
    assert "2 rules" in result.stderr
    assert "2 examples passed" in result.stderr


def test_check_a_single_file(pack: Path) -> None:
    assert ie("check", pack / "people.ie").exit_code == 0


def position_of(text: str, needle: str) -> tuple[int, int]:
    offset = text.index(needle)
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


@pytest.mark.parametrize(
    ("old", "new", "at", "code", "hint"),
    [
        ("  yield Said(who)", "  yeild Said(who)", "yeild", "E0302", "did you mean `yield`?"),
        ("who:Person", "who:@Persn", "@Persn", "E0201", "did you mean `Person`?"),
        ("name:Cap+", "name:[is_titel]+", "is_titel", "E0204", "did you mean `is_title`?"),
        ("name:Cap+", "name:Cpa+", "Cpa", "E0201", "did you mean `Cap`?"),
        ("yield Said(who)", "yield Said(wo)", "wo)", "E0303", "did you mean `who`?"),
        ("yield Said(who)", "yield Said(who=lowr(who))", "lowr", "E0205", "did you mean `lower`?"),
    ],
    ids=["yeild", "Persn", "is_titel", "let-typo", "capture-typo", "function-typo"],
)
def test_check_typo_gives_position_and_did_you_mean(
    pack: Path, old: str, new: str, at: str, code: str, hint: str
) -> None:
    text = PEOPLE.replace(old, new)
    assert text != PEOPLE
    (pack / "people.ie").write_text(text, encoding="utf-8")
    result = ie("check", pack)
    assert result.exit_code == 1
    line, col = position_of(text, at)
    assert f"{pack.as_posix()}/people.ie:{line}:{col}: error[{code}]" in result.stdout
    assert hint in result.stdout
    assert "^" in result.stdout


def test_check_missing_pack_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-pack"
    result = ie("check", missing)
    assert result.exit_code == 1
    assert "error[E0104]" in result.stdout
    assert f"no pack at {missing.as_posix()}" in result.stdout


def test_check_empty_folder_says_it_has_no_rules(tmp_path: Path) -> None:
    result = ie("check", tmp_path)
    assert result.exit_code == 1
    assert "error[E0104]" in result.stdout
    assert "no .ie rule files" in result.stdout


def test_check_bad_manifest(pack: Path) -> None:
    (pack / "pack.toml").write_text('name = "news\n', encoding="utf-8")
    result = ie("check", pack)
    assert result.exit_code == 1
    assert "error[E0103]" in result.stdout
    assert "pack.toml" in result.stdout


def test_check_failing_example_exits_1_and_no_examples_skips_it(pack: Path) -> None:
    text = PEOPLE.replace('title="President")', 'title="Minister")')
    (pack / "people.ie").write_text(text, encoding="utf-8")
    result = ie("check", pack)
    assert result.exit_code == 1
    assert "error[E0401]" in result.stdout
    assert 'expected: Person(name="Joe Biden", title="Minister")' in result.stdout
    assert 'actual: Person(name="Joe Biden", title="President")' in result.stdout
    assert ie("check", "--no-examples", pack).exit_code == 0


def test_check_warnings_exit_0_unless_strict(pack: Path) -> None:
    (pack / "extra.ie").write_text("let Unused = [is_upper]\n", encoding="utf-8")
    result = ie("check", pack)
    assert result.exit_code == 0
    assert "warning[W0104]" in result.stdout
    assert "1 warning found" in result.stdout
    assert ie("check", "--strict", pack).exit_code == 1


def test_check_strict_failure_does_not_say_ok(pack: Path) -> None:
    (pack / "extra.ie").write_text("let Unused = [is_upper]\n", encoding="utf-8")
    result = ie("check", "--strict", pack)
    assert result.exit_code == 1
    assert "ok" not in result.stderr


def test_check_json_on_clean_pack_prints_nothing(pack: Path) -> None:
    result = ie("check", "--error-format", "json", pack)
    assert result.exit_code == 0
    assert result.stdout == ""


def test_check_json_error_lines(pack: Path) -> None:
    (pack / "people.ie").write_text(PEOPLE.replace("who:Person", "who:@Persn"), encoding="utf-8")
    result = ie("check", "--error-format", "json", pack)
    assert result.exit_code == 1
    (obj,) = records(result.stdout)
    assert obj["code"] == "E0201"
    assert obj["path"] == f"{pack.as_posix()}/people.ie"
    assert (obj["line"], obj["col"]) == (10, 13)
    assert obj["help"] == "did you mean `Person`?"


def test_folder_named_like_a_rule_file_is_ignored(pack: Path) -> None:
    (pack / "old.ie").mkdir()
    result = ie("check", pack)
    assert result.exit_code == 0, result.stdout


# ---- help and usage errors -----------------------------------------------------------------


def test_top_level_help() -> None:
    result = ie("--help")
    assert result.exit_code == 0
    assert "ie check rules/news" in result.stdout
    assert "ie run rules/news" in result.stdout
    assert "docs/errors.md" in result.stdout


def test_run_help_has_examples() -> None:
    result = ie("run", "--help")
    assert result.exit_code == 0
    assert "Examples:" in result.stdout
    assert "ie run rules/news seeds/" in result.stdout
    for option in ("--format", "--on-error", "--max-bytes", "--timeout", "--text-key"):
        assert option in result.stdout


def test_check_help_has_an_example() -> None:
    result = ie("check", "--help")
    assert result.exit_code == 0
    assert "Example:" in result.stdout
    assert "ie check rules/news" in result.stdout


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--format", "xml"], "xml"),
        (["--nope"], "--nope"),
        (["--on-error", "maybe"], "maybe"),
        (["--timeout", "soon"], "--timeout"),
    ],
    ids=["unknown-format", "unknown-option", "bad-on-error", "bad-timeout"],
)
def test_run_usage_errors_exit_2(pack: Path, docs: Path, args: list[str], says: str) -> None:
    result = ie("run", pack, docs, *args)
    assert result.exit_code == 2
    assert says in result.stderr
    assert "Usage:" in result.stderr
    assert result.stdout == ""


def test_run_without_inputs_exits_2(pack: Path) -> None:
    result = ie("run", pack)
    assert result.exit_code == 2
    assert "Missing argument" in result.stderr


def test_usage_line_names_arguments_plainly() -> None:
    result = ie("run", "--help")
    # typer writes required arguments in braces: {PACK} {INPUT} (some versions add "...")
    assert "Usage: ie run [OPTIONS] {PACK} {INPUT}" in result.stdout


def test_negative_max_bytes_is_a_usage_error(pack: Path, docs: Path) -> None:
    result = ie("run", pack, docs, "--max-bytes", "-1")
    assert result.exit_code == 2
    assert "--max-bytes" in result.stderr


def test_empty_glob_is_a_usage_error(pack: Path, docs: Path) -> None:
    result = ie("run", pack, docs, "--glob", "")
    assert result.exit_code == 2
    assert "--glob" in result.stderr


def test_negative_timeout_is_a_usage_error(pack: Path, docs: Path) -> None:
    result = ie("run", pack, docs, "--timeout", "-1")
    assert result.exit_code == 2
    assert "--timeout" in result.stderr


def test_output_into_missing_folder_is_a_clear_error(
    pack: Path, docs: Path, tmp_path: Path
) -> None:
    target = tmp_path / "no-such-dir" / "out.jsonl"
    result = ie("run", pack, docs, "-o", target)
    assert result.exit_code in (1, 2)
    assert "no-such-dir" in result.stderr


# ---- ie run: documents, errors, formats ----------------------------------------------------


def test_run_good_and_undecodable_documents(pack: Path, docs: Path) -> None:
    result = ie("run", pack, docs)
    assert result.exit_code == 1
    assert f"{docs.as_posix()}/b.txt: error[D001]: document 'b': not valid UTF-8" in result.stderr
    assert "2 documents" in result.stderr and "1 failed" in result.stderr
    recs = records(result.stdout)
    assert {r["doc"] for r in recs} == {"a", "c"}
    assert_offsets(recs, {"a": GOOD_A, "c": GOOD_C})
    # document order, then start, then the longer span first
    assert [(r["doc"], r["type"], r["text"]) for r in recs] == [
        ("a", "Said", "President Joe Biden said"),
        ("a", "Person", "President Joe Biden"),
        ("c", "Person", "Minister Ann Lee"),
        ("c", "Said", "Minister Bo Ek said"),
        ("c", "Person", "Minister Bo Ek"),
    ]
    for r in recs:
        assert r["rule"] in ("titled", "said")
        assert r["source"].startswith(f"{pack.as_posix()}/people.ie:")
        assert r["pack"] == "pack"


def test_run_on_error_skip_exits_0_with_the_same_records(pack: Path, docs: Path) -> None:
    failing = ie("run", pack, docs)
    skipping = ie("run", pack, docs, "--on-error", "skip")
    assert skipping.exit_code == 0
    assert "D001" in skipping.stderr
    assert skipping.stdout == failing.stdout


def test_run_is_deterministic(pack: Path, docs: Path) -> None:
    first = ie("run", pack, docs)
    second = ie("run", pack, docs)
    assert first.stdout == second.stdout
    assert first.stderr == second.stderr
    assert first.stdout


def test_run_jsonl_with_text_and_id_keys(pack: Path, tmp_path: Path) -> None:
    data = tmp_path / "in.jsonl"
    lines = [
        {"key": "k1", "body": GOOD_A},
        {"key": "k2", "body": "nothing to see"},
        {"key": "k3", "body": GOOD_C},
    ]
    data.write_text("".join(json.dumps(o) + "\n" for o in lines), encoding="utf-8")
    result = ie("run", pack, data, "--text-key", "body", "--id-key", "key")
    assert result.exit_code == 0, result.stderr
    recs = records(result.stdout)
    assert sorted({r["doc"] for r in recs}) == ["k1", "k3"]
    assert_offsets(recs, {"k1": GOOD_A, "k3": GOOD_C})


def test_run_jsonl_bad_lines_are_reported_and_skipped(pack: Path, tmp_path: Path) -> None:
    data = tmp_path / "in.jsonl"
    data.write_text(
        json.dumps({"id": "ok", "text": GOOD_A})
        + "\n[1, 2]\n"
        + json.dumps({"id": "num", "text": 5})
        + "\n"
        + json.dumps({"id": "nokey"})
        + "\n{oops\n",
        encoding="utf-8",
    )
    result = ie("run", pack, data)
    assert result.exit_code == 1
    err = result.stderr
    assert f"{data.as_posix()}:2: error[D003]: document 'in:2'" in err
    assert f"{data.as_posix()}:3: error[D004]: document 'num'" in err
    assert f"{data.as_posix()}:4: error[D004]: document 'nokey'" in err
    assert f"{data.as_posix()}:5: error[D003]" in err
    assert {r["doc"] for r in records(result.stdout)} == {"ok"}


def test_jsonl_unclosed_object_names_a_real_column(pack: Path, tmp_path: Path) -> None:
    data = tmp_path / "in.jsonl"
    data.write_text('{"id": "c", "text": "Cy said"\n{"id": "d", "text": 5 x}\n', encoding="utf-8")
    result = ie("run", pack, data)
    assert "error[D003]" in result.stderr
    assert "at column 1)" not in result.stderr
    assert "at the end of the line); skipped" in result.stderr  # cut short
    assert "at column 23); skipped" in result.stderr  # the stray x


def test_run_missing_input_is_d006(pack: Path, docs: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nope.txt"
    result = ie("run", pack, docs / "a.txt", missing)
    assert result.exit_code == 1
    assert "error[D006]" in result.stderr
    assert "no such file or directory" in result.stderr
    assert {r["doc"] for r in records(result.stdout)} == {"a"}


def test_run_stdin(pack: Path) -> None:
    result = ie("run", pack, "-", input=GOOD_C.encode("utf-8"))
    assert result.exit_code == 0, result.stderr
    recs = records(result.stdout)
    assert recs and {r["doc"] for r in recs} == {"stdin"}
    assert_offsets(recs, {"stdin": GOOD_C})


def test_run_stdin_not_utf8(pack: Path) -> None:
    result = ie("run", pack, "-", input="caf\xe9".encode("latin-1"))
    assert result.exit_code == 1
    assert "error[D001]: document 'stdin'" in result.stderr


def test_run_csv(pack: Path, docs: Path) -> None:
    result = ie("run", pack, docs / "a.txt", docs / "c.txt", "--format", "csv")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 5
    assert {"doc", "type", "start", "end", "text", "rule"} <= set(rows[0])
    first = rows[0]
    assert first["text"] == GOOD_A[int(first["start"]) : int(first["end"])]
    assert [r["type"] for r in rows] == ["Said", "Person", "Person", "Said", "Person"]


def test_run_table(pack: Path, docs: Path) -> None:
    result = ie("run", pack, docs / "a.txt", "--format", "table")
    assert result.exit_code == 0
    out = result.stdout
    for text in ("Person", "Said", "titled", "President Joe Biden"):
        assert text in out
    assert "\x1b[" not in out  # no colour when not on a terminal


def test_run_output_file(pack: Path, docs: Path, tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    to_stdout = ie("run", pack, docs / "a.txt")
    to_file = ie("run", pack, docs / "a.txt", "-o", target)
    assert to_file.exit_code == 0
    assert to_file.stdout == ""
    assert target.read_text(encoding="utf-8") == to_stdout.stdout
    assert records(to_stdout.stdout)


def test_run_max_bytes_skips_large_documents(pack: Path, tmp_path: Path) -> None:
    root = tmp_path / "sized"
    root.mkdir()
    (root / "big.txt").write_text(GOOD_A + " filler" * 50, encoding="utf-8")
    (root / "small.txt").write_text(GOOD_C, encoding="utf-8")
    result = ie("run", pack, root, "--max-bytes", "200")
    assert result.exit_code == 1
    assert "big.txt: error[D002]: document 'big'" in result.stderr
    assert "larger than the limit of 200 bytes" in result.stderr
    assert {r["doc"] for r in records(result.stdout)} == {"small"}


SLOW = """\
rule screaming
  match w:/^(a+)+$/
  yield Scream(w)

rule said
  match who:[is_title] "said"
  yield Said(who)
"""


def test_run_timeout_is_d007_and_other_documents_continue(tmp_path: Path) -> None:
    slow_pack = tmp_path / "slow"
    slow_pack.mkdir()
    (slow_pack / "slow.ie").write_text(SLOW, encoding="utf-8")
    root = tmp_path / "docs"
    root.mkdir()
    (root / "a_bad.txt").write_text("Bob said " + "a" * 30000 + "b", encoding="utf-8")
    (root / "b_good.txt").write_text("Ann said hi.", encoding="utf-8")
    (root / "c_good.txt").write_text("Cy said no.", encoding="utf-8")
    result = ie("run", slow_pack, root, "--timeout", "0.2")
    assert result.exit_code == 1
    assert "a_bad.txt: error[D007]: document 'a_bad'" in result.stderr
    assert "rule `screaming`" in result.stderr
    recs = records(result.stdout)
    assert [(r["doc"], r["text"]) for r in recs] == [
        ("b_good", "Ann said"),
        ("c_good", "Cy said"),
    ]


def test_run_broken_pack_reports_rule_errors_on_stderr(pack: Path, docs: Path) -> None:
    (pack / "people.ie").write_text(PEOPLE.replace("who:Person", "who:@Persn"), encoding="utf-8")
    result = ie("run", pack, docs)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert f"{pack.as_posix()}/people.ie:10:13: error[E0201]" in result.stderr
    assert "did you mean `Person`?" in result.stderr


def test_run_missing_pack(tmp_path: Path, docs: Path) -> None:
    result = ie("run", tmp_path / "nopack", docs)
    assert result.exit_code == 1
    assert "error[E0104]" in result.stderr
    assert result.stdout == ""


# ---- the real console script ---------------------------------------------------------------


def test_console_script_exit_codes(pack: Path, docs: Path, tmp_path: Path) -> None:
    ok = ie_process("--help")
    assert ok.returncode == 0 and "ie check" in ok.stdout
    usage = ie_process("run", pack, docs, "--format", "xml")
    assert usage.returncode == 2 and "xml" in usage.stderr
    broken = ie_process("check", tmp_path / "missing")
    assert broken.returncode == 1 and "error[E0104]" in broken.stdout
    mixed = ie_process("run", pack, docs)
    assert mixed.returncode == 1 and "error[D001]" in mixed.stderr
    assert len(records(mixed.stdout)) == 5
    # the process leaves without tearing its objects down: the output is complete first
    to_file = ie_process("run", pack, docs, "-o", tmp_path / "out.jsonl")
    assert to_file.returncode == 1 and to_file.stdout == ""
    assert (tmp_path / "out.jsonl").read_text("utf-8") == mixed.stdout


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_console_script_full_disk_is_not_a_bug(pack: Path, docs: Path) -> None:
    full = ie_process("run", pack, docs / "a.txt", "-o", "/dev/full")
    assert full.returncode == 1
    assert "cannot write the output: No space left on device" in full.stderr
    assert "bug" not in full.stderr


def test_run_jobs_output_is_identical(pack: Path, tmp_path: Path) -> None:
    # enough documents that both processes take batches; one line is not valid JSON
    lines = []
    for i in range(400):
        text = [GOOD_A, GOOD_C][i % 2]
        lines.append(json.dumps({"id": f"n{i}", "text": text}) if i != 123 else "{oops")
    corpus = tmp_path / "many.jsonl"
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    one = ie_process("run", pack, corpus, "--jobs", "1")
    two = ie_process("run", pack, corpus, "--jobs", "2")
    assert one.returncode == two.returncode == 1
    assert one.stdout == two.stdout and len(records(one.stdout)) > 400
    assert one.stderr == two.stderr and "many.jsonl:124" in one.stderr


def test_profile_counts_tries_and_records_per_rule(pack: Path, docs: Path) -> None:
    result = ie("profile", pack, docs / "a.txt", docs / "c.txt")
    assert result.exit_code == 0
    out = result.stdout
    assert "2 documents" in out and "to compile the rules' regexes first" in out
    rows = {
        cells[0]: cells
        for line in out.splitlines()
        if (cells := [c.strip() for c in line.strip("│ ").split("│")]) and len(cells) == 7
    }
    # titled: a hit of "President"/"Minister" at each of 3 titles, 3 people found
    assert rows["titled"][5:] == ["3", "3"]
    # said: anchored on the Person records, tried at each of the 3; two of them say something
    assert rows["said"][2] == "Person"
    assert rows["said"][5:] == ["3", "2"]
