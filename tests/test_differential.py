"""Differential tests: the token matcher agrees with Python's `re` on a small alphabet.

A pattern over the words a, b, c and `_` is rendered twice: as an ie rule, and as an `re`
pattern over a string in which every token is its letter followed by a space ("a b a" ->
"a b a "; the word `a` -> `(?:a )`, `_` -> `[abc] `; the texts are one sentence, so the
sentence anchors `^` `$` are the string's ends). Both are run over the same random
texts; the ie records' token spans must equal `re.finditer`'s non-empty matches mapped to
token indexes (each token is two characters). The engine drops empty matches and, like
`re` since Python 3.7, may find a non-empty match where an empty one was found, so empty
`re` matches are filtered rather than excluded from the patterns.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ie.compiler import compile_pack
from ie.program import CompiledPack
from ie.runtime import Engine


@dataclass(frozen=True)
class Pat:
    ie: str  # ie pattern source
    re: str  # the same pattern as a Python `re` over "a b c " strings


def word(w: str) -> Pat:
    return Pat("_", "[abc] ") if w == "_" else Pat(w, f"(?:{w} )")


def seq(items: list[Pat]) -> Pat:
    return Pat(" ".join(i.ie for i in items), "".join(i.re for i in items))


def alt(items: list[Pat]) -> Pat:
    return Pat(
        "(" + " | ".join(i.ie for i in items) + ")", "(?:" + "|".join(i.re for i in items) + ")"
    )


QUANTIFIERS = ["?", "*", "+", "{2}", "{0,2}", "{1,3}", "{2,}", "{1,}", "{0,1}"]


def repeat(item: Pat, quant: str, lazy: bool) -> Pat:
    q = quant + ("?" if lazy else "")
    return Pat(f"({item.ie}){q}", f"(?:{item.re}){q}")


leaves = st.sampled_from(["a", "b", "c", "_"]).map(word)


def _extend(children: st.SearchStrategy[Pat]) -> st.SearchStrategy[Pat]:
    return st.one_of(
        st.lists(children, min_size=2, max_size=3).map(seq),
        st.lists(children, min_size=2, max_size=3).map(alt),
        st.builds(repeat, children, st.sampled_from(QUANTIFIERS), st.booleans()),
    )


patterns = st.recursive(leaves, _extend, max_leaves=8)
texts = st.lists(st.sampled_from("abc"), max_size=12)


def anchor_or_word(w: str) -> Pat:
    # the texts are one sentence, so the sentence anchors are the string's ends
    return Pat(w, w) if w in "^$" else word(w)


with_anchors = st.recursive(
    st.sampled_from(["a", "b", "c", "_", "^", "$"]).map(anchor_or_word), _extend, max_leaves=8
)


def _lookaround(inner: Pat, main: Pat, kind: str, behind: list[str]) -> Pat:
    if kind in ("(?<=", "(?<!"):
        # `re` needs fixed-width lookbehind: a plain sequence of one-token items
        fixed = seq([word(w) for w in behind])
        return Pat(f"{kind} {fixed.ie}) {main.ie}", f"{kind}{fixed.re}){main.re}")
    return Pat(f"{main.ie} {kind} {inner.ie})", f"{main.re}{kind}{inner.re})")


with_lookaround = st.builds(
    _lookaround,
    patterns,
    patterns,
    st.sampled_from(["(?=", "(?!", "(?<=", "(?<!"]),
    st.lists(st.sampled_from("abc_"), min_size=1, max_size=2),
)


def compile_rule(pattern: str) -> CompiledPack:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "t.ie"
        path.write_text(f"overlap T all\nrule r match x:({pattern}) yield T(x)\n", "utf-8")
        return compile_pack(path)


def ie_spans(pack: CompiledPack, words: list[str], planner: bool = True) -> list[tuple[int, int]]:
    records = Engine(pack, planner=planner).extract("d", " ".join(words))
    for r in records:  # the capture covers the whole match
        assert (r.fields["x"].start, r.fields["x"].end) == (r.start, r.end)
    return [(r.token_start, r.token_end) for r in records]


def re_spans(pattern: str, words: list[str]) -> list[tuple[int, int]]:
    string = "".join(w + " " for w in words)
    return [
        (m.start() // 2, m.end() // 2) for m in re.finditer(pattern, string) if m.end() > m.start()
    ]


def check(p: Pat, word_lists: list[list[str]]) -> None:
    pack = compile_rule(p.ie)
    for words in word_lists:
        expected = re_spans(p.re, words)
        assert ie_spans(pack, words) == expected, (p, words)
        assert ie_spans(pack, words, planner=False) == expected, (p, words)


@settings(max_examples=200)
@given(patterns, st.lists(texts, min_size=1, max_size=4))
def test_matches_agree_with_re(p: Pat, word_lists: list[list[str]]) -> None:
    check(p, word_lists)


@settings(max_examples=100)
@given(with_lookaround, st.lists(texts, min_size=1, max_size=4))
def test_lookaround_agrees_with_re(p: Pat, word_lists: list[list[str]]) -> None:
    check(p, word_lists)


@settings(max_examples=100)
@given(with_anchors, st.lists(texts, min_size=1, max_size=4))
def test_sentence_anchors_agree_with_re(p: Pat, word_lists: list[list[str]]) -> None:
    check(p, word_lists)


# Hand-picked cases that once differ easily between a token matcher and `re`: empty
# alternatives, lazy optionals that first match empty, nested quantifiers, wildcards.
KNOWN = [
    ("a", "(?:a )"),
    ("a b", "(?:a )(?:b )"),
    ("(a)??", "(?:a )??"),
    ("(a)*?", "(?:a )*?"),
    ("(a | a b)", "(?:a |a b )"),
    ("(a b | a)", "(?:a b |a )"),
    ("((a)? b)+", "(?:(?:a )?b )+"),
    ("((a)*)+ b", "(?:(?:a )*)+b "),
    ("(_)+? c", "(?:[abc] )+?c "),
    ("(_){2,}? b", "(?:[abc] ){2,}?b "),
    ("((a){2})* b", "(?:(?:a ){2})*b "),
    ("(a | (b)?) c", "(?:a |(?:b )?)c "),
    ("a (?= b) | b", "(?:a (?=b )|b )"),
    ("(?<! a) b", "(?<!a )b "),
    ("(?<= a _) c", "(?<=a [abc] )c "),
    ("((a)?){2} b", "(?:(?:a )?){2}b "),
    ("^ a", "^(?:a )"),
    ("b $", "(?:b )$"),
    ("(^ | b) a", "(?:^|b )(?:a )"),
    ("((a)+ $)?? b", "(?:(?:a )+$)??(?:b )"),
]

KNOWN_TEXTS = [
    [],
    ["a"],
    ["a", "b"],
    ["a", "a", "b", "a", "b", "b"],
    ["b", "a", "c", "c", "a", "b", "c"],
    ["a", "b", "a", "b", "a", "b", "c", "a", "a", "a", "b", "c"],
]


@pytest.mark.parametrize(("ie_src", "re_src"), KNOWN, ids=[k[0] for k in KNOWN])
def test_known_cases_agree_with_re(ie_src: str, re_src: str) -> None:
    check(Pat(ie_src, re_src), KNOWN_TEXTS)
