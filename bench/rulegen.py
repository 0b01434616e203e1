"""Benchmark rule sets and lexicons, generated deterministically from corpus statistics.

Why: a speed figure only means something for rules that look like real ones, and a
correctness check against spaCy only means something if the same rules exist in both
languages. This module computes word statistics of the corpus in memory (nothing is
stored), then draws 1,000 rules from the templates of the research note
(shared/research/anchors-perf.md §1), each written both in the ie language and as a spaCy
Matcher pattern. Sizes 1, 10, 100 and 1000 are prefixes of one list with the same mix of
templates. It also writes a large lexicon (synthetic phrases plus real capitalised bigrams
of the corpus) for the lexicon target.

Every template is chosen so that, at a given start token, regex-greedy matching gives the
longest match (at most one variable-length repetition per stretch of tokens it can
match), which is what makes the comparison with spaCy's all-matches output exact
(see docs/performance.md, "Semantics mapping").
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ie.tokenizer import lexeme, tokenize

SEED = 1234

#: template -> how many of the 1000 rules use it (anchors-perf.md §1)
TEMPLATE_COUNTS: dict[str, int] = {
    "possessive_role": 125,
    "bigram": 120,
    "title_then_word": 125,
    "word_then_title": 120,
    "word_num_unit": 125,
    "gap": 120,
    "regex_then_word": 125,
    "in_set_then_titles": 120,
    "shape_only": 20,
}

#: token regexes of the regex_then_word template (searched in the token text, as spaCy does)
REGEXES: tuple[str, ...] = (
    r"^[A-Z]{2,5}$",
    r"^\d{4}$",
    r"^[A-Z][a-z]+[A-Z][a-z]+$",
    r"^[A-Z][a-z]+(?:son|sen|ez|ski|ova|ini)$",
)

_WORD = re.compile(r"^[a-z]{2,}$")
_DF_BAND = (0.005, 0.15)  # anchors in 0.5-15 % of the documents, like real rule words


@dataclass(frozen=True, slots=True)
class BenchRule:
    """One rule in both languages."""

    index: int
    template: str
    pattern: str  # ie pattern source
    spacy: list[dict[str, Any]]

    @property
    def name(self) -> str:
        return f"r{self.index:04d}_{self.template}"

    @property
    def type(self) -> str:
        return f"R{self.index:04d}"


@dataclass(slots=True)
class CorpusStats:
    """Counts over the corpus, tokenised by ie's tokenizer (kept in memory only)."""

    n_docs: int = 0
    n_tokens: int = 0
    df: Counter[str] = field(default_factory=Counter)
    after_poss: Counter[str] = field(default_factory=Counter)
    after_s: Counter[str] = field(default_factory=Counter)
    bigrams: Counter[tuple[str, str]] = field(default_factory=Counter)
    gaps: Counter[tuple[str, str]] = field(default_factory=Counter)
    after_title: Counter[str] = field(default_factory=Counter)
    before_title: Counter[str] = field(default_factory=Counter)
    before_num: Counter[str] = field(default_factory=Counter)
    units: Counter[str] = field(default_factory=Counter)
    num_shapes: Counter[str] = field(default_factory=Counter)
    after_regex: dict[str, Counter[str]] = field(default_factory=dict)
    title_bigrams: Counter[tuple[str, str]] = field(default_factory=Counter)
    title_count: Counter[str] = field(default_factory=Counter)  # title-case occurrences
    word_count: Counter[str] = field(default_factory=Counter)  # occurrences per lower form

    def title_ratio(self, word: str) -> float:
        """How often `word` is written in title case (0.2 for `The`, 1.0 for `Blair`)."""
        return self.title_count[word] / max(1, self.word_count[word.lower()])


