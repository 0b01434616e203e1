"""`ie new` makes a pack that passes `ie check` and `ie test` at once."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ie.cli import app


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_new_pack_checks_and_tests_clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out = invoke("new", "people")
    assert code == 0, out
    for part in ("pack.toml", "rules.ie", "lexicons/titles.txt", "tests/example.txt"):
        assert (tmp_path / "people" / part).is_file()
    assert list((tmp_path / "people" / "__snapshots__").rglob("*.snap"))
    code, out = invoke("check", "people")
    assert code == 0, out
    assert "warning" not in out
    code, out = invoke("test", "people")
    assert code == 0, out
    assert out.rstrip().endswith("ok: people passed")


def test_changed_rule_makes_the_new_pack_fail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    invoke("new", "people")
    lexicon = tmp_path / "people" / "lexicons" / "titles.txt"
    lexicon.write_text(lexicon.read_text().replace("\npresident\n", "\n"), encoding="utf-8")
    code, out = invoke("test", "people")
    assert code == 1
    assert "titled_person" in out


@pytest.mark.parametrize(
    ("name", "message"),
    [("9lives", "not a usable pack name"), ("taken", "already exists")],
    ids=["bad-name", "not-empty"],
)
def test_new_refuses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "keep.txt").write_text("x")
    code, out = invoke("new", name)
    assert code == 1
    assert message in out
    assert (tmp_path / "taken" / "keep.txt").read_text() == "x"
