"""Tokenisation: the default tokenizer, turning text into tokens, sentences and paragraphs.

Guarantees (relied on by the matcher and checked by property tests):

* Offset exactness: for every token i, ``doc.words[i] == doc.text[doc.starts[i]:doc.ends[i]]``.
  Tokens are in text order and never overlap.
* Coverage: every character of the text is either inside exactly one token or is a
  separator. Separators are whitespace (``str.isspace``), every control character (Unicode
  category Cc: U+0000-U+001F, U+007F-U+009F) and the invisible U+200B, U+2060, U+FEFF. No
  token is empty or contains a separator, so control characters are free for the matcher's
  record encoding.
* Sentences and paragraphs are token index ranges ``[first, last + 1)`` that are non-empty,
  in order, contiguous and cover every token exactly once; every paragraph boundary is also
  a sentence boundary. Text without tokens has no sentences and no paragraphs.

Tokens (first rule that applies at a position wins):

* URLs (``http://``, ``https://``, ``ftp://``, ``www.``; trailing ``.,;:!?)]}`` and quotes
  are left out), bare domains with a common lower-case TLD (``bbc.co.uk``) and e-mail
  addresses are one token.
* Dotted initialisms (``U.S.``, ``e.g.``, ``a.m.``), the abbreviations in `ABBREVIATIONS`
  (``Mr.``, ``Inc.``, ``Jan.``...) and single capital initials (``J.``) keep their period.
* ISO dates ``2019-04-05`` are one token. Other digit-hyphen-digit sequences are split
  (``2011-12`` gives ``2011`` ``-`` ``12``), since they are mostly ranges and scores.
* Words are runs of letters, marks and digits. Inside a word these are kept: a hyphen with a
  letter after it, or a digit after a letter (``al-Sarraj``, ``F-16``); ``.,:/`` between digits
  (``1,000.50``, ``10:30``, ``1/2``); an apostrophe followed by a letter (``O'Brien``) unless
  it starts a clitic.
* Clitics split off, straight or curly apostrophe: ``'s 're 've 'll 'd 'm`` and ``n't``
  (``don't`` gives ``do`` ``n't``). A final apostrophe (``leaders'``) is its own token.
* ``...`` (three or more periods) and ``--`` (two or more hyphens) are one token; every other
  character is a token by itself (punctuation, quotes, brackets, symbols, ``$``, ``%``).

Sentences end:

* after a run of ``.`` / ``!`` / ``?`` / ellipsis tokens, plus any closing quotes or brackets
  attached to it, when whitespace follows and the next token starts with an upper-case or
  caseless letter, a digit, or an opening quote or bracket. A period that belongs to an
  abbreviation, initialism, number or URL token never ends a sentence by itself;
* at a paragraph break: a blank line (a line break, optional separators, a line break; any
  of the ``str.splitlines`` line breaks, CRLF counting as one) or U+2029. A sentence is never
  continued across paragraphs, so an abbreviation at the end of a paragraph ends it;
* at a headline: a single line break ends a sentence when the line before it is the first
  line of its paragraph, is shorter than 80 characters, ends with a letter, a digit or a
  closing quote or bracket, and the next line starts (after any opening quotes or brackets)
  with an upper-case letter. Every other single line break is ordinary whitespace, so
  hard-wrapped text is not split at its line ends.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from typing import Any

import regex

# --- character classes (strings spliced into the patterns below) ---------------------------

_SEP_CHARS = r"\s\p{Cc}\u200b\u2060\ufeff"
# Soft hyphen and the zero-width (non-)joiners occur inside words (ZWNJ is part of Persian
# spelling), so they are word characters rather than one-character tokens.
_ALNUM = r"[\p{L}\p{M}\p{N}\u00ad\u200c\u200d]"
_LINE_BREAK_CHARS = r"\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_HYPHEN = r"[\-\u2010\u2011]"
_APOS = r"['\u2019]"
_CLITIC = r"(?i:s|re|ve|ll|d|m)"
_OPENERS = "\"'\u201c\u2018\u201e\u201a\u00ab\u2039([{\u00bf\u00a1"
_CLOSERS = "\"'\u201d\u2019\u00bb\u203a)]}"
_TERMINATOR_CHARS = ".!?\u2026\u203c\u2047\u2048\u2049"

#: Tokens that keep their final period (besides dotted initialisms and capital initials).
ABBREVIATIONS: tuple[str, ...] = (
    # titles and name parts
    "Mr.", "Mrs.", "Ms.", "Messrs.", "Mme.", "Dr.", "Prof.", "Rev.", "Hon.", "Fr.", "Sr.",
    "Jr.", "St.", "Mt.", "Ft.", "Sen.", "Rep.", "Gov.", "Pres.", "Gen.", "Lt.", "Col.",
    "Maj.", "Capt.", "Cmdr.", "Sgt.", "Cpl.", "Pvt.", "Adm.", "Supt.", "Insp.", "Ph.D.",
    # organisations and addresses
    "Inc.", "Ltd.", "Co.", "Corp.", "Bros.", "Dept.", "Univ.", "Assn.", "Ave.", "Blvd.",
    "Rd.", "No.", "Nos.", "Vol.", "Fig.",
    # months
    "Jan.", "Feb.", "Mar.", "Apr.", "Jun.", "Jul.", "Aug.", "Sep.", "Sept.", "Oct.", "Nov.",
    "Dec.",
    # US states in AP style that are not also common words
    "Ala.", "Ariz.", "Ark.", "Calif.", "Colo.", "Conn.", "Fla.", "Ga.", "Kan.", "Ky.",
    "Md.", "Mich.", "Minn.", "Neb.", "Nev.", "Okla.", "Ore.", "Pa.", "Tenn.", "Tex.",
    "Va.", "Vt.", "Wis.", "Wyo.",
    # Latin and editorial
    "etc.", "vs.", "v.", "cf.", "viz.", "al.", "ca.", "approx.", "est.",
)  # fmt: skip

_TLDS = (
    "com|org|net|edu|gov|mil|int|info|biz|io|co|uk|us|eu|de|fr|ca|au|ru|cn|jp|ly|tv|ai|app|dev"
)


def _token_pattern(abbreviations: Iterable[str]) -> Any:
    """Compile the token pattern, wrapped in one group so that `split` returns the tokens."""
    abbrevs = sorted({a.rstrip(".") for a in abbreviations if a.rstrip(".")}, key=len)
    abbrev_alt = "|".join(regex.escape(a) for a in reversed(abbrevs))
    a = _ALNUM
    domain = rf"{a}+(?:-+{a}+)*(?:\.{a}+(?:-+{a}+)*)+"
    url_tail = rf"[^{_SEP_CHARS}<>\"'\u201c\u201d\u2018\u2019\u00ab\u00bb]"
    url_end = rf"[^{_SEP_CHARS}<>\"'\u201c\u201d\u2018\u2019\u00ab\u00bb.,;:!?)\]}}]"
    alternatives = [
        # The common case first: a plain run of word characters that nothing can extend.
        # The possessive run cannot backtrack, so any word followed by a character that
        # might start a longer token falls through to the rules below.
        rf"{a}++(?![\-\u2010\u2011'\u2019.@_+]|(?<=\p{{N}})[,:/]|://)",
        # URLs and e-mail addresses
        rf"(?i:https?://|ftp://|www\d{{0,3}}\.){url_tail}*{url_end}",
        rf"{a}[\p{{L}}\p{{M}}\p{{N}}._+\-]*@{domain}",
        rf"{a}+(?:-+{a}+)*(?:\.{a}+(?:-+{a}+)*)*\.(?:{_TLDS})(?!{a})(?:/{url_tail}*{url_end})?",
        # initialisms (U.S., e.g.), abbreviations, capital initials
        rf"\p{{L}}\p{{M}}*(?:\.\p{{L}}\p{{M}}*)++(?:\.(?!{a})|(?!{a}))",
        rf"(?:{abbrev_alt})\.",
        r"\p{Lu}\.",
        # ISO dates; other digit-hyphen-digit sequences are ranges and scores
        rf"\d{{4}}-\d\d-\d\d(?!{a})",
        # the word before n't, then the clitics themselves
        rf"{a}+?(?=[nN]{_APOS}[tT](?!{a}))",
        rf"[nN]{_APOS}[tT](?!{a})",
        rf"(?<={a}){_APOS}{_CLITIC}(?!{a})",
        # words with internal hyphens, number separators and apostrophes
        rf"{a}++(?:(?:{_HYPHEN}(?=[\p{{L}}\p{{M}}])|(?<!\p{{N}}){_HYPHEN}(?=\p{{N}})"
        rf"|(?<=\p{{N}})[.,:/](?=\p{{N}})|{_APOS}(?!{_CLITIC}(?!{a}))(?=\p{{L}})){a}++)*",
        r"\.{3,}|-{2,}",
        rf"[^{_SEP_CHARS}]",
    ]
    return regex.compile("(" + "|".join(alternatives) + ")")


_DEFAULT_TOKEN_RE: Any = _token_pattern(ABBREVIATIONS)

_LB = rf"(?>\r\n|[{_LINE_BREAK_CHARS}])"
_NON_LB_SEP = rf"(?:(?![{_LINE_BREAK_CHARS}])[{_SEP_CHARS}])"
_PARAGRAPH_BREAK_RE: Any = regex.compile(rf"{_LB}{_NON_LB_SEP}*{_LB}|\u2029")
_LINE_BREAK_RE: Any = regex.compile(_LB)
# Candidate sentence ends: the last character of a terminator-and-closers run, followed by
# separators and a plausible sentence start. Candidates are confirmed on the tokens.
_SENTENCE_END_RE: Any = regex.compile(
    rf"[{regex.escape(_TERMINATOR_CHARS + _CLOSERS)}]"
    rf"(?=[{_SEP_CHARS}]+(?:[\p{{Lu}}\p{{Lt}}\p{{Lo}}\p{{N}}]|[{regex.escape(_OPENERS)}]))"
)
_HEADLINE_LINE_RE: Any = regex.compile(
    rf"[^{_LINE_BREAK_CHARS}]{{0,79}}(?:{_ALNUM}|[{regex.escape(_CLOSERS)}])"
    rf"{_NON_LB_SEP}*{_LB}(?=[{_SEP_CHARS}]*[{regex.escape(_OPENERS)}]*[\p{{Lu}}\p{{Lt}}])"
)
_TERMINATORS = frozenset(_TERMINATOR_CHARS)
_CLOSER_TOKENS = frozenset(_CLOSERS)


def _is_terminator(word: str) -> bool:
    return word in _TERMINATORS or (len(word) >= 3 and word.count(".") == len(word))


# --- lexemes ---------------------------------------------------------------------------------

_QUOTES = frozenset(
    [
        '"', "'", "`", "``", "''", "\u201c", "\u201d", "\u2018", "\u2019", "\u00ab", "\u00bb",
        "\u201e", "\u201a", "\u2039", "\u203a", "\u201f", "\u201b", "\u2032", "\u2033",
        "\u300c", "\u300d", "\u300e", "\u300f", "\uff02", "\uff07",
    ]
)  # fmt: skip

# spaCy's English number and ordinal words (lang/en/lex_attrs.py)
_NUM_WORDS = frozenset(
    """zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen
    fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty
    ninety hundred thousand million billion trillion quadrillion gajillion bazillion""".split()
)
_ORDINAL_WORDS = frozenset(
    """first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth
    thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth
    thirtieth fortieth fiftieth sixtieth seventieth eightieth ninetieth hundredth thousandth
    millionth billionth trillionth quadrillionth gajillionth bazillionth""".split()
)


@dataclass(frozen=True, slots=True)
class Lexeme:
    """Attributes that depend only on a token's text (shared by all its occurrences)."""

    text: str
    lower: str
    shape: str
    is_title: bool
    is_upper: bool
    is_lower: bool
    is_digit: bool
    is_alpha: bool
    is_punct: bool
    is_quote: bool
    is_currency: bool
    like_num: bool
    prefix: str
    suffix: str
    length: int


