"""Inputs: the stage that turns the INPUT arguments of `ie run` into documents.

Guarantees (the OUTPUT.md contract for where text and ids come from):

- Every input yields `Document`s or `DocumentError`s, never an exception for bad data: a
  missing path, an unreadable or undecodable file, a bad JSONL line is reported as a
  `DocumentError` with a stable code and iteration goes on with the next document.
- The order is deterministic: inputs in the order given; within a directory, files sorted by
  the plain string order of their posix path relative to that directory.
- Text is exactly the decoded bytes: strict UTF-8, a leading byte-order mark dropped, no
  newline translation or other normalisation, so record offsets index this text.
- Memory stays bounded by `max_bytes`: files are measured before they are read and JSONL is
  streamed line by line.
- Ids and origins are always encodable as UTF-8 (undecodable file-name bytes are shown as
  `\\xNN`), so writers and error reports can print them.

Error codes (stable; the CLI prints them, docs list them):

    D001  not valid UTF-8                     D004  JSONL text key missing or not a string
    D002  larger than max_bytes               D005  unreadable (permission, a directory, ...)
    D003  JSONL line is not a JSON object     D006  input path does not exist
"""

from __future__ import annotations

import codecs
import errno
import json
import os
import re
import stat
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import IO, Any, BinaryIO, TextIO

__all__ = [
    "DEFAULT_MAX_BYTES",
    "STDIN",
    "Document",
    "DocumentError",
    "count_documents",
    "iter_documents",
]

DEFAULT_MAX_BYTES = 50_000_000
STDIN = "-"
STDIN_ID = "stdin"
STDIN_ORIGIN = "<stdin>"

_BOM = codecs.BOM_UTF8
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class Document:
    """One text to run a pack on. `origin` is where it came from, for people to read."""

    id: str
    text: str
    origin: str


@dataclass(frozen=True, slots=True)
class DocumentError:
    """A document that could not be read; `message` is a plain sentence without the origin."""

    id: str
    origin: str
    code: str
    message: str


Item = Document | DocumentError


def iter_documents(
    inputs: Sequence[str],
    *,
    glob: str = "*.txt",
    text_key: str = "text",
    id_key: str = "id",
    max_bytes: int = DEFAULT_MAX_BYTES,
    stdin: TextIO | BinaryIO | None = None,
) -> Iterator[Document | DocumentError]:
    """Yield the documents of `inputs` (paths, directories, `*.jsonl` files or `-`) in order.

    `glob` selects files inside directories: a pattern without `/` or `**` matches the file
    name (`*.txt`), otherwise the path relative to the directory (`news/**/*.txt`).
    `stdin` is read for `-` (default: the process's standard input, as bytes).
    """
    _check_arguments(inputs, glob, max_bytes)
    # Arguments are checked above, when the call is made, not at the first next().
    return _iter_documents(inputs, glob, text_key, id_key, max_bytes, stdin)


def count_documents(
    inputs: Sequence[str],
    *,
    glob: str = "*.txt",
    text_key: str = "text",
    id_key: str = "id",
    max_bytes: int = DEFAULT_MAX_BYTES,
    stdin: TextIO | BinaryIO | None = None,
) -> int | None:
    """How many items `iter_documents` will yield with the same arguments, or None for stdin.

    Meant as a progress-bar total: it lists directories and counts the non-blank lines of
    JSONL files (one streaming pass, no parsing). Documents and errors both count, so the
    total matches the items produced as long as the files do not change in between.
    """
    del text_key, id_key, max_bytes, stdin  # same signature as iter_documents, for the CLI
    _check_arguments(inputs, glob, 0)
    if STDIN in inputs:
        return None
    match = _compile_glob(glob)
    total = 0
    for arg in inputs:
        for source in _sources(arg, match):
            total += _jsonl_count(source.path) if isinstance(source, _JsonlFile) else 1
    return total


# --- sources: what one INPUT argument expands to ------------------------------------------


@dataclass(frozen=True, slots=True)
class _TextFile:
    path: str
    id: str
    origin: str


