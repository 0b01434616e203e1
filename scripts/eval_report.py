"""Score the news pack on every gold set of docs/evaluation.md and print the results table.

One command for the figures in docs/evaluation.md: it converts the train/dev gold from
../shared/corpora (or $IE_CORPORA) with the converters beside it, runs `ie eval` on each,
and prints a markdown table (F1 exact and overlap, with P and R exact). Test splits are
never touched. Usage:

    .venv/bin/python scripts/eval_report.py [--pack rules/news] [--gold-dir /tmp/ie-gold]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

# (label, converter and its arguments, gold file, ie eval --types, rows to show)
SETS = [
    (
        "PolNeAR dev",
        ["convert_polnear.py", "--split", "dev"],
        "polnear_dev.jsonl",
        None,
        [
            ("all attributions", "Quote.content"),
            ("all attributions", "Quote.speaker"),
            ("direct quotes", "Quote[kind=direct].content"),
            ("direct quotes", "Quote[kind=direct].speaker"),
        ],
    ),
    (
        "GUM news, train+dev",
        ["convert_gum.py"],
        "gum_news.jsonl",
        "Person,Org,Place",
        [("", "Person"), ("", "Org"), ("", "Place")],
    ),
    (
        "CoNLL++ dev",
        ["convert_conll.py", "--split", "dev"],
        "conllpp_dev.jsonl",
        "Person,Org,Place",
        [("", "Person"), ("", "Org"), ("", "Place")],
    ),
]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--pack", default="rules/news")
    ap.add_argument("--gold-dir", type=Path, default=Path("/tmp/ie-gold"))
    args = ap.parse_args(argv)
    args.gold_dir.mkdir(parents=True, exist_ok=True)
    ie = Path(sys.executable).with_name("ie")
    lines = [
        "| gold | row | gold | pred | P (exact) | R (exact) | F1 exact | F1 overlap |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, convert, gold_name, types, rows in SETS:
        script, *options = convert
        done = subprocess.run(
            [sys.executable, str(HERE / script), *options, "-o", str(args.gold_dir / gold_name)],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            why = done.stderr.strip() or done.stdout.strip()
            print(f"{label}: skipped ({why})", file=sys.stderr)
            continue
        report = args.gold_dir / (gold_name + ".scores.json")
        command = [str(ie), "eval", args.pack, str(args.gold_dir / gold_name), "--top", "0"]
        command += ["--json", str(report)] + (["--types", types] if types else [])
        subprocess.run(command, capture_output=True, text=True, check=False)
        scores = {row["name"]: row for row in json.loads(report.read_text())["rows"]}
        for part, name in rows:
            row = scores.get(name)
            if row is None:
                continue
            ex, ov = row["exact"], row["overlap"]
            where = f"{label}, {part}" if part else label
            lines.append(
                f"| {where} | `{name}` | {row['gold']} | {row['predicted']} | "
                f"{ex['precision']:.3f} | {ex['recall']:.3f} | {ex['f1']:.3f} | {ov['f1']:.3f} |"
            )
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