def _shape(text: str) -> str:
    """spaCy's word shape: X/x/d per character class, other characters kept, runs capped at 4."""
    out: list[str] = []
    last = ""
    run = 0
    for ch in text:
        if ch.isalpha():
            c = "X" if ch.isupper() else "x"
        elif ch.isdigit():
            c = "d"
        else:
            c = ch
        if c == last:
            run += 1
        else:
            run = 0
            last = c
        if run < 4:
            out.append(c)
    return "".join(out)


def _like_num(text: str) -> bool:
    """spaCy's English `like_num`."""
    if text.startswith(("+", "-", "±", "~")):
        text = text[1:]
    bare = text.replace(",", "").replace(".", "")
    if bare.isdigit():
        return True
    if text.count("/") == 1:
        num, denom = text.split("/")
        if num.isdigit() and denom.isdigit():
            return True
    low = text.lower()
    if low in _NUM_WORDS or low in _ORDINAL_WORDS:
        return True
    return low.endswith(("st", "nd", "rd", "th")) and low[:-2].isdigit()


@lru_cache(maxsize=1 << 18)
def lexeme(text: str) -> Lexeme:
    """The (cached) lexical attributes of a token text."""
    category = unicodedata.category
    nonempty = bool(text)
    return Lexeme(
        text=text,
        lower=text.lower(),
        shape=_shape(text),
        is_title=text.istitle(),
        is_upper=text.isupper(),
        is_lower=text.islower(),
        is_digit=text.isdigit(),
        is_alpha=text.isalpha(),
        is_punct=nonempty and all(category(c).startswith("P") for c in text),
        is_quote=text in _QUOTES,
        is_currency=nonempty and all(category(c) == "Sc" for c in text),
        like_num=_like_num(text),
        prefix=text[:1],
        suffix=text[-3:],
        length=len(text),
    )


