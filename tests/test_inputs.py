"""Tests for ie.inputs: where documents come from, their ids, order, and errors as data."""

from __future__ import annotations

import io
import json
import os
import sys
import tracemalloc
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from ie.inputs import (
    DEFAULT_MAX_BYTES,
    Document,
    DocumentError,
    count_documents,
    iter_documents,
)


def run(inputs: Sequence[str | Path], **options: object) -> list[Document | DocumentError]:
    return list(iter_documents([str(p) for p in inputs], **options))  # type: ignore[arg-type]


def summary(items: list[Document | DocumentError]) -> list[tuple[str, str]]:
    """(id, text) for documents, (id, code) for errors: what most tests compare."""
    return [
        (item.id, item.text) if isinstance(item, Document) else (item.id, item.code)
        for item in items
    ]


def write(root: Path, files: Mapping[str, bytes | str]) -> None:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            content = content.encode("utf-8")
        path.write_bytes(content)


CORPUS = {
    "b.txt": "bee",
    "a.txt": "ay",
    "sub/x.txt": "ex",
    "sub/deeper/y.txt": "why",
    "a.md": "not text",
    "sub/notes.TXT": "upper-case suffix",
    "c.txt.bak": "backup",
}


@pytest.mark.parametrize(
    ("glob", "expected"),
    [
        pytest.param(
            "*.txt",
            [("a", "ay"), ("b", "bee"), ("sub/deeper/y", "why"), ("sub/x", "ex")],
            id="default-name-glob-recursive-sorted",
        ),
        pytest.param("*.md", [("a", "not text")], id="other-suffix"),
        pytest.param("sub/*.txt", [("sub/x", "ex")], id="slash-pattern-one-level"),
        pytest.param(
            "**/*.txt",
            [("a", "ay"), ("b", "bee"), ("sub/deeper/y", "why"), ("sub/x", "ex")],
            id="double-star-includes-top",
        ),
        pytest.param(
            "sub/**",
            [("sub/deeper/y", "why"), ("sub/notes", "upper-case suffix"), ("sub/x", "ex")],
            id="everything-under-sub",
        ),
        pytest.param("sub/**/y.*", [("sub/deeper/y", "why")], id="double-star-middle"),
        pytest.param("[ab].txt", [("a", "ay"), ("b", "bee")], id="character-class"),
        pytest.param(
            "[!a].txt",
            [("b", "bee"), ("sub/deeper/y", "why"), ("sub/x", "ex")],
            id="negated-class-any-depth",
        ),
        pytest.param(
            "?.txt",
            [("a", "ay"), ("b", "bee"), ("sub/deeper/y", "why"), ("sub/x", "ex")],
            id="question-mark-any-depth",
        ),
        pytest.param("*.TXT", [("sub/notes", "upper-case suffix")], id="case-sensitive"),
        pytest.param("*.json", [], id="nothing-matches"),
        pytest.param(
            "sub/",
            [("sub/deeper/y", "why"), ("sub/notes", "upper-case suffix"), ("sub/x", "ex")],
            id="trailing-slash-is-everything-below",
        ),
        pytest.param("./sub/x.txt", [("sub/x", "ex")], id="leading-dot-slash"),
        pytest.param("[z-a]*", [], id="bad-range-is-not-an-error"),
        pytest.param("[/x.txt", [], id="stray-bracket-is-literal"),
    ],
)
def test_directory_glob_order_and_ids(
    tmp_path: Path, glob: str, expected: list[tuple[str, str]]
) -> None:
    write(tmp_path / "seeds", CORPUS)
    items = run([tmp_path / "seeds"], glob=glob)
    assert summary(items) == expected
    assert count_documents([str(tmp_path / "seeds")], glob=glob) == len(expected)


def test_directory_order_is_plain_string_order_of_relative_paths(tmp_path: Path) -> None:
    names = ["b/a.txt", "a.txt", "a/z.txt", "B.txt", "a-b.txt", "10.txt", "9.txt"]
    write(tmp_path, {name: name for name in names})
    assert [item.id for item in run([tmp_path])] == [
        os.path.splitext(name)[0] for name in sorted(names)
    ]


def test_directory_origin_and_trailing_slash(tmp_path: Path) -> None:
    write(tmp_path / "seeds", {"sub/x.txt": "ex"})
    [doc] = run([f"{tmp_path}/seeds/"])
    assert doc == Document("sub/x", "ex", f"{tmp_path}/seeds/sub/x.txt")


