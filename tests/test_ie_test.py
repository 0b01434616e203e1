"""`ie test`: examples, then each test document's records against its snapshot in the pack.

Most tests drive the command in-process (`ie test` runs its own pytest session inside
ours); one runs the installed `ie` command and one a project's pytest suite, as an analyst
and a developer would.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import syrupy
from typer.testing import CliRunner

from ie.cli import app
from ie.records import Field, Record
from ie.testing import (
    diff_snapshots,
    pack_snapshot_lines,
    record_line,
    run_pack_tests,
    snapshot_relpath,
)

ROOT = Path(__file__).resolve().parent.parent
SEED = "000_bb0def335cd299fa"
SNAP = Path("news/__snapshots__") / f"{SEED}.snap"
IE = Path(sys.executable).with_name("ie")  # the console script installed with the package
IE_CMD = [str(IE)] if IE.exists() else [sys.executable, "-c", "from ie.cli import main; main()"]


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the news pack (without snapshots) and the seeds, as the current folder."""
    shutil.copytree(
        ROOT / "rules" / "news", tmp_path / "news", ignore=shutil.ignore_patterns("__snapshots__")
    )
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def ie_test(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["test", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


# ---- the analyst's round trip ---------------------------------------------------------------


def test_missing_snapshot_fails_with_the_command_that_writes_it(work: Path) -> None:
    code, out = ie_test("news", "seeds/")
    assert code == 1
    assert re.search(
        rf"NEW     {SEED}  \(seeds/{SEED}\.txt\): no snapshot yet \(\d+ records now\)", out
    )
    assert "run: ie test news seeds/ --update" in out
    assert out.rstrip().endswith("FAILED: news: 1 document")
    assert not (work / "news" / "__snapshots__").exists()  # nothing written without --update


def test_update_writes_then_the_test_passes(work: Path) -> None:
    code, out = ie_test("news", "seeds/", "--update")
    assert code == 0, out
    assert re.search(rf"wrote   {SEED}  \({SNAP.as_posix()}\): new snapshot, \d+ records", out)
    written = re.search(r"1 document: 1 written; records: (\d+) added", out)
    assert written
    data = (work / SNAP).read_bytes()
    lines = data.decode("utf-8").split("\n")
    assert lines[-1] == "" and len(lines) == int(written.group(1)) + 1 and b"\r" not in data
    haftar = [ln for ln in lines if ln.startswith('Person 522-536 "Khalifa Haftar"')]
    assert haftar and re.search(r" \[person_titled people\.ie:\d+\]$", haftar[0])
    assert str(work) not in data.decode("utf-8") and "news/" not in data.decode("utf-8")

    code, out = ie_test("news", "seeds/")
    assert code == 0, out
    assert "1 document: 1 passed" in out and out.rstrip().endswith("ok: news passed")


def test_a_changed_document_shows_each_record_with_its_rule(work: Path) -> None:
    ie_test("news", "seeds/", "--update")
    replace_in(work / "seeds" / f"{SEED}.txt", "Dmitri Peskov", "Ivan Petrov")

    code, out = ie_test("news", "seeds/")
    assert code == 1
    # how many records change depends on the pack (a Quote's speaker may change too)
    changed = re.search(rf"FAILED  {SEED}  \(seeds/{SEED}\.txt\): (\d+) records changed", out)
    assert changed and int(changed.group(1)) >= 2
    assert re.search(r"~ Person \[person_spokesperson people\.ie:\d+\]\n", out)
    assert re.search(r"~ Spokesperson \[spokesperson_apposition relations\.ie:\d+\]\n", out)
    assert '- 3244-3257 "Dmitri Peskov" name="Dmitri Peskov" title="spokesman"' in out
    assert '+ 3244-3255 "Ivan Petrov" name="Ivan Petrov" title="spokesman"' in out
    assert f"1 document: 1 failed; records: {changed.group(1)} changed" in out
    assert "if these changes are intended, run: ie test news seeds/ --update" in out
    assert "Dmitri" in (work / SNAP).read_text(encoding="utf-8")  # untouched

    code, out = ie_test("news", "seeds/", "--update")
    assert code == 0
    assert f"updated {SEED}  ({SNAP.as_posix()}): {changed.group(1)} records changed" in out
    assert "Ivan Petrov" in (work / SNAP).read_text(encoding="utf-8")
    assert ie_test("news", "seeds/")[0] == 0


def test_added_removed_and_moved_records_are_told_apart(work: Path) -> None:
    ie_test("news", "seeds/", "--update")
    seed = work / "seeds" / f"{SEED}.txt"
    replace_in(seed, "Field Marshal Khalifa Haftar", "Khalifa Haftar")  # one Person gone
    text = seed.read_text(encoding="utf-8")
    seed.write_text(text + "\nPrime Minister Giorgia Meloni spoke.\n", encoding="utf-8")

    code, out = ie_test("news", "seeds/")
    assert code == 1
    assert re.search(
        r'\n    - Person 522-536 "Khalifa Haftar" .*\[person_titled people\.ie:\d+\]', out
    )
    assert re.search(
        r'\n    \+ Person \d+-\d+ "Giorgia Meloni" .*\[person_titled people\.ie:\d+\]', out
    )
    assert re.search(r'\n    ~ Person 1287-1302 -> 1273-1288 "Fayez al-Sarraj" ', out)
    # what else moved or appeared depends on the pack (another rule may find the name)
    assert re.search(r"records: \d+ added, 1 removed, \d+ moved", out)


def test_a_failing_example_fails_at_its_position(work: Path) -> None:
    ie_test("news", "seeds/", "--update")
    replace_in(work / "news" / "people.ie", 'name="Dmitri Peskov"', 'name="Dmitri Peskova"')
    code, out = ie_test("news", "seeds/")
    assert code == 1
    assert re.search(
        r"news/people\.ie:\d+:\d+: error\[E0401\]: example of rule `spokesperson_named`", out
    )
    assert re.search(r"news 0\.1\.0: \d+ examples, 1 failed \(above\)", out)
    assert "1 document: 1 passed" in out
    assert out.rstrip().endswith("FAILED: news: 1 example")


def test_a_pack_with_errors_is_reported_not_tested(work: Path) -> None:
    (work / "news" / "broken.ie").write_text("rule broken\n  match Nowhere\n", encoding="utf-8")
    code, out = ie_test("news", "seeds/")
    assert code == 1
    assert "news/broken.ie:" in out and "error[" in out
    assert "the pack has errors; nothing was tested" in out


def test_without_the_test_extra_the_command_says_what_to_install(
    work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(sys.modules, "ie.testing")
    monkeypatch.setitem(sys.modules, "syrupy", None)  # as if syrupy were not installed
    code, out = ie_test("news", "seeds/")
    assert code == 1
    assert "ie test needs pytest and syrupy: pip install 'ie[test]' (syrupy is missing)" in out


# ---- snapshots are the same bytes everywhere ------------------------------------------------


def test_snapshot_bytes_do_not_depend_on_run_folder_or_path(work: Path, tmp_path: Path) -> None:
    ie_test("news", "seeds/", "--update")
    first = (work / SNAP).read_bytes()
    ie_test("news", "seeds/", "--update")
    assert (work / SNAP).read_bytes() == first
    other = tmp_path / "elsewhere" / "deeper"
    shutil.copytree(work / "news", other / "pack", ignore=shutil.ignore_patterns("__snapshots__"))
    os.chdir(tmp_path / "elsewhere")  # another folder, the pack given by absolute path
    code, out = ie_test(str(other / "pack"), str(work / "seeds"), "--update")
    assert code == 0, out
    assert (other / "pack" / "__snapshots__" / f"{SEED}.snap").read_bytes() == first
    assert pack_snapshot_lines(other / "pack", work / "seeds" / f"{SEED}.txt").encode() == first


# ---- which documents, and obsolete snapshots ------------------------------------------------


def test_obsolete_snapshots_warn_and_are_removed_only_with_update(work: Path) -> None:
    ie_test("news", "seeds/", "--update")
    old = work / "news" / "__snapshots__" / "sub" / "gone.snap"
    old.parent.mkdir()
    old.write_text('Person 1-2 "x" [r a.ie:1]\n', encoding="utf-8")

    code, out = ie_test("news", "seeds/")
    assert code == 0, out
    assert (
        "warning: obsolete snapshot news/__snapshots__/sub/gone.snap: no test document has "
        "this id (--update removes it)" in out
    )
    assert old.exists()

    code, out = ie_test("news", "seeds/", "--update")
    assert code == 0
    assert "removed  news/__snapshots__/sub/gone.snap: obsolete" in out
    assert "1 obsolete snapshot removed" in out
    assert not old.exists() and not old.parent.exists()
    assert (work / SNAP).exists()


def test_unreadable_documents_fail_and_keep_every_snapshot(work: Path) -> None:
    ie_test("news", "seeds/", "--update")
    (work / "seeds" / "bad.txt").write_bytes(b"caf\xe9")
    (work / "news" / "__snapshots__" / "bad.snap").write_text("", encoding="utf-8")
    (work / "news" / "__snapshots__" / "gone.snap").write_text("", encoding="utf-8")
    code, out = ie_test("news", "seeds/", "--update")
    assert code == 1
    assert "ERROR   bad  (seeds/bad.txt): error[D001]: not valid UTF-8" in out
    assert "obsolete snapshots were kept because some documents could not be read" in out
    assert "warning: obsolete snapshot news/__snapshots__/gone.snap: no test document has" in out
    assert (work / "news" / "__snapshots__" / "gone.snap").exists()
    assert (work / "news" / "__snapshots__" / "bad.snap").exists()


def test_two_documents_with_one_id_are_an_error(work: Path) -> None:
    (work / "more").mkdir()
    shutil.copy(work / "seeds" / f"{SEED}.txt", work / "more" / f"{SEED}.txt")
    code, out = ie_test("news", f"seeds/{SEED}.txt", f"more/{SEED}.txt", "--update")
    assert code == 1
    assert f"error: two test documents have the id '{SEED}': more/{SEED}.txt was skipped" in out


def test_the_packs_tests_folder_comes_before_the_command_line(work: Path) -> None:
    (work / "news" / "tests" / "wire").mkdir(parents=True)
    (work / "news" / "tests" / "wire" / "a.txt").write_text(
        "Prime Minister Fayez al-Sarraj said so.", encoding="utf-8"
    )
    code, out = ie_test("news", "seeds/", "--update")
    assert code == 0, out
    assert "note: the pack has its own test documents (its tests/)" in out
    snap = work / "news" / "__snapshots__" / "wire" / "a.snap"
    assert snap.read_text(encoding="utf-8").startswith('Person 15-30 "Fayez al-Sarraj"')
    assert not (work / SNAP).exists()
    code, out = ie_test("news")
    assert code == 0 and "ok: news passed" in out


def test_pack_toml_tests_are_globs_inside_the_pack(work: Path) -> None:
    (work / "news" / "docs" / "deep").mkdir(parents=True)
    (work / "news" / "docs" / "a.txt").write_text("Dr Who. Field Marshal Ab Cd.", encoding="utf-8")
    (work / "news" / "docs" / "deep" / "b.txt").write_text("nothing", encoding="utf-8")
    with (work / "news" / "pack.toml").open("a", encoding="utf-8") as f:
        f.write('tests = ["docs/*.txt"]\n')
    code, out = ie_test("news", "--update")
    assert code == 0, out
    assert sorted(p.name for p in (work / "news" / "__snapshots__").rglob("*.snap")) == ["a.snap"]

    replace_in(work / "news" / "pack.toml", '"docs/*.txt"', '"docs/**/*.txt", "../seeds/*.txt"')
    code, out = ie_test("news")
    assert code == 1
    assert "tests entry '../seeds/*.txt' is not inside the pack" in out
    assert "NEW     deep/b  (news/docs/deep/b.txt): no snapshot yet (0 records now)" in out


def test_no_documents_checks_examples_but_never_forgets_snapshots(work: Path) -> None:
    code, out = ie_test("news")
    assert code == 0 and "note: no test documents" in out
    ie_test("news", "seeds/", "--update")
    code, out = ie_test("news")
    assert code == 1
    assert "news/__snapshots__ holds 1 snapshot(s) but no test document was given" in out
    assert (work / SNAP).exists()


def test_the_inner_pytest_run_is_isolated_both_ways(
    work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a user's pytest options must not change what `ie test` runs ...
    monkeypatch.setenv("PYTEST_ADDOPTS", "--no-such-option -k nothing")
    env = dict(os.environ)
    session = syrupy._syrupy
    run = run_pack_tests("news", ["seeds/"], update=True)
    assert run.ok and [d.status for d in run.documents] == ["written"]
    # ... and `ie test` must not change the pytest session it runs in (this one)
    assert syrupy._syrupy is session
    assert dict(os.environ) == env


# ---- the snapshot format ------------------------------------------------------------------


def _record(text: str, **fields: str) -> Record:
    return Record(
        doc="d",
        type="Quote",
        start=3,
        end=3 + len(text),
        text=text,
        token_start=0,
        token_end=1,
        fields={k: Field(v) for k, v in fields.items()},
        rule="quote",
        source="/abs/rules/q.ie:7",
        pack="p",
        pack_version="1",
    )


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain", '"plain"'),
        ('say "hi"\\', '"say \\"hi\\"\\\\"'),
        ("two\nlines\r\n\tend", '"two\\nlines\\r\\n\\tend"'),
        ("zero\u200bwidth\u2028sep", '"zero\\u200bwidth\\u2028sep"'),
        ("Gaddafi — café", '"Gaddafi — café"'),
    ],
    ids=["plain", "quotes", "newlines", "invisible", "unicode"],
)
def test_record_line_quotes_text_on_one_line(text: str, shown: str) -> None:
    line = record_line(_record(text, who=text), "q.ie:7")
    assert line == f"Quote 3-{3 + len(text)} {shown} who={shown} [quote q.ie:7]"
    assert "\n" not in line and "\r" not in line


@pytest.mark.parametrize(
    ("doc_id", "rel"),
    [
        ("000_bb0def335cd299fa", "000_bb0def335cd299fa.snap"),
        ("wire/a", "wire/a.snap"),
        ("a:b?c", "a%3Ab%3Fc.snap"),
        ("../up", "%2E%2E/up.snap"),
        ("100%", "100%25.snap"),
        ("end.", "end%2E.snap"),
    ],
)
def test_snapshot_files_are_safe_names(doc_id: str, rel: str) -> None:
    assert snapshot_relpath(doc_id) == rel


def test_diff_pairs_records_by_rule_and_span() -> None:
    old = (
        'Person 0-5 "Haftar" name="Haftar" [p a.ie:1]\n'
        'Person 10-15 "Sarraj" name="Sarraj" [p a.ie:1]\n'
        'Org 20-23 "CNN" [o b.ie:2]\n'
    )
    new = (
        'Person 0-5 "Haftar" name="Haftar" [p a.ie:1]\n'
        'Person 12-17 "Sarraj" name="Sarraj" [p a.ie:3]\n'
        'Org 22-25 "BBC" [o b.ie:2]\n'
        'Place 30-35 "Libya" [l c.ie:4]\n'
    )
    changes = diff_snapshots(old, new)
    assert [c.kind for c in changes] == ["moved", "changed", "added"]
    assert changes[0].lines() == [
        '~ Person 10-15 -> 12-17 "Sarraj" name="Sarraj" [p a.ie:1 -> a.ie:3]'
    ]
    assert changes[1].lines() == ["~ Org [o b.ie:2]", '    - 20-23 "CNN"', '    + 22-25 "BBC"']
    assert changes[2].lines() == ['+ Place 30-35 "Libya" [l c.ie:4]']
    assert [c.kind for c in diff_snapshots(new, "")] == ["removed"] * 4


# ---- as a user runs it ----------------------------------------------------------------------


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["NO_COLOR"] = "1"
    return env


def test_the_installed_command(work: Path) -> None:
    def ie(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*IE_CMD, "test", *args], capture_output=True, text=True, env=_env(), timeout=60
        )

    first = ie("news", "seeds/")
    assert first.returncode == 1 and "run: ie test news seeds/ --update" in first.stdout
    assert first.stderr == ""
    update = ie("news", "seeds/", "--update")
    assert update.returncode == 0 and update.stdout.endswith("ok: news passed\n"), update.stdout
    assert (work / SNAP).is_file()


def test_a_projects_pytest_suite_uses_the_same_snapshots(work: Path) -> None:
    (work / "test_pack.py").write_text(
        "from ie.testing import assert_pack_snapshot\n\n"
        "def test_news(snapshot):\n"
        "    assert_pack_snapshot(snapshot, 'news', 'seeds/')\n",
        encoding="utf-8",
    )

    def pytest_run(*args: str) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-m", "pytest", "-p", "syrupy", "-p", "no:cacheprovider"]
        # only syrupy: other installed plugins (hypothesis, ...) would just slow this down
        env = {**_env(), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
        return subprocess.run(
            [*cmd, "test_pack.py", *args], capture_output=True, text=True, env=env, timeout=60
        )

    written = pytest_run("--snapshot-update")
    assert written.returncode == 0, written.stdout
    assert "1 snapshot generated" in written.stdout
    data = (work / SNAP).read_bytes()
    ie_test("news", "seeds/", "--update")
    assert (work / SNAP).read_bytes() == data  # ie test agrees byte for byte

    replace_in(work / "seeds" / f"{SEED}.txt", "Dmitri Peskov", "Ivan Petrov")
    failed = pytest_run()
    assert failed.returncode == 1
    assert re.search(r"~ Person \[person_spokesperson people\.ie:\d+\]", failed.stdout)
    assert "pytest --snapshot-update (or: ie test news seeds --update)" in failed.stdout
    assert "unused" not in failed.stdout