# --- documents -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Token:
    """A convenience view of one token of a `Doc` (built on demand, not used when matching)."""

    i: int
    start: int
    end: int
    text: str
    sentence: int
    paragraph: int
    sent_start: bool
    sent_end: bool
    lex: Lexeme


class Doc:
    """A tokenised document. Parallel lists, not one object per token, for speed."""

    __slots__ = ("_para_starts", "_sent_starts", "ends", "paragraphs", "sentences", "starts",
                 "text", "words")  # fmt: skip

    def __init__(
        self,
        text: str,
        starts: list[int],
        ends: list[int],
        words: list[str],
        sentences: list[tuple[int, int]],
        paragraphs: list[tuple[int, int]],
    ) -> None:
        self.text = text
        self.starts = starts
        self.ends = ends
        self.words = words
        self.sentences = sentences
        self.paragraphs = paragraphs
        self._sent_starts = [a for a, _ in sentences]
        self._para_starts = [a for a, _ in paragraphs]

    def __len__(self) -> int:
        return len(self.words)

    def __repr__(self) -> str:
        return (
            f"<Doc {len(self.words)} tokens, {len(self.sentences)} sentences, "
            f"{len(self.paragraphs)} paragraphs>"
        )

    def sentence_of(self, i: int) -> int:
        """Index of the sentence that contains token `i`."""
        if not 0 <= i < len(self.words):
            raise IndexError(f"token index {i} out of range")
        return bisect_right(self._sent_starts, i) - 1

    def paragraph_of(self, i: int) -> int:
        """Index of the paragraph that contains token `i`."""
        if not 0 <= i < len(self.words):
            raise IndexError(f"token index {i} out of range")
        return bisect_right(self._para_starts, i) - 1

    @property
    def tokens(self) -> list[Token]:
        sent_of = [0] * len(self.words)
        firsts: set[int] = set()
        lasts: set[int] = set()
        for s, (a, b) in enumerate(self.sentences):
            sent_of[a:b] = [s] * (b - a)
            firsts.add(a)
            lasts.add(b - 1)
        para_of = [0] * len(self.words)
        for p, (a, b) in enumerate(self.paragraphs):
            para_of[a:b] = [p] * (b - a)
        return [
            Token(i, s, e, w, sent_of[i], para_of[i], i in firsts, i in lasts, lexeme(w))
            for i, (s, e, w) in enumerate(zip(self.starts, self.ends, self.words, strict=True))
        ]