@pytest.mark.parametrize(
    ("name", "expected_id"),
    [
        pytest.param("x.txt", "x", id="suffix-dropped"),
        pytest.param("report.final.txt", "report.final", id="only-last-suffix-dropped"),
        pytest.param("README", "README", id="no-suffix"),
        pytest.param("notes.md", "notes", id="any-suffix"),
    ],
)
def test_single_file_id_is_its_stem(tmp_path: Path, name: str, expected_id: str) -> None:
    write(tmp_path / "seeds" / "deep", {name: "hello"})
    path = tmp_path / "seeds" / "deep" / name
    assert run([path]) == [Document(expected_id, "hello", str(path))]


def test_inputs_keep_their_order_and_are_not_deduplicated(tmp_path: Path) -> None:
    write(tmp_path, {"z.txt": "zed", "dir/a.txt": "ay"})
    items = run([tmp_path / "z.txt", tmp_path / "dir", tmp_path / "z.txt"])
    assert summary(items) == [("z", "zed"), ("a", "ay"), ("z", "zed")]


JSONL_CASES = [
    pytest.param(
        '{"id": "d1", "text": "one"}\n{"id": 7, "text": "two"}\n',
        {},
        [("d1", "one"), ("7", "two")],
        id="id-and-text",
    ),
    pytest.param(
        '{"doc_id": "d1", "body": "one", "text": "ignored"}\n',
        {"id_key": "doc_id", "text_key": "body"},
        [("d1", "one")],
        id="custom-keys",
    ),
    pytest.param(
        '{"text": "one"}\n{"id": null, "text": "two"}\n',
        {},
        [("data:1", "one"), ("data:2", "two")],
        id="missing-or-null-id-uses-line-number",
    ),
    pytest.param(
        '{"id": true, "text": "a"}\n{"id": [1, "x"], "text": "b"}\n{"id": 1.5, "text": "c"}\n',
        {},
        [("true", "a"), ('[1,"x"]', "b"), ("1.5", "c")],
        id="non-string-ids-spelled-as-json",
    ),
    pytest.param(
        '\n{"id": "a", "text": "one"}\n   \n\r\n{"id": "b", "text": "two"}',
        {},
        [("a", "one"), ("b", "two")],
        id="blank-lines-skipped-last-line-unterminated",
    ),
    pytest.param(
        '{"id": "a", "text": "one"}\n{"id": "b", "text": \n{"id": "c", "text": "three"}\n',
        {},
        [("a", "one"), ("data:2", "D003"), ("c", "three")],
        id="bad-json-line-then-more",
    ),
    pytest.param(
        '[1, 2]\n"text"\n{"id": "c", "text": "three"}\n',
        {},
        [("data:1", "D003"), ("data:2", "D003"), ("c", "three")],
        id="not-an-object",
    ),
    pytest.param(
        '{"id": "a", "body": "one"}\n{"id": "b", "text": 3}\n{"text": null}\n',
        {},
        [("a", "D004"), ("b", "D004"), ("data:3", "D004")],
        id="missing-or-non-string-text",
    ),
    pytest.param(
        '{"id": "a", "text": "line one\\r\\nline two"}\n',
        {},
        [("a", "line one\r\nline two")],
        id="escaped-crlf-kept",
    ),
    pytest.param(
        '{"id": "a", "text": "bad \\ud800 surrogate"}\n{"id": "b", "text": "ok"}\n',
        {},
        [("a", "D001"), ("b", "ok")],
        id="unpaired-surrogate-escape",
    ),
    pytest.param(
        '{"id": "a", "text": "one"}\r\n{"id": "b", "text": "two"}\r\n',
        {},
        [("a", "one"), ("b", "two")],
        id="crlf-line-ends",
    ),
    pytest.param(
        '{"id": 1' + "0" * 5000 + ', "text": "x"}\n' + "[" * 100_000 + "\n",
        {},
        [("data:1", "D003"), ("data:2", "D003")],
        id="huge-number-and-deep-nesting",
    ),
]


@pytest.mark.parametrize(("content", "options", "expected"), JSONL_CASES)
def test_jsonl(
    tmp_path: Path, content: str, options: dict[str, str], expected: list[tuple[str, str]]
) -> None:
    path = tmp_path / "data.jsonl"
    path.write_bytes(content.encode("utf-8"))
    items = run([path], **options)
    assert summary(items) == expected
    assert count_documents([str(path)]) == len(expected)


