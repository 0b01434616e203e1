"""The AST: frozen dataclasses built by the parser, each node with its source `span`.

This is the front end's output and the input of every compiler pass. It keeps sugar
(`like` examples, lets, multi-word literals) exactly as written so errors can point at it;
the passes desugar it into the compiled program (ie/program.py), a separate type.
"""

from __future__ import annotations

from dataclasses import dataclass

from ie.diagnostics import Span

# ---- token tests (inside [ ]) ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TFlag:
    attr: str
    span: Span


@dataclass(frozen=True, slots=True)
class TCompare:
    attr: str
    op: str  # = != < <= > >=
    value: str | int
    span: Span


@dataclass(frozen=True, slots=True)
class TRegex:
    attr: str
    pattern: str
    flags: str
    span: Span


@dataclass(frozen=True, slots=True)
class TInSet:
    attr: str
    values: tuple[str, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class TInLexicon:
    attr: str
    lexicon: str
    span: Span


@dataclass(frozen=True, slots=True)
class TNot:
    operand: Test
    span: Span


@dataclass(frozen=True, slots=True)
class TAnd:
    operands: tuple[Test, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class TOr:
    operands: tuple[Test, ...]
    span: Span


Test = TFlag | TCompare | TRegex | TInSet | TInLexicon | TNot | TAnd | TOr

# ---- patterns ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Literal:
    """A quoted or bare literal; split into tokens by the pack's tokenizer when lowered."""

    text: str
    exact: bool
    span: Span


@dataclass(frozen=True, slots=True)
class TokenRegex:
    pattern: str
    flags: str
    span: Span


@dataclass(frozen=True, slots=True)
class TokenTest:
    test: Test
    span: Span


@dataclass(frozen=True, slots=True)
class AnyToken:
    span: Span


@dataclass(frozen=True, slots=True)
class Anchor:
    kind: str  # "start" | "end" (of the sentence, or of the rule's scope)
    span: Span


@dataclass(frozen=True, slots=True)
class Constraint:
    field: str
    op: str  # "has" | "=" | "!="
    value: str | None
    span: Span


@dataclass(frozen=True, slots=True)
class Ref:
    """A capitalised name: a `let`, a lexicon or a record type (decided by `resolve`)."""

    name: str
    constraints: tuple[Constraint, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Seq:
    items: tuple[Pattern, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Alt:
    options: tuple[Pattern, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Repeat:
    item: Pattern
    min: int
    max: int | None
    lazy: bool
    span: Span


@dataclass(frozen=True, slots=True)
class Look:
    kind: str  # "(?=" "(?!" "(?<=" "(?<!"
    item: Pattern
    span: Span


@dataclass(frozen=True, slots=True)
class Capture:
    name: str
    item: Pattern
    span: Span


Pattern = (
    Literal | TokenRegex | TokenTest | AnyToken | Anchor | Ref | Seq | Alt | Repeat | Look | Capture
)

# ---- yield expressions -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class YCapture:
    name: str
    span: Span


@dataclass(frozen=True, slots=True)
class YString:
    value: str
    span: Span


@dataclass(frozen=True, slots=True)
class YCall:
    fn: str
    args: tuple[YExpr, ...]
    span: Span


YExpr = YCapture | YString | YCall


@dataclass(frozen=True, slots=True)
class YieldArg:
    field: str
    expr: YExpr
    span: Span


@dataclass(frozen=True, slots=True)
class Yield:
    type: str
    args: tuple[YieldArg, ...]
    span: Span


# ---- rules and declarations ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Slot:
    name: str
    pattern: Pattern
    span: Span


@dataclass(frozen=True, slots=True)
class Like:
    text: str
    slots: tuple[Slot, ...]
    span: Span
    text_span: Span


@dataclass(frozen=True, slots=True)
class Chars:
    """A character-level rule's regex over the raw text."""

    pattern: str
    flags: str
    span: Span


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    type: str
    fields: tuple[tuple[str, str], ...]
    span: Span


@dataclass(frozen=True, slots=True)
class CounterExample:
    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    match: Pattern | None
    like: Like | None
    yield_: Yield | None
    examples: tuple[Example, ...]
    counters: tuple[CounterExample, ...]
    priority: int
    scope: str  # sentence | paragraph | document
    span: Span
    name_span: Span
    chars: Chars | None = None


@dataclass(frozen=True, slots=True)
class Let:
    name: str
    pattern: Pattern
    span: Span


@dataclass(frozen=True, slots=True)
class Lexicon:
    name: str
    entries: tuple[str, ...] | None  # inline entries
    path: str | None  # file inside the pack
    exact: bool
    accents: bool  # accent-insensitive
    span: Span
    path_span: Span | None = None


@dataclass(frozen=True, slots=True)
class Overlap:
    type: str
    policy: str
    span: Span


@dataclass(frozen=True, slots=True)
class Internal:
    """`internal A, B`: record types rules compute and read but the output leaves out."""

    types: tuple[str, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Import:
    path: str
    alias: str | None
    span: Span


Decl = Rule | Let | Lexicon | Overlap | Internal | Import


@dataclass(frozen=True, slots=True)
class File:
    path: str
    source: str
    decls: tuple[Decl, ...]
