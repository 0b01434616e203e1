"""Convert GUM news named entities to `ie eval` gold JSON lines (docs/evaluation.md).

    python scripts/convert_gum.py --split train,dev      # -> /tmp/ie-gold/gum_news.jsonl

Reads gum_news_annotations.jsonl from the corpora folder in place (default
/work/shared/corpora/gum-news, or $IE_CORPORA/gum-news). GUM's test documents are not
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

import argparse
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

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


def corpora_root() -> Path:
    return Path(os.environ.get("IE_CORPORA", "/work/shared/corpora"))


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
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--split", default="train,dev", help="GUM splits, comma-separated")
    ap.add_argument("--corpus", type=Path, default=None, help="the gum-news folder")
    ap.add_argument("-o", "--output", type=Path, default=None)
    ap.add_argument("--final-test", action="store_true", help="allow the held-out test split")
    args = ap.parse_args(argv)
    splits = {s.strip() for s in args.split.split(",") if s.strip()}
    if not splits <= {"train", "dev", "test"}:
        print(f"error: unknown split in {args.split!r} (train, dev, test)", file=sys.stderr)
        return 2
    if "test" in splits and not args.final_test:
        print("error: the test split is held out; use train and dev", file=sys.stderr)
        return 2
    folder = args.corpus or corpora_root() / "gum-news"
    src = folder / "gum_news_annotations.jsonl"
    if not src.is_file():
        print(
            f"error: GUM news not found: {src} is missing (see docs/evaluation.md)", file=sys.stderr
        )
        return 2
    out = args.output or Path("/tmp/ie-gold") / "gum_news.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    docs = records = 0
    with open(src, encoding="utf-8") as f, open(out, "w", encoding="utf-8") as w:
        for line in f:
            if not line.strip():
                continue
            obj = json.loads(line)
            if obj.get("gum_split") not in splits:
                continue
            doc = convert_document(obj)
            docs += 1
            records += len(doc["records"])
            w.write(json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"{out}: {docs} documents, {records} records", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
