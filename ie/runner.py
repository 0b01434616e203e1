"""The batch stage: documents in, records out, in input order, on one or several cores.

Each document is processed on its own (documents are independent), so `jobs > 1` shares
batches of documents between this process and `jobs - 1` worker processes, and yields the
results in exactly the input order: the output of `--jobs N` is byte-identical to
`--jobs 1`.

Where the platform can fork, the workers are forked from an engine that is already warm
(every rule compiled, the first batch's words in its caches), so they do not each repeat
that work. They talk to this process over two pipes each, batches one way and results the
other, framed and pickled; this process waits on all of them at once (`selectors`), with
no helper threads, so the document it is matching itself is never held up by them. It
keeps each worker a few batches ahead and matches a document itself whenever every worker
has enough to do, so N processes share N cores. At most a few batches are in flight, so
memory stays flat however long the input is. A document that cannot be read, or on which
a rule hits its time limit, comes back as an error; so do the documents of a worker that
dies (D008), whose queued batches go to the others. Nothing stops the run.

Elsewhere (no fork) a `multiprocessing` pool of spawned workers, each compiling the pack
again, does the same.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import selectors
import signal
import struct
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ie.inputs import Document, DocumentError
from ie.program import CompiledPack
from ie.records import Record
from ie.runtime import Engine, RuleTimeout

BATCH = 8  # documents per task sent to a worker
QUEUED = 2  # batches queued per worker before this process takes one itself (few: the
# last ones a worker holds are what the others wait for at the end)

Item = Document | DocumentError


@dataclass(frozen=True, slots=True)
class Outcome:
    """One input item's result: its records, or the error that made it fail."""

    item: Item
    records: list[Record]
    error: DocumentError | None = None
    # with `render`: the records as text, made where they were found; `records` is then
    # empty (a worker sends back text, which costs far less to pass between processes)
    rendered: str | None = None
    count: int = 0  # how many records


Render = Callable[[Sequence[Record]], str]


def _process(engine: Engine, item: Item, render: Render | None = None) -> Outcome:
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
    items: Iterable[Item],
    *,
    jobs: int = 1,
    planner: bool = True,
    timeout: float = 2.0,
    render: Render | None = None,
) -> Iterator[Outcome]:
    """Process every item in order; `jobs` > 1 uses that many processes (this one and
    `jobs - 1` workers). With `render` (a module-level function, so workers can receive
    it), records come back as its text in `Outcome.rendered` when workers are used."""
    engine = Engine(pack, planner=planner, timeout=timeout)
    if jobs <= 1:
        for item in items:
            yield _process(engine, item)
        return
    batches = _batches(items, BATCH)
    if not hasattr(os, "fork"):
        yield from _spawned(engine, batches, jobs - 1, (pack, planner, timeout, render), render)
        return
    # warm this engine before the workers copy it: every rule's regexes compiled, and the
    # first batch's words (the commonest) in its caches
    engine.prepare()
    first = next(batches, None)
    if first is None:
        return
    yield from [_process(engine, item, render) for item in first]
    gc.freeze()  # the collector then leaves the copied objects (and their pages) alone
    try:
        yield from _Forked(engine, render, jobs - 1).run(batches)
    finally:
        gc.unfreeze()


# ---- forked workers ------------------------------------------------------------------

_LENGTH = struct.Struct("<Q")  # a frame: its length, then a pickle


def _frame(obj: object) -> bytes:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    return _LENGTH.pack(len(data)) + data


@dataclass(slots=True)
class _Worker:
    """This process's end of one forked worker."""

    pid: int
    tasks: int  # pipe to the worker (non-blocking here)
    results: int  # pipe from the worker
    queue: deque[int] = field(default_factory=deque)  # its batches in flight, in order
    out: bytearray = field(default_factory=bytearray)  # frames not yet written
    got: bytearray = field(default_factory=bytearray)  # bytes read, not yet a frame
    waiting: bool = False  # for its task pipe to take more (registered for writing)


