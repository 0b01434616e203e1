"""Compiler pass 5: the planner picks, for every rule, an anchor the runtime searches from.

An anchor is a set of exact token values (a word, a shape, the start of a lexicon hit or
a record) of which every match must contain one, together with a bound on how many tokens a
match can have before it. At run time a rule is only tried near its anchor's occurrences:
most rules are never tried on most sentences. The choice never changes results: the
runtime tries every start position from which a match could reach the anchor, in order, so
planned and unplanned runs give identical records (tests/test_planner.py proves it).
"""

from __future__ import annotations

from contextvars import ContextVar

from ie.lower import (
    ANY,
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

# rarity scores of lexicon labels for the plan being made (ContextVar: plan() sets it)
_LABEL_SCORES: ContextVar[dict[str, int]] = ContextVar("label_scores", default={})  # noqa: B039

# (score, keys, min tokens before the anchor, max tokens before it or None, description)
Candidate = tuple[int, frozenset[tuple[str, str]], int, int | None, str]


def _score(keys: frozenset[tuple[str, str]]) -> int:
    """Lower is rarer. Words beat lexicon/record edges, which beat shapes."""
    worst = 0
    for kind, value in keys:
        if kind == "w":
            s = 4 if value in COMMON else (2 if len(value) <= 2 else 1)
        elif kind in ("t", "te"):
            s = _LABEL_SCORES.get().get(value, 3)
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
            parts.append(value.lstrip("@") + (" (end)" if kind == "te" else ""))
    return " | ".join(parts)


def _cand(keys: frozenset[tuple[str, str]], lo: int, hi: int | None) -> Candidate:
    return (_score(keys), keys, lo, hi, _describe(keys))


def _candidates(ir: IR, lo: int, hi: int | None) -> list[Candidate]:
    """Anchors required by every match of `ir`, which starts `lo`..`hi` tokens into the match."""
    if isinstance(ir, Atom):
        return [_cand(ir.keys, lo, hi)] if ir.keys else []
    if isinstance(ir, SpanRef):
        return [_cand(frozenset({("t", ir.label)}), lo, hi)]
    if isinstance(ir, (Assert, ILook)):
        return []
    if isinstance(ir, ICap):
        return _candidates(ir.item, lo, hi)
    if isinstance(ir, IRep):
        return _candidates(ir.item, lo, hi) if ir.min >= 1 else []
    if isinstance(ir, ISeq):
        out: list[Candidate] = []
        cur_lo, cur_hi = lo, hi
        for item in ir.items:
            out.extend(_candidates(item, cur_lo, cur_hi))
            a, b = token_bounds(item)
            cur_lo += a
            cur_hi = None if cur_hi is None or b is None else cur_hi + b
        return out
    assert isinstance(ir, IAlt)
    best = [_best(_candidates(o, lo, hi)) for o in ir.options]
    if not best or any(b is None for b in best):
        return []
    chosen = [b for b in best if b is not None]
    keys = frozenset().union(*(b[1] for b in chosen))
    his = [b[3] for b in chosen]
    bound = None if None in his else max(h or 0 for h in his)
    return [_cand(keys, min(b[2] for b in chosen), bound)]


def _lookbehind_candidates(look: ILook) -> list[Candidate]:
    """Anchors inside a leading `(?<= ...)`: they sit before the match start.

    An anchor token followed by between `after_min` and `after_max` more tokens of the
    lookbehind puts the match start `after_min + 1` to `after_max + 1` tokens after it.
    """
    items = look.item.items if isinstance(look.item, ISeq) else (look.item,)
    out: list[Candidate] = []
    for j, item in enumerate(items):
        after = [token_bounds(i) for i in items[j + 1 :]]
        after_min = sum(a for a, _ in after)
        his = [b for _, b in after]
        if None in his:
            continue
        after_max = sum(b or 0 for b in his)
        inner = item.item if isinstance(item, ICap) else item
        if isinstance(inner, Atom) and inner.keys:
            out.append(_cand(inner.keys, -(after_max + 1), -(after_min + 1)))
        elif isinstance(inner, IAlt) and token_bounds(inner) == (1, 1):
            # one token of several exact values: `(?<= "b" | "c")`
            best = _best(_candidates(inner, 0, 0))
            if best is not None:
                out.append(_cand(best[1], -(after_max + 1), -(after_min + 1)))
        elif isinstance(inner, SpanRef):
            # the item's last token is the anchor: the match starts right after it
            keys = frozenset({("te", inner.label)})
            out.append(_cand(keys, -(after_max + 1), -(after_min + 1)))
    return out


#: rough relative frequency of a token carrying a key of each rarity score
_FREQUENCY = {1: 1, 2: 2, 3: 4, 4: 8, 5: 16, 6: 32}
_UNBOUNDED_WINDOW = 40  # start positions tried per hit when the window is the whole unit


def _cost(c: Candidate) -> int:
    """Expected start positions tried: how often the anchor occurs x how many starts each
    occurrence opens (a rare word far from the start can lose to a common one at it)."""
    score, _, lo, hi, _ = c
    width = _UNBOUNDED_WINDOW if hi is None else hi - lo + 1
    return _FREQUENCY.get(score, 64) * width


def _best(cands: list[Candidate]) -> Candidate | None:
    if not cands:
        return None
    return min(cands, key=lambda c: (_cost(c), c[0], c[3] is None, len(c[1]), sorted(c[1])))


def _run_atoms(ir: IR, out: dict[str, None]) -> bool:
    """Collect the token tests of every token a match (or its trailing lookahead) can
    consume; False when one of them is "any token" (a wildcard or a span of tags)."""
    if isinstance(ir, Atom):
        if ir.regex == ANY:
            return False
        out[ir.regex] = None
        return True
    if isinstance(ir, SpanRef):
        return False
    if isinstance(ir, Assert):
        return True
    if isinstance(ir, ILook):
        # negative lookarounds consume nothing; lookbehinds read tokens before the start
        return _run_atoms(ir.item, out) if ir.kind == "(?=" else True
    if isinstance(ir, (ICap, IRep)):
        return _run_atoms(ir.item, out)
    items = ir.items if isinstance(ir, ISeq) else ir.options
    return all(_run_atoms(i, out) for i in items)


def _run_class(ir: IR) -> str | None:
    atoms: dict[str, None] = {}
    if not _run_atoms(ir, atoms) or not atoms:
        return None
    return "(?:" + "|".join(atoms) + ")"


def lexicon_score(size: int) -> int:
    """How common a lexicon's hits are, from its size: a million-name gazetteer hits more
    tokens than "said" does, a list of ten titles far fewer."""
    return 6 if size >= 100_000 else 5 if size >= 10_000 else 4 if size >= 1_000 else 3


def plan(ir: IR, label_scores: dict[str, int] | None = None) -> Anchor | None:
    """The rule's anchor, or None when no exact value is required (a full scan).
    `label_scores` rates the labels of big lexicons (see `lexicon_score`)."""
    token = _LABEL_SCORES.set(label_scores or {})
    try:
        return _plan(ir)
    finally:
        _LABEL_SCORES.reset(token)


def _plan(ir: IR) -> Anchor | None:
    if token_bounds(ir)[0] == 0:
        return None  # a rule that can match nothing has no token it must contain
    cands = _candidates(ir, 0, 0)
    first = ir.items[0] if isinstance(ir, ISeq) and ir.items else ir
    if isinstance(first, ILook) and first.kind == "(?<=":
        cands += _lookbehind_candidates(first)
    last = ir.items[-1] if isinstance(ir, ISeq) and ir.items else ir
    if isinstance(last, ILook) and last.kind == "(?=" and isinstance(ir, ISeq):
        # a trailing lookahead is read right after the match: its words are anchors too,
        # as if the match went on through them
        ahead = last.item.items if isinstance(last.item, ISeq) else (last.item,)
        cands += _candidates(ISeq((*ir.items[:-1], *ahead)), 0, 0)
    best = _best(cands)
    if best is None:
        return _unit_anchor(ir)
    _, keys, lo, hi, desc = best
    # the run test only prunes starts before an anchor the match itself reaches
    run = _run_class(ir) if lo >= 0 and (hi is None or hi - lo > 2) else None
    near = _neighbours(ir, keys, lo, hi) if lo >= 0 else ()
    edges = _edges(ir, keys, lo, hi) if lo >= 0 else ()
    return Anchor(keys, lo, hi, desc, run, neighbours=near, edges=edges)


_MAX_NEIGHBOURS = 3  # each costs a lookup per hit; the nearest reject the most
_MAX_SPREAD = 2  # a test's token may lie at one of this many + 1 distances


def _flat(ir: IR) -> list[IR]:
    """The items of a sequence, with nested sequences and captures opened up."""
    if isinstance(ir, ISeq):
        return [x for item in ir.items for x in _flat(item)]
    if isinstance(ir, ICap):
        return _flat(ir.item)
    return [ir]


def item_run(ir: IR) -> tuple[str, tuple[str, ...], tuple[str, ...]] | None:
    """(label, tests before, tests after) when the pattern is one lexicon hit or record
    with only single-token tests around it (`x:Big "said"`, `"the" Org`), captured only
    as the item itself: the runtime then reads the matches off the items and the token
    records, with no regex and without tagging the record strings. None otherwise."""
    parts = _flat(ir)
    refs = [j for j, p in enumerate(parts) if isinstance(p, SpanRef)]
    if len(refs) != 1 or not _captures_item_only(ir):
        return None
    j = refs[0]
    tests = [_lexical(p) if isinstance(p, Atom) else None for p in parts]
    if any(t is None for k, t in enumerate(tests) if k != j):
        return None
    ref = parts[j]
    assert isinstance(ref, SpanRef)
    regexes = tuple(t.regex if t is not None else "" for t in tests)
    return ref.label, regexes[:j], regexes[j + 1 :]


def _captures_item_only(ir: IR) -> bool:
    """Whether every capture in a sequence holds exactly its one lexicon hit or record."""
    if isinstance(ir, ICap):
        inner = _flat(ir.item)
        return len(inner) == 1 and isinstance(inner[0], SpanRef)
    if isinstance(ir, ISeq):
        return all(map(_captures_item_only, ir.items))
    return True


def _lexical(ir: IR) -> Atom | None:
    """`ir` as a token test that reads only the token itself (its words, shape and flags,
    not the tags of lexicon hits and records, which vary per stratum), or None."""
    while isinstance(ir, ICap):
        ir = ir.item
    if not isinstance(ir, Atom) or ir.regex == ANY or "(?P" in ir.regex:
        return None
    # the tags field starts after \x05; a test that only skips it never names \x05 outside
    # the flags field's `[^\x05]`
    return None if "\\x05" in ir.regex.replace("[^\\x05]", "") else ir


def _neighbours(
    ir: IR, keys: frozenset[tuple[str, str]], lo: int, hi: int | None
) -> tuple[tuple[int, int, str], ...]:
    """Token tests near the anchor token that every match using it as the anchor passes:
    `"foreign" "secretary"` anchored on "secretary" needs "foreign" right before it;
    `[is_title]+ "fear"` needs a title-case token right before "fear"; `"oil" _? "gas"`
    anchored on "oil" needs "gas" one or two tokens after it. Each test is (nearest
    distance, farthest distance, one-token regex), negative before the anchor. The runtime
    checks them per distinct token (a dictionary lookup) before it calls the rule's regex.
    Empty when the anchor is not one plain item of the top-level sequence."""
    out: list[tuple[int, int, str]] = []
    for step, side in _sides(ir, keys, lo, hi):
        near, far = 1, 1  # the next token lies near..far tokens away
        for item in side:
            if isinstance(item, (Assert, ILook)):
                continue  # zero width
            rep = isinstance(item, IRep) and item.min >= 1
            test = _lexical(item.item if isinstance(item, IRep) and rep else item)
            if test is not None:
                lo_d, hi_d = sorted((step * near, step * far))
                out.append((lo_d, hi_d, test.regex))
            if rep:
                break  # the repeat's nearest token is tested; further ones may be anywhere
            a, b = token_bounds(item)
            if b is None or far + b - (near + a) > _MAX_SPREAD:
                break
            near, far = near + a, far + b
    # the nearest first, single distances before ranges
    out.sort(key=lambda t: (t[1] - t[0], min(abs(t[0]), abs(t[1])), t[0]))
    return tuple(out[:_MAX_NEIGHBOURS])


def _sides(
    ir: IR, keys: frozenset[tuple[str, str]], lo: int, hi: int | None
) -> list[tuple[int, list[IR]]]:
    """The items after the anchor (step 1, nearest first) and before it (step -1, nearest
    first); none when the anchor is not one plain item of the top-level sequence."""
    items = _flat(ir)
    j = _anchor_item(items, keys, lo, hi)
    if j is None:
        return []
    return [(1, items[j + 1 :]), (-1, items[j - 1 :: -1] if j else [])]


def _anchor_item(
    items: list[IR], keys: frozenset[tuple[str, str]], lo: int, hi: int | None
) -> int | None:
    """The index in `items` of the one plain item that is the anchor, or None."""
    at: list[int] = []
    pos_lo: int = 0
    pos_hi: int | None = 0
    for j, item in enumerate(items):
        if isinstance(item, Atom) and item.keys == keys and (pos_lo, pos_hi) == (lo, hi):
            at.append(j)
        a, b = token_bounds(item)
        pos_lo += a
        pos_hi = None if pos_hi is None or b is None else pos_hi + b
    return at[0] if len(at) == 1 else None


def _edges(
    ir: IR, keys: frozenset[tuple[str, str]], lo: int, hi: int | None
) -> tuple[tuple[int, str, str], ...]:
    """The lexicon hits and records every match has at a fixed distance from the anchor
    token: the nearest one on each side, after tokens of fixed width only. Before the
    anchor, where it ends ("te"); after it, where it starts ("t")."""
    out: list[tuple[int, str, str]] = []
    for step, side in _sides(ir, keys, lo, hi):
        distance = 1  # the next token lies this far away
        for item in side:
            if isinstance(item, SpanRef):
                out.append((step * distance, "t" if step > 0 else "te", item.label))
                break
            a, b = token_bounds(item)
            if a != b:
                break  # the distance varies from here on
            distance += a
    return tuple(out)


def _unit_anchor(ir: IR) -> Anchor | None:
    """For a rule with no value at a bounded distance from its match (a verb of saying in a
    lookbehind before a clause of any length): the rarest value every match needs in its
    scope unit, as a unit anchor. A match and its lookarounds lie in one unit (they cannot
    read past a unit separator), so units without the value cannot hold a match."""
    best = _unit_best(ir)
    if best is None:
        return None
    _, keys, _, _, desc = best
    return Anchor(keys, 0, None, f"{desc} (anywhere in its scope unit)", None, unit=True)


def _unit_best(ir: IR) -> Candidate | None:
    """The rarest set of values one of which every match of `ir` (with its positive
    lookarounds) has somewhere in its unit; distances do not matter here."""
    if isinstance(ir, IAlt):
        best = [_unit_best(o) for o in ir.options]
        chosen = [b for b in best if b is not None]
        if not chosen or len(chosen) < len(best):
            return None
        return _cand(frozenset().union(*(b[1] for b in chosen)), 0, None)
    if isinstance(ir, ICap):
        return _unit_best(ir.item)
    cands = _candidates(ir, 0, 0)
    items = ir.items if isinstance(ir, ISeq) else (ir,)
    for item in items:
        if isinstance(item, ILook) and item.kind in ("(?<=", "(?="):
            inner = _unit_best(item.item)
            if inner is not None:
                cands.append(inner)
    if not cands:
        return None
    return min(cands, key=lambda c: (c[0], len(c[1]), sorted(c[1])))