def collect_stats(texts: Iterable[str]) -> CorpusStats:
    """One pass over the texts: the contexts each template needs its literals from."""
    st = CorpusStats(after_regex={r: Counter() for r in REGEXES})
    regexes = [(r, re.compile(r)) for r in REGEXES]
    for text in texts:
        words = tokenize(text).words
        n = len(words)
        st.n_docs += 1
        st.n_tokens += n
        lex = [lexeme(w) for w in words]
        low = [x.lower for x in lex]
        plain = [x.is_lower and _WORD.match(x.lower) is not None for x in lex]
        title = [x.is_title for x in lex]
        st.df.update(set(low))
        for i in range(n):
            w = words[i]
            st.word_count[low[i]] += 1
            if title[i]:
                st.title_count[w] += 1
            if i + 1 < n:
                if plain[i] and plain[i + 1]:
                    st.bigrams[(low[i], low[i + 1])] += 1
                if title[i] and plain[i + 1]:
                    st.after_title[low[i + 1]] += 1
                if plain[i] and title[i + 1]:
                    st.before_title[low[i]] += 1
                if title[i] and title[i + 1] and lex[i].is_alpha and lex[i + 1].is_alpha:
                    st.title_bigrams[(w, words[i + 1])] += 1
                if lex[i + 1].is_digit or (lex[i + 1].like_num and "d" in lex[i + 1].shape):
                    if plain[i]:
                        st.before_num[low[i]] += 1
                    st.num_shapes[lex[i + 1].shape] += 1
                    if i + 2 < n and plain[i + 2]:
                        st.units[low[i + 2]] += 1
                if plain[i + 1]:
                    for r, rx in regexes:
                        if rx.search(w):
                            st.after_regex[r][low[i + 1]] += 1
            if i + 2 < n and plain[i] and plain[i + 2] and low[i] != low[i + 2]:
                st.gaps[(low[i], low[i + 2])] += 1
            if i + 2 < n and low[i + 1] == "'s" and plain[i + 2]:
                st.after_s[low[i + 2]] += 1
                if i + 3 < n and title[i] and title[i + 3]:
                    st.after_poss[low[i + 2]] += 1
    return st


def _in_band(st: CorpusStats, words: Sequence[str]) -> bool:
    lo, hi = _DF_BAND
    rare = min(st.df[w] for w in words) / max(1, st.n_docs)
    return lo <= rare <= hi


def _pool(st: CorpusStats, counts: Counter[Any], size: int) -> list[Any]:
    """The `size` most frequent keys whose rarest word is in the document-frequency band,
    in a deterministic order; keys outside the band only when the band has too few."""

    def words(k: Any) -> Sequence[str]:
        return k if isinstance(k, tuple) else (k,)

    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    banded = [k for k, _ in ranked if _in_band(st, words(k))]
    if len(banded) < size:
        banded += [k for k, _ in ranked if k not in set(banded)]
    return banded[:size] or []


def _lit(w: str) -> str:
    return json.dumps(w)


def _draw(
    rng: random.Random, count: int, make: Callable[[random.Random], tuple[str, list[Any]] | None]
) -> list[tuple[str, list[Any]]]:
    """`count` distinct (pattern, spacy) pairs from `make`; duplicates only as a last resort."""
    out: list[tuple[str, list[Any]]] = []
    seen: set[str] = set()
    tries = 0
    while len(out) < count and tries < count * 60:
        tries += 1
        got = make(rng)
        if got is None or got[0] in seen:
            continue
        seen.add(got[0])
        out.append(got)
    while out and len(out) < count:  # tiny corpora: repeat patterns under new rule names
        out.append(out[len(out) % max(1, len(seen))])
    return out


TITLE = {"IS_TITLE": True}
TITLES = {"IS_TITLE": True, "OP": "+"}


