"""Convert GUM news named entities to `ie eval` gold JSON lines (docs/evaluation.md).

    python scripts/convert_gum.py --split train,dev      # -> /tmp/ie-gold/gum_news.jsonl

Reads gum_news_annotations.jsonl from the corpora folder in place (default
../shared/corpora/gum-news, or $IE_CORPORA/gum-news). GUM's test documents are not
used unless --final-test is given.

Boundary policy (see docs/evaluation.md): GUM annotates every mention, named or not, with
nesting. A mention becomes a gold record when
- its entity type is person, organization or place (-> Person, Org, Place);
- it carries a Wikipedia identity (the entity is named); and
- it is written as a name: after a leading "the"/"The", every word starts with a capital
  letter or a digit, or is a joining word (of, and, for, de, ...), and it is not a pronoun.
So "the United States" gives Place "United States", "U.S. President Donald Trump" gives
Person "U.S. President Donald Trump" (GUM keeps titles inside the person mention; compare
with overlap matching), and "the president" or "he" give nothing. Identical records are
kept once, and a trailing possessive ("Afghanistan's") is left out of the span.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from gold_io import GOLD_DIR, arguments, corpora_root, held_out, missing, refuse, write_gold

TYPES = {"person": "Person", "organization": "Org", "place": "Place"}
JOINERS = {
    "of",
    "and",
    "for",
    "the",
    "de",
    "del",
    "la",
    "le",
    "du",
    "von",
    "van",
    "der",
    "da",
    "di",
    "&",
    "'s",
    "’s",
    "-",
    "on",
    "in",
    "at",
    "al",
    "bin",
    "el",
}
PRONOUNS = {
    "I",
    "He",
    "She",
    "It",
    "We",
    "They",
    "You",
    "His",
    "Her",
    "Its",
    "Their",
    "Our",
    "My",
    "Him",
    "Them",
    "Us",
    "Me",
}
ARTICLE = re.compile(r"^(the|The)\s+")
POSSESSIVE = re.compile(r"\s*['’]s?$")


def is_name(words: list[str]) -> bool:
    if not words or words[0] in PRONOUNS:
        return False
    if not (words[0][:1].isupper() or words[0][:1].isdigit()):
        return False
    return all(w[:1].isupper() or w[:1].isdigit() or w.lower() in JOINERS for w in words)


def convert_document(obj: dict[str, Any]) -> dict[str, Any]:
    text: str = obj["text"]
    seen: set[tuple[str, int, int]] = set()
    records: list[dict[str, Any]] = []
    for m in obj.get("entity_mentions") or []:
        rtype = TYPES.get(m.get("etype", ""))
        if rtype is None or not m.get("identity"):
            continue
        start, end = int(m["start"]), int(m["end"])
        art = ARTICLE.match(text[start:end])
        if art:
            start += art.end()
        poss = POSSESSIVE.search(text[start:end])
        if poss:
            end = start + poss.start()
        if start >= end or not is_name(text[start:end].split()):
            continue
        key = (rtype, start, end)
        if key in seen:
            continue
        seen.add(key)
        records.append({"type": rtype, "start": start, "end": end, "text": text[start:end]})
    records.sort(key=lambda r: (r["start"], -r["end"], r["type"]))
    return {"id": obj["id"], "text": text, "records": records}


def main(argv: list[str] | None = None) -> int:
    ap = arguments(__doc__, "gum-news", "GUM splits, comma-separated", "train,dev")
    args = ap.parse_args(argv)
    splits = {s.strip() for s in args.split.split(",") if s.strip()}
    if not splits <= {"train", "dev", "test"}:
        return refuse(f"unknown split in {args.split!r} (train, dev, test)")
    if held_out(splits, args.final_test):
        return 2
    src = (args.corpus or corpora_root() / "gum-news") / "gum_news_annotations.jsonl"
    if missing(src, "GUM news"):
        return 2
    out = args.output or GOLD_DIR / "gum_news.jsonl"
    with open(src, encoding="utf-8") as f:
        objs = (json.loads(line) for line in f if line.strip())
        docs = (convert_document(o) for o in objs if o.get("gum_split") in splits)
        n_docs, n_records = write_gold(out, docs)
    print(f"{out}: {n_docs} documents, {n_records} records", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
