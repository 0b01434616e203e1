"""The runtime: a compiled pack applied to one document at a time.

Per document: tokenize; find every lexicon hit in one shared hash-index pass; then for
each stratum of the cascade, encode the tokens (with the tags of the lexicon hits and
records that stratum reads) and run its rules; apply each type's overlap policy; return
the records in the total order.

Match semantics (the same with the planner on or off): for each rule, the leftmost
non-empty matches, scanning left to right without overlap, exactly as `regex.finditer`
over the record string; regex operators are greedy unless written lazy. With the planner
on, a rule is only tried at start positions from which a match could reach its anchor, in
the same order, which gives identical matches.
"""

from __future__ import annotations

import bisect
import functools
import heapq
import itertools
import time
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, NamedTuple

import regex

from ie.encode import Encoded, encode, piece_of, token_pieces
from ie.program import (
    TYPE_ARGUMENT,
    CompiledPack,
    CompiledRule,
    KeyOf,
    LexiconSpec,
    ValueSpec,
    ViewSpec,
    lexicon_key,
)
from ie.records import Field, Record, sort_records
from ie.tokenizer import Doc, Tokenizer, lexeme
from ie.watchdog import Watchdog

DEFAULT_TIMEOUT = 2.0  # seconds one regex call may take before the document is failed


class RuleTimeout(Exception):
    """A rule's regex ran past the time limit on a document (catastrophic backtracking)."""

    def __init__(self, rule: CompiledRule, seconds: float) -> None:
        self.rule = rule
        super().__init__(
            f"rule `{rule.name}` ({rule.source}) ran longer than {seconds:g} s on this document"
        )


# lexicons of one key kind: the union of their first tokens; each with its first tokens
_LexiconGroup = tuple[frozenset[str], list[tuple[LexiconSpec, frozenset[str]]]]


@dataclass(slots=True)
class _Item:
    """A lexicon hit or a record, as a referenceable token span."""

    start: int
    end: int
    record: Record | None = None
    entry: int = -1


@dataclass(slots=True)
class RuleStats:
    """Per-rule counters for `ie profile`."""

    seconds: float = 0.0
    tries: int = 0
    records: int = 0


def _overlap_key(policy: str) -> Any:
    if policy == "first":
        return lambda r: (r.rule_index, r.start, -(r.end - r.start), r.sort_key())
    if policy == "priority":
        return lambda r: (-r.priority, -(r.end - r.start), r.start, r.sort_key())
    return Record.sort_key


def apply_policy(records: list[Record], policy: str) -> list[Record]:
    """Resolve overlapping records of one type by the named policy (see docs/language.md)."""
    if len(records) <= 1 or _apart(records):
        return list(records)
    if policy == "all":
        seen: set[tuple[Any, ...]] = set()
        out = []
        for r in sort_records(records):
            k = r.sort_key()
            if k not in seen:
                seen.add(k)
                out.append(r)
        return out
    taken: list[tuple[int, int]] = []  # accepted token spans, kept sorted
    kept: list[Record] = []
    for r in sorted(records, key=_overlap_key(policy)):
        i = bisect.bisect_left(taken, (r.token_start, r.token_end))
        if i > 0 and taken[i - 1][1] > r.token_start:
            continue
        if i < len(taken) and taken[i][0] < r.token_end:
            continue
        taken.insert(i, (r.token_start, r.token_end))
        kept.append(r)
    return sort_records(kept)


def _apart(records: list[Record]) -> bool:
    """Whether the records come left to right with no two sharing a token, as one rule's
    usually do: then every policy keeps them all, in this order, which is the total order
    (their starts differ), so there is nothing to sort."""
    end = 0
    for r in records:
        if r.token_start < end or r.token_end <= r.token_start:
            return False
        end = r.token_end
    return True


def _view_accepts(view: ViewSpec, record: Record) -> bool:
    for fname, op, value in view.constraints:
        f = record.fields.get(fname)
        if op == "has" and (f is None or not f.text):
            return False
        if op == "=" and (f is None or f.text != value):
            return False
        if op == "!=" and f is not None and f.text == value:
            return False
    return True