@dataclass(frozen=True, slots=True)
class _JsonlFile:
    path: str
    id: str  # the file-derived id; lines without an id are named `<id>:<line>`
    origin: str


_Source = _TextFile | _JsonlFile | DocumentError


def _check_arguments(inputs: Sequence[str], glob: str, max_bytes: int) -> None:
    if isinstance(inputs, str | bytes):
        # A lone string would be iterated character by character: always a caller's bug.
        raise TypeError("inputs must be a sequence of paths, not a single string")
    if not glob:
        raise ValueError("glob must not be empty")
    if max_bytes < 0:
        raise ValueError("max_bytes must be >= 0")


def _iter_documents(
    inputs: Sequence[str],
    glob: str,
    text_key: str,
    id_key: str,
    max_bytes: int,
    stdin: TextIO | BinaryIO | None,
) -> Iterator[Item]:
    match = _compile_glob(glob)
    for arg in inputs:
        if arg == STDIN:
            yield _read_stdin(stdin, max_bytes)
            continue
        for source in _sources(arg, match):
            if isinstance(source, DocumentError):
                yield source
            elif isinstance(source, _JsonlFile):
                yield from _read_jsonl(source, text_key, id_key, max_bytes)
            else:
                yield _read_text_file(source, max_bytes)


def _sources(arg: str, match: Callable[[str], bool]) -> Iterator[_Source]:
    shown = _printable(arg)
    try:
        st = os.stat(arg)
    except FileNotFoundError:
        yield DocumentError(shown, shown, "D006", "no such file or directory")
        return
    except OSError as exc:
        yield DocumentError(shown, shown, "D005", f"cannot read: {_reason(exc)}; skipped")
        return
    if stat.S_ISDIR(st.st_mode):
        yield from _directory_sources(arg, st, match)
    else:
        # Anything that is not a directory is read as a file: a pipe from `<(...)` works too.
        yield _file_source(arg, os.path.basename(arg), shown)


def _file_source(path: str, rel: str, origin: str) -> _TextFile | _JsonlFile:
    stem, ext = os.path.splitext(rel)
    doc_id = _printable(stem)
    if ext.lower() == ".jsonl":
        return _JsonlFile(path, doc_id, origin)
    return _TextFile(path, doc_id, origin)


def _directory_sources(
    root: str, root_st: os.stat_result, match: Callable[[str], bool]
) -> Iterator[_Source]:
    found: list[tuple[str, _Source]] = []

    def walk(path: str, rel: str, ancestors: frozenset[tuple[int, int]]) -> None:
        try:
            with os.scandir(path) as scan:
                entries = list(scan)
        except OSError as exc:
            shown = _printable(rel or root)
            found.append(
                (
                    rel,
                    DocumentError(
                        shown,
                        _printable(path),
                        "D005",
                        f"cannot read directory: {_reason(exc)}; its files were skipped",
                    ),
                )
            )
            return
        for entry in entries:
            entry_rel = f"{rel}/{entry.name}" if rel else entry.name
            try:
                if entry.is_dir():
                    st = entry.stat()
                    key = (st.st_dev, st.st_ino)
                    # Links are followed, but one pointing back up the tree would never end.
                    if key not in ancestors:
                        walk(entry.path, entry_rel, ancestors | {key})
                elif match(entry_rel):
                    if entry.is_file():
                        shown = _printable(entry.path)
                        found.append((entry_rel, _file_source(entry.path, entry_rel, shown)))
                    elif entry.is_symlink() and not os.path.exists(entry.path):
                        found.append((entry_rel, _broken_link(entry_rel, entry.path)))
            except OSError as exc:
                found.append(
                    (
                        entry_rel,
                        DocumentError(
                            _printable(entry_rel),
                            _printable(entry.path),
                            "D005",
                            f"cannot read: {_reason(exc)}; skipped",
                        ),
                    )
                )

    walk(root, "", frozenset({(root_st.st_dev, root_st.st_ino)}))
    # Sorting the raw relative paths gives a total order, whatever the file system lists.
    found.sort(key=lambda pair: pair[0])
    for _, source in found:
        yield source


