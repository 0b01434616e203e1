"""The batch stage: documents in, records out, in input order, on one or several cores.

Each document is processed on its own (documents are independent), so `jobs > 1` farms
batches of documents out to worker processes and yields the results in exactly the input
order: the output of `--jobs N` is byte-identical to `--jobs 1`. At most a few batches per
worker are in flight, so memory stays flat however long the input is. A document that
cannot be read, or on which a rule hits its time limit, comes back as an error; it never
stops the run.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ie.inputs import Document, DocumentError
from ie.program import CompiledPack
from ie.records import Record
from ie.runtime import Engine, RuleTimeout

BATCH = 16  # documents per task sent to a worker


@dataclass(frozen=True, slots=True)
class Outcome:
    """One input item's result: its records, or the error that made it fail."""

    item: Document | DocumentError
    records: list[Record]
    error: DocumentError | None = None
    # with `render`: the records as text, made where they were found; `records` is then
    # empty (a worker sends back text, which costs far less to pass between processes)
    rendered: str | None = None
    count: int = 0  # how many records


Render = Callable[[Sequence[Record]], str]


def _process(
    engine: Engine, item: Document | DocumentError, render: Render | None = None
) -> Outcome:
    if isinstance(item, DocumentError):
        return Outcome(item, [], item)
    try:
        records = engine.extract(item.id, item.text)
    except RuleTimeout as exc:
        return Outcome(item, [], DocumentError(item.id, item.origin, "D007", f"{exc}; skipped"))
    if render is not None:
        # the text stays behind: the caller has the document already
        return Outcome(Document(item.id, "", item.origin), [], None, render(records), len(records))
    return Outcome(item, records, None, None, len(records))


_worker_engine: Engine | None = None
_worker_render: Render | None = None


def _init_worker(pack: CompiledPack, planner: bool, timeout: float, render: Render | None) -> None:
    global _worker_engine, _worker_render
    _worker_engine = Engine(pack, planner=planner, timeout=timeout)
    _worker_render = render


def _work(batch: list[Document | DocumentError]) -> list[Outcome]:
    assert _worker_engine is not None
    return [_process(_worker_engine, item, _worker_render) for item in batch]


def _batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def run_documents(
    pack: CompiledPack,
    items: Iterable[Document | DocumentError],
    *,
    jobs: int = 1,
    planner: bool = True,
    timeout: float = 2.0,
    render: Render | None = None,
) -> Iterator[Outcome]:
    """Process every item in order; `jobs` > 1 uses that many worker processes. With
    `render` (a module-level function, so workers can receive it), records come back as
    its text in `Outcome.rendered` when workers are used."""
    if jobs <= 1:
        engine = Engine(pack, planner=planner, timeout=timeout)
        for item in items:
            yield _process(engine, item)
        return
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    init = (pack, planner, timeout, render)
    with ctx.Pool(jobs, initializer=_init_worker, initargs=init) as pool:
        pending: deque[Any] = deque()
        window = jobs * 4
        for batch in _batches(items, BATCH):
            pending.append(pool.apply_async(_work, (batch,)))
            if len(pending) >= window:
                yield from pending.popleft().get()
        while pending:
            yield from pending.popleft().get()