@dataclass(slots=True)
class Engine:
    pack: CompiledPack
    tokenizer: Tokenizer = field(default_factory=Tokenizer)
    planner: bool = True
    timeout: float = DEFAULT_TIMEOUT
    profile: dict[str, RuleStats] | None = None
    keep_internal: bool = False  # also return records of `internal` types (for examples)
    _anchor_keys: _AnchorKeys = field(init=False)
    _lex_groups: list[tuple[bool, bool, dict[str, list[tuple[int, tuple[str, ...], int]]]]] = field(
        init=False
    )
    _views: dict[str, list[ViewSpec]] = field(init=False)
    _rows: dict[str, tuple[tuple[str, ...], ...]] = field(init=False)
    _by_key: dict[tuple[str, str], list[int]] = field(init=False)  # anchor key -> rules
    # per stratum: its rules, the labels they read, and the labels the record string must
    # carry as tags (those read by a regex: an item rule, `_run_items`, reads its list)
    _strata: list[tuple[list[CompiledRule], list[str], list[str]]] = field(init=False)
    # per stratum (by id of its rule list): its anchored rule indexes, its unanchored ones
    _stratum_index: dict[int, tuple[frozenset[int], list[int]]] = field(init=False)
    # per stratum: its keyed rules (anchored on token values) by anchor key, run key by
    # key (`_run_keyed`); and the anchored rules left to the per-rule loop then
    _keyed: dict[int, tuple[dict[tuple[str, str], _Group], frozenset[int]]] = field(init=False)
    # per stratum: anchor key -> the stratum's anchored rules left to the per-rule loop
    _rest_by_key: dict[int, dict[tuple[str, str], list[int]]] = field(init=False)
    _plans: _Plans = field(init=False)  # per rule: how the planner runs it
    # per item rule: its token tests before and after the item (`_item_tests`)
    _tests_of: dict[int, tuple[list[_Test], list[_Test]]] = field(init=False)
    # per rule whose yield only copies captures (`Hit(x)`): (field name, capture name)
    # pairs, so its records are built without evaluating expressions
    _copies: dict[int, tuple[tuple[str, str], ...]] = field(init=False)
    _read_types: frozenset[str] = field(init=False)
    _groups: (
        dict[tuple[bool, bool], tuple[frozenset[str], list[tuple[LexiconSpec, frozenset[str]]]]]
        | None
    ) = field(init=False, default=None)
    _watch: Watchdog = field(init=False)
    _pieces: list[str] | None = field(init=False, default=None)  # this document's, untagged
    # this document's `_AnchorKeys` entries, per token (from `_positions`)
    _entries: list[tuple[tuple[tuple[str, str], ...], str]] = field(
        init=False, default_factory=list
    )
    _timed: bool = field(init=False, default=False)  # the watchdog's timer is armed
    _current: CompiledRule | None = field(init=False, default=None)  # the rule running
    # records by name ending, for fullname/linked; per document
    _name_index: dict[str, tuple[Sequence[_Item], _NameIndex]] = field(init=False)

    def __post_init__(self) -> None:
        words: set[str] = set()
        shapes: set[str] = set()
        for r in self.pack.rules:
            if r.anchor is not None:
                for kind, value in r.anchor.keys:
                    if kind == "w":
                        words.add(value)
                    elif kind == "s":
                        shapes.add(value)
        self._watch = Watchdog(self.timeout)
        self._name_index = {}
        self._anchor_keys = _AnchorKeys(frozenset(words), frozenset(shapes), self._lexicon_groups)
        self._rows = {lex.label: lex.columns for lex in self.pack.lexicons}
        self._strata = []
        self._stratum_index = {}
        self._keyed = {}
        self._rest_by_key = {}
        for stratum in self.pack.strata:
            rules = [self.pack.rules[i] for i in stratum]
            labels = sorted(set().union(*(r.labels for r in rules)))
            tagged = set().union(
                *(r.labels for r in rules if not (r.item is not None and self.planner))
            )
            self._strata.append((rules, labels, sorted(tagged)))
            anchored = frozenset(r.index for r in rules if r.anchor is not None)
            self._stratum_index[id(rules)] = (
                anchored,
                [r.index for r in rules if r.anchor is None],
            )
            keyed: dict[tuple[str, str], _Group] = {}
            rest: dict[tuple[str, str], list[int]] = {}
            for r in rules:
                if r.anchor is None:
                    continue
                if _is_keyed(r):
                    for key in r.anchor.keys:
                        keyed.setdefault(key, _Group()).rules.append(r)
                else:
                    for key in r.anchor.keys:
                        rest.setdefault(key, []).append(r.index)
            taken = frozenset(r.index for group in keyed.values() for r in group.rules)
            self._keyed[id(rules)] = (keyed, anchored - taken)
            self._rest_by_key[id(rules)] = rest
        self._plans = _Plans(self.pack.rules, self._watch)
        self._tests_of = {}
        self._copies = {
            r.index: tuple((name, spec.value) for name, spec in r.fields)
            for r in self.pack.rules
            if all(spec.kind == "capture" for _, spec in r.fields)
        }
        # the record types some pattern or yield lookup reads (others need no item list)
        read: set[str] = set()
        for r in self.pack.rules:
            read.update(r.labels)
            for _, spec in r.fields:
                read.update(_looked_up(spec))
        self._read_types = frozenset(read)
        self._by_key = {}
        for r in self.pack.rules:
            for key in r.anchor.keys if r.anchor is not None else ():
                self._by_key.setdefault(key, []).append(r.index)
        self._views = {}
        for v in self.pack.views:
            self._views.setdefault(v.type, []).append(v)

    # ---- public -----------------------------------------------------------------------

    def prepare(self) -> None:
        """Compile every rule's regexes now rather than on first use (for `ie profile`,
        so that a rule's time is its matching, not its compiling)."""
        for rule in self.pack.rules:
            if self._plans[rule.index] is None:
                _ = rule.pattern

    def extract(self, doc_id: str, text: str) -> list[Record]:
        """All records of one document, in the total order. Raises RuleTimeout."""
        return self.extract_doc(doc_id, self.tokenizer(text))

    def extract_doc(self, doc_id: str, doc: Doc) -> list[Record]:
        """All records of one tokenised document. Raises RuleTimeout."""
        if len(doc) == 0:
            return []
        watch = self._watch
        watch.limit = self.timeout
        self._timed = timed = watch.arm()
        try:
            return self._extract(doc_id, doc)
        except TimeoutError as exc:
            rule = self._current
            assert rule is not None  # only a running rule is timed
            raise RuleTimeout(rule, self.timeout) from exc
        finally:
            self._pieces = None
            self._entries = []
            if timed:
                watch.disarm()

    def _extract(self, doc_id: str, doc: Doc) -> list[Record]:
        watch = self._watch
        self._name_index = {}
        positions = self._positions(doc)
        items: dict[str, list[_Item]] = self._lexicon_hits(doc, positions)
        self._pieces = None
        out: list[Record] = []
        for rules, labels, tagged in self._strata:
            for label in labels:
                spans = items.get(label, ())
                positions[("t", label)] = [it.start for it in spans]
                positions[("te", label)] = sorted(it.end - 1 for it in spans)
            strings = _Strings(doc, self._token_pieces, items, tagged)  # made when needed
            produced: dict[str, list[Record]] = {}
            # the keyed loop takes the rules that start near their anchor values (most
            # rules); profiling and the per-call time limit take the general path
            inline = self.planner and self._timed and self.profile is None
            if self.planner:
                anchored, unanchored = self._stratum_index[id(rules)]
                by_key = self._by_key
                if inline:
                    keyed, anchored = self._keyed[id(rules)]
                    if keyed:
                        self._run_keyed(keyed, doc_id, doc, positions, strings, items, produced)
                    by_key = self._rest_by_key[id(rules)]
                # only rules whose anchor occurs in this document can match in it (the
                # keys both hold, found in C: a document has hundreds of keys)
                active: set[int] = set()
                for key in positions.keys() & by_key.keys():
                    if positions[key]:
                        active.update(by_key[key])
                all_rules = self.pack.rules
                rules = [all_rules[i] for i in heapq.merge(sorted(active & anchored), unanchored)]
            clock = time.perf_counter
            # what is left: unit anchors, lexicon hits or records alone, character rules,
            # rules with no anchor (and every rule when profiling or without the timer)
            plans = self._plans
            for rule in rules:
                self._current = rule
                # its regexes compiled before its clock starts: on a busy machine a big
                # rule's first compile can outlast the limit, and being cut short it would
                # start again, and fail, on every document
                _ = rule.pattern
                if self.planner:
                    _ = plans[rule.index]
                watch.started = clock()  # set here, not by a method: this runs per rule
                watch.running = True
                if rule.kind == "chars":
                    recs = self._run_chars(rule, doc_id, doc, items)
                elif rule.item is not None and self.planner:
                    recs = self._run_items(rule, doc_id, doc, items)
                else:
                    enc = strings[rule.scope]
                    recs = self._run_rule(rule, doc_id, doc, enc, positions, items)
                watch.running = False
                if recs:
                    produced.setdefault(rule.type, []).extend(recs)
            for type_, recs in produced.items():
                final = apply_policy(recs, self.pack.policies.get(type_, "longest"))
                out.extend(final)
                if type_ in self._read_types:  # other rules or lookups read this type
                    items[type_] = [_Item(r.token_start, r.token_end, r) for r in final]
                for view in self._views.get(type_, ()):
                    items[view.label] = [
                        _Item(r.token_start, r.token_end, r)
                        for r in final
                        if _view_accepts(view, r)
                    ]
        hidden = self.pack.internal
        if hidden and not self.keep_internal:
            out = [r for r in out if r.type not in hidden]
        return sort_records(out)

    # ---- stages -----------------------------------------------------------------------

    def _hits(
        self, plan: _Plan, positions: dict[tuple[str, str], list[int]], doc: Doc
    ) -> Sequence[int]:
        """`_plan_hits`, with the token records made only for a rule with neighbour tests."""
        return _plan_hits(plan, positions, self._token_pieces(doc) if plan.near else [])

    def _token_pieces(self, doc: Doc) -> list[str]:
        """The document's untagged token records, made on first use (neighbour tests read
        them before any record string is built, and often no string is needed at all)."""
        if self._pieces is None:
            # the records came with the anchor keys (`_positions`, run first on every
            # document), unless this document's are gone
            entries = self._entries
            plain = list(map(_second, entries)) if len(entries) == len(doc) else None
            self._pieces = token_pieces(doc, plain)
        return self._pieces

    def _run_keyed(
        self,
        keyed: dict[tuple[str, str], _Group],
        doc_id: str,
        doc: Doc,
        positions: dict[tuple[str, str], list[int]],
        strings: _Strings,
        items: dict[str, list[_Item]],
        produced: dict[str, list[Record]],
    ) -> None:
        """The keyed rules of a stratum (anchored on token values at a bounded or
        unbounded distance), key by key: for each anchor value in the document, each rule
        on it tries the starts its hits give, left to right, skipping starts inside its
        last match, as `_anchored` does. A rule on several values (a word set) gathers
        the hits of all of them that pass its neighbour tests, and runs once on those in
        order. Records come out per rule in match order; the overlap policies and the
        total order make the order of rules irrelevant.

        Most (hit, rule) pairs fail the rule's first neighbour test (four in five at a
        thousand rules), so where the key occurs once that test is made here, before
        any call."""
        pieces: list[str] | None = None
        last = len(doc) - 1
        gathered: dict[int, tuple[CompiledRule, _Plan, list[Sequence[int]]]] = {}
        for key, hits in positions.items():
            group = keyed.get(key)
            if group is None or not hits:
                continue
            ready = group.ready
            if ready is None:
                ready = group.prepare(self._plans)
            one = hits[0] if len(hits) == 1 else -1
            for rule, plan, lo, passes, others, gather in ready:
                self._current = rule  # a neighbour test has a time limit of its own
                near = plan.near
                if passes is not None:
                    if pieces is None:
                        pieces = self._token_pieces(doc)
                    if one >= 0:
                        at = one + lo
                        if at < 0 or at > last or not passes(pieces[at]):
                            continue
                        near = others
                todo = _edge_hits(plan, hits, positions) if plan.edges else hits
                if near and todo:
                    if pieces is None:
                        pieces = self._token_pieces(doc)
                    todo = _near_hits(near, todo, pieces)
                if not todo:
                    continue  # most rules at most hits: no regex call, nothing to time
                if gather:
                    # anchored on several values: its hits of every key, in order, first
                    gathered.setdefault(rule.index, (rule, plan, []))[2].append(todo)
                    continue
                self._run_planned(rule, plan, todo, doc_id, doc, strings, items, produced)
        for rule, plan, lists in gathered.values():
            self._current = rule
            todo = _merge(lists)
            self._run_planned(rule, plan, todo, doc_id, doc, strings, items, produced)

    def _run_planned(
        self,
        rule: CompiledRule,
        plan: _Plan,
        hits: Sequence[int],
        doc_id: str,
        doc: Doc,
        strings: _Strings,
        items: dict[str, list[_Item]],
        produced: dict[str, list[Record]],
    ) -> None:
        """A keyed rule at its anchor hits that passed the tests by their neighbours."""
        enc = strings[rule.scope]
        string, offsets = enc.string, enc.offsets
        watch = self._watch
        watch.started = time.perf_counter()
        watch.running = True
        if plan.point:
            found = _at_points(plan, string, offsets, hits)
        else:
            # a window of starts per hit, or a run test: the general loop
            firsts = doc.unit_starts(rule.scope) if plan.most is None else None
            found = []
            _anchored(plan, plan.match, plan.run, string, offsets, hits, firsts, found)
        watch.running = False
        if found:
            recs = self._records(rule, doc_id, doc, enc, found, items)
            if recs:
                produced.setdefault(rule.type, []).extend(recs)

    def _lexicon_hits(
        self, doc: Doc, positions: dict[tuple[str, str], list[int]]
    ) -> dict[str, list[_Item]]:
        """Every lexicon phrase in the document, all lexicons in one pass per key kind (as
        written, lower-cased, without accents): at each of the rare tokens that start some
        phrase (found with the anchor keys, by the same probe per token), a walk of the
        lexicon's phrases from that token."""
        hits: dict[str, list[_Item]] = {}
        words = doc.words
        n = len(words)
        last = n - 1
        sentences, sent_starts = doc.sentences, doc.unit_starts("sentence")
        for (exact, accents), (_, lexicons) in self._lexicon_groups().items():
            # the tokens that start a phrase of this group (`_AnchorKeys` finds them)
            starts = positions.get(("lx", _group_name(exact, accents)))
            if not starts:
                continue
            # tokens are keyed as they are read: the few near candidates, not every token
            key: KeyOf = (
                functools.partial(lexicon_key, exact=exact, accents=True)
                if accents
                else str
                if exact
                else str.lower
            )
            only = len(lexicons) == 1  # then the group's first tokens are the lexicon's
            firsts = list(map(key, map(words.__getitem__, starts)))
            for lex, lex_firsts in lexicons:
                tails_of, width = lex.tails.get, lex.max_tokens
                found: list[_Item] = []
                sent_end = 0  # the end of the sentence of the last token that started a phrase
                for i, first in zip(starts, firsts, strict=True):
                    if not only and first not in lex_firsts:
                        continue
                    # most candidates start no phrase: where the first token's tails are
                    # known, one that is no phrase by itself and whose next token goes on
                    # no phrase is rejected here, without a call
                    tails = tails_of(first)
                    if (
                        tails is not None
                        and "" not in tails
                        and (i == last or key(words[i + 1]) not in tails)
                    ):
                        continue
                    at = lex.phrases_at(words, i, min(n, i + width), key)
                    if not at:
                        continue
                    if at[-1][0] > i + 1:
                        # a phrase never runs across a sentence end
                        if sent_end <= i:
                            sent_end = sentences[bisect_right(sent_starts, i) - 1][1]
                        at = [(end, entry) for end, entry in at if end <= sent_end]
                    # in the order rules read them: by start, the longest first (a start
                    # has one phrase per end: a lexicon's keys are distinct)
                    if len(at) == 1:
                        found.append(_Item(i, at[0][0], None, at[0][1]))
                    else:
                        found.extend(_Item(i, end, None, entry) for end, entry in reversed(at))
                if found:
                    hits[lex.label] = found
        return hits

    def _lexicon_groups(
        self,
    ) -> dict[tuple[bool, bool], _LexiconGroup]:
        """Lexicons (with their first tokens) by key kind, with the union of their first
        tokens; built on first use
        (a cached pack's big lexicons load their indexes only when a document needs them)."""
        if self._groups is None:
            grouped: dict[tuple[bool, bool], list[LexiconSpec]] = {}
            for lex in self.pack.lexicons:
                grouped.setdefault((lex.exact, lex.accents), []).append(lex)
            self._groups = {
                kind: (
                    frozenset().union(*(lex.first_keys() for lex in lexicons)),
                    [(lex, lex.first_keys()) for lex in lexicons],
                )
                for kind, lexicons in grouped.items()
            }
        return self._groups

    def _positions(self, doc: Doc) -> dict[tuple[str, str], list[int]]:
        """Token indexes of every anchor key (word or shape) in the document: one C-level
        cache probe per token, Python work only at the few tokens that are anchors."""
        pos: defaultdict[tuple[str, str], list[int]] = defaultdict(list)
        keys_of = self._anchor_keys
        if len(keys_of) > _CACHE_LIMIT:
            keys_of.clear()
        self._entries = entries = list(map(keys_of.__getitem__, doc.words))
        found = list(map(_first, entries))
        for i in itertools.compress(itertools.count(), found):
            for key in found[i]:
                pos[key].append(i)
        return pos

    def _run_rule(
        self,
        rule: CompiledRule,
        doc_id: str,
        doc: Doc,
        enc: Encoded,
        positions: dict[tuple[str, str], list[int]],
        items: dict[str, list[_Item]],
    ) -> list[Record]:
        profile = self.profile
        t0 = time.perf_counter() if profile is not None else 0.0
        tries = 0
        matches: list[Any] = []
        s = enc.string
        timed = self._timed
        plan = self._plans[rule.index] if self.planner else None
        if plan is not None:
            run = plan.run
            hits = self._hits(plan, positions, doc)
            firsts = doc.unit_starts(rule.scope) if plan.most is None else None
            assert rule.anchor is not None
            if rule.anchor.unit:
                # the units holding the anchor, searched as `finditer` would search them
                search = rule.pattern.search
                if not timed:
                    search = functools.partial(search, timeout=self.timeout)
                assert firsts is not None
                tries = _in_units(search, s, enc.offsets, hits, firsts, matches)
            else:
                # the watchdog's timer, or else a time limit in every call (ie/watchdog.py)
                match = rule.pattern.match
                if not timed:
                    match = functools.partial(match, timeout=self.timeout)
                    if run is not None:
                        run = functools.partial(run, timeout=self.timeout)
                # with no bound, a match may start anywhere in the anchor's unit
                tries = _anchored(plan, match, run, s, enc.offsets, hits, firsts, matches)
        else:
            for m in rule.pattern.finditer(s, timeout=None if timed else self.timeout):
                tries += 1
                if m.end() > m.start():
                    matches.append(m)
        if not matches and profile is None:
            return []
        records = self._records(rule, doc_id, doc, enc, matches, items)
        if profile is not None:
            st = profile.setdefault(rule.name, RuleStats())
            st.seconds += time.perf_counter() - t0
            st.tries += tries
            st.records += len(records)
        return records

    def _run_items(
        self, rule: CompiledRule, doc_id: str, doc: Doc, items: dict[str, list[_Item]]
    ) -> list[Record]:
        """A rule that is one lexicon hit or record (`match x:Big`), maybe with single-token
        tests right before and after it (`x:Big "said"`): its matches are read off the
        items, as `finditer` would take them from the tags: left to right, at each start
        the first item listed (the longest) whose neighbours pass the tests and whose
        match stays inside its scope unit, none overlapping the one before."""
        t0 = time.perf_counter() if self.profile is not None else 0.0
        found = items.get(rule.item or "", ())
        firsts = doc.unit_starts(rule.scope)
        n = len(doc)
        text, starts, ends = doc.text, doc.starts, doc.ends
        rows = self._rows.get(rule.item or "")  # a lexicon's columns (none for records)
        build = self._build
        units = len(firsts)
        names = [cap.name for cap in rule.captures] if rule.fields else []
        before, after = self._item_tests(rule)
        pieces = self._token_pieces(doc) if before or after else []
        nb, na = len(before), len(after)
        records = []
        cur = 0
        for it in found:
            start = it.start - nb
            end = it.end + na
            if start < cur or end > n:
                continue
            # the token tests first: they reject most items (one lookup per token)
            if na == 1:
                if not after[0](pieces[it.end]):
                    continue
            elif after and not all(
                test(p) for test, p in zip(after, pieces[it.end : end], strict=True)
            ):
                continue
            if before and not all(
                test(p) for test, p in zip(before, pieces[start : it.start], strict=True)
            ):
                continue
            u = bisect_right(firsts, it.start)
            if start < (firsts[u - 1] if u else 0) or end > (firsts[u] if u < units else n):
                continue  # a match never runs across its rule's unit
            cur = end
            captured: dict[str, Field] = {}
            if names:
                a, b = starts[it.start], ends[it.end - 1]
                rec = it.record
                row = rows[it.entry] if rows and rec is None else None
                value = Field(text[a:b], a, b, rec.type if rec else None, rec, row)
                captured = dict.fromkeys(names, value)
            record = build(rule, doc_id, doc, start, end, captured, items)
            if record is not None:
                records.append(record)
        if self.profile is not None:
            st = self.profile.setdefault(rule.name, RuleStats())
            st.seconds += time.perf_counter() - t0
            st.tries += len(found)
            st.records += len(records)
        return records

    def _item_tests(self, rule: CompiledRule) -> tuple[list[_Test], list[_Test]]:
        """The token tests of an item rule (`_run_items`), each made on first use and
        shared with the neighbour tests of other rules."""
        got = self._tests_of.get(rule.index)
        if got is None:
            flags = rule.pattern.flags if rule.item_before or rule.item_after else 0
            tests = self._plans.tests
            made: list[list[_Test]] = []
            for sources in (rule.item_before, rule.item_after):
                side = []
                for source in sources:
                    test = tests.get((source, flags))
                    if test is None:
                        test = tests[source, flags] = _Passes(source, flags, self._watch)
                    side.append(test.__getitem__)
                made.append(side)
            got = self._tests_of[rule.index] = (made[0], made[1])
        return got

    def _run_chars(
        self, rule: CompiledRule, doc_id: str, doc: Doc, items: dict[str, list[_Item]]
    ) -> list[Record]:
        """A character-level rule: regex over the raw text, matches widened to whole tokens."""
        records = []
        text = doc.text
        timeout = None if self._timed else self.timeout
        for m in rule.pattern.finditer(text, timeout=timeout):
            span = snap(doc, m.start(), m.end())
            if span is None:
                continue
            captured: dict[str, Field] = {}
            for cap in rule.captures:
                gs, ge = m.span(cap.group)
                inner = snap(doc, gs, ge) if 0 <= gs < ge else None
                if inner is not None:
                    a, b = doc.starts[inner[0]], doc.ends[inner[1] - 1]
                    captured[cap.name] = Field(text[a:b], a, b)
            record = self._build(rule, doc_id, doc, span[0], span[1], captured, items)
            if record is not None:
                records.append(record)
        if self.profile is not None:
            self.profile.setdefault(rule.name, RuleStats()).records += len(records)
        return records

    def _records(
        self,
        rule: CompiledRule,
        doc_id: str,
        doc: Doc,
        enc: Encoded,
        matches: list[Any],
        items: dict[str, list[_Item]],
    ) -> list[Record]:
        """The records of a rule's matches (a `linked(...)` with no earlier record makes none)."""
        return [
            r for m in matches if (r := self._record(rule, doc_id, doc, enc, m, items)) is not None
        ]

    def _record(
        self,
        rule: CompiledRule,
        doc_id: str,
        doc: Doc,
        enc: Encoded,
        m: Any,
        items: dict[str, list[_Item]],
    ) -> Record | None:
        text = doc.text
        ts, te = enc.span(m.start(), m.end())
        captured: dict[str, Field] = {}
        for cap in rule.captures if rule.fields else ():
            gs, ge = m.span(cap.group)
            if gs < 0 or ge <= gs:
                continue
            cs, ce = enc.span(gs, ge)
            a, b = doc.starts[cs], doc.ends[ce - 1]
            rec: Record | None = None
            row: tuple[str, ...] | None = None
            for ref in cap.refs:
                ident = m.group(ref.group)
                if ident is None:
                    continue
                item = items[ref.label][int(ident)]
                if item.start != cs or item.end != ce:
                    continue
                if ref.type is not None:
                    rec = item.record
                else:
                    rows = self._rows[ref.label]
                    row = rows[item.entry] if rows else None
            captured[cap.name] = Field(text[a:b], a, b, rec.type if rec else None, rec, row)
        return self._build(rule, doc_id, doc, ts, te, captured, items)

    def _build(
        self,
        rule: CompiledRule,
        doc_id: str,
        doc: Doc,
        ts: int,
        te: int,
        captured: dict[str, Field],
        items: dict[str, list[_Item]],
    ) -> Record | None:
        """The record a match makes, or None when a `linked(...)` found no earlier record."""
        start, end = doc.starts[ts], doc.ends[te - 1]
        fields: dict[str, Field] = {}
        copies = self._copies.get(rule.index)
        if copies is not None:
            for name, capture in copies:
                value = captured.get(capture)
                if value is not None:
                    fields[name] = value
        elif rule.fields:
            context = _Context(captured, items, start, self._name_index)
            for name, spec in rule.fields:
                value = _evaluate(spec, context)
                if value is _UNLINKED:
                    return None
                if value is not None:
                    fields[name] = value
        pack = self.pack
        # positional: this runs once per record, and keywords cost more than the record
        return Record(
            doc_id, rule.type, start, end, doc.text[start:end], ts, te, fields,
            rule.name, rule.source, pack.name, pack.version, rule.priority, rule.index,
        )  # fmt: skip


