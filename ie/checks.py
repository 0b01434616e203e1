"""Compiler pass 3: rule-level checks on the lowered IR, and the cascade order.

Guarantees for the later passes: every rule has one pattern and one yield, every yielded
capture exists, and record types form no cycle (a cycle is reported naming its rules).
`strata` orders types so that a rule only reads types computed in an earlier stratum.
Warnings (W codes) never block compilation.
"""

from __future__ import annotations

from collections.abc import Iterator

from ie import nodes as n
from ie.diagnostics import Diagnostic, Span, did_you_mean
from ie.lower import IR, IAlt, ICap, ILook, IRep, ISeq, SpanRef, token_bounds
from ie.parser import KEYWORDS
from ie.resolve import TYPE_ARGUMENT, Symbols, walk


def walk_ir(ir: IR) -> Iterator[IR]:
    yield ir
    if isinstance(ir, ISeq):
        for i in ir.items:
            yield from walk_ir(i)
    elif isinstance(ir, IAlt):
        for o in ir.options:
            yield from walk_ir(o)
    elif isinstance(ir, (IRep, ILook, ICap)):
        yield from walk_ir(ir.item)


def captures_of(ir: IR) -> list[ICap]:
    return [node for node in walk_ir(ir) if isinstance(node, ICap)]


def check_rule_shape(rule: n.Rule) -> list[Diagnostic]:
    """Clauses present and not contradictory (before lowering)."""
    diags: list[Diagnostic] = []
    given = [c for c in (rule.match, rule.like, rule.chars) if c is not None]
    if not given:
        diags.append(
            Diagnostic(
                "E0301",
                f"rule `{rule.name}` has no pattern",
                rule.name_span,
                help='add `match PATTERN`, `like "an example sentence"` or `chars /regex/`',
            )
        )
    if len(given) > 1:
        diags.append(
            Diagnostic(
                "E0309",
                f"rule `{rule.name}` has more than one of `match`, `like` and `chars`; keep one",
                given[1].span,
            )
        )
    typo = yield_typo(rule)
    if typo is not None:
        diags.append(
            Diagnostic(
                "E0302",
                f"rule `{rule.name}` has no `yield`: `{typo.text}` was read as a word of its "
                "pattern",
                typo.span,
                help=did_you_mean(typo.text, ["yield"]),
            )
        )
    elif rule.yield_ is None:
        diags.append(
            Diagnostic(
                "E0302",
                f"rule `{rule.name}` has no `yield`, so it produces nothing",
                rule.name_span,
                help="add `yield Type(field, ...)` after the pattern",
            )
        )
    return diags


def yield_typo(rule: n.Rule) -> n.Literal | None:
    """The word of a rule with no `yield` that looks like a misspelt one (`yeild Said(x)`):
    the parser read it, and what follows it, as more pattern. Those names were meant as the
    rule's output, so the compiler does not also report them as unknown."""
    if rule.yield_ is not None or rule.match is None:
        return None
    for node in walk(rule.match):
        if (
            isinstance(node, n.Literal)
            and node.text.isalpha()
            and node.text not in KEYWORDS
            and did_you_mean(node.text, ["yield"])
        ):
            return node
    return None


def check_yield(
    rule: n.Rule, caps: set[str], where: dict[str, Span] | None = None
) -> list[Diagnostic]:
    """Every yielded capture exists; every capture is yielded (a warning at the capture)."""
    diags: list[Diagnostic] = []
    used: set[str] = set()
    if rule.yield_ is None:
        return diags

    def visit(e: n.YExpr, span: Span) -> None:
        if isinstance(e, n.YCapture):
            used.add(e.name)
            if e.name not in caps:
                diags.append(
                    Diagnostic(
                        "E0303",
                        f"`{e.name}` is not a capture of rule `{rule.name}`",
                        e.span,
                        help=did_you_mean(e.name, caps)
                        or (
                            "captures: " + ", ".join(sorted(caps))
                            if caps
                            else f"label part of the pattern: `{e.name}:PATTERN`"
                        ),
                    )
                )
        elif isinstance(e, n.YCall):
            for i, a in enumerate(e.args):
                if i != TYPE_ARGUMENT.get(e.fn):
                    visit(a, span)

    for arg in rule.yield_.args:
        visit(arg.expr, arg.span)
    for c in sorted(caps - used):
        if c.startswith("_"):
            continue
        diags.append(
            Diagnostic(
                "W0105",
                f"capture `{c}` is not used by `yield`",
                (where or {}).get(c, rule.name_span),
                severity="warning",
                help=f"yield it (`{c}`) or drop the label; start it with _ to silence this",
            )
        )
    return diags


