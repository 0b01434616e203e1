"""What every gold converter shares: where the corpora are, the held-out rule, writing.

The corpora are research-use data read in place from `$IE_CORPORA` (default
../shared/corpora beside the project); converters write gold JSONL outside the project
(default /tmp/ie-gold) and refuse the held-out test splits unless told `--final-test`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

GOLD_DIR = Path("/tmp/ie-gold")


def corpora_root() -> Path:
    default = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora"
    return Path(os.environ.get("IE_CORPORA", default))


def arguments(description: str | None, corpus: str, split_help: str, split: str) -> Any:
    """The options every converter takes (its own --split default and help)."""
    ap = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--split", default=split, help=split_help)
    ap.add_argument("--corpus", type=Path, default=None, help=f"the {corpus} folder")
    ap.add_argument("-o", "--output", type=Path, default=None)
    ap.add_argument("--final-test", action="store_true", help="allow the held-out test split")
    return ap


def refuse(message: str) -> int:
    """Print a plain error and give the exit status for a refused or impossible run."""
    print(f"error: {message}", file=sys.stderr)
    return 2


def held_out(splits: Iterable[str], final_test: bool) -> bool:
    """True (after saying why) when the held-out test split is asked for without leave."""
    if "test" in set(splits) and not final_test:
        refuse(
            "the test split is held out for the final score; "
            "use train or dev (or --final-test, once)"
        )
        return True
    return False


def missing(src: Path, name: str) -> bool:
    """True (after saying so) when the corpus file is absent."""
    if src.is_file():
        return False
    refuse(f"{name} not found: {src} is missing (see docs/evaluation.md)")
    return True


def write_gold(out: Path, docs: Iterable[dict[str, Any]]) -> tuple[int, int]:
    """Write gold documents as JSON lines; return (documents, records)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    n_docs = n_records = 0
    with open(out, "w", encoding="utf-8") as w:
        for doc in docs:
            n_docs += 1
            n_records += len(doc["records"])
            w.write(json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n")
    return n_docs, n_records