_CACHE_LIMIT = 500_000  # distinct texts a per-word cache keeps; bounds memory
_first, _second = itemgetter(0), itemgetter(1)


class _Plan(NamedTuple):
    """How the planner runs an anchored rule."""

    keys: list[tuple[str, str]]  # its anchor keys
    before: int  # the fewest tokens a match has before the anchor
    most: int | None  # the most (None: from the start of the anchor's unit)
    run: Callable[..., Any] | None  # the run test's bound `match` (None: no run test)
    point: bool  # each hit gives exactly one start to try (and no run test)
    match: Callable[..., Any]  # the rule's own bound `match`
    # neighbour tests: (nearest, farthest distance from the anchor token, whether a token
    # record passes)
    near: tuple[tuple[int, int, Callable[[str], bool]], ...]
    # lexicon hits or records at a fixed distance: (distance, ("t" | "te", label))
    edges: tuple[tuple[int, tuple[str, str]], ...]


class _Passes(dict[str, bool]):
    """Whether a token record passes one token test, per distinct record text: a record
    is the same string for every occurrence of a word, so most checks are one lookup."""

    def __init__(self, source: str, flags: int, watch: Watchdog) -> None:
        super().__init__()
        self.test = regex.compile(source, flags).fullmatch
        self.watch = watch

    def __missing__(self, record: str) -> bool:
        if len(self) > _CACHE_LIMIT:
            self.clear()
        # a user's token regex may backtrack: the rule's time limit holds here too, kept
        # by the watchdog where it is armed (`timeout=` costs several times the test)
        watch = self.watch
        if not watch.armed:
            ok = self.test(record, timeout=watch.limit) is not None
        elif watch.running:
            ok = self.test(record) is not None
        else:
            watch.started = time.perf_counter()
            watch.running = True
            try:
                ok = self.test(record) is not None
            finally:
                watch.running = False
        self[record] = ok
        return ok