def capture_nodes(p: n.Pattern) -> list[n.Capture]:
    return [node for node in walk(p) if isinstance(node, n.Capture)]


def check_duplicate_captures(rule: n.Rule, pattern: n.Pattern) -> list[Diagnostic]:
    """Two captures of one name that can both take part in a match (alternatives may share
    a name: only one of them ever matches)."""
    diags: list[Diagnostic] = []
    for node in walk(pattern):
        if not isinstance(node, n.Seq):
            continue
        first: dict[str, n.Capture] = {}
        for item in node.items:
            names: dict[str, n.Capture] = {}
            for cap in capture_nodes(item):
                names.setdefault(cap.name, cap)
            for name, cap in names.items():
                if name in first:
                    where = first[name].span
                    diags.append(
                        Diagnostic(
                            "E0307",
                            f"capture `{name}` is used twice in rule `{rule.name}`",
                            cap.span,
                            notes=(f"first used at {where.path}:{where.line}:{where.col}",),
                            help="give each capture its own name",
                        )
                    )
                else:
                    first[name] = cap
    return diags


def check_bounds(rule: n.Rule, ir: IR) -> list[Diagnostic]:
    lo, _ = token_bounds(ir)
    if lo == 0:
        return [
            Diagnostic(
                "W0102",
                f"rule `{rule.name}` can match an empty sequence; empty matches are dropped",
                rule.name_span,
                severity="warning",
                help="make at least one part required (remove a `?` or `*`)",
            )
        ]
    return []


def ref_types(ir: IR) -> set[str]:
    return {node.type for node in walk_ir(ir) if isinstance(node, SpanRef) and node.type}


def yield_types(rule: n.Rule) -> set[str]:
    """Record types a rule's `yield` reads (`nearest(Person)`): it depends on them too."""
    found: set[str] = set()

    def visit(e: n.YExpr) -> None:
        if isinstance(e, n.YCall):
            for i, a in enumerate(e.args):
                if i == TYPE_ARGUMENT.get(e.fn) and isinstance(a, n.YCapture):
                    found.add(a.name)
                else:
                    visit(a)

    for arg in rule.yield_.args if rule.yield_ else ():
        visit(arg.expr)
    return found


def strata(
    sym: Symbols, rule_irs: dict[str, IR], type_order: list[str]
) -> tuple[dict[str, int], list[Diagnostic]]:
    """Level of every record type (0: reads no records), or a cycle diagnostic."""
    deps: dict[str, set[str]] = {t: set() for t in type_order}
    for t, rules in sym.types.items():
        for r in rules:
            if r.name in rule_irs:
                deps[t] |= ref_types(rule_irs[r.name])
            deps[t] |= yield_types(r)
    level: dict[str, int] = {}
    state: dict[str, int] = {}
    diags: list[Diagnostic] = []
    reported: set[frozenset[str]] = set()

    def visit(t: str, chain: list[str]) -> int:
        if state.get(t) == 2:
            return level[t]
        if state.get(t) == 1:
            cycle = chain[chain.index(t) :]
            key = frozenset(cycle)
            if key not in reported:
                reported.add(key)
                rules = [
                    r
                    for c in cycle
                    for r in sym.types.get(c, [])
                    if r.name in rule_irs and ref_types(rule_irs[r.name]) & set(cycle)
                ]
                first = rules[0] if rules else sym.types[t][0]
                diags.append(
                    Diagnostic(
                        "E0304",
                        "record types depend on each other in a cycle: " + " -> ".join([*cycle, t]),
                        first.name_span,
                        notes=tuple(
                            f"rule `{r.name}` ({r.span.path}:{r.span.line}) yields "
                            f"{r.yield_.type if r.yield_ else '?'} from "
                            + ", ".join(sorted(ref_types(rule_irs[r.name])))
                            for r in rules
                        ),
                        help="a rule cannot read the type it (indirectly) produces; "
                        "split the type in two (e.g. PersonCandidate -> Person)",
                    )
                )
            return 0
        state[t] = 1
        lv = 0
        for d in sorted(deps.get(t, ())):
            if d in deps:
                lv = max(lv, visit(d, [*chain, t]) + 1)
        state[t] = 2
        level[t] = lv
        return lv

    for t in type_order:
        visit(t, [])
    return level, diags


def unused_definitions(sym: Symbols) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    defs: list[tuple[str, n.Let | n.Lexicon]] = [*sym.lets.items(), *sym.lexicons.items()]
    for name, d in defs:
        if name not in sym.used:
            kind = "let" if isinstance(d, n.Let) else "lexicon"
            out.append(
                Diagnostic(
                    "W0104",
                    f"{kind} `{name}` is never used",
                    d.span,
                    severity="warning",
                    help="use it in a pattern or remove it",
                )
            )
    return out