def _broken_link(rel: str, path: str) -> DocumentError:
    stem = os.path.splitext(rel)[0]
    return DocumentError(
        _printable(stem), _printable(path), "D005", "cannot read: broken link; skipped"
    )


# --- glob patterns -------------------------------------------------------------------------


def _compile_glob(pattern: str) -> Callable[[str], bool]:
    """A predicate on posix paths relative to the directory being walked.

    Without `/`, the pattern matches file names at any depth (`*.txt`). With `/`, it matches
    the whole relative path one segment at a time: `*` stays inside a segment, a `**`
    segment spans any number of directories, and a trailing `/` means everything below.
    Matching is case-sensitive everywhere, so a run selects the same files on any platform,
    and no pattern is an error (fnmatch's rules for stray brackets apply).
    """
    if "/" not in pattern:

        def name_matches(rel: str) -> bool:
            return fnmatchcase(rel.rpartition("/")[2], pattern)

        return name_matches
    if pattern.endswith("/"):
        pattern += "**"
    segments = tuple(part for part in pattern.split("/") if part not in ("", "."))

    def path_matches(rel: str) -> bool:
        return _segments_match(segments, tuple(rel.split("/")))

    return path_matches


def _segments_match(pattern: tuple[str, ...], parts: tuple[str, ...]) -> bool:
    if not pattern:
        return not parts
    head, rest = pattern[0], pattern[1:]
    if head == "**":
        return any(_segments_match(rest, parts[k:]) for k in range(len(parts) + 1))
    return bool(parts) and fnmatchcase(parts[0], head) and _segments_match(rest, parts[1:])


# --- reading -------------------------------------------------------------------------------


def _read_text_file(source: _TextFile, max_bytes: int) -> Item:
    try:
        with open(source.path, "rb") as f:
            st = os.fstat(f.fileno())
            if stat.S_ISDIR(st.st_mode):
                return DocumentError(
                    source.id, source.origin, "D005", "cannot read: is a directory; skipped"
                )
            if stat.S_ISREG(st.st_mode) and st.st_size > max_bytes:
                return _too_large(source.id, source.origin, st.st_size, max_bytes)
            data = _read_capped(f, max_bytes + 1, st.st_size + 1)
    except OSError as exc:
        return DocumentError(
            source.id, source.origin, "D005", f"cannot read: {_reason(exc)}; skipped"
        )
    if len(data) > max_bytes:  # the file grew after stat, or is a pipe
        return _too_large(source.id, source.origin, None, max_bytes)
    return _decode(data, source.id, source.origin)


def _read_stdin(stdin: TextIO | BinaryIO | None, max_bytes: int) -> Item:
    stream: IO[Any] | None = stdin if stdin is not None else sys.stdin
    if stream is None:
        return DocumentError(
            STDIN_ID, STDIN_ORIGIN, "D005", "cannot read: there is no standard input"
        )
    # A text stream with a byte buffer (sys.stdin) is read as bytes: its own decoding would
    # use the locale and translate newlines, which would move offsets.
    raw = getattr(stream, "buffer", None)
    if raw is not None:
        stream = raw
    try:
        probe = stream.read(0)
        if isinstance(probe, bytes):
            data = _read_capped(stream, max_bytes + 1, 1 << 16)
            if len(data) > max_bytes:
                return _too_large(STDIN_ID, STDIN_ORIGIN, None, max_bytes)
            return _decode(data, STDIN_ID, STDIN_ORIGIN)
        text = _read_capped_text(stream, max_bytes + 1)
    except (OSError, ValueError) as exc:
        return DocumentError(
            STDIN_ID, STDIN_ORIGIN, "D005", f"cannot read: {_reason(exc)}; skipped"
        )
    # Characters never outnumber their UTF-8 bytes, so this finds every oversized input.
    if len(text) > max_bytes or _utf8_len(text) > max_bytes:
        return _too_large(STDIN_ID, STDIN_ORIGIN, None, max_bytes)
    if text.startswith("\ufeff"):
        text = text[1:]
    bad = _unpaired_surrogate(text)
    if bad is not None:
        return DocumentError(STDIN_ID, STDIN_ORIGIN, "D001", bad + "; skipped")
    return Document(STDIN_ID, text, STDIN_ORIGIN)


