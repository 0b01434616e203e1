"""The compiled program: what the runtime and worker processes see.

Desugared and index-based: every rule is one `regex` pattern over the token-record string
(see ie/encode.py), plus the data needed to turn a match into a record. It holds no Lark
objects and no AST, and pickles with plain `pickle` (regex patterns are rebuilt from their
source on unpickling), so a compiled pack can be cached on disk and shipped to workers.
"""

from __future__ import annotations

import unicodedata
from array import array
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import regex

if TYPE_CHECKING:
    from ie.diagnostics import Diagnostic


@dataclass(frozen=True, slots=True)
class RefGroup:
    """A record or lexicon reference inside a capture: which group holds the item's id."""

    label: str  # tag label in the token-record string ("Person", "Person~1", "@Title")
    type: str | None  # record type, or None for a lexicon hit
    group: str  # regex group whose text is the referenced item's id


@dataclass(frozen=True, slots=True)
class CaptureSpec:
    name: str
    group: str
    refs: tuple[RefGroup, ...] = ()


@dataclass(frozen=True, slots=True)
class ValueSpec:
    """How a yielded field gets its value: a capture, a string, or a function of those."""

    kind: str  # "capture" | "string" | "call"
    value: str = ""  # capture name, string, or function name
    args: tuple[ValueSpec, ...] = ()


#: yield functions that read other records of the document: which argument names a record
#: type (here, not in ie.resolve, so the runtime can read it without the front end)
TYPE_ARGUMENT = {"nearest": 0, "fullname": 1, "linked": 1, "earlier": 0}