def _serve(engine: Engine, render: Render | None, tasks: int, results: int) -> None:
    """A worker's life: a batch in, its outcomes out, until the task pipe closes."""
    with open(tasks, "rb") as reader, open(results, "wb") as writer:
        while True:
            head = reader.read(_LENGTH.size)
            if len(head) < _LENGTH.size:
                return
            batch: list[Item] = pickle.loads(reader.read(_LENGTH.unpack(head)[0]))
            result: object
            try:
                result = [_process(engine, item, render) for item in batch]
            except Exception as exc:  # a bug: raised again in the parent, as a pool would
                result = exc if _picklable(exc) else RuntimeError(repr(exc))
            writer.write(_frame(result))
            writer.flush()


def _picklable(obj: object) -> bool:
    try:
        pickle.dumps(obj)
    except Exception:
        return False
    return True


class _Forked:
    """Batches shared between this process and forked workers, results in input order."""

    def __init__(self, engine: Engine, render: Render | None, workers: int) -> None:
        self.engine = engine
        self.render = render
        self.selector = selectors.DefaultSelector()
        self.workers: list[_Worker] = []
        self.sent: dict[int, list[Item]] = {}  # batches in flight, by index
        self.done: dict[int, list[Outcome]] = {}  # results not yet yielded, by index
        # batches a worker that died had not started, with their indexes
        self.retry: deque[tuple[int, list[Item]]] = deque()
        for _ in range(workers):
            self._start()

    def _start(self) -> None:
        task_r, task_w = os.pipe()
        result_r, result_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the worker
            status = 0
            try:
                for w in self.workers:  # the other workers' ends: they must see EOF
                    os.close(w.tasks)
                    os.close(w.results)
                os.close(task_w)
                os.close(result_r)
                _serve(self.engine, self.render, task_r, result_w)
            except KeyboardInterrupt:
                status = 130
            except BaseException:
                status = 1
            finally:
                os._exit(status)  # never this process's exit handlers or buffered output
        os.close(task_r)
        os.close(result_w)
        os.set_blocking(task_w, False)
        worker = _Worker(pid, task_w, result_r)
        self.workers.append(worker)
        self.selector.register(result_r, selectors.EVENT_READ, worker)

    def run(self, batches: Iterator[list[Item]]) -> Iterator[Outcome]:
        fresh = 0  # index of the next batch read from the input
        ready = 0  # of the next batch to yield
        own: tuple[int, list[Item], list[Outcome]] | None = None  # a batch done here
        window = QUEUED * 4 * (len(self.workers) + 1)  # batches held back for order, at most
        more = True

        def take() -> tuple[int, list[Item]] | None:
            nonlocal fresh, more
            if self.retry:
                return self.retry.popleft()
            if not more or fresh - ready >= window:
                return None
            batch = next(batches, None)
            if batch is None:
                more = False
                return None
            fresh += 1
            return fresh - 1, batch

        try:
            while True:
                # keep every worker a few batches ahead
                while self.workers:
                    worker = min(self.workers, key=lambda w: len(w.queue))
                    if len(worker.queue) >= QUEUED or (task := take()) is None:
                        break
                    self._send(worker, *task)
                while ready in self.done:
                    yield from self.done.pop(ready)
                    ready += 1
                if ready == fresh and not more and own is None and not self.retry:
                    return
                if own is None and not self._idle() and (task := take()) is not None:
                    own = (*task, [])  # every worker has enough to do: a batch here meanwhile
                if own is not None:
                    # one document, then back to the pipes, so no worker waits on us
                    at, batch, outs = own
                    outs.append(_process(self.engine, batch[len(outs)], self.render))
                    if len(outs) == len(batch):
                        self.done[at] = outs
                        own = None
                    self._pump(0)
                else:
                    self._pump(None)
        finally:
            self._close()

    def _idle(self) -> bool:
        """Whether some worker has room for another batch."""
        return any(len(w.queue) < QUEUED for w in self.workers)

    def _send(self, worker: _Worker, index: int, batch: list[Item]) -> None:
        self.sent[index] = batch
        worker.queue.append(index)
        worker.out += _frame(batch)
        self._write(worker)

    def _write(self, worker: _Worker) -> None:
        try:
            n = os.write(worker.tasks, worker.out)
        except BlockingIOError:
            n = 0
        except BrokenPipeError:
            return  # it died: its results pipe says so
        del worker.out[:n]
        if bool(worker.out) != worker.waiting:  # the pipe was full: write when it has room
            worker.waiting = not worker.waiting
            if worker.waiting:
                self.selector.register(worker.tasks, selectors.EVENT_WRITE, worker)
            else:
                self.selector.unregister(worker.tasks)

    def _pump(self, timeout: float | None) -> None:
        """Write pending batches and read finished results; wait up to `timeout`."""
        if not self.workers:
            return
        for key, _ in self.selector.select(timeout):
            worker: _Worker = key.data
            if worker not in self.workers:
                continue  # lost earlier in this round
            if key.fd == worker.tasks:
                self._write(worker)
            else:
                self._read(worker)

    def _read(self, worker: _Worker) -> None:
        data = os.read(worker.results, 1 << 20)
        if not data:
            self._lost(worker)
            return
        got = worker.got
        got += data
        while len(got) >= _LENGTH.size:
            size = _LENGTH.unpack_from(got)[0]
            end = _LENGTH.size + size
            if len(got) < end:
                break
            result = pickle.loads(got[_LENGTH.size : end])
            del got[:end]
            at = worker.queue.popleft()
            del self.sent[at]
            if isinstance(result, BaseException):
                raise result
            self.done[at] = result

    def _lost(self, worker: _Worker) -> None:
        """A worker ended with batches in flight: the one it was on fails (D008), the
        others go to the rest of the workers or to this process."""
        self.selector.unregister(worker.results)
        if worker.waiting:
            self.selector.unregister(worker.tasks)
        self.workers.remove(worker)
        os.close(worker.tasks)
        os.close(worker.results)
        _, status = os.waitpid(worker.pid, 0)
        why = (
            f"killed by signal {os.WTERMSIG(status)}"
            if os.WIFSIGNALED(status)
            else f"exit status {os.waitstatus_to_exitcode(status)}"
        )
        if worker.queue:
            at = worker.queue.popleft()
            self.done[at] = [_died(item, why) for item in self.sent.pop(at)]
        self.retry.extend((at, self.sent.pop(at)) for at in worker.queue)
        worker.queue.clear()

    def _close(self) -> None:
        for worker in self.workers:
            with contextlib.suppress(OSError):
                os.close(worker.tasks)  # end of input: the worker exits
        for worker in self.workers:
            with contextlib.suppress(OSError):
                os.close(worker.results)
        for worker in self.workers:
            if worker.queue:  # stopped early: do not wait for its current batch
                with contextlib.suppress(ProcessLookupError):
                    os.kill(worker.pid, signal.SIGTERM)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(worker.pid, 0)
        self.workers.clear()
        self.selector.close()


def _died(item: Item, why: str) -> Outcome:
    if isinstance(item, DocumentError):
        return Outcome(item, [], item)
    error = DocumentError(
        item.id, item.origin, "D008", f"the worker process running it ended ({why}); skipped"
    )
    return Outcome(item, [], error)


# ---- spawned workers (no fork) ---------------------------------------------------------

_worker_engine: Engine | None = None
_worker_render: Render | None = None


def _init_worker(pack: CompiledPack, planner: bool, timeout: float, render: Render | None) -> None:
    global _worker_engine, _worker_render
    _worker_engine = Engine(pack, planner=planner, timeout=timeout)
    _worker_render = render


def _work(batch: list[Item]) -> list[Outcome]:
    assert _worker_engine is not None
    return [_process(_worker_engine, item, _worker_render) for item in batch]


def _spawned(
    engine: Engine,
    batches: Iterator[list[Item]],
    workers: int,
    init: tuple[Any, ...],
    render: Render | None,
) -> Iterator[Outcome]:
    """The batches, shared between this process and a pool of spawned `workers`, in
    input order."""
    import multiprocessing  # only here: an import every run would pay for

    ctx = multiprocessing.get_context("spawn")
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
