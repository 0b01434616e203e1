"""Diagnostics: one data type and one rendering for every stage's errors and warnings.

Stages never print or raise for a mistake in a rule file: they append `Diagnostic`s, and
the CLI renders them (gcc style, `path:line:col: error[CODE]: message`, the source line,
the span underlined, `= help: ...`) or prints them as JSON. Every code is listed in
`CODES` and documented in docs/errors.md (a test keeps the two in step).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

Severity = Literal["error", "warning"]

#: Every diagnostic code with its one-line title. Codes are stable: never reuse one.
CODES: dict[str, str] = {
    # E01xx: reading and parsing a rule file
    "E0101": "syntax error",
    "E0102": "unterminated string or regular expression",
    "E0103": "rule file cannot be read",
    "E0104": "pack not found",
    "E0105": "rule file is not valid UTF-8",
    "E0106": "import not found",
    # E02xx: names
    "E0201": "unknown name",
    "E0202": "name defined twice",
    "E0203": "name used as the wrong kind of thing",
    "E0204": "unknown token attribute",
    "E0205": "unknown function",
    "E0206": "a declaration names a type no rule yields",
    "E0207": "a `let` refers to itself",
    # E03xx: rule checks
    "E0301": "rule has no pattern",
    "E0302": "rule has no `yield`",
    "E0303": "yield names a capture the pattern does not have",
    "E0304": "cascade cycle between record types",
    "E0305": "invalid regular expression",
    "E0306": "invalid repetition bounds",
    "E0307": "capture name used twice in one rule",
    "E0308": "wrong kind of value for a token attribute",
    "E0309": "rule has more than one of `match`, `like` and `chars`",
    "E0310": "slot of a `like` example does not occur in it",
    "E0311": "clause given twice in one rule",
    "E0312": "wrong number of arguments to a function",
    "E0313": "lexicon file problem",
    "E0314": "a literal produces no token",
    # E04xx: examples in rules
    "E0401": "an `example` did not produce the expected record",
    "E0402": "a `not` example produced a record",
    # W: warnings, never blocking unless --strict
    "W0101": "a literal the tokenizer splits differently",
    "W0102": "pattern can match an empty sequence",
    "W0103": "rule has no literal anchor",
    "W0104": "unused `let` or lexicon",
    "W0105": "capture not used by `yield`",
}


@dataclass(frozen=True, slots=True)
class Span:
    """Where something is in a rule file: 1-based line/column and 0-based offsets."""

    path: str
    line: int
    col: int
    end_line: int
    end_col: int
    start: int
    end: int

    @staticmethod
    def point(path: str, text: str, offset: int, length: int = 1) -> Span:
        """Build a span from a character offset into `text` (used for lexer errors)."""
        line = text.count("\n", 0, offset) + 1
        col = offset - (text.rfind("\n", 0, offset) + 1) + 1
        end = min(len(text), offset + length)
        return Span(path, line, col, line, col + max(1, end - offset), offset, end)


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    message: str
    span: Span | None = None
    help: str | None = None
    severity: Severity = "error"
    notes: tuple[str, ...] = ()

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
        }
        if self.span is not None:
            s = self.span
            out.update(
                path=s.path,
                line=s.line,
                col=s.col,
                end_line=s.end_line,
                end_col=s.end_col,
            )
        if self.help:
            out["help"] = self.help
        if self.notes:
            out["notes"] = list(self.notes)
        return out


class CompileError(Exception):
    """Raised by the compiler front door when a pack has errors; carries them all."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics = tuple(diagnostics)
        first = self.diagnostics[0].message if self.diagnostics else "compile error"
        super().__init__(first)


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """A `did you mean X?` help line when one candidate is close enough to be likely."""
    pool = sorted(set(candidates))
    exact_case = [c for c in pool if c.lower() == name.lower()]
    if exact_case:
        return f"did you mean `{exact_case[0]}`?"
    close = difflib.get_close_matches(name, pool, n=1, cutoff=0.6)
    return f"did you mean `{close[0]}`?" if close else None


def sort_diagnostics(diags: Iterable[Diagnostic]) -> list[Diagnostic]:
    def key(d: Diagnostic) -> tuple[Any, ...]:
        s = d.span
        return (s.path, s.line, s.col, d.code) if s else ("", 0, 0, d.code)

    return sorted(diags, key=key)


# ---- rendering ------------------------------------------------------------------------

_COLOURS = {"error": "\x1b[1;31m", "warning": "\x1b[1;33m", "bold": "\x1b[1m", "blue": "\x1b[1;34m"}
_RESET = "\x1b[0m"


def render(d: Diagnostic, sources: Mapping[str, str], *, color: bool = False) -> str:
    """Render one diagnostic as text: header, the source line, an underline, help lines."""

    def paint(kind: str, text: str) -> str:
        return f"{_COLOURS[kind]}{text}{_RESET}" if color else text

    where = ""
    if d.span is not None:
        where = f"{d.span.path}:{d.span.line}:{d.span.col}: "
    lines = [paint("bold", where) + paint(d.severity, f"{d.severity}[{d.code}]") + f": {d.message}"]
    source = sources.get(d.span.path) if d.span is not None else None
    if d.span is not None and source is not None:
        # split on \n only: spans count lines that way (not U+2028 and friends)
        src_lines = source.split("\n")
        if 1 <= d.span.line <= len(src_lines):
            raw = src_lines[d.span.line - 1].rstrip("\r")
            end_col = d.span.end_col if d.span.end_line == d.span.line else len(raw) + 1
            # expand tabs the same way in the line and in the caret's indent
            before = raw[: d.span.col - 1].expandtabs(4)
            under = raw[: max(d.span.col - 1, end_col - 1)].expandtabs(4)
            text = raw.expandtabs(4)
            gutter = f"{d.span.line:>4} | "
            lines.append(paint("blue", gutter) + text)
            width = max(1, len(under) - len(before))
            pad = " " * (len(gutter) - 2) + paint("blue", "| ")
            lines.append(pad + " " * len(before) + paint(d.severity, "^" * width))
    for note in d.notes:
        lines.append(f"     = note: {note}")
    if d.help:
        lines.append(f"     = help: {d.help}")
    return "\n".join(lines)


def render_all(
    diags: Iterable[Diagnostic],
    sources: Mapping[str, str],
    *,
    color: bool = False,
    fmt: str = "text",
) -> str:
    """Render diagnostics in file order, then a one-line summary (text), or JSON lines."""
    ordered = sort_diagnostics(diags)
    if fmt == "json":
        return "\n".join(json.dumps(d.to_json(), ensure_ascii=False) for d in ordered)
    parts = [render(d, sources, color=color) for d in ordered]
    errors = sum(d.is_error for d in ordered)
    warnings = len(ordered) - errors
    if ordered:
        parts.append(_summary(errors, warnings))
    return "\n\n".join(parts[:-1]) + ("\n\n" if len(parts) > 1 else "") + parts[-1] if parts else ""


def _summary(errors: int, warnings: int) -> str:
    bits = []
    if errors:
        bits.append(f"{errors} error{'s' if errors != 1 else ''}")
    if warnings:
        bits.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
    return ", ".join(bits) + " found"
