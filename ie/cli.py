"""The `ie` command line: the only place that prints, renders diagnostics and picks exit codes.

Exit codes: 0 success; 1 errors in the rules or the data (after finishing every document
that could be done); 2 a usage mistake on the command line.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, TextIO

import typer

from ie.cache import compile_cached
from ie.diagnostics import Diagnostic, render_all
from ie.inputs import DEFAULT_MAX_BYTES, count_documents, iter_documents
from ie.runner import run_documents
from ie.runtime import DEFAULT_TIMEOUT

if TYPE_CHECKING:
    from ie.program import Compilation

# The compiler (and Lark) and rich's table are imported only by the commands that need
# them: `ie run` with a cached pack starts without them.

app = typer.Typer(
    name="ie",
    help=(
        "Extract typed records from text with readable rules.\n\n"
        "A rule pack is a folder of .ie files. Start with:\n\n"
        "  ie check rules/news          (are the rules well formed? do their examples pass?)\n\n"
        "  ie run rules/news seeds/     (run them over documents)\n\n"
        "The language is described in docs/language.md; error codes in docs/errors.md."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


class OutputFormat(StrEnum):
    jsonl = "jsonl"
    table = "table"
    csv = "csv"


class ErrorFormat(StrEnum):
    text = "text"
    json = "json"


class OnError(StrEnum):
    fail = "fail"
    skip = "skip"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _color(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    return hasattr(stream, "isatty") and stream.isatty()


def _report(
    comp: Compilation,
    fmt: ErrorFormat,
    stream: TextIO,
    *,
    extra: list[Diagnostic] | None = None,
) -> None:
    diags = [*comp.diagnostics, *(extra or [])]
    if not diags:
        return
    text = render_all(diags, comp.sources, color=_color(stream), fmt=fmt.value)
    print(text, file=stream)


PackArg = Annotated[
    Path,
    typer.Argument(
        help="A rule pack: a folder of .ie files (with an optional pack.toml), or one .ie file.",
        show_default=False,
        metavar="PACK",
    ),
]
ErrorFormatOpt = Annotated[
    ErrorFormat,
    typer.Option("--error-format", help="How to print problems in rule files: text or json."),
]


@app.command()
def check(
    pack: PackArg,
    error_format: ErrorFormatOpt = ErrorFormat.text,
    strict: Annotated[
        bool, typer.Option("--strict", help="Treat warnings as errors (exit 1 on any).")
    ] = False,
    examples: Annotated[
        bool,
        typer.Option("--examples/--no-examples", help="Run the rules' example and not clauses."),
    ] = True,
) -> None:
    """Check a rule pack: syntax, names, patterns, cascades, and every example in its rules.

    Prints each problem as `file:line:col: error[CODE]: message` with the line and a caret,
    and exits 1 if there is any error (or any warning, with --strict).

    Example:  ie check rules/news
    """
    from ie.compiler import compile_source
    from ie.examples import check_examples

    comp = compile_source(pack)
    extra: list[Diagnostic] = []
    ran = 0
    if comp.pack is not None and examples:
        ran, extra = check_examples(comp.pack)
    _report(comp, error_format, sys.stdout, extra=extra)
    diags = [*comp.diagnostics, *extra]
    errors = [d for d in diags if d.is_error]
    warnings = [d for d in diags if not d.is_error]
    if error_format == ErrorFormat.text and not errors and not (strict and warnings):
        p = comp.pack
        assert p is not None
        summary = (
            f"{p.name} {p.version}: {_plural(len(p.rules), 'rule')}, "
            f"{_plural(len(p.types), 'record type')}, {_plural(ran, 'example')} passed"
        )
        print(("ok: " if not warnings else "ok with warnings: ") + summary, file=sys.stderr)
    if errors or (strict and warnings):
        raise typer.Exit(1)


@contextlib.contextmanager
def _output(path: Path | None) -> Iterator[TextIO]:
    if path is None:
        yield sys.stdout
        return
    try:
        f = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115
    except OSError as exc:
        raise typer.BadParameter(
            f"cannot write {path}: {exc.strerror or exc}", param_hint="--output"
        ) from exc
    with f:
        yield f


@app.command()
def run(
    pack: PackArg,
    inputs: Annotated[
        list[str],
        typer.Argument(
            help="Text files, folders (searched recursively for --glob), .jsonl files "
            "(one JSON object a line), or - for standard input.",
            show_default=False,
            metavar="INPUT",
        ),
    ],
    format: Annotated[
        OutputFormat,
        typer.Option("--format", "-f", help="jsonl (for programs), table (to read), csv."),
    ] = OutputFormat.jsonl,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write records to this file instead of stdout."),
    ] = None,
    glob: Annotated[
        str, typer.Option(help="Which files to read in folders (matched on the file name).")
    ] = "*.txt",
    text_key: Annotated[str, typer.Option(help="JSONL key that holds the text.")] = "text",
    id_key: Annotated[str, typer.Option(help="JSONL key that holds the document id.")] = "id",
    on_error: Annotated[
        OnError,
        typer.Option(
            help="A document that cannot be read or processed is always reported and "
            "skipped; `fail` (default) then exits 1, `skip` exits 0."
        ),
    ] = OnError.fail,
    max_bytes: Annotated[
        int,
        typer.Option(min=1, help="Skip (and report) documents larger than this many bytes."),
    ] = DEFAULT_MAX_BYTES,
    timeout: Annotated[
        float,
        typer.Option(
            min=0.001, help="Seconds one rule may spend on one document before it is failed."
        ),
    ] = DEFAULT_TIMEOUT,
    planner: Annotated[
        bool,
        typer.Option(
            "--planner/--no-planner",
            help="Try rules only near their anchor words (same output, faster).",
        ),
    ] = True,
    progress: Annotated[
        bool | None,
        typer.Option(
            "--progress/--no-progress",
            help="Show a progress bar on stderr (default: when stderr is a terminal).",
        ),
    ] = None,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs",
            "-j",
            min=1,
            help="Processes that share the documents, this one included; use the number "
            "of cores. The output is identical for any number.",
        ),
    ] = 1,
    error_format: ErrorFormatOpt = ErrorFormat.text,
) -> None:
    """Run a rule pack over documents and write the records.

    Records come out in a fixed order (document order, then position), so the same input
    always gives the same output. Problems with a document (not UTF-8, too large, a rule
    that ran too long) are reported on stderr with the document id; the other documents'
    records are still written.

    Examples:

      ie run rules/news seeds/

      ie run rules/news articles.jsonl --text-key body --format table

      cat article.txt | ie run rules/news - --format csv -o out.csv
    """
    if not glob.strip():
        raise typer.BadParameter("give a file pattern such as '*.txt'", param_hint="--glob")
    comp = compile_cached(pack)
    if comp.pack is None:
        _report(comp, error_format, sys.stderr)
        raise typer.Exit(1)
    show_progress = progress if progress is not None else sys.stderr.isatty()
    docs = iter_documents(inputs, glob=glob, text_key=text_key, id_key=id_key, max_bytes=max_bytes)
    failed = done = records = 0
    from ie.writers import jsonl_text, open_writer

    # with workers, JSON lines are written by the workers and only passed through here
    render = jsonl_text if format.value == "jsonl" else None
    with _output(output) as out:
        writer = open_writer(format.value, out, color=_color(out) and output is None)
        with _progress_bar(show_progress, inputs, glob, text_key, id_key) as advance:
            for outcome in run_documents(
                comp.pack, docs, jobs=jobs, planner=planner, timeout=timeout, render=render
            ):
                advance()
                if outcome.error is not None:
                    failed += 1
                    e = outcome.error
                    print(
                        f"{e.origin}: error[{e.code}]: document {e.id!r}: {e.message}",
                        file=sys.stderr,
                    )
                    continue
                if outcome.rendered is not None:
                    out.write(outcome.rendered)
                else:
                    writer.write(outcome.records)
                done += 1
                records += outcome.count
        writer.close()
    err = sys.stderr
    summary = f"{_plural(done, 'document')}, {_plural(records, 'record')}"
    if failed:
        summary += f", {failed} failed (see above)"
    print(summary, file=err)
    if failed and on_error == OnError.fail:
        raise typer.Exit(1)


@app.command()
def profile(
    pack: PackArg,
    inputs: Annotated[
        list[str],
        typer.Argument(help="Documents, as for `ie run`.", show_default=False, metavar="INPUT"),
    ],
    glob: Annotated[str, typer.Option(help="Which files to read in folders.")] = "*.txt",
    text_key: Annotated[str, typer.Option(help="JSONL key that holds the text.")] = "text",
    id_key: Annotated[str, typer.Option(help="JSONL key that holds the document id.")] = "id",
    planner: Annotated[
        bool, typer.Option("--planner/--no-planner", help="Profile with the planner on or off.")
    ] = True,
    top: Annotated[int, typer.Option(help="Show this many rules, slowest first.")] = 30,
) -> None:
    """Find slow rules: time, candidate positions tried and records made, per rule.

    A rule with no anchor (`-` in the anchor column) is tried at every token; give it a
    required word, lexicon or record type to make it cheap.

    Example:  ie profile rules/news seeds/
    """
    import time

    from rich.console import Console
    from rich.table import Table

    from ie.inputs import Document
    from ie.runtime import Engine, RuleStats, RuleTimeout

    comp = compile_cached(pack)
    if comp.pack is None:
        _report(comp, ErrorFormat.text, sys.stderr)
        raise typer.Exit(1)
    stats: dict[str, RuleStats] = {}
    engine = Engine(comp.pack, planner=planner, profile=stats)
    t0 = time.perf_counter()
    engine.prepare()
    compiling = time.perf_counter() - t0
    docs = tokens = 0
    t0 = time.perf_counter()
    for item in iter_documents(inputs, glob=glob, text_key=text_key, id_key=id_key):
        if not isinstance(item, Document):
            continue
        doc = engine.tokenizer(item.text)
        docs += 1
        tokens += len(doc)
        try:
            engine.extract_doc(item.id, doc)
        except RuleTimeout as exc:
            print(f"{item.origin}: {exc}", file=sys.stderr)
    total = time.perf_counter() - t0
    rules = {r.name: r for r in comp.pack.rules}
    title = (
        f"{_plural(docs, 'document')}, {_plural(tokens, 'token')}, {total:.3f} s in all "
        f"(and {compiling:.3f} s to compile the rules' regexes first)"
    )
    table = Table(title=title)
    for col in ("rule", "source", "anchor", "ms", "% of rules", "tries", "records"):
        table.add_column(
            col, justify="right" if col in {"ms", "% of rules", "tries", "records"} else "left"
        )
    rule_time = sum(s.seconds for s in stats.values()) or 1.0
    ranked = sorted(stats.items(), key=lambda kv: (-kv[1].seconds, kv[0]))[:top]
    for name, st in ranked:
        r = rules[name]
        table.add_row(
            name,
            r.source,
            r.anchor.description if r.anchor else "-",
            f"{st.seconds * 1000:.1f}",
            f"{100 * st.seconds / rule_time:.0f}",
            str(st.tries),
            str(st.records),
        )
    tty = sys.stdout.isatty()
    Console(no_color=not _color(sys.stdout), width=None if tty else 160).print(table)


@contextlib.contextmanager
def _progress_bar(
    enabled: bool, inputs: list[str], glob: str, text_key: str, id_key: str
) -> Iterator[Callable[[], None]]:
    if not enabled:
        yield lambda: None
        return
    total = count_documents(inputs, glob=glob, text_key=text_key, id_key=id_key)
    with _bar(total) as advance:
        yield advance


@contextlib.contextmanager
def _bar(total: int | None) -> Iterator[Callable[[], None]]:
    """A progress bar of `total` documents on stderr, gone when done."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as prog:
        task = prog.add_task("documents", total=total)

        def advance() -> None:
            prog.advance(task)

        yield advance