def generate_rules(st: CorpusStats, n: int = 1000, seed: int = SEED) -> list[BenchRule]:
    """The first `n` of the 1000-rule list (rule 0 is the spokesman rule of the brief)."""
    rng = random.Random(seed)
    fallback = ["said", "the", "of", "in", "and"]

    def pool(counts: Counter[Any], size: int) -> list[Any]:
        got = _pool(st, counts, size)
        return got or list(fallback)

    per: dict[str, list[tuple[str, list[Any]]]] = {}

    # words seen in `Title 's w Title` first, then any word seen after 's
    poss = [w for w in _pool(st, st.after_poss, 300) if _in_band(st, (w,))]
    poss += [w for w in _pool(st, st.after_s, 300) if w not in set(poss)]
    poss = poss[:300] or list(fallback)

    def possessive(r: random.Random) -> tuple[str, list[Any]]:
        w = r.choice(poss)
        return (
            f'[is_title]+ "\'s" {_lit(w)} [is_title]+',
            [TITLES, {"LOWER": "'s"}, {"LOWER": w}, TITLES],
        )

    per["possessive_role"] = _draw(rng, TEMPLATE_COUNTS["possessive_role"] - 1, possessive)
    bigrams = pool(st.bigrams, 2000)

    def bigram(r: random.Random) -> tuple[str, list[Any]] | None:
        b = r.choice(bigrams)
        if not isinstance(b, tuple):
            return None
        return f"{_lit(b[0])} {_lit(b[1])}", [{"LOWER": b[0]}, {"LOWER": b[1]}]

    per["bigram"] = _draw(rng, TEMPLATE_COUNTS["bigram"], bigram)
    after_title = pool(st.after_title, 400)

    def title_word(r: random.Random) -> tuple[str, list[Any]]:
        w = r.choice(after_title)
        return f"[is_title]+ {_lit(w)}", [TITLES, {"LOWER": w}]

    per["title_then_word"] = _draw(rng, TEMPLATE_COUNTS["title_then_word"], title_word)
    before_title = pool(st.before_title, 400)

    def word_title(r: random.Random) -> tuple[str, list[Any]]:
        w = r.choice(before_title)
        return (
            f"{_lit(w)} [is_title] [is_title]?",
            [{"LOWER": w}, TITLE, {"IS_TITLE": True, "OP": "?"}],
        )

    per["word_then_title"] = _draw(rng, TEMPLATE_COUNTS["word_then_title"], word_title)
    before_num = pool(st.before_num, 300)
    shapes = [s for s, _ in st.num_shapes.most_common(12)] or ["dd", "d.d", "dddd"]
    units = pool(st.units, 40)

    def num_unit(r: random.Random) -> tuple[str, list[Any]]:
        w = r.choice(before_num)
        sh = sorted(set(r.sample(shapes, min(3, len(shapes)))))
        un = sorted(set(r.sample(units, min(2, len(units)))))
        shp = ", ".join(_lit(s) for s in sh)
        unp = ", ".join(_lit(u) for u in un)
        return (
            f"{_lit(w)} [shape in ({shp})] [lower in ({unp})]?",
            [{"LOWER": w}, {"SHAPE": {"IN": sh}}, {"LOWER": {"IN": un}, "OP": "?"}],
        )

    per["word_num_unit"] = _draw(rng, TEMPLATE_COUNTS["word_num_unit"], num_unit)
    gaps = pool(st.gaps, 2000)

    def gap(r: random.Random) -> tuple[str, list[Any]] | None:
        g = r.choice(gaps)
        if not isinstance(g, tuple) or g[0] == g[1]:
            return None
        return f"{_lit(g[0])} _? {_lit(g[1])}", [{"LOWER": g[0]}, {"OP": "?"}, {"LOWER": g[1]}]

    per["gap"] = _draw(rng, TEMPLATE_COUNTS["gap"], gap)
    after_rx = {rx: pool(st.after_regex[rx], 120) for rx in REGEXES}

    def rx_word(r: random.Random) -> tuple[str, list[Any]]:
        rx = r.choice(REGEXES)
        w = r.choice(after_rx[rx])
        return f"/{rx}/ {_lit(w)}", [{"TEXT": {"REGEX": rx}}, {"LOWER": w}]

    per["regex_then_word"] = _draw(rng, TEMPLATE_COUNTS["regex_then_word"], rx_word)
    set_words = pool(st.before_title, 300)

    def in_set(r: random.Random) -> tuple[str, list[Any]]:
        ws = sorted(set(r.sample(set_words, min(3, len(set_words)))))
        return (
            f"[lower in ({', '.join(_lit(w) for w in ws)})] [is_title]+",
            [{"LOWER": {"IN": ws}}, TITLES],
        )

    per["in_set_then_titles"] = _draw(rng, TEMPLATE_COUNTS["in_set_then_titles"], in_set)
    digit_shapes = [s for s in shapes if "d" in s] or ["dddd"]

    def shape_only(r: random.Random) -> tuple[str, list[Any]]:
        first = r.choice(("is_title", "is_upper"))
        last = r.choice(("is_title", "is_upper"))
        sh = r.choice(digit_shapes)
        return (
            f"[{first}] [is_title]? [shape = {_lit(sh)}] [{last}]",
            [
                {first.upper(): True},
                {"IS_TITLE": True, "OP": "?"},
                {"SHAPE": sh},
                {last.upper(): True},
            ],
        )

    per["shape_only"] = _draw(rng, TEMPLATE_COUNTS["shape_only"], shape_only)

    # interleave so that every prefix has the same mix: item j of a template with c rules
    # sits at (j + 0.5) / c along the list
    keyed: list[tuple[float, int, str, tuple[str, list[Any]]]] = []
    for t_i, (template, items) in enumerate(per.items()):
        c = len(items)
        for j, item in enumerate(items):
            keyed.append(((j + 0.5) / max(1, c), t_i, template, item))
    keyed.sort(key=lambda k: (k[0], k[1]))
    rules = [
        BenchRule(
            0,
            "possessive_role",
            '[is_title]+ "\'s" "spokesman" [is_title]+ "said"',
            [TITLES, {"LOWER": "'s"}, {"LOWER": "spokesman"}, TITLES, {"LOWER": "said"}],
        )
    ]
    for _, _, template, (pattern, spacy) in keyed:
        rules.append(BenchRule(len(rules), template, pattern, spacy))
    return rules[:n]