@dataclass(frozen=True, slots=True)
class Anchor:
    """The planner's choice: a rule can only match near an occurrence of one of `keys`.

    A match that uses the anchor token `a` starts at a token in
    `[a - max_before, a - min_before]` (None: unbounded, from the start of the rule's
    scope unit). `min_before` is negative when the anchor sits in a leading lookbehind,
    before the match. Keys: ("w", lower word), ("s", shape), ("t", label) for the first
    token of a lexicon hit or record, ("te", label) for its last token.
    """

    keys: frozenset[tuple[str, str]]
    min_before: int
    max_before: int | None
    description: str
    # a regex for one token record that every token from the match start up to the anchor
    # satisfies (the union of the rule's token tests), so the runtime can skip starts
    # behind a token no match could cross; None when any token could be in a match
    run: str | None = None
    # the anchor only says which scope units (sentences...) a match can be in: every
    # match needs one of `keys` in its unit but at no bounded distance (in a lookbehind
    # before a clause of any length: `(?<= "said" _*) ...`); the runtime searches the
    # units holding one
    unit: bool = False
    # token tests near the anchor token that every match using that token as its anchor
    # passes: (nearest, farthest distance, one-token regex), one of the tokens at those
    # distances passing; the runtime skips a hit that fails one without calling the regex
    neighbours: tuple[tuple[int, int, str], ...] = ()
    # lexicon hits or records next to the anchor token at a fixed distance that every
    # match using it has: (distance, "t" where one starts or "te" where one ends, label);
    # `x:Big "said"` anchored on "said" needs a hit of Big ending right before it
    edges: tuple[tuple[int, str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class ExampleSpec:
    text: str
    type: str | None  # None for a `not` example
    fields: tuple[tuple[str, str], ...]
    line: int
    col: int
    end_line: int
    end_col: int


@dataclass(slots=True)
class CompiledRule:
    name: str
    index: int
    type: str
    source: str  # "rules/news/people.ie:12"
    path: str
    line: int
    priority: int
    scope: str  # sentence | paragraph | document
    pattern_source: str
    captures: tuple[CaptureSpec, ...]
    fields: tuple[tuple[str, ValueSpec], ...]
    anchor: Anchor | None
    labels: frozenset[str]  # tag labels the pattern reads (lexicons, types, views)
    examples: tuple[ExampleSpec, ...] = ()
    kind: str = "tokens"  # "tokens": over token records; "chars": over the raw text
    # the label when the whole pattern is one lexicon hit or record (`match x:Big`), or
    # one with single-token tests right before and after it (`x:Big "said"`): the runtime
    # takes the items themselves, leftmost and longest first, with no regex and no tags
    item: str | None = None
    item_before: tuple[str, ...] = ()  # the tests' one-token regexes, in pattern order
    item_after: tuple[str, ...] = ()
    _pattern: Any = field(default=None, compare=False, repr=False)
    _run: Any = field(default=None, compare=False, repr=False)

    @property
    def run_pattern(self) -> Any:
        """The anchor's run test, compiled to match backwards from the anchor (or None)."""
        if self._run is None and self.anchor is not None and self.anchor.run is not None:
            self._run = regex.compile(f"(?r){self.anchor.run}*")
        return self._run

    @property
    def pattern(self) -> Any:
        """The compiled regex, built on first use: a run compiles only the rules that a
        document can reach, and a cached pack loads without compiling any."""
        if self._pattern is None:
            self._pattern = regex.compile(self.pattern_source)
        return self._pattern

    def __getstate__(self) -> dict[str, Any]:
        state = {name: getattr(self, name) for name in self.__slots__}
        state["_pattern"] = state["_run"] = None  # rebuilt from source: version-proof
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)


@dataclass(frozen=True, slots=True)
class ViewSpec:
    """Records of `type` that satisfy constraints like `Person(title)`, as their own label."""

    label: str
    type: str
    constraints: tuple[tuple[str, str, str | None], ...]  # (field, op, value)


# the phrases one lexicon keeps per first token, as maps of what follows the first token
# (some 100 bytes an entry: about 30 MB at most; later first tokens walk the sorted keys)
_TAIL_ENTRIES = 300_000

# How a token is keyed in a lexicon: `str` (the text as it is), `str.lower`, or a function
KeyOf = Callable[[str], str]


@dataclass(slots=True)
class LexiconSpec:
    """A compiled lexicon, compact on disk and quick to load.

    Its phrase keys (tokens joined by spaces) are one sorted string and the entry numbers
    one byte string, searched by bisection: a 1,000,000-entry lexicon loads in a fraction
    of a second instead of rebuilding a million-key hash table. First tokens are a set,
    so almost every token is rejected by one hash probe.
    """

    label: str  # "@Name"
    name: str
    exact: bool
    accents: bool
    phrases: str  # entry keys, sorted, one per line
    entries: bytes  # array("I") of the entry number of each sorted key
    firsts: str  # the distinct first-token keys, one per line
    max_tokens: int
    size: int
    columns: tuple[tuple[str, ...], ...] = ()  # per entry: (phrase, canonical, subtype, ...)
    _keys: list[str] | None = field(default=None, compare=False, repr=False)
    _entry: array[int] | None = field(default=None, compare=False, repr=False)
    _firsts: frozenset[str] | None = field(default=None, compare=False, repr=False)
    # first token -> its run [lo, hi) in the sorted keys, filled as documents need them
    _runs: dict[str, tuple[int, int]] = field(default_factory=dict, compare=False, repr=False)
    # first token -> its phrases' tails: the rest of each phrase and of each of its
    # prefixes, tokens joined by spaces, mapped to the phrase's entry number (-1: a prefix
    # only; "": the first token alone is a phrase). Filled as documents meet first tokens,
    # until _TAIL_ENTRIES entries; the runtime reads it to reject most candidate tokens
    # without a call to `phrases_at`.
    tails: dict[str, dict[str, int]] = field(default_factory=dict, compare=False, repr=False)
    _entries: int = field(default=0, compare=False, repr=False)

    def first_keys(self) -> frozenset[str]:
        if self._firsts is None:
            self._firsts = frozenset(self.firsts.split("\n")) if self.firsts else frozenset()
        return self._firsts

    def _index(self) -> tuple[list[str], array[int]]:
        if self._keys is None or self._entry is None:
            self._keys = self.phrases.split("\n") if self.phrases else []
            self._entry = array("I")
            self._entry.frombytes(self.entries)
        return self._keys, self._entry

    def phrases_at(
        self, words: Sequence[str], i: int, limit: int, key: KeyOf = str
    ) -> list[tuple[int, int]]:
        """(end, entry number) of every phrase whose keys are those of `words[i:end]`
        (each token keyed by `key`), end <= limit, shortest first: one dict probe per
        token read in the first token's tails, or a walk of the sorted keys once the
        tails are full."""
        first = key(words[i])
        tails = self.tails.get(first)
        if tails is None:
            if self._entries >= _TAIL_ENTRIES:
                return self._walk_keys(words, i, limit, key)
            tails = self._tails(first)
        found: list[tuple[int, int]] = []
        entry = tails.get("", -1)
        if entry >= 0:
            found.append((i + 1, entry))
        end = i + 1
        if end < limit:
            tail = key(words[end])
            while (entry := tails.get(tail, -2)) != -2:
                end += 1
                if entry >= 0:
                    found.append((end, entry))
                if end >= limit:
                    break
                tail = tail + " " + key(words[end])
        return found

    def _tails(self, first: str) -> dict[str, int]:
        """The tails of the phrases that start with `first`, built from their run of the
        sorted keys and remembered."""
        sorted_keys, entry = self._index()
        lo, hi = self._run(first)
        tails: dict[str, int] = {}
        skip = len(first) + 1
        for k in range(lo, hi):
            phrase = sorted_keys[k]
            if phrase == first:
                tails[""] = entry[k]
                continue
            if not phrase.startswith(first + " "):
                continue  # defensive: keys are tokens joined by single spaces
            tail = phrase[skip:]
            cut = tail.find(" ")
            while cut >= 0:  # a longer phrase: its prefixes lead to it
                tails.setdefault(tail[:cut], -1)
                cut = tail.find(" ", cut + 1)
            tails[tail] = entry[k]
        self._entries += len(tails) + 1
        self.tails[first] = tails
        return tails

    def _run(self, first: str) -> tuple[int, int]:
        """The run [lo, hi) of the sorted keys that start with token `first`."""
        span = self._runs.get(first)
        if span is None:
            sorted_keys, _ = self._index()
            lo = bisect_left(sorted_keys, first)
            # "w" and "w ..." sort before "w!": nothing sorts between " " and "!"
            span = self._runs[first] = (lo, bisect_left(sorted_keys, first + "!", lo))
        return span

    def _walk_keys(
        self, words: Sequence[str], i: int, limit: int, key: KeyOf
    ) -> list[tuple[int, int]]:
        """`phrases_at` by bisection of the sorted keys: the walk checks after each token
        that some phrase in the first token's run goes on before it reads the next."""
        sorted_keys, entry = self._index()
        first = key(words[i])
        lo, hi = self._run(first)
        found: list[tuple[int, int]] = []
        if lo < hi and sorted_keys[lo] == first:
            found.append((i + 1, entry[lo]))
        prefix = first
        end = i + 1
        while end < limit:
            longer = prefix + " "
            j = bisect_left(sorted_keys, longer, lo, hi)
            if j >= hi or not sorted_keys[j].startswith(longer):
                break
            prefix = longer + key(words[end])
            end += 1
            lo = bisect_left(sorted_keys, prefix, j, hi)
            if lo < hi and sorted_keys[lo] == prefix:
                found.append((end, entry[lo]))
        return found

    def __getstate__(self) -> dict[str, Any]:
        state = {name: getattr(self, name) for name in self.__slots__}
        state["_keys"] = state["_entry"] = state["_firsts"] = None
        state["_runs"] = {}
        state["tails"] = {}
        state["_entries"] = 0
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            setattr(self, name, value)


@dataclass(slots=True)
class CompiledPack:
    name: str
    version: str
    rules: list[CompiledRule]
    strata: list[list[int]]  # rule indexes, in dependency order
    policies: dict[str, str]  # type -> overlap policy
    lexicons: list[LexiconSpec]
    views: list[ViewSpec]
    types: list[str]  # record types in first-yield order
    sources: dict[str, str] = field(default_factory=dict)  # path -> text, for diagnostics
    # every file the compiled pack depends on (rules, imports, lexicons) -> sha256, so a
    # cached copy is only used while all of them are unchanged
    deps: dict[str, str] = field(default_factory=dict)
    planner: bool = True
    # types rules compute and read but the output leaves out (`internal` declarations)
    internal: frozenset[str] = frozenset()

    def rule(self, name: str) -> CompiledRule | None:
        for r in self.rules:
            if r.name == name:
                return r
        return None


def _strip_accents(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def lexicon_key(word: str, exact: bool, accents: bool) -> str:
    """How a token is looked up in a lexicon: its text, lower-cased unless exact."""
    key = word if exact else word.lower()
    return _strip_accents(key) if accents else key


@dataclass(slots=True)
class Compilation:
    """Everything the passes produce; `pack` is None when there were errors."""

    pack: CompiledPack | None
    diagnostics: list[Diagnostic]
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]