@app.command()
def test(
    pack: PackArg,
    docs: Annotated[
        list[str] | None,
        typer.Argument(
            help="Test documents, read as `ie run` reads them; used only when the pack has "
            "no test documents of its own (pack.toml `tests`, or a tests/ folder).",
            metavar="DOCS",
            show_default=False,
        ),
    ] = None,
    update: Annotated[
        bool,
        typer.Option("--update", help="Write new and changed snapshots; remove obsolete ones."),
    ] = False,
) -> None:
    """Test a pack: run its examples, and compare its records on test documents with the
    snapshots kept in the pack (PACK/__snapshots__/, one text file per document).

    Exits 1 on a failed example, a changed or missing snapshot, or an unreadable document,
    and shows every record added (+), removed (-) or changed (~) with the rule responsible.

    Examples:

      ie test rules/news seeds/              (compare)

      ie test rules/news seeds/ --update     (accept the records as they are)
    """
    try:
        from ie.testing import render_report, run_pack_tests
    except ModuleNotFoundError as exc:
        need = "ie test needs pytest and syrupy: pip install 'ie[test]'"
        print(f"{need} ({exc.name} is missing)", file=sys.stderr)
        raise typer.Exit(1) from None
    result = run_pack_tests(pack, docs or [], update=update)
    print(render_report(result), end="")
    if not result.ok:
        raise typer.Exit(1)