class _Plans(dict[int, _Plan | None]):
    """Per rule index, its plan (None for a rule with no anchor), made on first use: the
    run test and the neighbour tests are compiled then, like the rule's own regex."""

    def __init__(self, rules: Sequence[CompiledRule], watch: Watchdog) -> None:
        super().__init__()
        self.rules = rules
        self.watch = watch
        self.tests: dict[tuple[str, int], _Passes] = {}  # shared by rules with the same test

    def __missing__(self, index: int) -> _Plan | None:
        rule = self.rules[index]
        anchor = rule.anchor
        plan: _Plan | None = None
        if anchor is not None:
            run = rule.run_pattern
            # compiled with the rule's flags: an inline `(?i)` in a token regex is global
            flags = rule.pattern.flags
            near = []
            for lo, hi, source in anchor.neighbours:
                test = self.tests.get((source, flags))
                if test is None:
                    test = self.tests[source, flags] = _Passes(source, flags, self.watch)
                near.append((lo, hi, test.__getitem__))
            plan = _Plan(
                sorted(anchor.keys),
                anchor.min_before,
                anchor.max_before,
                run.match if run is not None else None,
                anchor.min_before == anchor.max_before and run is None,
                rule.pattern.match,
                tuple(near),
                tuple((d, (kind, label)) for d, kind, label in anchor.edges),
            )
        self[index] = plan
        return plan