def test_jsonl_origins_and_messages(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_bytes(b'{"id": "a", "text": "one"}\n\n{"id": "b"\n{"id": "c", "txt": "x"}\n')
    doc, bad_json, no_text = run([path])
    assert doc == Document("a", "one", f"{path}:1")
    assert bad_json == DocumentError(
        "data:3",
        f"{path}:3",
        "D003",
        bad_json.message,  # type: ignore[union-attr]
    )
    assert isinstance(bad_json, DocumentError)
    assert "not valid JSON" in bad_json.message
    assert isinstance(no_text, DocumentError)
    assert (no_text.id, no_text.origin, no_text.code) == ("c", f"{path}:4", "D004")
    assert '"text"' in no_text.message


def test_jsonl_undecodable_line_and_bom(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_bytes(
        b'\xef\xbb\xbf{"id": "a", "text": "one"}\n{"id": "b", "text": "\xff"}\n'
        b'{"id": "c", "text": "three"}\n'
    )
    items = run([path])
    assert summary(items) == [("a", "one"), ("data:2", "D001"), ("c", "three")]
    assert isinstance(items[1], DocumentError)
    assert "0xff" in items[1].message


def test_jsonl_line_over_max_bytes_is_skipped_alone(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    long_line = json.dumps({"id": "long", "text": "x" * 500})
    path.write_text(
        '{"id": "a", "text": "one"}\n' + long_line + '\n{"id": "c", "text": "three"}\n',
        encoding="utf-8",
    )
    items = run([path], max_bytes=100)
    assert summary(items) == [("a", "one"), ("data:2", "D002"), ("c", "three")]
    assert count_documents([str(path)], max_bytes=100) == 3


@pytest.mark.parametrize(
    "blank",
    [
        pytest.param(" " * 500, id="spaces"),
        pytest.param(" " * 200 + "\r", id="spaces-cr"),
        pytest.param(" " * 50, id="short"),
    ],
)
def test_jsonl_long_blank_line_is_still_blank(tmp_path: Path, blank: str) -> None:
    path = tmp_path / "data.jsonl"
    path.write_text('{"id": "a", "text": "one"}\n' + blank + '\n{"id": "c", "text": "3"}\n')
    assert summary(run([path], max_bytes=100)) == [("a", "one"), ("c", "3")]
    assert count_documents([str(path)]) == 2


def test_jsonl_is_streamed(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_text('{"id": "a", "text": "one"}\n{"id": "b", "text": "two"}\n', encoding="utf-8")
    items = iter_documents([str(path)])
    assert next(items) == Document("a", "one", f"{path}:1")
    # The file is appended to while the first document is being processed: a reader that
    # had loaded the file whole would not see the new line.
    with path.open("a", encoding="utf-8") as f:
        f.write('{"id": "c", "text": "three"}\n')
    assert [item.id for item in items] == ["b", "c"]


def test_jsonl_in_directory_uses_relative_fallback_id(tmp_path: Path) -> None:
    write(tmp_path / "corpus", {"part/one.jsonl": '{"text": "a"}\n', "two.txt": "b"})
    items = run([tmp_path / "corpus"], glob="*")
    assert summary(items) == [("part/one:1", "a"), ("two", "b")]


def test_undecodable_file_between_good_ones(tmp_path: Path) -> None:
    write(tmp_path, {"a.txt": "first", "b.txt": b"caf\xe9 au lait", "c.txt": "third"})
    items = run([tmp_path])
    assert summary(items) == [("a", "first"), ("b", "D001"), ("c", "third")]
    error = items[1]
    assert isinstance(error, DocumentError)
    assert error.origin == str(tmp_path / "b.txt")
    assert "0xe9" in error.message
    assert "offset 3" in error.message


def test_oversized_file_is_reported_without_stopping(tmp_path: Path) -> None:
    write(tmp_path, {"big.txt": "x" * 11, "fits.txt": "y" * 10})
    items = run([tmp_path], max_bytes=10)
    assert summary(items) == [("big", "D002"), ("fits", "y" * 10)]
    assert isinstance(items[0], DocumentError)
    assert "11 bytes" in items[0].message


def test_default_limit() -> None:
    assert DEFAULT_MAX_BYTES == 50_000_000


def test_missing_path_is_an_error_item(tmp_path: Path) -> None:
    write(tmp_path, {"a.txt": "ay"})
    missing = str(tmp_path / "nope.txt")
    items = run([missing, tmp_path / "a.txt"])
    assert items[0] == DocumentError(missing, missing, "D006", "no such file or directory")
    assert items[1] == Document("a", "ay", str(tmp_path / "a.txt"))
    assert count_documents([missing, str(tmp_path / "a.txt")]) == 2


@pytest.mark.skipif(
    sys.platform == "win32" or os.geteuid() == 0, reason="needs POSIX permissions, non-root"
)
def test_unreadable_file_and_directory(tmp_path: Path) -> None:
    write(tmp_path, {"a.txt": "ay", "locked.txt": "no", "closed/x.txt": "no", "z.txt": "zed"})
    (tmp_path / "locked.txt").chmod(0)
    (tmp_path / "closed").chmod(0)
    try:
        items = run([tmp_path])
    finally:
        (tmp_path / "locked.txt").chmod(0o644)
        (tmp_path / "closed").chmod(0o755)
    assert summary(items) == [("a", "ay"), ("closed", "D005"), ("locked", "D005"), ("z", "zed")]


def test_unreadable_file_and_directory_simulated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Same as above for runs as root, where chmod does not stop reading.
    write(tmp_path, {"a.txt": "ay", "locked.txt": "no", "closed/x.txt": "no", "z.txt": "zed"})
    real_open, real_scandir = open, os.scandir

    def fake_open(path: str, *args: Any, **kwargs: Any) -> Any:
        if str(path).endswith("locked.txt"):
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, *args, **kwargs)

    def fake_scandir(path: str) -> Any:
        if str(path).endswith("closed"):
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr("ie.inputs.open", fake_open, raising=False)
    monkeypatch.setattr(os, "scandir", fake_scandir)
    items = run([tmp_path])
    assert summary(items) == [("a", "ay"), ("closed", "D005"), ("locked", "D005"), ("z", "zed")]
    assert all("permission denied" in i.message for i in items if isinstance(i, DocumentError))


def test_dangling_link_is_reported(tmp_path: Path) -> None:
    write(tmp_path, {"a.txt": "ay"})
    (tmp_path / "gone.txt").symlink_to(tmp_path / "missing.txt")
    assert summary(run([tmp_path])) == [("a", "ay"), ("gone", "D005")]


def test_directory_link_loop_terminates(tmp_path: Path) -> None:
    write(tmp_path, {"sub/a.txt": "ay"})
    (tmp_path / "sub" / "loop").symlink_to(tmp_path)
    assert summary(run([tmp_path])) == [("sub/a", "ay")]


def test_directory_given_where_file_expected_in_jsonl_suffix(tmp_path: Path) -> None:
    (tmp_path / "odd.jsonl").mkdir()
    write(tmp_path / "odd.jsonl", {"inside.txt": "in"})
    assert summary(run([tmp_path / "odd.jsonl"])) == [("inside", "in")]


def test_undecodable_file_name_gives_printable_id(tmp_path: Path) -> None:
    name = os.fsdecode(b"caf\xe9.txt")
    try:
        (tmp_path / name).write_text("hi", encoding="utf-8")
    except (OSError, UnicodeEncodeError):
        pytest.skip("file system does not accept undecodable names")
    [doc] = run([tmp_path])
    assert doc.id == "caf\\xe9"
    doc.id.encode("utf-8")
    doc.origin.encode("utf-8")


@pytest.mark.parametrize(
    ("stream", "expected"),
    [
        pytest.param(io.StringIO("hello\r\nworld"), "hello\r\nworld", id="text"),
        pytest.param(io.BytesIO(b"hello\r\nworld"), "hello\r\nworld", id="bytes"),
        pytest.param(io.BytesIO(b"\xef\xbb\xbfhello"), "hello", id="bytes-bom"),
        pytest.param(io.StringIO("\ufeffhello"), "hello", id="text-bom"),
        pytest.param(
            io.TextIOWrapper(io.BytesIO(b"a\r\nb"), encoding="latin-1"),
            "a\r\nb",
            id="text-wrapper-read-as-bytes",
        ),
        pytest.param(io.BytesIO(b""), "", id="empty"),
    ],
)
def test_stdin(stream: io.IOBase, expected: str) -> None:
    assert run(["-"], stdin=stream) == [Document("stdin", expected, "<stdin>")]
    assert count_documents(["-"]) is None


@pytest.mark.parametrize(
    ("stream", "code"),
    [
        pytest.param(io.BytesIO(b"ok \xff"), "D001", id="undecodable"),
        pytest.param(io.BytesIO(b"x" * 11), "D002", id="too-large-bytes"),
        pytest.param(io.StringIO("é" * 6), "D002", id="too-large-once-encoded"),
        pytest.param(io.StringIO("x\ud800"), "D001", id="surrogate"),
    ],
)
def test_stdin_errors(stream: io.IOBase, code: str) -> None:
    [error] = run(["-"], stdin=stream, max_bytes=10)
    assert isinstance(error, DocumentError)
    assert (error.id, error.origin, error.code) == ("stdin", "<stdin>", code)


def test_stdin_between_files(tmp_path: Path) -> None:
    write(tmp_path, {"a.txt": "ay", "b.txt": "bee"})
    items = run([tmp_path / "a.txt", "-", tmp_path / "b.txt"], stdin=io.BytesIO(b"in"))
    assert summary(items) == [("a", "ay"), ("stdin", "in"), ("b", "bee")]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(b"one\r\ntwo\r\n", "one\r\ntwo\r\n", id="crlf-kept"),
        pytest.param(b"one\rtwo", "one\rtwo", id="lone-cr-kept"),
        pytest.param(b"\xef\xbb\xbfone", "one", id="bom-removed"),
        pytest.param(b"one\xef\xbb\xbftwo", "one\ufefftwo", id="inner-bom-kept"),
        pytest.param(b"", "", id="empty-file"),
        pytest.param("naïve – ok".encode(), "naïve – ok", id="non-ascii"),
    ],
)
def test_text_is_exactly_the_decoded_bytes(tmp_path: Path, content: bytes, expected: str) -> None:
    (tmp_path / "doc.txt").write_bytes(content)
    assert run([tmp_path / "doc.txt"]) == [Document("doc", expected, str(tmp_path / "doc.txt"))]


def test_error_offset_counts_the_bom(tmp_path: Path) -> None:
    (tmp_path / "doc.txt").write_bytes(b"\xef\xbb\xbfab\xff")
    [error] = run([tmp_path / "doc.txt"])
    assert isinstance(error, DocumentError)
    assert "offset 5" in error.message


def test_count_matches_items_for_a_mixed_run(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "dir/a.txt": "ay",
            "dir/b.txt": b"\xff",
            "dir/sub/c.txt": "see",
            "data.jsonl": '{"text": "1"}\n\n  \nnot json\n{"text": "3"}',
            "blank.jsonl": "\n\n",
        },
    )
    inputs = [str(tmp_path / n) for n in ("dir", "data.jsonl", "blank.jsonl", "missing")]
    assert count_documents(inputs) == len(run(inputs)) == 7