@app.command()
def new(
    path: Annotated[
        Path,
        typer.Argument(
            help="Folder of the new pack; its last part is the pack's name.",
            metavar="NAME",
            show_default=False,
        ),
    ],
) -> None:
    """Create a new rule pack that passes `ie check` and `ie test` straight away.

    It holds pack.toml, a lexicon file, a rule with examples, a test document and its
    snapshot: change the rules, run `ie test NAME`, and accept intended changes with
    `ie test NAME --update`.

    Example:  ie new rules/people
    """
    from ie.scaffold import ScaffoldError, create_pack
    from ie.testing import render_report, run_pack_tests

    try:
        written = create_pack(path)
    except (ScaffoldError, OSError) as exc:
        print(f"error: cannot create the pack: {exc}", file=sys.stderr)
        raise typer.Exit(1) from None
    result = run_pack_tests(path, [], update=True)
    if not result.ok:  # pragma: no cover - the scaffold is tested to pass
        print(render_report(result), end="", file=sys.stderr)
        raise typer.Exit(1)
    for f in written:
        print(f"created {f.as_posix()}")
    for snap in sorted((path / "__snapshots__").rglob("*.snap")):
        print(f"created {snap.as_posix()}")
    print(f"\nnext: edit {(path / 'rules.ie').as_posix()}, then run `ie test {path.as_posix()}`")