_Test = Callable[[str], bool]  # whether a token record passes a one-token test
_Near = tuple[tuple[int, int, _Test], ...]  # a plan's neighbour tests
# a keyed rule as `Engine._run_keyed` reads it: the rule, its plan, its first neighbour
# test at a single distance (distance, test; 0, None where it has none), its others, and
# whether it has more anchor keys than this one
_Ready = tuple[CompiledRule, "_Plan", int, Callable[[str], bool] | None, _Near, bool]


class _Group:
    """The keyed rules of one anchor key in one stratum, made ready (`_Ready`) on first
    use: making a plan compiles the rule's regexes."""

    __slots__ = ("ready", "rules")

    def __init__(self) -> None:
        self.rules: list[CompiledRule] = []
        self.ready: list[_Ready] | None = None

    def prepare(self, plans: _Plans) -> list[_Ready]:
        ready: list[_Ready] = []
        for rule in self.rules:
            plan = plans[rule.index]
            assert plan is not None
            first = next((t for t in plan.near if t[0] == t[1]), None)
            gather = len(plan.keys) > 1
            if first is None:
                ready.append((rule, plan, 0, None, plan.near, gather))
            else:
                others = tuple(t for t in plan.near if t is not first)
                ready.append((rule, plan, first[0], first[2], others, gather))
        self.ready = ready
        return ready


