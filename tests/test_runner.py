"""The batch stage: any number of processes gives the same outcomes, in input order.

With `jobs > 1` this process both feeds the workers and takes batches itself when their
queues are full, so the documents of one run are split between processes in an order that
depends on timing; the outcomes must not.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from ie.compiler import compile_pack
from ie.inputs import Document, DocumentError
from ie.program import CompiledPack
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