@app.command(name="eval")
def eval_(
    pack: PackArg,
    gold: Annotated[
        Path,
        typer.Argument(
            help="Gold documents: JSON lines {id, text, records} (docs/evaluation.md).",
            exists=True,
            dir_okay=False,
            show_default=False,
            metavar="GOLD.jsonl",
        ),
    ],
    types: Annotated[
        str | None,
        typer.Option(help="Score only these record types, comma-separated (default: the gold's)."),
    ] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Also write the scores as JSON to this file.")
    ] = None,
    top: Annotated[int, typer.Option(min=0, help="Show this many false-positive rules.")] = 10,
    timeout: Annotated[
        float,
        typer.Option(
            min=0.001,
            help="Seconds one rule may spend on one document; a document that passes it is "
            "scored with no predictions and reported.",
        ),
    ] = DEFAULT_TIMEOUT,
    progress: Annotated[
        bool | None,
        typer.Option(
            "--progress/--no-progress",
            help="Show a progress bar on stderr (default: when stderr is a terminal).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Score a pack against gold records: precision, recall and F1 per record type and per
    field, with exact-span and overlap matching, and the rules behind the false positives.

    Exits 1 if the rules have errors, the gold file is invalid, or a rule timed out.

    Example:  ie eval rules/news /tmp/ie-gold/conllpp_dev.jsonl --types Person,Org,Place
    """
    from ie.evaluation import GoldError, evaluate, load_gold, render, write_json

    comp = compile_cached(pack)
    if comp.pack is None:
        _report(comp, ErrorFormat.text, sys.stderr)
        raise typer.Exit(1)
    try:
        docs = load_gold(gold)
    except GoldError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise typer.Exit(1) from None
    wanted = [t.strip() for t in types.split(",") if t.strip()] if types else None
    show_progress = progress if progress is not None else sys.stderr.isatty()
    with contextlib.ExitStack() as stack:
        advance = stack.enter_context(_bar(len(docs))) if show_progress else None
        result = evaluate(comp.pack, docs, types=wanted, timeout=timeout, advance=advance)
    print(render(result, top=top), end="")
    if json_out is not None:
        write_json(result, json_out)
    if result.errors:
        raise typer.Exit(1)


_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO})  # writing failed


def main() -> None:
    """Console entry point: never shows a traceback for a user's mistake."""
    try:
        app()  # typer ends with SystemExit, whatever the outcome
    except SystemExit as exc:
        _leave(exc.code)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    except BrokenPipeError:
        # the reader (e.g. `head`) went away: not an error of ours
        with contextlib.suppress(Exception):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        sys.exit(0)
    except Exception as exc:  # pragma: no cover - a bug in ie, not the user's mistake
        if isinstance(exc, OSError) and exc.errno in _FULL:
            _cannot_write(exc)  # the disk, not ie: a full or failing device
            _leave(1)
        if os.environ.get("IE_DEBUG"):
            raise
        print(
            f"internal error in ie: {type(exc).__name__}: {exc}\n"
            "This is a bug in ie, not in your rules. Run again with IE_DEBUG=1 to see the "
            "details, and please report them.",
            file=sys.stderr,
        )
        sys.exit(3)


def _leave(code: object) -> NoReturn:
    """Exit with `code` as `sys.exit` would, but without freeing every object one by one
    (as mypy's `hard_exit` does): that took 0.1 s of CPU after a run over a corpus, and
    a tenth of a run on one short document. Every file ie writes is closed by now; the
    standard streams are flushed here."""
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:
        print(code, file=sys.stderr)
        status = 1
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        pass  # the reader went away (`| head`): not an error of ours
    except OSError as exc:  # a full disk: the output is incomplete
        _cannot_write(exc)
        status = status or 1
    with contextlib.suppress(OSError):
        sys.stderr.flush()
    os._exit(status)


def _cannot_write(exc: OSError) -> None:
    with contextlib.suppress(OSError):
        print(f"error: cannot write the output: {exc.strerror}", file=sys.stderr)