class _AnchorKeys(dict[str, tuple[tuple[tuple[str, str], ...], str]]):
    """The anchor keys a token text is (its lower-case word, its shape) and the lexicon
    groups it starts a phrase of (`("lx", group)`), with its token record (`piece_of`), per
    distinct text, computed on a miss: looked up with `map`, so most tokens cost one
    C-level probe for all of these. (A new document's words are new string objects, so a
    probe compares their characters: one probe for both saves the second.)"""

    def __init__(
        self,
        words: frozenset[str],
        shapes: frozenset[str],
        groups: Callable[[], dict[tuple[bool, bool], _LexiconGroup]],
    ) -> None:
        super().__init__()
        self.words = words
        self.shapes = shapes
        self.groups = groups  # made on first use: a cached pack loads its lexicons late

    def __missing__(self, word: str) -> tuple[tuple[tuple[str, str], ...], str]:
        keys: list[tuple[str, str]] = []
        lower = word.lower()
        if lower in self.words:
            keys.append(("w", lower))
        if self.shapes:
            shape = lexeme(word).shape  # cached: the word's token record needs it too
            if shape in self.shapes:
                keys.append(("s", shape))
        for (exact, accents), (firsts, _) in self.groups().items():
            if lexicon_key(word, exact, accents) in firsts:
                keys.append(("lx", _group_name(exact, accents)))
        found = self[word] = (tuple(keys), piece_of(word))
        return found


def _group_name(exact: bool, accents: bool) -> str:
    """The name of a lexicon key kind in the anchor keys (`("lx", name)`)."""
    return ("exact" if exact else "lower") + ("-accents" if accents else "")


def _is_keyed(rule: CompiledRule) -> bool:
    """A token rule whose starts lie near each hit of its anchor values (not a unit
    anchor, a lone lexicon hit or a character rule): `Engine._run_keyed` runs it."""
    a = rule.anchor
    return rule.kind != "chars" and rule.item is None and a is not None and not a.unit


def snap(doc: Doc, start: int, end: int) -> tuple[int, int] | None:
    """Widen characters [start, end) to whole tokens: from the token holding the first
    non-space character to the token holding the last; None when no token is touched."""
    first = bisect.bisect_right(doc.ends, start)
    last = bisect.bisect_left(doc.starts, end)
    return (first, last) if first < last else None