def _read_capped(stream: IO[bytes], cap: int, first: int) -> bytes:
    """Read at most `cap` bytes without reserving `cap` bytes up front (read(n) does)."""
    chunks: list[bytes] = []
    total = 0
    size = max(1, first)
    while total < cap:
        chunk = stream.read(min(size, cap - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        size = _CHUNK
    return b"".join(chunks)


def _read_capped_text(stream: IO[str], cap: int) -> str:
    chunks: list[str] = []
    total = 0
    while total < cap:
        chunk = stream.read(min(_CHUNK, cap - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return "".join(chunks)


def _decode(data: bytes, doc_id: str, origin: str) -> Item:
    # Same result as the "utf-8-sig" codec, but error offsets count from the file's start.
    skip = len(_BOM) if data.startswith(_BOM) else 0
    try:
        text = data[skip:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = exc.start + skip
        byte = data[offset]
        message = f"not valid UTF-8 (byte 0x{byte:02x} at offset {offset}); skipped"
        return DocumentError(doc_id, origin, "D001", message)
    return Document(doc_id, text, origin)


def _too_large(doc_id: str, origin: str, size: int | None, max_bytes: int) -> DocumentError:
    if size is None:
        message = f"larger than the limit of {max_bytes:,} bytes; skipped"
    else:
        message = f"{size:,} bytes, larger than the limit of {max_bytes:,} bytes; skipped"
    return DocumentError(doc_id, origin, "D002", message)


def _read_jsonl(source: _JsonlFile, text_key: str, id_key: str, max_bytes: int) -> Iterator[Item]:
    try:
        f = open(source.path, "rb")  # noqa: SIM115 - closed below; the generator may pause
    except OSError as exc:
        yield DocumentError(
            source.id, source.origin, "D005", f"cannot read: {_reason(exc)}; skipped"
        )
        return
    with f:
        lineno = 0
        while True:
            lineno += 1
            try:
                # A bounded readline keeps memory flat however long a line is.
                line = f.readline(max_bytes + 1)
                if not line:
                    return
                if lineno == 1 and line.startswith(_BOM):
                    line = line[len(_BOM) :]
                if len(line) > max_bytes and not line.endswith(b"\n"):
                    if not (_skip_rest_of_line(f) or line.strip()):
                        continue  # a blank line, however long, is skipped like any other
                    yield _too_large(
                        f"{source.id}:{lineno}", f"{source.origin}:{lineno}", None, max_bytes
                    )
                    continue
            except OSError as exc:
                yield DocumentError(
                    f"{source.id}:{lineno}",
                    f"{source.origin}:{lineno}",
                    "D005",
                    f"cannot read: {_reason(exc)}; the rest of the file was skipped",
                )
                return
            if line.strip():
                yield _parse_jsonl_line(line, lineno, source, text_key, id_key)


def _skip_rest_of_line(f: IO[bytes]) -> bool:
    """Move past the current line; True if what was skipped holds a non-blank byte."""
    content = False
    while True:
        rest = f.readline(_CHUNK)
        content = content or bool(rest.strip())
        if not rest or rest.endswith(b"\n"):
            return content


def _parse_jsonl_line(
    line: bytes, lineno: int, source: _JsonlFile, text_key: str, id_key: str
) -> Item:
    origin = f"{source.origin}:{lineno}"
    fallback_id = f"{source.id}:{lineno}"
    try:
        decoded = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        message = (
            f"not valid UTF-8 (byte 0x{line[exc.start]:02x} at offset {exc.start} "
            "of the line); skipped"
        )
        return DocumentError(fallback_id, origin, "D001", message)
    decoded = decoded.rstrip("\r\n")  # so that a cut-short line's error is on this line
    try:
        obj = json.loads(decoded)
    except json.JSONDecodeError as exc:
        where = "at the end of the line" if exc.pos >= len(decoded) else f"at column {exc.colno}"
        message = f"not valid JSON ({exc.msg} {where}); skipped"
        return DocumentError(fallback_id, origin, "D003", message)
    except (ValueError, RecursionError) as exc:
        # Huge integers and deeply nested values fail outside the decoder's own errors.
        message = f"not valid JSON ({_first_line(str(exc)) or 'nested too deeply'}); skipped"
        return DocumentError(fallback_id, origin, "D003", message)
    if not isinstance(obj, dict):
        message = f"a JSON {_json_type(obj)}, not an object; skipped"
        return DocumentError(fallback_id, origin, "D003", message)
    raw_id = obj.get(id_key)
    doc_id = fallback_id if raw_id is None else _id_text(raw_id)
    if _unpaired_surrogate(doc_id) is not None:
        message = f'the "{id_key}" value is not valid Unicode (an unpaired surrogate); skipped'
        return DocumentError(_printable(doc_id), origin, "D001", message)
    if text_key not in obj:
        return DocumentError(doc_id, origin, "D004", f'no "{text_key}" key; skipped')
    text = obj[text_key]
    if not isinstance(text, str):
        message = f'"{text_key}" is a {_json_type(text)}, not a string; skipped'
        return DocumentError(doc_id, origin, "D004", message)
    bad = _unpaired_surrogate(text)
    if bad is not None:
        return DocumentError(doc_id, origin, "D001", f'"{text_key}" {bad}; skipped')
    return Document(doc_id, text, origin)


def _id_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        # JSON spelling (true, ["a"]) rather than Python's (True, ['a']).
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return str(value)


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _jsonl_count(path: str) -> int:
    """Non-blank lines, as `_read_jsonl` sees them, counted in chunks without parsing."""
    count = 0
    pending = False  # the line begun in an earlier chunk has a non-blank byte
    first = True
    try:
        with open(path, "rb") as f:
            while chunk := f.read(_CHUNK):
                if first:
                    first = False
                    if chunk.startswith(_BOM):
                        chunk = chunk[len(_BOM) :]
                head, newline, rest = chunk.partition(b"\n")
                if not newline:
                    pending = pending or bool(head.strip())
                    continue
                if pending or head.strip():
                    count += 1
                body, sep, tail = rest.rpartition(b"\n")
                if sep:
                    body += b"\n"
                    count += body.count(b"\n") - len(_BLANK_LINE.findall(body))
                pending = bool(tail.strip())
    except OSError:
        return 1  # _read_jsonl reports the file itself as one error
    return count + pending


_BLANK_LINE = re.compile(rb"^[ \t\r\x0b\x0c]*\n", re.MULTILINE)


# --- small helpers ---------------------------------------------------------------------------


def _printable(name: str) -> str:
    """`name` made encodable: undecodable file-name bytes shown as `\\xNN`, others escaped."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        try:
            return os.fsencode(name).decode("utf-8", "backslashreplace")
        except UnicodeEncodeError:
            return name.encode("utf-8", "backslashreplace").decode("utf-8")
    return name


_SURROGATE = re.compile("[\ud800-\udfff]")


def _unpaired_surrogate(text: str) -> str | None:
    # JSON allows "\ud800" escapes; such a text could never be written out as UTF-8.
    found = _SURROGATE.search(text)
    if found is None:
        return None
    code = ord(found.group())
    return f"is not valid Unicode (unpaired surrogate \\u{code:04x} at character {found.start()})"


def _utf8_len(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        if exc.errno == errno.EACCES or isinstance(exc, PermissionError):
            return "permission denied"
        if exc.strerror:
            return exc.strerror[:1].lower() + exc.strerror[1:]
    return _first_line(str(exc)) or type(exc).__name__


def _first_line(text: str) -> str:
    return text.strip().split("\n", 1)[0]
