"""Convert PolNeAR attributions to `ie eval` gold JSON lines (docs/evaluation.md).

    python scripts/convert_polnear.py --split dev            # -> /tmp/ie-gold/polnear_dev.jsonl
    python scripts/convert_polnear.py --split train -o /tmp/polnear_train.jsonl

Reads `polnear_<split>.jsonl` from the corpora folder in place (default
/work/shared/corpora/polnear, or $IE_CORPORA/polnear) and writes gold outside the project.
The test split is held out for the final score: it is refused unless --final-test is given.

Boundary policy (see docs/evaluation.md):
- one `Quote` record per content fragment (a brat span; a quote broken by "he said" gives
  two records sharing the same source and cue), spanning the fragment as annotated;
- field `content`: the fragment without surrounding white space and, for a direct quote,
  without its enclosing quotation marks (as the news pack's `content` is);
- `kind="direct"` when the fragment starts with a quotation mark;
- field `source`: the source as annotated (appositives and titles included: "White House
  spokesman Josh Earnest"); a two-part source spans from its first to its last part;
  absent for `Attribution-no-source`;
- field `cue`: the cue span; only the first annotator's attributions are used.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

SPLITS = ("train", "dev", "test")
OPEN_QUOTES = "\"“‘'«"
CLOSE_QUOTES = "\"”’'»"


def corpora_root() -> Path:
    return Path(os.environ.get("IE_CORPORA", "/work/shared/corpora"))


def span_field(text: str, spans: list[list[Any]]) -> dict[str, Any] | None:
    if not spans:
        return None
    start = min(int(s[0]) for s in spans)
    end = max(int(s[1]) for s in spans)
    return {"text": text[start:end], "start": start, "end": end}


def content_field(text: str, start: int, end: int) -> tuple[dict[str, Any], bool]:
    """The content span without white space around it, and without enclosing quotation
    marks when it is a direct quote; returns (field, direct)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    direct = start < end and text[start] in OPEN_QUOTES
    if direct:
        start += 1
        # the closing mark may be followed by punctuation the annotator included
        j = end
        while j > start and text[j - 1] in ".,;:!?":
            j -= 1
        if j > start and text[j - 1] in CLOSE_QUOTES:
            end = j - 1
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
    return {"text": text[start:end], "start": start, "end": end}, direct


def convert_document(obj: dict[str, Any]) -> dict[str, Any]:
    text: str = obj["text"]
    records: list[dict[str, Any]] = []
    annotations = obj.get("annotations") or []
    attributions = annotations[0]["attributions"] if annotations else []
    for at in attributions:
        source = span_field(text, at.get("source") or [])
        cue = span_field(text, at.get("cue") or [])
        for s, e, _ in sorted(at.get("content") or [], key=lambda x: (x[0], x[1])):
            s, e = int(s), int(e)
            if s >= e:
                continue
            content, direct = content_field(text, s, e)
            fields: dict[str, Any] = {"content": content}
            if source is not None:
                fields["source"] = source
            if cue is not None:
                fields["cue"] = cue
            if direct:
                fields["kind"] = {"text": "direct"}
            records.append(
                {"type": "Quote", "start": s, "end": e, "fields": fields, "attribution": at["id"]}
            )
    records.sort(key=lambda r: (r["start"], -r["end"], r["attribution"]))
    return {"id": obj["id"], "text": text, "records": records}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--split", choices=SPLITS, default="dev")
    ap.add_argument("--corpus", type=Path, default=None, help="the polnear folder")
    ap.add_argument("-o", "--output", type=Path, default=None)
    ap.add_argument("--final-test", action="store_true", help="allow the held-out test split")
    args = ap.parse_args(argv)
    if args.split == "test" and not args.final_test:
        print(
            "error: the test split is held out for the final score; "
            "use train or dev (or --final-test, once)",
            file=sys.stderr,
        )
        return 2
    folder = args.corpus or corpora_root() / "polnear"
    src = folder / f"polnear_{args.split}.jsonl"
    if not src.is_file():
        print(
            f"error: PolNeAR not found: {src} is missing (see docs/evaluation.md)", file=sys.stderr
        )
        return 2
    out = args.output or Path("/tmp/ie-gold") / f"polnear_{args.split}.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    docs = records = direct = 0
    with open(src, encoding="utf-8") as f, open(out, "w", encoding="utf-8") as w:
        for line in f:
            if not line.strip():
                continue
            doc = convert_document(json.loads(line))
            docs += 1
            records += len(doc["records"])
            direct += sum("kind" in r["fields"] for r in doc["records"])
            w.write(json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"{out}: {docs} documents, {records} Quote records ({direct} direct)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
