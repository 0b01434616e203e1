"""The batch stage: any number of processes gives the same outcomes, in input order.

With `jobs > 1` this process both feeds the workers and takes batches itself when their
queues are full, so the documents of one run are split between processes in an order that
depends on timing; the outcomes must not.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

from ie import runner
from ie.compiler import compile_pack
from ie.inputs import Document, DocumentError
from ie.program import CompiledPack
from ie.records import Record
from ie.runner import BATCH, QUEUED, Outcome, run_documents
from ie.writers import jsonl_text

PACK = """
rule said match who:[is_title]+ "said" yield Said(who)
rule slow match /^(a+)+$/ yield Slow()
"""

WORDS = ["Alice", "said", "the", "Board", "met", "Bob", "said", "no", "."]


def pack() -> CompiledPack:
    with tempfile.TemporaryDirectory() as d:
        (Path(d) / "t.ie").write_text(PACK, "utf-8")
        return compile_pack(Path(d) / "t.ie")


def documents(n: int) -> list[Document | DocumentError]:
    """`n` documents of different lengths, a few unreadable ones, and one whose rule runs
    past the time limit (catastrophic backtracking)."""
    out: list[Document | DocumentError] = []
    for i in range(n):
        if i % 97 == 5:
            out.append(DocumentError(f"d{i}", f"in.jsonl:{i + 1}", "D001", "not UTF-8"))
        elif i == n - 20:
            out.append(Document(f"d{i}", "Bob said " + "a" * 30000 + "b", f"in.jsonl:{i + 1}"))
        else:
            words = [WORDS[(i + k) % len(WORDS)] for k in range(5 + i % 23)]
            out.append(Document(f"d{i}", " ".join(words), f"in.jsonl:{i + 1}"))
    return out


def summary(outcomes: list[Outcome]) -> list[tuple[str, str | None, str]]:
    """Per outcome: the document id, the error code, and the records as JSON lines."""
    out = []
    for o in outcomes:
        text = o.rendered if o.rendered is not None else jsonl_text(o.records)
        out.append((o.item.id, o.error.code if o.error else None, text))
    return out


@pytest.mark.parametrize("jobs", [2, 3])
def test_jobs_give_the_outcomes_of_one_process(jobs: int) -> None:
    # enough batches that this process takes some itself while the workers are busy
    docs = documents(BATCH * QUEUED * jobs * 3)
    compiled = pack()
    one = summary(list(run_documents(compiled, docs, jobs=1, timeout=0.2)))
    many = summary(list(run_documents(compiled, docs, jobs=jobs, timeout=0.2, render=jsonl_text)))
    assert many == one
    assert [i for i, _, _ in many] == [d.id for d in docs]
    assert sum(code == "D007" for _, code, _ in many) == 1  # the time limit, named
    assert sum(code == "D001" for _, code, _ in many) == len(docs) // 97 + 1
    assert sum(text.count("\n") for _, _, text in many) > len(docs)  # records were made


@pytest.mark.parametrize("n", [0, 3, BATCH + 1], ids=["none", "fewer than a batch", "two"])
def test_jobs_with_few_documents(n: int) -> None:
    # the first batch is done here before the workers start (they copy the warm engine)
    docs = documents(n)
    compiled = pack()
    assert summary(list(run_documents(compiled, docs, jobs=2, render=jsonl_text))) == summary(
        list(run_documents(compiled, docs, jobs=1))
    )


def test_jobs_with_batches_larger_than_a_pipe_holds() -> None:
    # a batch of long documents fills the pipe to a worker: the rest is written as it
    # drains, while this process goes on with its own documents
    docs: list[Document | DocumentError] = [
        Document(f"d{i}", "Alice said no . " * (2000 + i), "in") for i in range(BATCH * 8)
    ]
    compiled = pack()
    many = summary(list(run_documents(compiled, docs, jobs=3, render=jsonl_text)))
    assert many == summary(list(run_documents(compiled, docs, jobs=1)))


class _DyingEngine:
    """Stands in for an Engine: a worker process that meets the document "die" ends
    (as one killed for its memory would); this process copes with any document."""

    def __init__(self, parent: int) -> None:
        self.parent = parent

    def extract(self, doc_id: str, text: str) -> list[Record]:
        if doc_id == "die" and os.getpid() != self.parent:
            os._exit(9)
        return []


@pytest.mark.skipif(not hasattr(os, "fork"), reason="forked workers only")
@pytest.mark.parametrize("workers", [1, 2])
def test_a_worker_that_dies_fails_only_its_batch(
    workers: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # every batch goes to a worker while one lives, so the dying document is a worker's
    monkeypatch.setattr(runner._Forked, "_idle", lambda self: bool(self.workers))
    ids = [f"d{i}" for i in range(BATCH * 12)]
    ids[BATCH * 3 + 5] = "die"
    docs: list[Document | DocumentError] = [Document(i, "text", "in") for i in ids]
    engine: Any = _DyingEngine(os.getpid())
    outcomes = list(runner._Forked(engine, jsonl_text, workers).run(runner._batches(docs, BATCH)))
    assert [o.item.id for o in outcomes] == ids  # all of them, in order
    failed = [o.item.id for o in outcomes if o.error is not None]
    assert failed == ids[BATCH * 3 : BATCH * 4]  # the batch it was on, nothing else
    assert {o.error.code for o in outcomes if o.error is not None} == {"D008"}
    assert "exit status 9" in (outcomes[BATCH * 3].error or DocumentError("", "", "", "")).message


def test_spawned_workers_give_the_outcomes_of_one_process() -> None:
    # where fork is missing (Windows), a pool of spawned workers compiles the pack again
    docs = documents(BATCH * 3)
    compiled = pack()
    engine = runner.Engine(compiled, timeout=0.2)
    init = (compiled, True, 0.2, jsonl_text)
    spawned = runner._spawned(engine, runner._batches(docs, BATCH), 1, init, jsonl_text)
    one = run_documents(compiled, docs, jobs=1, timeout=0.2)
    assert summary(list(spawned)) == summary(list(one))
