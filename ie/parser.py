"""Front end: rule-file text -> `nodes.File`, with positioned syntax diagnostics.

The LALR parser is built once per process from grammars/ie.lark (shipped inside the
package as `ie.grammars`). The Lark tree never leaves this module: `_ToNodes` turns it into
ie/nodes.py dataclasses. On a syntax error the file is re-parsed one declaration at a time,
so one typo does not hide the errors (and the good rules) after it.
"""

from __future__ import annotations

import bisect
import functools
import importlib.resources
from typing import Any, cast

import regex
from lark import Lark, Token, Transformer, v_args
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)
from lark.tree import Meta

from ie import nodes as n
from ie.diagnostics import Diagnostic, Span, did_you_mean

KEYWORDS = (
    "rule",
    "let",
    "lexicon",
    "overlap",
    "internal",
    "import",
    "match",
    "like",
    "chars",
    "where",
    "yield",
    "example",
    "not",
    "priority",
    "within",
)
# clause keywords a bare word after a label cannot mean (the label lost its pattern)
_CLAUSE_KEYWORDS = frozenset({"yield", "example", "priority", "within", "match", "like", "chars"})
_DECL_START = regex.compile(r"(?m)^(?:rule|let|lexicon|overlap|internal|import)\b")

# Friendly names for the grammar's terminals, used in "expected ..." messages.
_TERMINAL_NAMES = {
    "STRING": "a quoted string",
    "NAME": "a capitalised name",
    "WORD": "a word",
    "CALL": "a type with fields, like `Person(name)`",
    "LABEL": "a capture label like `name:`",
    "REGEX": "a /regex/",
    "QUANT": "a quantifier",
    "SIGNED_INT": "a number",
    "POLICY": "an overlap policy (all, longest, first, priority)",
    "SCOPE": "a scope (sentence, paragraph, document)",
    "RPAR": "`)`",
    "LPAR": "`(`",
    "RSQB": "`]`",
    "LSQB": "`[`",
    "EQUAL": "`=`",
    "VBAR": "`|`",
    "COMMA": "`,`",
    "CMP": "a comparison",
    "ANY": "`_`",
    "LOOK": "a lookaround",
}


@functools.cache
def grammar_text() -> str:
    return (importlib.resources.files("ie.grammars") / "ie.lark").read_text(encoding="utf-8")


@functools.cache
def _parser() -> Lark:
    return Lark(
        grammar_text(),
        parser="lalr",
        propagate_positions=True,
        maybe_placeholders=True,
    )


