"""Convert CoNLL-2003 / CoNLL++ named entities to `ie eval` gold JSON lines.

    python scripts/convert_conll.py --split dev          # -> /tmp/ie-gold/conllpp_dev.jsonl

Reads conllpp_<split>.txt from the corpora folder in place (default
../shared/corpora/conll2003, or $IE_CORPORA/conll2003). The test split (CoNLL++) is
held out for the final score: it is refused unless --final-test is given.

Documents are rebuilt from the tokens: `-DOCSTART-` starts a document, tokens are joined
by one space, sentences by a newline; offsets are computed while joining, so
`text[start:end]` is exactly the entity's tokens. PER -> Person, ORG -> Org, LOC -> Place
(MISC is dropped). Tags are IOB2; an I- tag after O or another type starts an entity.
Boundary policy: CoNLL's own (titles stay outside PER: "President [Clinton]").
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

from gold_io import GOLD_DIR, arguments, corpora_root, held_out, missing, refuse, write_gold

TYPES = {"PER": "Person", "ORG": "Org", "LOC": "Place"}


def read_documents(lines: Iterator[str]) -> Iterator[list[list[tuple[str, str]]]]:
    """Documents as lists of sentences of (token, tag)."""
    doc: list[list[tuple[str, str]]] = []
    sent: list[tuple[str, str]] = []
    for line in lines:
        parts = line.split()
        if not parts:
            if sent:
                doc.append(sent)
                sent = []
            continue
        if parts[0] == "-DOCSTART-":
            if sent:
                doc.append(sent)
                sent = []
            if doc:
                yield doc
            doc = []
            continue
        sent.append((parts[0], parts[-1]))
    if sent:
        doc.append(sent)
    if doc:
        yield doc


def build(doc_id: str, sentences: list[list[tuple[str, str]]]) -> dict[str, Any]:
    pieces: list[str] = []
    records: list[dict[str, Any]] = []
    pos = 0
    for si, sent in enumerate(sentences):
        if si:
            pieces.append("\n")
            pos += 1
        current: dict[str, Any] | None = None
        for ti, (tok, tag) in enumerate(sent):
            if ti:
                pieces.append(" ")
                pos += 1
            start, end = pos, pos + len(tok)
            pieces.append(tok)
            pos = end
            prefix, _, label = tag.partition("-")
            rtype = TYPES.get(label) if prefix in ("B", "I") else None
            continuing = current is not None and prefix == "I" and current["_label"] == label
            if continuing:
                assert current is not None
                current["end"] = end
                continue
            if current is not None:
                records.append(current)
                current = None
            if prefix in ("B", "I") and label:
                current = {"_label": label, "type": rtype, "start": start, "end": end}
        if current is not None:
            records.append(current)
    text = "".join(pieces)
    out = []
    for r in records:
        if r["type"] is None:  # MISC
            continue
        out.append(
            {
                "type": r["type"],
                "start": r["start"],
                "end": r["end"],
                "text": text[r["start"] : r["end"]],
            }
        )
    return {"id": doc_id, "text": text, "records": out}


def main(argv: list[str] | None = None) -> int:
    ap = arguments(__doc__, "conll2003", "train, dev (test is held out)", "dev")
    args = ap.parse_args(argv)
    if args.split not in ("train", "dev", "test"):
        return refuse(f"unknown split {args.split!r} (train, dev)")
    if held_out([args.split], args.final_test):
        return 2
    src = (args.corpus or corpora_root() / "conll2003") / f"conllpp_{args.split}.txt"
    if missing(src, "CoNLL-2003"):
        return 2
    out = args.output or GOLD_DIR / f"conllpp_{args.split}.jsonl"
    with open(src, encoding="utf-8") as f:
        docs = (
            build(f"conllpp_{args.split}_{i:04d}", sentences)
            for i, sentences in enumerate(read_documents(iter(f)))
        )
        n_docs, n_records = write_gold(out, docs)
    print(f"{out}: {n_docs} documents, {n_records} records", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
