"""Documents tokenised by another pipeline (a spaCy `Doc`) as ie documents.

The tokens, their offsets and their part of speech, tag, lemma and entity label come from
the other pipeline; sentences come from it when it sets them, else from ie's own sentence
splitter (mapped onto its tokens by character offset); paragraphs always come from ie's
splitter. Rules then match it like any document, and may test `[pos = "PROPN"]`,
`[lemma = "say"]`, `[ent = "PERSON"]`, `[tag = "NNP"]`. Duck-typed: spaCy is not imported.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Any

from ie.lower import clean_annotation
from ie.tokenizer import Doc, tokenize

_CONTROL = {chr(c) for c in (*range(0x20), *range(0x7F, 0xA0))}


def from_spacy(spacy_doc: Any) -> Doc:
    """An ie `Doc` from a spaCy `Doc` (or anything shaped like one)."""
    text: str = spacy_doc.text
    starts: list[int] = []
    ends: list[int] = []
    words: list[str] = []
    extra: list[str] = []
    sent_starts: list[bool] = []
    for tok in spacy_doc:
        word: str = tok.text
        # ie tokens never hold whitespace or control characters (the record layout relies on it)
        if not word or word.isspace() or _CONTROL.intersection(word):
            continue
        starts.append(tok.idx)
        ends.append(tok.idx + len(word))
        words.append(word)
        sent_starts.append(bool(getattr(tok, "is_sent_start", False)))
        extra.append(
            "".join(
                f"{attr}={clean_annotation(attr, value)};"
                for attr, value in (
                    ("pos", getattr(tok, "pos_", "")),
                    ("tag", getattr(tok, "tag_", "")),
                    ("lemma", getattr(tok, "lemma_", "")),
                    ("ent", getattr(tok, "ent_type_", "")),
                )
                if value
            )
        )
    own = tokenize(text)  # paragraphs, and sentences when the other pipeline has none

    def cut_points(units: list[tuple[int, int]]) -> set[int]:
        # first token (of the adapted doc) at or after each unit's first character
        return {bisect_left(starts, own.starts[a]) for a, _ in units}

    n = len(words)
    sent_cuts = (
        {i for i, first in enumerate(sent_starts) if first}
        if any(sent_starts[1:])
        else (cut_points(own.sentences))
    )
    para_cuts = cut_points(own.paragraphs)
    sent_cuts |= para_cuts  # a paragraph break always ends a sentence
    return Doc(text, starts, ends, words, _ranges(sent_cuts, n), _ranges(para_cuts, n), extra)


def _ranges(cuts: set[int], n: int) -> list[tuple[int, int]]:
    points = sorted({0, *(c for c in cuts if 0 < c < n)}) if n else []
    return [(a, b) for a, b in zip(points, [*points[1:], n], strict=True)]
