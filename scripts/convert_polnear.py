"""Convert PolNeAR attributions to `ie eval` gold JSON lines (docs/evaluation.md).

    python scripts/convert_polnear.py --split dev            # -> /tmp/ie-gold/polnear_dev.jsonl
    python scripts/convert_polnear.py --split train -o /tmp/polnear_train.jsonl

Reads `polnear_<split>.jsonl` from the corpora folder in place (default
../shared/corpora/polnear, or $IE_CORPORA/polnear) and writes gold outside the project.
The test split is held out for the final score: it is refused unless --final-test is given.

Boundary policy (see docs/evaluation.md):
- one `Quote` record per content fragment (a brat span; a quote broken by "he said" gives
  two records sharing the same source and cue), spanning the fragment as annotated, white
  space trimmed, and widened over a quotation mark the annotator left out at an edge of
  a fragment that the marks enclose (`widen_to_marks`);
- field `content`: the fragment without surrounding white space and, for a direct quote,
  without its enclosing quotation marks (as the news pack's `content` is);
- `kind="direct"` when the fragment starts with a quotation mark;
- field `speaker`: the source as annotated (appositives and titles included: "White House
  spokesman Josh Earnest"); a two-part source spans from its first to its last part;
  absent for `Attribution-no-source`;
- field `cue`: the cue span; only the first annotator's attributions are used.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from gold_io import GOLD_DIR, arguments, corpora_root, held_out, missing, refuse, write_gold

SPLITS = ("train", "dev", "test")
OPEN_QUOTES = "\"“‘'«"
CLOSE_QUOTES = "\"”’'»"


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
        # a doubled mark (''...'', as the New York Times prints quotes) is one mark
        double = text[start : start + 2] == "''"
        start += 2 if double else 1
        # the closing mark may be followed by punctuation the annotator included
        j = end
        while j > start and text[j - 1] in ".,;:!?":
            j -= 1
        if double and j - 1 > start and text[j - 2 : j] == "''":
            end = j - 2
        elif j > start and text[j - 1] in CLOSE_QUOTES:
            end = j - 1
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
    return {"text": text[start:end], "start": start, "end": end}, direct


def _ends_with_close(text: str, start: int, end: int) -> bool:
    """The fragment ends with a closing mark, perhaps followed by punctuation."""
    j = end
    while j > start and text[j - 1] in ".,;:!?":
        j -= 1
    return j > start and text[j - 1] in CLOSE_QUOTES


def widen_to_marks(text: str, start: int, end: int) -> tuple[int, int]:
    """The fragment widened over the quotation marks that enclose it right at its edges,
    where the annotator left one out: `I have earned ...”` -> `“I have earned ...”`,
    `“We're going to win,` -> `“We're going to win,”`, and a doubled mark cut in half
    (`''He has got it,'` or `'He has got it,''` -> `''He has got it,''`). Only a fragment
    enclosed on both sides is widened: one that stops inside a quotation (a quotation
    annotated in pieces) stays as it is."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start >= end:
        return start, end
    if text[start - 1 : start + 1] == "''" and text[start + 1 : start + 2] != "'":
        start -= 1  # the second half of a doubled opening mark: the whole mark
    opens = text[start] in OPEN_QUOTES
    closes = _ends_with_close(text, start, end)
    after = text[end] if end < len(text) else ""
    if (
        not opens
        and start > 0
        and text[start - 1] in OPEN_QUOTES
        and (closes or after in CLOSE_QUOTES)
    ):
        start -= 2 if text[start - 2 : start] == "''" else 1
        opens = True
    if opens and not closes and after in CLOSE_QUOTES:
        end += 1
        if text[start : start + 2] == "''" and text[end : end + 1] == "'":
            end += 1  # the rest of a doubled mark
    elif (
        opens
        and text[start : start + 2] == "''"
        and text[end - 2 : end] != "''"
        and text[end - 1] == "'"
        and after == "'"
    ):
        end += 1  # a doubled closing mark cut in half
    return start, end


def join_fragments(text: str, spans: list[list[Any]]) -> list[tuple[int, int]]:
    """An attribution's content fragments in order, with fragments that only white space
    within one paragraph separates joined into one: annotators often marked a quotation of
    several sentences sentence by sentence, and it is one content. A paragraph break, or
    anything else between two fragments (`"...," he said, "..."`), keeps them apart."""
    joined: list[tuple[int, int]] = []
    for s, e in sorted((int(x[0]), int(x[1])) for x in spans):
        if joined:
            ps, pe = joined[-1]
            gap = text[pe:s]
            if s <= pe or (not gap.strip() and "\n" not in gap):
                joined[-1] = (ps, max(pe, e))
                continue
        joined.append((s, e))
    return joined


def convert_document(obj: dict[str, Any]) -> dict[str, Any]:
    text: str = obj["text"]
    records: list[dict[str, Any]] = []
    annotations = obj.get("annotations") or []
    attributions = annotations[0]["attributions"] if annotations else []
    for at in attributions:
        source = span_field(text, at.get("source") or [])
        cue = span_field(text, at.get("cue") or [])
        for s, e in join_fragments(text, at.get("content") or []):
            s, e = widen_to_marks(text, s, e)
            if s >= e:
                continue
            content, direct = content_field(text, s, e)
            fields: dict[str, Any] = {"content": content}
            if source is not None:
                fields["speaker"] = source
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
    ap = arguments(__doc__, "polnear", "train, dev (test is held out)", "dev")
    args = ap.parse_args(argv)
    if args.split not in SPLITS:
        return refuse(f"unknown split {args.split!r} ({', '.join(SPLITS)})")
    if held_out([args.split], args.final_test):
        return 2
    src = (args.corpus or corpora_root() / "polnear") / f"polnear_{args.split}.jsonl"
    if missing(src, "PolNeAR"):
        return 2
    out = args.output or GOLD_DIR / f"polnear_{args.split}.jsonl"
    with open(src, encoding="utf-8") as f:
        docs = [convert_document(json.loads(line)) for line in f if line.strip()]
    n_docs, n_records = write_gold(out, docs)
    direct = sum("kind" in r["fields"] for d in docs for r in d["records"])
    print(
        f"{out}: {n_docs} documents, {n_records} Quote records ({direct} direct)", file=sys.stderr
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
