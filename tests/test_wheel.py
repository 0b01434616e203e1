"""The built wheel carries the grammar: build it, install it in a fresh venv, run `ie check`.

Slow (a venv and a pip install), so marked `slow`; CI runs it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_ships_grammar_and_runs_check(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(dist), str(ROOT)],
        check=True,
    )
    wheels = list(dist.glob("ie-*.whl"))
    assert len(wheels) == 1
    import zipfile

    names = zipfile.ZipFile(wheels[0]).namelist()
    assert "ie/grammars/ie.lark" in names

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "--quiet", str(wheels[0])], check=True)
    # run from a directory that holds only the pack: nothing can come from the source tree
    work = tmp_path / "work"
    shutil.copytree(ROOT / "rules" / "news", work / "rules" / "news")
    result = subprocess.run(
        [str(env_dir / "bin" / "ie"), "check", "rules/news"],
        cwd=work,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok" in result.stderr
