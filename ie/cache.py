"""Compiled packs cached on disk, keyed by a hash of everything that affects compilation.

An entry is keyed by the pack's path, the Python version and the build of ie (its grammar
and source), and it records a hash of every file it was compiled from (rule files, imported
packs, lexicons); it is used only while all of them are unchanged and no rule file was added,
so a stale compile is never read. Entries are plain pickles of `CompiledPack` written atomically;
an unreadable entry is ignored and rebuilt. The cache lives in `$IE_CACHE_DIR`, else
`$XDG_CACHE_HOME/ie`, else `~/.cache/ie`; `IE_CACHE_DIR=off` disables it.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import os
import pickle
import sys
import tempfile
from pathlib import Path

from ie.program import Compilation, CompiledPack


def cache_dir() -> Path | None:
    setting = os.environ.get("IE_CACHE_DIR")
    if setting == "off":
        return None
    if setting:
        return Path(setting)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ie"


def pack_key(pack: Path) -> str:
    """Which cache entry belongs to this pack, for this build of ie."""
    h = hashlib.sha256()
    # (ie's source, hashed below, stands for its version: importlib.metadata would add
    # 20 ms to every run)
    h.update(f"py {sys.version_info[:2]}\n".encode())
    h.update(str(pack.resolve()).encode() + b"\0" + os.fspath(pack).encode())
    # the compiler's own source and grammar: a new ie build never reads an old build's pickle
    h.update((importlib.resources.files("ie.grammars") / "ie.lark").read_bytes())
    for mod in sorted(Path(__file__).parent.glob("*.py")):
        h.update(mod.read_bytes())
    return h.hexdigest()[:32]


def is_fresh(compiled: CompiledPack, pack: Path) -> bool:
    """True when every file the pack was compiled from is unchanged and none was added."""
    files = [pack] if pack.is_file() else [*pack.rglob("*.ie"), *pack.glob("pack.toml")]
    if any(str(f.resolve()) not in compiled.deps for f in files):
        return False
    for path, digest in compiled.deps.items():
        try:
            data = Path(path).read_bytes()
        except OSError:
            return False
        if hashlib.sha256(data).hexdigest() != digest:
            return False
    return True


def load(key: str) -> CompiledPack | None:
    """The cached compiled pack, or None (no cache, a miss, or an unreadable entry)."""
    where = cache_dir()
    if where is None:
        return None
    try:
        with open(where / f"{key}.pickle", "rb") as f:
            obj = pickle.load(f)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None
    return obj if isinstance(obj, CompiledPack) else None


def store(key: str, compiled: CompiledPack) -> None:
    """Write the entry atomically; a cache that cannot be written is silently skipped."""
    where = cache_dir()
    if where is None:
        return
    try:
        where.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=where, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            pickle.dump(compiled, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, where / f"{key}.pickle")
    except OSError:
        return


def compile_cached(path: Path) -> Compilation:
    """Compile `path`, or load it from the cache when nothing it depends on has changed.

    Only packs without errors are cached; a hit carries no diagnostics (warnings were
    shown when it was compiled; `ie check` always compiles afresh).
    """
    key = pack_key(path) if path.exists() else None
    if key is not None:
        hit = load(key)
        if hit is not None and is_fresh(hit, path):
            return Compilation(hit, [], hit.sources)
    from ie.compiler import compile_source  # Lark and the passes: only on a miss

    result = compile_source(path)
    if key is not None and result.pack is not None:
        store(key, result.pack)
    return result