@pytest.mark.parametrize("size", [pytest.param(n, id=f"{n}-lines") for n in (1, 2, 1000, 70_000)])
def test_jsonl_count_across_chunks(tmp_path: Path, size: int) -> None:
    path = tmp_path / "data.jsonl"
    # Lines of varying length, with blank lines, so chunk edges fall everywhere.
    lines = [json.dumps({"text": "x" * (i % 37)}) if i % 5 else " " for i in range(size)]
    path.write_text("\n".join(lines), encoding="utf-8")
    assert count_documents([str(path)]) == sum(1 for line in lines if line.strip())


@pytest.mark.parametrize(
    ("call", "error"),
    [
        pytest.param(lambda: iter_documents("seeds"), TypeError, id="string-not-list"),
        pytest.param(lambda: iter_documents(["x"], max_bytes=-1), ValueError, id="negative"),
        pytest.param(lambda: iter_documents(["x"], glob=""), ValueError, id="empty-glob"),
    ],
)
def test_programming_errors_raise_at_call(call: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        call()  # type: ignore[operator]


def test_file_over_default_limit_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as f:
        f.truncate(DEFAULT_MAX_BYTES + 1)  # sparse: no disk used
    tracemalloc.start()
    try:
        [error] = run([path])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(error, DocumentError)
    assert error.code == "D002"
    assert peak < 1_000_000


def test_jsonl_memory_stays_flat_on_a_long_line(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    with path.open("w", encoding="utf-8") as f:
        f.write(json.dumps({"id": "long", "text": "x" * 8_000_000}) + "\n")
        f.write('{"id": "b", "text": "bee"}\n')
    tracemalloc.start()
    try:
        items = run([path], max_bytes=1000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert summary(items) == [("data:1", "D002"), ("b", "bee")]
    assert peak < 4_000_000