class _Lines:
    """Offset -> (line, col) through a table of line starts."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in regex.finditer(r"\n", text)]

    def span(self, path: str, start: int, end: int) -> Span:
        line = bisect.bisect_right(self.starts, start)
        end_line = bisect.bisect_right(self.starts, max(start, end - 1))
        col = start - self.starts[line - 1] + 1
        end_col = end - self.starts[end_line - 1] + 1
        return Span(path, line, col, end_line, end_col, start, end)


def _unquote(raw: str) -> str:
    body = raw[1:-1]
    if "\\" not in body:
        return body
    out = []
    i = 0
    escapes = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "'": "'"}
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            out.append(escapes.get(body[i + 1], "\\" + body[i + 1]))
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _split_regex(raw: str) -> tuple[str, str]:
    end = raw.rfind("/")
    return raw[1:end], raw[end + 1 :]


def _quant(raw: str) -> tuple[int, int | None, bool]:
    lazy = len(raw) > 1 and raw.endswith("?")
    q = raw[:-1] if lazy else raw
    if q == "?":
        return 0, 1, lazy
    if q == "*":
        return 0, None, lazy
    if q == "+":
        return 1, None, lazy
    body = q[1:-1]
    if "," not in body:
        v = int(body) if body else 0
        return v, v, lazy
    lo, hi = body.split(",", 1)
    return (int(lo) if lo else 0), (int(hi) if hi else None), lazy


class _ToNodes(Transformer[Token, Any]):
    """Lark tree -> nodes. Does nothing else (no checks: those are later passes)."""

    def __init__(self, path: str, lines: _Lines, offset: int) -> None:
        super().__init__()
        self.path = path
        self.lines = lines
        self.offset = offset
        self.diags: list[Diagnostic] = []  # structural problems found while building
        self._swallowed = False  # the rule being built lost a clause keyword to a label

    def _span(self, meta: Meta | Token) -> Span:
        if isinstance(meta, Token):
            start, end = meta.start_pos or 0, meta.end_pos or 0
        else:
            start, end = getattr(meta, "start_pos", 0), getattr(meta, "end_pos", 0)
        return self.lines.span(self.path, start + self.offset, end + self.offset)

    # -- declarations
    @v_args(meta=True)
    def start(self, meta: Meta, items: list[Any]) -> list[Any]:
        return [d for d in items if d is not None]  # None: a declaration already reported

    @v_args(meta=True)
    def import_decl(self, meta: Meta, items: list[Any]) -> n.Import:
        path, alias = items
        return n.Import(_unquote(path), str(alias) if alias else None, self._span(meta))

    @v_args(meta=True)
    def let_decl(self, meta: Meta, items: list[Any]) -> n.Let:
        return n.Let(str(items[0]), items[1], self._span(meta))

    @v_args(meta=True)
    def lexicon_inline(self, meta: Meta, items: list[Any]) -> n.Lexicon:
        name, *rest = items
        entries = tuple(_unquote(t) for t in rest if isinstance(t, Token) and t.type == "STRING")
        opts = {str(t) for t in rest if not (isinstance(t, Token) and t.type == "STRING")}
        return n.Lexicon(
            str(name), entries, None, "exact" in opts, "accents" in opts, self._span(meta)
        )

    @v_args(meta=True)
    def lexicon_file(self, meta: Meta, items: list[Any]) -> n.Lexicon:
        name, path, *opts = items
        o = {str(t) for t in opts}
        return n.Lexicon(
            str(name),
            None,
            _unquote(path),
            "exact" in o,
            "accents" in o,
            self._span(meta),
            self._span(path),
        )

    def lexopt(self, items: list[Token]) -> str:
        return str(items[0])

    @v_args(meta=True)
    def overlap_decl(self, meta: Meta, items: list[Token]) -> n.Overlap:
        return n.Overlap(str(items[0]), str(items[1]), self._span(meta))

    @v_args(meta=True)
    def internal_decl(self, meta: Meta, items: list[Token]) -> n.Internal:
        return n.Internal(tuple(str(t) for t in items), self._span(meta))

    @v_args(meta=True)
    def rule_decl(self, meta: Meta, items: list[Any]) -> n.Rule | None:
        name_tok: Token = items[0]
        clauses = items[1:]
        if self._swallowed:  # reported at the label; its other errors would only follow
            self._swallowed = False
            return None
        match = like = yld = chars = None
        examples: list[n.Example] = []
        counters: list[n.CounterExample] = []
        priority, scope = 0, "sentence"
        seen: set[str] = set()
        for kind, value, *where in clauses:
            if kind in seen and kind not in ("example", "not"):
                self.diags.append(
                    Diagnostic(
                        "E0311",
                        f"rule `{name_tok}` has more than one `{kind}` clause",
                        where[0] if where else getattr(value, "span", self._span(name_tok)),
                        help=f"keep one `{kind}`; use | inside one pattern for alternatives"
                        if kind == "match"
                        else f"keep one `{kind}`",
                    )
                )
            seen.add(kind)
            if kind == "match":
                match = value
            elif kind == "like":
                like = value
            elif kind == "chars":
                chars = value
            elif kind == "yield":
                yld = value
            elif kind == "example":
                examples.append(value)
            elif kind == "not":
                counters.append(value)
            elif kind == "priority":
                priority = value
            elif kind == "within":
                scope = value
        return n.Rule(
            str(name_tok),
            match,
            like,
            yld,
            tuple(examples),
            tuple(counters),
            priority,
            scope,
            self._span(meta),
            self._span(name_tok),
            chars,
        )

    def rule_name(self, items: list[Token]) -> Token:
        return items[0]

    @v_args(meta=True)
    def match(self, meta: Meta, items: list[Any]) -> tuple[str, Any, Span]:
        return ("match", items[0], self._span(meta))

    @v_args(meta=True)
    def chars(self, meta: Meta, items: list[Token]) -> tuple[str, Any]:
        pattern, flags = _split_regex(str(items[0]))
        return ("chars", n.Chars(pattern, flags, self._span(meta)))

    @v_args(meta=True)
    def like(self, meta: Meta, items: list[Any]) -> tuple[str, Any]:
        text_tok, *slots = items
        slots = [s for s in slots if s is not None]
        return (
            "like",
            n.Like(_unquote(text_tok), tuple(slots), self._span(meta), self._span(text_tok)),
        )

    @v_args(meta=True)
    def slot(self, meta: Meta, items: list[Any]) -> n.Slot:
        label: Token = items[0]
        return n.Slot(str(label).rstrip(": \t"), items[1], self._span(meta))

    @v_args(meta=True)
    def yield_bare(self, meta: Meta, items: list[Token]) -> tuple[str, Any]:
        return ("yield", n.Yield(str(items[0]), (), self._span(meta)))

    @v_args(meta=True)
    def yield_call(self, meta: Meta, items: list[Any]) -> tuple[str, Any]:
        call: Token = items[0]
        args = tuple(a for a in items[1:] if a is not None)
        return ("yield", n.Yield(str(call)[:-1], args, self._span(meta)))

    @v_args(meta=True)
    def yarg_short(self, meta: Meta, items: list[Token]) -> n.YieldArg:
        span = self._span(meta)
        return n.YieldArg(str(items[0]), n.YCapture(str(items[0]), span), span)

    @v_args(meta=True)
    def yarg_full(self, meta: Meta, items: list[Any]) -> n.YieldArg:
        return n.YieldArg(str(items[0]), items[1], self._span(meta))

    @v_args(meta=True)
    def y_capture(self, meta: Meta, items: list[Token]) -> n.YCapture:
        return n.YCapture(str(items[0]), self._span(meta))

    @v_args(meta=True)
    def y_string(self, meta: Meta, items: list[Token]) -> n.YString:
        return n.YString(_unquote(items[0]), self._span(meta))

    @v_args(meta=True)
    def y_call(self, meta: Meta, items: list[Any]) -> n.YCall:
        call: Token = items[0]
        args = tuple(a for a in items[1:] if a is not None)
        return n.YCall(str(call)[:-1], args, self._span(meta))

    @v_args(meta=True)
    def example(self, meta: Meta, items: list[Any]) -> tuple[str, Any]:
        text_tok, call, *expects = items
        fields = tuple(e for e in expects if e is not None)
        return ("example", n.Example(_unquote(text_tok), str(call)[:-1], fields, self._span(meta)))

    @v_args(meta=True)
    def example_bare(self, meta: Meta, items: list[Token]) -> tuple[str, Any]:
        return ("example", n.Example(_unquote(items[0]), str(items[1]), (), self._span(meta)))

    def expect(self, items: list[Any]) -> tuple[str, str]:
        return (str(items[0]), _unquote(items[1]))

    @v_args(meta=True)
    def counter(self, meta: Meta, items: list[Token]) -> tuple[str, Any]:
        return ("not", n.CounterExample(_unquote(items[0]), self._span(meta)))

    @v_args(meta=True)
    def priority(self, meta: Meta, items: list[Token]) -> tuple[str, Any, Span]:
        return ("priority", int(items[0]), self._span(meta))

    @v_args(meta=True)
    def within(self, meta: Meta, items: list[Token]) -> tuple[str, Any, Span]:
        return ("within", str(items[0]), self._span(meta))

    def ident(self, items: list[Token]) -> Token:
        return items[0]

    # -- patterns
    @v_args(meta=True)
    def alternation(self, meta: Meta, items: list[Any]) -> n.Pattern:
        if len(items) == 1:
            return cast(n.Pattern, items[0])
        return n.Alt(tuple(items), self._span(meta))

    @v_args(meta=True)
    def sequence(self, meta: Meta, items: list[Any]) -> n.Pattern:
        if len(items) == 1:
            return cast(n.Pattern, items[0])
        return n.Seq(tuple(items), self._span(meta))

    @v_args(meta=True)
    def repeat(self, meta: Meta, items: list[Any]) -> n.Repeat:
        lo, hi, lazy = _quant(str(items[1]))
        return n.Repeat(items[0], lo, hi, lazy, self._span(meta))

    @v_args(meta=True)
    def capture(self, meta: Meta, items: list[Any]) -> n.Capture:
        label, item = str(items[0]).rstrip(": \t"), items[1]
        if (
            isinstance(item, n.Literal)
            and item.text in _CLAUSE_KEYWORDS
            and item.span.end - item.span.start == len(item.text)  # written bare, not quoted
        ):
            # `match n:` then `yield ...`: the label took the next clause's keyword as its
            # pattern, and the rest of the rule with it
            self._swallowed = True
            self.diags.append(
                Diagnostic(
                    "E0101",
                    f"the label `{label}:` has no pattern after it, so `{item.text}` was read "
                    "as a word to match",
                    self._span(meta),
                    help=f"write the pattern after `{label}:`, or quote the word "
                    f'("{item.text}") to match it',
                )
            )
        return n.Capture(label, item, self._span(meta))

    @v_args(meta=True)
    def literal(self, meta: Meta, items: list[Token]) -> n.Literal:
        return n.Literal(_unquote(items[0]), False, self._span(meta))

    @v_args(meta=True)
    def exact_literal(self, meta: Meta, items: list[Token]) -> n.Literal:
        return n.Literal(_unquote(items[1]), True, self._span(meta))

    @v_args(meta=True)
    def word(self, meta: Meta, items: list[Token]) -> n.Literal:
        return n.Literal(str(items[0]), False, self._span(meta))

    @v_args(meta=True)
    def ref(self, meta: Meta, items: list[Token]) -> n.Ref:
        return n.Ref(str(items[-1]), (), self._span(meta))

    @v_args(meta=True)
    def constrained_ref(self, meta: Meta, items: list[Any]) -> n.Ref:
        call: Token = items[0]
        cons = tuple(c for c in items[1:] if c is not None)
        return n.Ref(str(call)[:-1], cons, self._span(meta))

    @v_args(meta=True)
    def has_field(self, meta: Meta, items: list[Token]) -> n.Constraint:
        return n.Constraint(str(items[0]), "has", None, self._span(meta))

    @v_args(meta=True)
    def field_equals(self, meta: Meta, items: list[Token]) -> n.Constraint:
        return n.Constraint(str(items[0]), "=", _unquote(items[1]), self._span(meta))

    @v_args(meta=True)
    def field_differs(self, meta: Meta, items: list[Token]) -> n.Constraint:
        return n.Constraint(str(items[0]), "!=", _unquote(items[1]), self._span(meta))

    @v_args(meta=True)
    def token_regex(self, meta: Meta, items: list[Token]) -> n.TokenRegex:
        pattern, flags = _split_regex(str(items[0]))
        return n.TokenRegex(pattern, flags, self._span(meta))

    @v_args(meta=True)
    def any_token(self, meta: Meta, items: list[Token]) -> n.AnyToken:
        return n.AnyToken(self._span(meta))

    @v_args(meta=True)
    def sent_start(self, meta: Meta, items: list[Token]) -> n.Anchor:
        return n.Anchor("start", self._span(meta))

    @v_args(meta=True)
    def sent_end(self, meta: Meta, items: list[Token]) -> n.Anchor:
        return n.Anchor("end", self._span(meta))

    @v_args(meta=True)
    def token_test(self, meta: Meta, items: list[Any]) -> n.TokenTest:
        return n.TokenTest(items[0], self._span(meta))

    @v_args(meta=True)
    def look(self, meta: Meta, items: list[Any]) -> n.Look:
        return n.Look(str(items[0]), items[1], self._span(meta))

    # -- token tests
    @v_args(meta=True)
    def t_or(self, meta: Meta, items: list[Any]) -> n.Test:
        return items[0] if len(items) == 1 else n.TOr(tuple(items), self._span(meta))

    @v_args(meta=True)
    def t_and(self, meta: Meta, items: list[Any]) -> n.Test:
        return items[0] if len(items) == 1 else n.TAnd(tuple(items), self._span(meta))

    @v_args(meta=True)
    def t_not(self, meta: Meta, items: list[Any]) -> n.TNot:
        return n.TNot(items[0], self._span(meta))

    @v_args(meta=True)
    def t_flag(self, meta: Meta, items: list[Token]) -> n.TFlag:
        return n.TFlag(str(items[0]), self._span(meta))

    @v_args(meta=True)
    def t_compare(self, meta: Meta, items: list[Token]) -> n.TCompare:
        attr, op, value = items
        v: str | int = _unquote(value) if value.type == "STRING" else int(value)
        return n.TCompare(str(attr), str(op), v, self._span(meta))

    @v_args(meta=True)
    def t_regex(self, meta: Meta, items: list[Token]) -> n.TRegex:
        pattern, flags = _split_regex(str(items[1]))
        return n.TRegex(str(items[0]), pattern, flags, self._span(meta))

    @v_args(meta=True)
    def t_in_lexicon(self, meta: Meta, items: list[Token]) -> n.TInLexicon:
        return n.TInLexicon(str(items[0]), str(items[1]), self._span(meta))

    @v_args(meta=True)
    def t_in_set(self, meta: Meta, items: list[Token]) -> n.TInSet:
        return n.TInSet(str(items[0]), tuple(_unquote(t) for t in items[1:]), self._span(meta))


def parse_file(path: str, source: str) -> tuple[n.File, list[Diagnostic]]:
    """Parse one rule file. Never raises for bad input: problems come back as diagnostics."""
    lines = _Lines(source)
    try:
        tree = _parser().parse(source)
        builder = _ToNodes(path, lines, 0)
        decls = builder.transform(tree)
        return n.File(path, source, tuple(decls)), builder.diags
    except UnexpectedInput:
        pass
    except VisitError as exc:  # a bug in the transformer, not the user's: surface it
        raise exc.orig_exc from exc
    # Re-parse declaration by declaration to report every broken one and keep the rest.
    decls_out: list[n.Decl] = []
    diags: list[Diagnostic] = []
    starts = [m.start() for m in _DECL_START.finditer(source)]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    bounds = list(zip(starts, [*starts[1:], len(source)], strict=True))
    for lo, hi in bounds:
        chunk = source[lo:hi]
        if not chunk.strip():
            continue
        try:
            tree = _parser().parse(chunk)
        except UnexpectedInput as exc:
            diags.append(_syntax_diagnostic(exc, path, source, lines, lo, chunk))
            continue
        builder = _ToNodes(path, lines, lo)
        decls_out.extend(builder.transform(tree))
        diags.extend(builder.diags)
    return n.File(path, source, tuple(decls_out)), diags


def _syntax_diagnostic(
    exc: UnexpectedInput, path: str, source: str, lines: _Lines, offset: int, chunk: str
) -> Diagnostic:
    pos = offset + (exc.pos_in_stream if exc.pos_in_stream is not None else len(chunk))
    if isinstance(exc, UnexpectedCharacters):
        ch = source[pos] if pos < len(source) else ""
        if ch in "\"'":
            return Diagnostic(
                "E0102",
                "this string is not closed on the same line",
                lines.span(path, pos, _line_end(source, pos)),
                help=f"add the closing {ch}",
            )
        if ch == "/":
            return Diagnostic(
                "E0102",
                "this regular expression is not closed on the same line",
                lines.span(path, pos, _line_end(source, pos)),
                help="add the closing /",
            )
        return Diagnostic(
            "E0101",
            f"unexpected character {ch!r}",
            lines.span(path, pos, pos + 1),
            help=_expected_help(exc.allowed),
        )
    if isinstance(exc, UnexpectedEOF) or (
        isinstance(exc, UnexpectedToken) and exc.token.type == "$END"
    ):
        end = offset + len(chunk.rstrip())
        start = max(offset, end - 1)
        return Diagnostic(
            "E0101",
            "this declaration ends too early",
            lines.span(path, start, end),
            help=_eof_help(chunk, exc),
        )
    assert isinstance(exc, UnexpectedToken)
    tok = exc.token
    start = offset + (tok.start_pos or 0)
    end = offset + (tok.end_pos or start + 1)
    text = str(tok)
    typo = _keyword_typo(chunk, exc)
    if typo is not None:
        # the parser stops later, but the mistake is the misspelt keyword: point there
        word, at, hint = typo
        return Diagnostic(
            "E0101",
            f"`{word}` is not a clause keyword, so it was read as a word to match",
            lines.span(path, offset + at, offset + at + len(word)),
            help=hint,
        )
    help_ = _expected_help(exc.expected)
    message = f"unexpected {_describe(tok)}"
    if tok.type == "WORD":
        near = did_you_mean(text, [k for k in KEYWORDS if k not in {"rule", "let", "lexicon"}])
        if near:
            help_ = f"`{text}` is not a keyword here; {near}"
    if tok.type in {"RPAR", "RSQB"}:
        opening = "(" if tok.type == "RPAR" else "["
        message = f"unexpected `{text}`: it has no matching `{opening}` before it"
        help_ = f"remove it, or add the `{opening}` it closes"
    if tok.type in {"RULE", "LET", "LEXICON", "OVERLAP", "IMPORT"}:
        message = f"`{text}` starts a new declaration, but the one before it is unfinished"
    return Diagnostic("E0101", message, lines.span(path, start, end), help=help_)


def _line_end(source: str, pos: int) -> int:
    nl = source.find("\n", pos)
    return len(source) if nl < 0 else nl


def _describe(tok: Token) -> str:
    if tok.type in {"WORD", "NAME"}:
        return f"word `{tok}`"
    return f"`{tok}`"


def _expected_help(expected: set[str] | frozenset[str] | None) -> str | None:
    if not expected:
        return None
    names = sorted({_terminal_name(t) for t in expected if t != "$END"})
    if len(names) > 6:
        names = [*names[:6], "..."]
    return "expected " + ", ".join(names)


def _terminal_name(name: str) -> str:
    """How to show a grammar terminal to an analyst: its text, or a plain description."""
    if name in _TERMINAL_NAMES:
        return _TERMINAL_NAMES[name]
    for term in _parser().terminals:
        if term.name == name and term.pattern.type == "str":
            return f"`{term.pattern.value}`"
    return name.lower().replace("_", " ")


def _eof_help(chunk: str, exc: UnexpectedInput) -> str | None:
    if chunk.lstrip().startswith("rule") and not any(
        k in chunk for k in ("match", "like", "yield")
    ):
        return "a rule needs a `match` (or `like`) clause and a `yield` clause"
    expected = getattr(exc, "expected", None)
    return _expected_help(expected)


def _keyword_typo(chunk: str, exc: UnexpectedToken) -> tuple[str, int, str] | None:
    """Spot a misspelt clause keyword (`yeild`), which the lexer reads as a literal word:
    (the word, its offset in `chunk`, the did-you-mean hint)."""
    before = chunk[: exc.token.start_pos or 0]
    for m in reversed(list(regex.finditer(r"(?m)^\s*([a-z]+)\b", before))):
        word = m.group(1)
        if word in KEYWORDS:
            break
        hint = did_you_mean(word, [k for k in KEYWORDS if k not in {"rule", "let", "lexicon"}])
        if hint:
            return word, m.start(1), hint
    return None