def _at_points(plan: _Plan, s: str, offsets: list[int], hits: Sequence[int]) -> list[Any]:
    """The planner's loop for a rule with one start per anchor hit (`plan.before` tokens
    before it): each start tried left to right, those inside the last match skipped, as
    `_anchored` does with a window of one. Returns the matches."""
    match, before = plan.match, plan.before
    last = len(offsets) - 1
    cur = 0
    found = []
    for a in hits:
        t = a - before
        if t < cur or t > last:
            continue
        m = match(s, offsets[t])
        if m is not None and m.end() > m.start():
            found.append(m)
            cur = bisect_right(offsets, m.end() - 1)
    return found


def _plan_hits(
    plan: _Plan, positions: dict[tuple[str, str], list[int]], pieces: list[str]
) -> Sequence[int]:
    """The anchor hits a rule is tried at: those of its keys, ascending, that pass its
    neighbour tests."""
    keys = plan.keys
    hits: Sequence[int]
    if len(keys) == 1:
        hits = positions.get(keys[0], ())
    else:
        hits = _merge([positions.get(k, ()) for k in keys])
    if plan.edges:
        hits = _edge_hits(plan, hits, positions)
    return _near_hits(plan.near, hits, pieces) if plan.near else hits


def _edge_hits(
    plan: _Plan, hits: Sequence[int], positions: dict[tuple[str, str], list[int]]
) -> Sequence[int]:
    """The anchor hits with the lexicon hits or records next to them that every match
    using them needs (where those start or end, from the stratum's positions). As with
    `_near_hits`, a hit that fails is the anchor of no match."""
    for distance, key in plan.edges:
        if not hits:
            break
        at = set(positions.get(key, ()))
        hits = [a for a in hits if a + distance in at]
    return hits


def _near_hits(near: _Near, hits: Sequence[int], pieces: list[str]) -> Sequence[int]:
    """The anchor hits whose neighbouring tokens pass the rule's neighbour tests (each a
    dictionary lookup per token record). A hit that fails one is used as the anchor by no
    match, so no start needs to be tried for it; a start that another hit also reaches is
    tried for that hit. Dropping such hits leaves the matches of `_at_points` and
    `_anchored` as they were."""
    last = len(pieces) - 1
    if len(hits) == 1:
        # the usual case (an anchor value once in the document): no list is made
        a = hits[0]
        for lo, hi, passes in near:
            if lo == hi:
                if not (0 <= a + lo <= last and passes(pieces[a + lo])):
                    return ()
            elif not any(map(passes, pieces[max(a + lo, 0) : min(a + hi, last) + 1])):
                return ()
        return hits
    for lo, hi, passes in near:
        if not hits:
            break
        if lo == hi:
            hits = [a for a in hits if 0 <= a + lo <= last and passes(pieces[a + lo])]
        else:
            hits = [
                a for a in hits if any(map(passes, pieces[max(a + lo, 0) : min(a + hi, last) + 1]))
            ]
    return hits


def _anchored(
    plan: _Plan,
    match: Callable[..., Any],
    run: Callable[..., Any] | None,
    s: str,
    offsets: list[int],
    hits: Sequence[int],
    firsts: list[int] | None,
    matches: list[Any],
) -> int:
    """The planner's loop: for each anchor hit `a` in order, try the start positions from
    `a - plan.most` (or the start of a's unit, `firsts`) to `a - plan.before` left to right;
    the first non-empty match is kept and scanning resumes after it. Start positions
    outside every window cannot reach an anchor, so this finds what `finditer` would.
    `match` and `run` are the plan's, or the same with a time limit. Returns the number of
    start positions tried."""
    before, most = plan.before, plan.most
    tries = 0
    last = len(offsets) - 1
    cur = 0
    h = 0
    n = len(hits)
    while h < n:
        a = hits[h]
        top = a - before
        if top > last:
            top = last
        if top < cur:
            h += 1
            continue
        if most is not None:
            lo = a - most
        else:
            assert firsts is not None
            lo = firsts[bisect_right(firsts, a) - 1]
        if lo < cur:
            lo = cur
        if run is not None and lo < top:
            # no match starts behind a token none of the rule's tests accepts
            at = offsets[a]
            r = run(s, 0, at)
            first = bisect_right(offsets, r.start()) - 1 if r is not None and r.start() < at else a
            if first > lo:
                lo = first
        found = None
        for t in range(lo, top + 1):
            tries += 1
            m = match(s, offsets[t])
            if m is not None and m.end() > m.start():
                found = m
                break
        if found is None:
            cur = top + 1  # every start up to `top` is tried or impossible
            h += 1
            continue
        matches.append(found)
        # the same anchor may serve further matches (it can lie before them)
        cur = bisect_right(offsets, found.end() - 1)
    return tries


def _in_units(
    search: Callable[[str, int, int], Any],
    s: str,
    offsets: list[int],
    hits: Sequence[int],
    firsts: list[int],
    matches: list[Any],
) -> int:
    """The planner's loop for a unit anchor: each scope unit that holds a hit is searched
    left to right, as `finditer` searches it. No match can lie in another unit, and none
    can read across the separator that ends a unit, so searching up to and including that
    separator (`endpos`) finds exactly what `finditer` finds there. Returns the number of
    searches."""
    tries = 0
    done = -1  # the last unit searched
    n = len(firsts)
    for a in hits:
        u = bisect_right(firsts, a) - 1
        if u <= done:
            continue
        done = u
        pos = offsets[firsts[u]]
        end = offsets[firsts[u + 1]] if u + 1 < n else len(s)
        while pos < end:
            tries += 1
            m = search(s, pos, end)
            if m is None:
                break
            if m.end() > m.start():
                matches.append(m)
                pos = m.end()
            else:
                pos = m.start() + 1
    return tries


def _looked_up(spec: ValueSpec) -> Iterator[str]:
    """Record types a yield expression reads with nearest/fullname/linked/earlier."""
    if spec.kind != "call":
        return
    position = TYPE_ARGUMENT.get(spec.value)
    for i, arg in enumerate(spec.args):
        if i == position:
            yield arg.value
        else:
            yield from _looked_up(arg)