def write_pack(
    rules: Sequence[BenchRule],
    folder: Path,
    *,
    name: str,
    lexicon: Sequence[str] | None = None,
) -> Path:
    """Write `rules` as an ie pack (100 rules a file, `overlap T all` for every type).

    With `lexicon`, the pack also gets `lexicons/big.txt` and two rules that read it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pack.toml").write_text(f'name = "{name}"\nversion = "0.0.0"\n', encoding="utf-8")
    for f_i in range(0, max(1, len(rules)), 100):
        chunk = rules[f_i : f_i + 100]
        lines = [f"# generated by bench/rulegen.py: rules {f_i}..{f_i + len(chunk) - 1}\n"]
        for r in chunk:
            lines.append(
                f"overlap {r.type} all\nrule {r.name}\n  match {r.pattern}\n  yield {r.type}\n"
            )
        (folder / f"rules_{f_i // 100:02d}.ie").write_text("\n".join(lines), encoding="utf-8")
    if lexicon is not None:
        (folder / "lexicons").mkdir(exist_ok=True)
        with open(folder / "lexicons" / "big.txt", "w", encoding="utf-8") as f:
            f.write("# generated by bench/rulegen.py\n")
            for phrase in lexicon:
                f.write(phrase + "\n")
        (folder / "lexicon.ie").write_text(
            'lexicon Big from "lexicons/big.txt"\n\n'
            "overlap LexHit all\n"
            "overlap LexSaid all\n\n"
            "rule lex_hit\n  match x:Big\n  yield LexHit(x)\n\n"
            'rule lex_said\n  match x:Big "said"\n  yield LexSaid(x)\n',
            encoding="utf-8",
        )
    return folder


_SYLLABLES = tuple(
    str.split(
        "ka ro mi ta ne vo sa li du be rin tal mor zen qua fel dor pra vi lu gan ste ori "
        "bel kas nor ath em ul os ix par ven tor hal sim cor dra bru cle fy gho jun kiv lop "
        "mur nyx pel qen rav sul tep ulf wen yar zol"
    )
)


def generate_lexicon(st: CorpusStats, n: int, seed: int = SEED) -> tuple[list[str], dict[str, Any]]:
    """`n` distinct phrases: up to 20 % real capitalised bigrams of the corpus, 15 % a real
    proper noun followed by invented words (so first-token lookups hit and then fail, as
    with real gazetteers of names), the rest invented 1-3 word names."""
    rng = random.Random(seed + 1)
    # real bigrams whose first word is mostly capitalised (`Tony Blair`, not `The Government`)
    real = [
        f"{a} {b}"
        for (a, b), _ in sorted(st.title_bigrams.items(), key=lambda kv: (-kv[1], kv[0]))
        if st.title_ratio(a) >= 0.5
    ][: n // 5]
    proper = sorted(
        (w for w, c in st.title_count.items() if c >= 3 and st.title_ratio(w) >= 0.9),
        key=lambda w: (-st.title_count[w], w),
    )[:2000]
    seen: set[str] = set(real)
    out = list(real)
    n_mixed = n * 15 // 100

    def invented() -> str:
        return "".join(rng.choice(_SYLLABLES) for _ in range(rng.choice((2, 3, 3)))).capitalize()

    mixed = 0
    while len(out) < n:
        is_mixed = bool(proper) and mixed < n_mixed
        if is_mixed:
            phrase = f"{rng.choice(proper)} {invented()}"
            if rng.random() < 0.3:
                phrase += f" {invented()}"
        else:
            phrase = " ".join(invented() for _ in range(rng.choice((1, 2, 2, 2, 3))))
        if phrase not in seen:
            seen.add(phrase)
            out.append(phrase)
            mixed += is_mixed
    first = Counter(p.split(" ", 1)[0].lower() for p in out)
    info = {
        "entries": len(out),
        "real_corpus_bigrams": len(real),
        "distinct_first_tokens": len(first),
        "max_entries_per_first_token": max(first.values()) if first else 0,
    }
    return out, info
