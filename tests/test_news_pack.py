"""The news pack on the seed article: a syrupy snapshot of `ie run rules/news seeds/`.

The snapshot is the exact JSON-lines output an analyst sees; a change to the rules that
adds or removes a record shows up as a reviewable diff in
tests/__snapshots__/test_news_pack.ambr.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ie.cli import app

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_bb0def335cd299fa.txt"


@pytest.fixture(autouse=True)
def _at_project_root(monkeypatch: pytest.MonkeyPatch) -> None:
    # record provenance holds paths as the analyst typed them: run from the project root
    monkeypatch.chdir(ROOT)


def run_news() -> tuple[int, str]:
    result = CliRunner().invoke(app, ["run", "rules/news", "seeds/", "--format", "jsonl"])
    return result.exit_code, result.stdout


def test_news_pack_checks_clean() -> None:
    result = CliRunner().invoke(app, ["check", "rules/news"])
    assert result.exit_code == 0, result.output
    assert "error" not in result.stdout
    assert "warning" not in result.stdout


def test_news_pack_on_seed_snapshot(snapshot: Any) -> None:
    code, out = run_news()
    assert code == 0
    assert out == snapshot


def test_seed_records_quote_the_document_exactly() -> None:
    text = SEED.read_text(encoding="utf-8")
    _, out = run_news()
    records = [json.loads(line) for line in out.splitlines()]
    assert records
    for r in records:
        assert text[r["start"] : r["end"]] == r["text"]
        for f in r["fields"].values():
            if "start" in f:
                assert text[f["start"] : f["end"]] == f["text"]


def test_seed_has_the_people_and_spokespeople() -> None:
    _, out = run_news()
    records = [json.loads(line) for line in out.splitlines()]

    def fields(r: dict[str, dict[str, dict[str, str]]]) -> dict[str, str]:
        return {k: v["text"] for k, v in r["fields"].items()}

    people = {(fields(r)["name"], fields(r).get("title")) for r in records if r["type"] == "Person"}
    assert {
        ("Khalifa Haftar", "Field Marshal"),
        ("Fayez al-Sarraj", "Prime Minister"),
        ("Antonio Guterres", "Secretary General"),
        ("Ahmed al-Mesmari", "spokesman"),
        ("Dmitri Peskov", "spokesman"),
    } <= people
    relations = {
        (fields(r)["principal"], fields(r)["spokesperson"])
        for r in records
        if r["type"] == "Spokesperson"
    }
    assert relations == {("Haftar", "Ahmed al-Mesmari"), ("Kremlin", "Dmitri Peskov")}