def _merge(lists: list[Sequence[int]]) -> Sequence[int]:
    """The token positions of several anchor keys, ascending (read only)."""
    present = [lst for lst in lists if lst]
    if len(present) == 1:
        return present[0]
    return sorted(set().union(*present)) if present else ()


def _tags(items: dict[str, list[_Item]], labels: Sequence[str]) -> dict[int, str]:
    """Tag text per token: `(L.id;` where item id of label L starts, `L.id);` where it
    ends, and `=L;` on a token that is a whole item by itself (for `[lower in Lexicon]`);
    on a token, the starts come first, each kind in label and item order."""
    starts: dict[int, str] = {}
    ends: dict[int, str] = {}
    start_of, end_of = starts.get, ends.get
    for label in labels:
        singles: set[int] = set()
        for ident, it in enumerate(items.get(label, ())):
            a, b = it.start, it.end - 1
            starts[a] = start_of(a, "") + f"({label}.{ident};"
            tag = end_of(b, "") + f"{label}.{ident});"
            if a == b and a not in singles:
                singles.add(a)
                tag += f"={label};"
            ends[b] = tag
    for i, tag in ends.items():
        starts[i] = start_of(i, "") + tag
    return starts


class _Strings(dict[str, Encoded]):
    """A stratum's record strings, per scope, each made when a rule first needs one (many
    documents need none): the tags of the lexicon hits and records a regex reads are made
    with the first, and the untagged token records once per document, for every stratum."""

    def __init__(
        self,
        doc: Doc,
        pieces: Callable[[Doc], list[str]],
        items: dict[str, list[_Item]],
        tagged: Sequence[str],
    ) -> None:
        super().__init__()
        self.doc, self.pieces, self.found, self.tagged = doc, pieces, items, tagged
        self.tags: dict[int, str] | None = None

    def __missing__(self, scope: str) -> Encoded:
        if self.tags is None and self.tagged:
            self.tags = _tags(self.found, self.tagged)
        enc = self[scope] = encode(self.doc, scope, self.tags, self.pieces(self.doc))
        return enc


_FUNCTIONS: dict[str, Callable[[list[str]], str]] = {
    "text": lambda xs: xs[0],
    "lower": lambda xs: xs[0].lower(),
    "upper": lambda xs: xs[0].upper(),
    "norm": lambda xs: " ".join(xs[0].split()),
    "join": lambda xs: " ".join(x for x in xs if x),
}


@dataclass(slots=True)
class _Context:
    """What a `yield` expression can read: the captures, and the document's other records."""

    captured: dict[str, Field]
    items: dict[str, list[_Item]]
    start: int  # character offset where the record being built starts
    names: dict[str, tuple[Sequence[_Item], _NameIndex]]  # per label: its records by name


def _earlier(ctx: _Context, type_: str, before: int) -> list[Record]:
    """Records of `type_` that end before character `before`, nearest last."""
    found = [it.record for it in ctx.items.get(type_, ()) if it.record is not None]
    return [r for r in found if r.end <= before]


#: a `linked(...)` that found nothing: the record is not made
_UNLINKED = Field("")

# name ending -> (record ends, records), both sorted by (end, start)
_NameIndex = dict[str, tuple[list[int], list[Record]]]


def _named_before(ctx: _Context, type_: str, short: str, before: int, same: bool) -> Record | None:
    """The nearest record of `type_` ending by `before` whose text ends with `short` after a
    space or hyphen ("Khalifa Haftar", "Ahmed al-Mesmari" for "Mesmari"), or, with `same`,
    is `short`. An index per document and type keeps this one dict probe per lookup."""
    found = ctx.items.get(type_, ())
    cached = ctx.names.get(type_)
    if cached is not None and cached[0] is found:
        index = cached[1]
    else:
        index = _index_names(found)
        ctx.names[type_] = (found, index)
    entry = index.get(short)
    if entry is None:
        return None
    ends, records = entry
    i = bisect.bisect_right(ends, before)
    while i > 0:
        i -= 1
        if same or records[i].text != short:
            return records[i]
    return None


def _index_names(found: Sequence[_Item]) -> _NameIndex:
    index: _NameIndex = {}
    records = sorted(
        (it.record for it in found if it.record is not None), key=lambda r: (r.end, r.start)
    )
    for r in records:
        keys = {r.text}
        for i, ch in enumerate(r.text):
            if ch in " -" and i + 1 < len(r.text):
                keys.add(r.text[i + 1 :])
        for key in keys:
            ends, recs = index.setdefault(key, ([], []))
            ends.append(r.end)
            recs.append(r)
    return index


def _record_field(r: Record) -> Field:
    return Field(r.text, r.start, r.end, r.type, r)


def _evaluate(spec: ValueSpec, ctx: _Context) -> Field | None:
    if spec.kind == "capture":
        return ctx.captured.get(spec.value)
    if spec.kind in ("string", "type"):
        return Field(spec.value)
    if spec.value in ("nearest", "earlier"):
        # the closest record of the type that ends before this one starts (earlier: with
        # none, no record at all)
        candidates = _earlier(ctx, spec.args[0].value, ctx.start)
        if candidates:
            return _record_field(max(candidates, key=lambda r: (r.end, r.start)))
        return _UNLINKED if spec.value == "earlier" else None
    if spec.value in ("fullname", "linked"):
        # "Haftar" -> the nearest earlier "Khalifa Haftar" (fullname: else "Haftar" itself;
        # linked: else no record at all)
        short = _evaluate(spec.args[0], ctx)
        if short is None or short is _UNLINKED:
            return short
        before = short.start if short.start is not None else ctx.start
        found = _named_before(ctx, spec.args[1].value, short.text, before, spec.value == "linked")
        if found is not None:
            return _record_field(found)
        return Field(short.text, short.start, short.end) if spec.value == "fullname" else _UNLINKED
    if spec.value in ("canonical", "subtype"):
        arg = _evaluate(spec.args[0], ctx)
        if arg is None:
            return None
        column = 1 if spec.value == "canonical" else 2
        row = arg.row or ()
        if len(row) > column and row[column]:
            return Field(row[column])
        return Field(arg.text) if spec.value == "canonical" else None
    args = [_evaluate(a, ctx) for a in spec.args]
    if spec.value != "join" and any(a is None for a in args):
        return None
    texts = [a.text if a is not None else "" for a in args]
    return Field(_FUNCTIONS[spec.value](texts))
