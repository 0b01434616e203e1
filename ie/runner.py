"""The batch stage: documents in, records out, in input order, on one or several cores.

Each document is processed on its own (documents are independent), so `jobs > 1` shares
batches of documents between this process and `jobs - 1` worker processes, and yields the
results in exactly the input order: the output of `--jobs N` is byte-identical to
`--jobs 1`. Workers are forked (where the platform can) from an engine that is already
warm, with every rule compiled and the first batch's words known, so they do not each
repeat that work. This process keeps the workers' queues full and takes a batch itself
whenever they are, so N processes share N cores (not N workers plus a mostly idle
reader). At most a few batches are in flight, so memory stays flat however long the input
is. A document that cannot be read, or on which a rule hits its time limit, comes back as
an error; it never stops the run.
"""

from __future__ import annotations

import gc
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
QUEUED = 4  # batches queued per worker before this process takes one itself


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


def _init_worker(
    pack: CompiledPack, planner: bool, timeout: float, render: Render | None, forked: bool
) -> None:
    global _worker_engine, _worker_render
    if not forked or _worker_engine is None:  # a forked worker has this process's engine
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
    """Process every item in order; `jobs` > 1 uses that many processes (this one and
    `jobs - 1` workers). With `render` (a module-level function, so workers can receive
    it), records come back as its text in `Outcome.rendered` when workers are used."""
    if jobs <= 1:
        engine = Engine(pack, planner=planner, timeout=timeout)
        for item in items:
            yield _process(engine, item)
        return
    global _worker_engine
    engine = Engine(pack, planner=planner, timeout=timeout)
    forked = "fork" in multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if forked else "spawn")
    batches = _batches(items, BATCH)
    if forked:
        # warm this engine before the workers copy it: every rule's regexes compiled, and
        # the first batch's words (the commonest) in its caches
        engine.prepare()
        first = next(batches, None)
        if first is None:
            return
        yield from [_process(engine, item, render) for item in first]
        _worker_engine = engine
        gc.freeze()  # the collector then leaves the copied objects (and their pages) alone
    try:
        init = (pack, planner, timeout, render, forked)
        yield from _shared(ctx, engine, batches, jobs - 1, init, render)
    finally:
        if forked:
            _worker_engine = None
            gc.unfreeze()


def _shared(
    ctx: Any,
    engine: Engine,
    batches: Iterator[list[Document | DocumentError]],
    workers: int,
    init: tuple[Any, ...],
    render: Render | None,
) -> Iterator[Outcome]:
    """The batches, shared between this process and a pool of `workers` (started with
    `_init_worker(*init)`), in input order."""
    with ctx.Pool(workers, initializer=_init_worker, initargs=init) as pool:
        # in input order: a worker's pending result, or a batch done here
        pending: deque[Any] = deque()
        for batch in batches:
            while pending and (isinstance(pending[0], list) or pending[0].ready()):
                yield from _outcomes(pending.popleft())
            queued = sum(1 for p in pending if not isinstance(p, list) and not p.ready())
            if queued < workers * QUEUED:
                pending.append(pool.apply_async(_work, (batch,)))
            else:
                # the workers have enough to do: this batch is done here meanwhile
                pending.append([_process(engine, item, render) for item in batch])
            if len(pending) > workers * QUEUED * 4:
                yield from _outcomes(pending.popleft())  # bound the results held back for order
        while pending:
            yield from _outcomes(pending.popleft())


def _outcomes(head: Any) -> list[Outcome]:
    """The outcomes of a batch done here (a list) or by a worker (waited for)."""
    return head if isinstance(head, list) else head.get()
