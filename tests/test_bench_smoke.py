"""Smoke test of the benchmark harness: `bench/run.py --corpus generated --quick`.

It runs the whole harness on the synthetic corpus (bench/corpus_gen.py) and checks that it
exits 0, which in --quick mode means every correctness check passed (records equal spaCy
Matcher's under the documented mapping when spaCy is installed, planner on == off), and
that the JSON report has one entry per target. Timings are not checked.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_bench_quick_on_generated_corpus(tmp_path: Path) -> None:
    report = tmp_path / "bench.json"
    markdown = tmp_path / "bench.md"
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "run.py"),
            "--corpus",
            "generated",
            "--quick",
            "--json",
            str(report),
            "--markdown",
            str(markdown),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    data = json.loads(report.read_text(encoding="utf-8"))
    for key in [f"G{i}" for i in range(1, 10)]:
        assert key in data, key
        assert {"value", "target", "ok", "detail"} <= data[key].keys(), key
    assert data["correctness"]["ok"], data["correctness"]
    assert markdown.read_text(encoding="utf-8").startswith("# Performance")
