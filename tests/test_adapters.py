"""Documents from another pipeline (spaCy-shaped) match with their pos/tag/lemma/ent."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from ie.adapters import from_spacy
from ie.compiler import compile_pack
from ie.runtime import Engine


@dataclass
class FakeToken:
    text: str
    idx: int
    pos_: str = ""
    tag_: str = ""
    lemma_: str = ""
    ent_type_: str = ""
    is_sent_start: bool = False


class FakeDoc:
    """The part of a spaCy Doc the adapter reads."""

    def __init__(self, text: str, tokens: list[FakeToken]) -> None:
        self.text = text
        self._tokens = tokens

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._tokens)


def fake(text: str, annotations: dict[str, tuple[str, str, str]]) -> FakeDoc:
    """Whitespace tokens; annotations: word -> (pos, lemma, ent)."""
    tokens, pos = [], 0
    for word in text.split(" "):
        if word:
            p, lemma, ent = annotations.get(word, ("X", word.lower(), ""))
            tokens.append(FakeToken(word, text.index(word, pos), p, p, lemma, ent))
            pos = text.index(word, pos) + len(word)
    return FakeDoc(text, tokens)


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    (tmp_path / "r.ie").write_text(
        'rule who_said\n  match who:[ent = "PERSON"]+ v:[lemma = "say"]\n  yield Said(who, v)\n'
        'rule nouns\n  match n:[pos in ("NOUN", "PROPN") and not ent = "PERSON"]\n'
        "  yield Noun(n)\n",
        encoding="utf-8",
    )
    return Engine(compile_pack(tmp_path))


def test_annotations_from_another_pipeline_are_matched(engine: Engine) -> None:
    text = "Ahmed Mesmari says the offensive continues ."
    doc = from_spacy(
        fake(
            text,
            {
                "Ahmed": ("PROPN", "ahmed", "PERSON"),
                "Mesmari": ("PROPN", "mesmari", "PERSON"),
                "says": ("VERB", "say", ""),
                "offensive": ("NOUN", "offensive", ""),
            },
        )
    )
    got = [(r.type, r.text) for r in engine.extract_doc("d", doc)]
    assert got == [("Said", "Ahmed Mesmari says"), ("Noun", "offensive")]
    for r in engine.extract_doc("d", doc):
        assert text[r.start : r.end] == r.text


def test_without_annotations_those_tests_never_match(engine: Engine) -> None:
    assert engine.extract("d", "Ahmed Mesmari says the offensive continues.") == []


def test_sentences_come_from_ie_when_the_pipeline_has_none() -> None:
    doc = from_spacy(fake("One said so . Two said no .", {}))
    assert [doc.words[a:b] for a, b in doc.sentences] == [
        ["One", "said", "so", "."],
        ["Two", "said", "no", "."],
    ]


def test_separators_in_annotation_values_are_neutralised(engine: Engine) -> None:
    doc = from_spacy(fake("Bob said", {"Bob": ("PROPN", "bob;x\x01", "PERSON")}))
    assert doc.extra is not None and "\x01" not in doc.extra[0] and "bob_x_" in doc.extra[0]
