"""Compiler pass 5: the planner picks, for every rule, an anchor the runtime searches from.

An anchor is a set of exact token values (a word, a shape, the start of a lexicon hit or
a record) of which every match must contain one, together with a bound on how many tokens a
match can have before it. At run time a rule is only tried near its anchor's occurrences:
most rules are never tried on most sentences. The choice never changes results: the
runtime tries every start position from which a match could reach the anchor, in order, so
planned and unplanned runs give identical records (tests/test_planner.py proves it).
"""

from __future__ import annotations

from ie.lower import (
    COMMON,
    IR,
    Assert,
    Atom,
    IAlt,
    ICap,
    ILook,
    IRep,
    ISeq,
    SpanRef,
    token_bounds,
)
from ie.program import Anchor

Candidate = tuple[int, frozenset[tuple[str, str]], int | None, str]


def _score(keys: frozenset[tuple[str, str]]) -> int:
    """Lower is rarer. Words beat lexicon/record starts, which beat shapes."""
    worst = 0
    for kind, value in keys:
        if kind == "w":
            s = 4 if value in COMMON else (2 if len(value) <= 2 else 1)
        elif kind == "t":
            s = 3
        else:
            s = 5
        worst = max(worst, s)
    return worst + (1 if len(keys) > 8 else 0)


def _describe(keys: frozenset[tuple[str, str]]) -> str:
    parts = []
    for kind, value in sorted(keys):
        if kind == "w":
            parts.append(f'"{value}"')
        elif kind == "s":
            parts.append(f"shape {value}")
        else:
            parts.append(value.lstrip("@"))
    return " | ".join(parts)


def _candidates(ir: IR, before: int | None) -> list[Candidate]:
    if isinstance(ir, Atom):
        return [(_score(ir.keys), ir.keys, before, _describe(ir.keys))] if ir.keys else []
    if isinstance(ir, SpanRef):
        keys = frozenset({("t", ir.label)})
        return [(_score(keys), keys, before, _describe(keys))]
    if isinstance(ir, (Assert, ILook)):
        return []
    if isinstance(ir, ICap):
        return _candidates(ir.item, before)
    if isinstance(ir, IRep):
        return _candidates(ir.item, before) if ir.min >= 1 else []
    if isinstance(ir, ISeq):
        out: list[Candidate] = []
        cur = before
        for item in ir.items:
            out.extend(_candidates(item, cur))
            _, hi = token_bounds(item)
            cur = None if cur is None or hi is None else cur + hi
        return out
    assert isinstance(ir, IAlt)
    best = [_best(_candidates(o, before)) for o in ir.options]
    if not best or any(b is None for b in best):
        return []
    chosen = [b for b in best if b is not None]
    keys = frozenset().union(*(b[1] for b in chosen))
    befores = [b[2] for b in chosen]
    bound = None if None in befores else max(b or 0 for b in befores)
    return [(max(b[0] for b in chosen), keys, bound, _describe(keys))]


def _best(cands: list[Candidate]) -> Candidate | None:
    if not cands:
        return None
    return min(cands, key=lambda c: (c[0], c[2] is None, c[2] or 0, len(c[1])))


def plan(ir: IR) -> Anchor | None:
    """The rule's anchor, or None when no exact value is required (a full scan)."""
    best = _best(_candidates(ir, 0))
    if best is None:
        return None
    _, keys, before, desc = best
    return Anchor(keys, before, desc)