def _ranges(cuts: Iterable[int], n: int) -> list[tuple[int, int]]:
    """Turn sorted, distinct inner cut points (0 < cut < n) into ranges covering [0, n)."""
    bounds = [0, *cuts, n]
    return list(zip(bounds, bounds[1:], strict=False))


class Tokenizer:
    """The default tokenizer (see the module docstring for its rules)."""

    name: str = "default"

    def __init__(self, extra_abbreviations: Iterable[str] = ()) -> None:
        extra = tuple(extra_abbreviations)
        self._token_re: Any = (
            _token_pattern(ABBREVIATIONS + extra) if extra else _DEFAULT_TOKEN_RE
        )

    def __call__(self, text: str) -> Doc:
        # split() with one capturing group alternates gap, token, gap, ..., gap; the gaps are
        # exactly the separators because the last alternative matches any other character.
        parts: list[str] = self._token_re.split(text)
        words = parts[1::2]
        n = len(words)
        if not n:
            return Doc(text, [], [], [], [], [])
        offsets = list(accumulate(map(len, parts)))
        starts = offsets[0:-1:2]
        ends = offsets[1::2]

        para_cuts: set[int] = set()
        for m in _PARAGRAPH_BREAK_RE.finditer(text, starts[0], ends[-1]):
            para_cuts.add(bisect_left(starts, m.end()))
        sent_cuts = set(para_cuts)

        for m in _SENTENCE_END_RE.finditer(text, starts[0], ends[-1]):
            k = bisect_left(ends, m.end())
            j = k
            while words[j] in _CLOSER_TOKENS and j > 0 and ends[j - 1] == starts[j]:
                j -= 1
            if _is_terminator(words[j]):
                sent_cuts.add(k + 1)

        paragraphs = _ranges(sorted(para_cuts), n)
        for a, b in paragraphs:
            m = _HEADLINE_LINE_RE.match(text, starts[a], ends[b - 1])
            if m is not None:
                cut = bisect_left(starts, m.end())
                if a < cut < b:
                    sent_cuts.add(cut)

        return Doc(text, starts, ends, words, _ranges(sorted(sent_cuts), n), paragraphs)


_DEFAULT = Tokenizer()


def tokenize(text: str) -> Doc:
    """Tokenise `text` with the default tokenizer."""
    return _DEFAULT(text)
