"""Compiler pass 2: resolve names into a symbol table and report naming mistakes.

Input: the parsed files of a pack. Output: `Symbols` (lets, lexicons, record types and
the rules in pack order) plus diagnostics: unknown names (with a did-you-mean), names
defined twice (both places named), a name used as the wrong kind of thing, `let` cycles.
Nothing here looks at tokens or regexes; later passes can assume every name resolves.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from ie import nodes as n
from ie.diagnostics import Diagnostic, Span, did_you_mean
from ie.program import TYPE_ARGUMENT as TYPE_ARGUMENT  # shared with the runtime

POLICIES = ("all", "longest", "first", "priority")
FUNCTIONS = {
    "text": 1,
    "lower": 1,
    "upper": 1,
    "norm": 1,
    "join": None,
    "canonical": 1,
    "subtype": 1,
    "nearest": 1,
    "fullname": 2,
    "linked": 2,
    "earlier": 1,
}


@dataclass(slots=True)
class Symbols:
    lets: dict[str, n.Let] = field(default_factory=dict)
    lexicons: dict[str, n.Lexicon] = field(default_factory=dict)
    types: dict[str, list[n.Rule]] = field(default_factory=dict)
    rules: list[n.Rule] = field(default_factory=list)
    overlaps: dict[str, n.Overlap] = field(default_factory=dict)
    internal: dict[str, n.Internal] = field(default_factory=dict)  # type -> its declaration
    used: set[str] = field(default_factory=set)

    def kind_of(self, name: str) -> str | None:
        if name in self.lets:
            return "let"
        if name in self.lexicons:
            return "lexicon"
        if name in self.types:
            return "type"
        return None

    def all_names(self) -> list[str]:
        return [*self.lets, *self.lexicons, *self.types]


def _where(span: Span) -> str:
    return f"{span.path}:{span.line}:{span.col}"


def walk(p: n.Pattern) -> Iterator[n.Pattern]:
    """Every pattern node, depth first, in source order."""
    yield p
    if isinstance(p, n.Seq):
        for item in p.items:
            yield from walk(item)
    elif isinstance(p, n.Alt):
        for item in p.options:
            yield from walk(item)
    elif isinstance(p, (n.Repeat, n.Look, n.Capture)):
        yield from walk(p.item)


def walk_tests(t: n.Test) -> Iterator[n.Test]:
    yield t
    if isinstance(t, n.TNot):
        yield from walk_tests(t.operand)
    elif isinstance(t, (n.TAnd, n.TOr)):
        for o in t.operands:
            yield from walk_tests(o)


def rule_patterns(rule: n.Rule) -> list[n.Pattern]:
    out: list[n.Pattern] = []
    if rule.match is not None:
        out.append(rule.match)
    if rule.like is not None:
        out.extend(s.pattern for s in rule.like.slots)
    return out


def resolve(files: list[n.File]) -> tuple[Symbols, list[Diagnostic]]:
    sym = Symbols()
    diags: list[Diagnostic] = []
    first_seen: dict[str, Span] = {}
    rule_seen: dict[str, Span] = {}

    def define(name: str, span: Span, what: str) -> bool:
        if name in first_seen:
            diags.append(
                Diagnostic(
                    "E0202",
                    f"`{name}` is defined twice (this {what} clashes with an earlier definition)",
                    span,
                    notes=(f"first defined at {_where(first_seen[name])}",),
                    help="rename one of them",
                )
            )
            return False
        first_seen[name] = span
        return True

    for f in files:
        for d in f.decls:
            if isinstance(d, n.Let):
                if define(d.name, d.span, "let"):
                    sym.lets[d.name] = d
            elif isinstance(d, n.Lexicon):
                if define(d.name, d.span, "lexicon"):
                    sym.lexicons[d.name] = d
            elif isinstance(d, n.Rule):
                if d.name in rule_seen:
                    diags.append(
                        Diagnostic(
                            "E0202",
                            f"rule `{d.name}` is defined twice",
                            d.name_span,
                            notes=(f"first defined at {_where(rule_seen[d.name])}",),
                            help="rule names must be unique in a pack; rename one",
                        )
                    )
                    continue
                rule_seen[d.name] = d.name_span
                sym.rules.append(d)
            elif isinstance(d, n.Overlap):
                if d.type in sym.overlaps:
                    diags.append(
                        Diagnostic(
                            "E0202",
                            f"overlap policy for `{d.type}` is given twice",
                            d.span,
                            notes=(f"first given at {_where(sym.overlaps[d.type].span)}",),
                        )
                    )
                sym.overlaps[d.type] = d
            elif isinstance(d, n.Internal):
                for t in d.types:
                    sym.internal.setdefault(t, d)
    for r in sym.rules:
        if r.yield_ is not None:
            t = r.yield_.type
            if t in sym.lets or t in sym.lexicons:
                kind = "let" if t in sym.lets else "lexicon"
                diags.append(
                    Diagnostic(
                        "E0203",
                        f"`{t}` is a {kind}, so a rule cannot yield records of that name",
                        r.yield_.span,
                        notes=(f"the {kind} is defined at {_where(first_seen[t])}",),
                        help="record types and lets/lexicons share one namespace; rename one",
                    )
                )
                continue
            sym.types.setdefault(t, []).append(r)

    for f in files:
        for d in f.decls:
            if isinstance(d, n.Let):
                diags.extend(_check_pattern(d.pattern, sym))
            elif isinstance(d, n.Overlap) and d.type not in sym.types:
                diags.append(
                    Diagnostic(
                        "E0206",
                        f"no rule yields `{d.type}`, so its overlap policy has nothing to apply to",
                        d.span,
                        help=did_you_mean(d.type, sym.types),
                    )
                )
            elif isinstance(d, n.Internal):
                for t in d.types:
                    if t not in sym.types:
                        diags.append(
                            Diagnostic(
                                "E0206",
                                f"no rule yields `{t}`, so declaring it internal hides nothing",
                                d.span,
                                help=did_you_mean(t, sym.types),
                            )
                        )
    for r in sym.rules:
        for p in rule_patterns(r):
            diags.extend(_check_pattern(p, sym))
        if r.yield_ is not None:
            for arg in r.yield_.args:
                diags.extend(_check_yexpr(arg.expr, sym))
    diags.extend(_let_cycles(sym))
    return sym, diags


_ATTRS = (
    "text",
    "lower",
    "shape",
    "prefix",
    "suffix",
    "length",
    # given only by a richer pipeline (a spaCy Doc, see ie/adapters.py); never match otherwise
    "pos",
    "tag",
    "lemma",
    "ent",
)


def known_attributes() -> list[str]:
    from ie.encode import FLAGS

    return [*_ATTRS, *(name for name, _ in FLAGS)]


def _check_pattern(p: n.Pattern, sym: Symbols) -> list[Diagnostic]:
    diags: list[Diagnostic] = []
    for node in walk(p):
        if isinstance(node, n.Ref):
            kind = sym.kind_of(node.name)
            sym.used.add(node.name)
            if kind is None:
                diags.append(
                    Diagnostic(
                        "E0201",
                        f"unknown name `{node.name}`: no let, lexicon or rule output has this name",
                        node.span,
                        help=did_you_mean(node.name, sym.all_names())
                        or "capitalised words are names; to match the word itself, quote it: "
                        f'"{node.name}"',
                    )
                )
            elif node.constraints and kind != "type":
                diags.append(
                    Diagnostic(
                        "E0203",
                        f"`{node.name}` is a {kind}; only record types take field constraints",
                        node.span,
                        help=f"to start a group, put a space before the bracket: `{node.name} (`",
                    )
                )
        elif isinstance(node, n.TokenTest):
            for t in walk_tests(node.test):
                attr = getattr(t, "attr", None)
                if attr is not None and attr not in known_attributes():
                    diags.append(
                        Diagnostic(
                            "E0204",
                            f"unknown token attribute `{attr}`",
                            t.span,
                            help=did_you_mean(attr, known_attributes())
                            or "attributes: " + ", ".join(known_attributes()),
                        )
                    )
                if isinstance(t, n.TInLexicon):
                    sym.used.add(t.lexicon)
                    if t.lexicon not in sym.lexicons:
                        diags.append(
                            Diagnostic(
                                "E0201",
                                f"unknown lexicon `{t.lexicon}`",
                                t.span,
                                help=did_you_mean(t.lexicon, sym.lexicons),
                            )
                        )
    return diags


def _check_yexpr(e: n.YExpr, sym: Symbols) -> list[Diagnostic]:
    if not isinstance(e, n.YCall):
        return []
    diags: list[Diagnostic] = []
    position = TYPE_ARGUMENT.get(e.fn)
    if position is not None and position < len(e.args):
        arg = e.args[position]
        if not isinstance(arg, n.YCapture) or arg.name not in sym.types:
            shown = arg.name if isinstance(arg, n.YCapture) else "this"
            diags.append(
                Diagnostic(
                    "E0201",
                    f"`{e.fn}` needs a record type here, and `{shown}` is not one",
                    arg.span,
                    help=did_you_mean(shown, sym.types) or "name a type some rule yields",
                )
            )
    if e.fn not in FUNCTIONS:
        diags.append(
            Diagnostic(
                "E0205",
                f"unknown function `{e.fn}`",
                e.span,
                help=did_you_mean(e.fn, FUNCTIONS) or "functions: " + ", ".join(FUNCTIONS),
            )
        )
    else:
        arity = FUNCTIONS[e.fn]
        if arity is not None and len(e.args) != arity:
            diags.append(
                Diagnostic(
                    "E0312",
                    f"`{e.fn}` takes {arity} argument{'s' if arity != 1 else ''}, "
                    f"got {len(e.args)}",
                    e.span,
                )
            )
        if arity is None and not e.args:
            diags.append(Diagnostic("E0312", f"`{e.fn}` needs at least one argument", e.span))
    for i, a in enumerate(e.args):
        if i != position:
            diags.extend(_check_yexpr(a, sym))
    return diags


def _let_cycles(sym: Symbols) -> list[Diagnostic]:
    diags: list[Diagnostic] = []
    state: dict[str, int] = {}

    def visit(name: str, chain: list[str]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            cycle = [*chain[chain.index(name) :], name]
            let = sym.lets[name]
            diags.append(
                Diagnostic(
                    "E0207",
                    "these lets refer to each other in a circle: " + " -> ".join(cycle),
                    let.span,
                    help="a let is pasted where it is used, so it cannot contain itself",
                )
            )
            return
        state[name] = 1
        for node in walk(sym.lets[name].pattern):
            if isinstance(node, n.Ref) and node.name in sym.lets:
                visit(node.name, [*chain, name])
        state[name] = 2

    for name in sym.lets:
        visit(name, [])
    return diags
