"""Every pack in rules/ against the snapshots kept inside the pack (PACK/__snapshots__/).

These are the files `ie test` reads and writes: a pack with test documents of its own
(pack.toml `tests`, or a tests/ folder) is tested on them, any other pack on seeds/, exactly
as `ie test rules/PACK seeds/` does. After reviewing a change, update with
`pytest --snapshot-update` or `ie test rules/PACK seeds/ --update` (the same bytes).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion

from ie.testing import assert_pack_snapshot, find_test_documents

ROOT = Path(__file__).resolve().parent.parent
PACKS = sorted(p for p in (ROOT / "rules").iterdir() if p.is_dir() and any(p.rglob("*.ie")))
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
# (pack, document): None for a pack tested on its own test documents
CASES: list[tuple[Path, Path | None]] = [
    (pack, seed)
    for pack in PACKS
    for seed in ([None] if find_test_documents(pack).origin else SEEDS)
]


def _id(case: tuple[Path, Path | None]) -> str:
    pack, doc = case
    return f"{pack.name}-{doc.stem if doc else 'own-tests'}"


def test_there_is_something_to_test() -> None:
    assert PACKS and SEEDS


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_pack_snapshot(snapshot: SnapshotAssertion, case: tuple[Path, Path | None]) -> None:
    pack, doc = case
    assert_pack_snapshot(snapshot, pack, *([doc] if doc else []))
