r"""Tokenisation: the default tokenizer, turning text into tokens, sentences and paragraphs.

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

Tokens:

* Words are runs of letters, marks and digits (``\p{L}\p{M}\p{N}``). Kept inside a word: a
  hyphen between a word character and a letter, or between a letter and a digit
  (``al-Sarraj``, ``UN-recognized``, ``F-16``, ``30-year-old``); ``.,:/`` between digits
  (``1,000.50``, ``10:30``, ``1/2``); an apostrophe followed by a letter (``O'Brien``) unless
  it starts a clitic. A hyphen between two digits is split (``2011`` ``-`` ``12``: ranges and
  scores) except in an ISO date (``2019-04-05`` is one token).
* Clitics split off, straight or curly apostrophe: ``'s 're 've 'll 'd 'm`` and ``n't``
  (``Haftar`` ``'s``, ``do`` ``n't``, ``ca`` ``n't``). A final apostrophe (``leaders'``) and
  an apostrophe that follows no word (``'s`` alone) are punctuation tokens.
* Periods kept: dotted initialisms (``U.S.``, ``e.g.``, ``a.m.``: one letter before each
  period), the abbreviations in `ABBREVIATIONS` (``Mr.``, ``Inc.``, ``Jan.``; ``No.``, ``Fig.``
  and ``pp.`` only before a number) and a one-letter capital initial (``J.``; so
  ``Plan B. Then`` stays one sentence).
* URLs (``http://``, ``https://``, ``ftp://``, ``www.``; balanced parentheses kept, trailing
  ``.,;:!?)]}`` and quotes left out), bare domains with a common lower-case TLD
  (``bbc.co.uk/news``) and e-mail addresses are one token.
* ``...`` (three or more periods) and ``--`` (two or more hyphens) are one token. Every other
  character is a token by itself: punctuation (including ``_``), quotes, brackets, dashes,
  symbols such as ``$`` and ``%``.

Sentences end:

* after a ``.``, ``!``, ``?`` or ellipsis token (and the terminators, closing quotes and
  brackets glued to it, which belong to the ending sentence) when a separator follows and
  the next token starts with a letter that is not lower-case (upper-case or caseless), a
  digit, or an opening quote or bracket. A period inside an abbreviation, initialism, number
  or URL token does not end a sentence, so ``in the U.S. The talks`` stays one sentence;
* at a paragraph break (below). An abbreviation at the end of a paragraph therefore ends
  its sentence;
* after a headline: a single line break ends a sentence when the line before it is the
  first line of its paragraph, is shorter than 80 characters, ends with a letter, a digit or
  a closing quote or bracket but not with a function word ("the", "of", "and"...), and the
  next line starts (after any opening quotes or brackets) with an upper-case letter. Every
  other single line break is ordinary whitespace, so hard-wrapped text is not cut at its
  line ends.

Paragraphs are separated by blank lines: a line break, optional separators, a line break
(any ``str.splitlines`` line break, CRLF counting as one), or by U+2029.

Speed: this is the engine's hot path. Documents become parallel lists (no per-token
objects), most tokens never reach the regex engine (see `Tokenizer._split`), and lexical
attributes are computed once per distinct string (`lexeme`).
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate, compress, count, pairwise, repeat
from operator import add, not_, sub
from typing import Any, NamedTuple

import regex

# --- character classes (strings spliced into the patterns below) ---------------------------

_W = r"[\p{L}\p{M}\p{N}]"
_SEP = r"\s\p{Cc}\u200b\u2060\ufeff"
# Inside a lookbehind: the character before this point cannot continue a word, so what
# follows starts a token (an abbreviation or initialism is never the tail of a longer word).
_TOKEN_START = r"(?<![\p{L}\p{M}\p{N}\-\u2010\u2011.'\u2019])"
_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_EXOTIC_LINE_BREAKS = _LINE_BREAKS[1:]
_OPENERS = "\"'\u201c\u2018\u201e\u201a\u00ab\u2039([{\u00bf\u00a1"
_CLOSERS = "\"'\u201d\u2019\u00bb\u203a)]}"
_TERMINATORS = ".!?\u2026\u203c\u2047\u2048\u2049"

#: Tokens that keep their final period (besides dotted initialisms and capital initials).
ABBREVIATIONS: tuple[str, ...] = (
    # titles and name parts
    "Mr.", "Mrs.", "Ms.", "Messrs.", "Mme.", "Dr.", "Prof.", "Rev.", "Hon.", "Fr.", "Sr.",
    "Jr.", "St.", "Mt.", "Ft.", "Sen.", "Rep.", "Gov.", "Pres.", "Gen.", "Lt.", "Col.",
    "Maj.", "Capt.", "Cmdr.", "Sgt.", "Cpl.", "Pvt.", "Adm.", "Supt.", "Insp.", "Ph.D.",
    # organisations and addresses
    "Inc.", "Ltd.", "Co.", "Corp.", "Bros.", "Dept.", "Univ.", "Assn.", "Ave.", "Blvd.",
    "Rd.", "No.", "Nos.", "Vol.", "Fig.", "pp.",
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

# Abbreviations that are also ordinary words ("No." as an answer) keep their period only
# before a number: "No. 10", "Fig. 3".
_BEFORE_NUMBER = frozenset(["No", "Nos", "Vol", "Fig", "pp"])

_TLDS = "com|org|net|edu|gov|mil|int|info|biz|io|co|uk|us|eu|de|fr|ca|au|ru|cn|jp|ly|tv|app"


def _token_pattern(dotted_abbreviations: Iterable[str]) -> Any:
    """Compile the token pattern: one match over a whole string, group 1 repeated per token.

    Speed notes (the `regex` engine's cost is per node tried): a word is one run of word
    characters followed by optional extensions that each start with a literal, and the
    branches behind a literal are guarded by short lookbehinds. Abbreviations without an
    inner period ("Mr.") are merged after matching, which is far cheaper than a lookbehind
    alternation after every sentence-final period.
    """
    a, sep, start = _W, _SEP, _TOKEN_START
    quotes = "\"'\u201c\u201d\u2018\u2019\u00ab\u00bb"
    # URLs may contain balanced parentheses (wiki links); trailing punctuation is left out
    url_char = rf"[^{sep}<>{quotes}()]"
    url_last = rf"[^{sep}<>{quotes}().,;:!?\]}}]"
    paren = rf"\({url_char}*\)"
    url_body = rf"(?:{paren}|{url_char})*(?:{paren}|{url_last})"
    # Bounded repeats keep a failed attempt short: without them, a long run like
    # "ab.cd.ef..." with no space would be rescanned after every period (quadratic).
    label = rf"{a}{{1,63}}(?:-{a}{{1,63}}){{0,8}}"
    domain = rf"{label}(?:\.{label}){{1,8}}"
    local = rf"(?:{a}{{1,64}}[._+\-]){{0,8}}{a}{{1,64}}@"
    dotted = "".join(
        rf"|(?<={start}{regex.escape(head)}\.){regex.escape(rest)}\."
        for head, _, rest in (ab.rstrip(".").partition(".") for ab in dotted_abbreviations)
    )
    # Everything that can extend a word is dispatched on its first character, so a word
    # followed by a space fails a handful of literal tests and nothing else.
    extension = (
        r"(?:"
        # 1,000  3.5  10:30  1/2
        rf",(?<=\p{{N}},)\p{{N}}"
        rf"|\.(?:(?<=\p{{N}}\.)\p{{N}}|(?=[^{sep}])(?:"
        # U.S.  e.g.  a.m. (a single letter before each period)
        rf"\p{{L}}\p{{M}}*\.(?<={start}\p{{L}}\p{{M}}*\.\p{{L}}\p{{M}}*\.)(?:\p{{L}}\p{{M}}*\.)*"
        rf"{dotted}"
        rf"|(?:{label}\.){{0,8}}(?:{_TLDS})(?!{a})(?:/{url_body})?"
        rf"|(?<={start}(?i:www\d{{0,3}})\.){url_body}"
        rf"|{local}{domain}))"
        # al-Sarraj  F-16 (but 2011-12 is split); ISO dates
        rf"|[\-\u2010\u2011](?<={a}.)(?:[\p{{L}}\p{{M}}]|(?<=[\p{{L}}\p{{M}}].)\p{{N}}"
        rf"|(?<={start}\d{{4}}-)\d\d-\d\d(?!{a}))"
        # O'Brien, but not Haftar's, they're, don't
        rf"|['\u2019](?<={a}.)(?!(?<=[nN].)[tT](?!{a}))(?!(?i:s|re|ve|ll|d|m)(?!{a}))\p{{L}}"
        rf"|:(?:(?<=\p{{N}}:)\p{{N}}|(?<={start}(?i:https?|ftp):)//{url_body})"
        rf"|/(?<=\p{{N}}/)\p{{N}}"
        rf"|@{domain}"
        rf"|[_+]{local}{domain}"
        rf"){a}*"
    )
    alternatives = [
        rf"{a}+(?:{extension})*",
        # clitics; "'t" is re-cut into "n't" after splitting
        rf"['\u2019](?<={a}.)(?i:s|re|ve|ll|d|m|t)(?!{a})",
        r"\.\.\.+|--+",
        rf"[^{sep}]",
    ]
    return regex.compile(rf"(?:[{sep}]*(" + "|".join(alternatives) + "))*")


def _split_abbreviations(abbreviations: Iterable[str]) -> tuple[frozenset[str], tuple[str, ...]]:
    """Abbreviations without an inner period (merged after splitting) and those with one."""
    plain: set[str] = set()
    dotted: list[str] = []
    for ab in abbreviations:
        body = ab.rstrip(".")
        if "." in body:
            dotted.append(body + ".")
        elif body:
            plain.add(body)
    return frozenset(plain), tuple(sorted(set(dotted), key=len, reverse=True))


_DEFAULT_PLAIN, _DEFAULT_DOTTED = _split_abbreviations(ABBREVIATIONS)
_DEFAULT_TOKEN_RE: Any = _token_pattern(_DEFAULT_DOTTED)

_NON_LB_SEP = rf"(?:(?![{_LINE_BREAKS}])[{_SEP}])"
_LB = rf"(?>\r\n|[{_LINE_BREAKS}])"
# Blank lines. The first pattern is literal-led (fast); it is exact for text without the
# rarer line breaks, which the second handles.
_BLANK_LINE_LF_RE: Any = regex.compile(rf"\n{_NON_LB_SEP}*\n")
_BLANK_LINE_RE: Any = regex.compile(rf"{_LB}{_NON_LB_SEP}*{_LB}|\u2029")
_LINE_BREAK_RE: Any = regex.compile(rf"[{_LINE_BREAKS}]")
_HEADLINE_RE: Any = regex.compile(
    rf"[^{_LINE_BREAKS}]{{0,78}}(?:{_W}|[{regex.escape(_CLOSERS)}])"
    rf"{_NON_LB_SEP}*{_LB}(?=[{_SEP}]*[{regex.escape(_OPENERS)}]*[\p{{Lu}}\p{{Lt}}])"
)

# A dot run of any length is an ellipsis token; longer than this it no longer ends sentences.
_TERMINATOR_WORDS = frozenset([*_TERMINATORS, *("." * k for k in range(3, 33))])
_AFTER_TERMINATOR = frozenset([*_TERMINATOR_WORDS, *_CLOSERS])
_OPENER_SET = frozenset(_OPENERS)
# A line that ends with one of these was wrapped mid-sentence; it is not a headline.
_FUNCTION_WORDS = frozenset(
    [
        "a", "an", "the", "of", "to", "in", "on", "at", "by", "for", "from", "with", "into", "onto",
        "over", "under", "about", "after", "before", "and", "or", "but", "nor", "as", "than",
        "that", "which", "who", "whom", "whose", "if", "when", "while", "because", "so", "its",
        "his", "her", "their", "our", "your", "my", "is", "are", "was", "were", "be", "been", "has",
        "have", "had", "will", "would", "shall", "should", "can", "could", "may", "might", "must",
        "do", "does", "did", "not",
    ]
)  # fmt: skip
_NT_FORMS = ("'t", "\u2019t", "'T", "\u2019T")


def _indexes(words: list[str], word: str) -> list[int]:
    """All indexes of `word` in `words` (list.index scans in C)."""
    out: list[int] = []
    i = -1
    try:
        while True:
            i = words.index(word, i + 1)
            out.append(i)
    except ValueError:
        return out


# --- lexemes ---------------------------------------------------------------------------------

_QUOTES = frozenset(
    [
        '"', "'", "`", "``", "''", "\u201c", "\u201d", "\u2018", "\u2019", "\u00ab", "\u00bb",
        "\u201e", "\u201a", "\u2039", "\u203a", "\u201f", "\u201b", "\u2032", "\u2033",
        "\u300c", "\u300d", "\u300e", "\u300f", "\uff02", "\uff07", "\u276e", "\u276f",
    ]
)  # fmt: skip

# spaCy's English number and ordinal words (lang/en/lex_attrs.py)
_NUM_WORDS = frozenset(
    [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
        "nineteen", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
        "hundred", "thousand", "million", "billion", "trillion", "quadrillion", "gajillion",
        "bazillion",
    ]
)  # fmt: skip
_ORDINAL_WORDS = frozenset(
    [
        "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
        "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth",
        "seventeenth", "eighteenth", "nineteenth", "twentieth", "thirtieth", "fortieth", "fiftieth",
        "sixtieth", "seventieth", "eightieth", "ninetieth", "hundredth", "thousandth", "millionth",
        "billionth", "trillionth", "quadrillionth", "gajillionth", "bazillionth",
    ]
)  # fmt: skip


class Lexeme(NamedTuple):
    """Attributes that depend only on a token's text (shared by all its occurrences; a
    named tuple because one is made for every new word a run meets)."""

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


# ASCII letters and digits to their shape letters; other ASCII characters stay as they are
_ASCII_SHAPE = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "X" * 26 + "x" * 26 + "d" * 10
)
_LONG_RUN = regex.compile(r"(.)\1{4,}")
# ASCII characters whose Unicode category is punctuation (P*) / a currency symbol (Sc)
_ASCII_PUNCT = "".join(c for c in map(chr, range(128)) if unicodedata.category(c).startswith("P"))
_ASCII_CURRENCY = "".join(c for c in map(chr, range(128)) if unicodedata.category(c) == "Sc")


@lru_cache(maxsize=1 << 14)
def _cap_runs(shape: str) -> str:
    """Runs of one character cut to 4 (few distinct shapes: most words share theirs)."""
    capped: str = _LONG_RUN.sub(r"\1\1\1\1", shape)
    return capped


def word_shape(text: str) -> str:
    """spaCy's word shape: X/x/d per character class, other characters kept, runs capped at 4."""
    if text.isascii():
        shape = text.translate(_ASCII_SHAPE)
        return _cap_runs(shape) if len(shape) > 4 else shape
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
    """spaCy's English `like_num` (spacy/lang/en/lex_attrs.py)."""
    if text.isalpha():  # most words: only the number words can be numbers
        low = text.lower()
        return low in _NUM_WORDS or low in _ORDINAL_WORDS
    if text.startswith(("+", "-", "±", "~")):
        text = text[1:]
    text = text.replace(",", "").replace(".", "")
    if text.isdigit():
        return True
    if text.count("/") == 1:
        num, denom = text.split("/")
        if num.isdigit() and denom.isdigit():
            return True
    low = text.lower()
    if low in _NUM_WORDS or low in _ORDINAL_WORDS:
        return True
    return low.endswith(("st", "nd", "rd", "th")) and low[:-2].isdigit()


_NUMBER_WORDS = _NUM_WORDS | _ORDINAL_WORDS


@lru_cache(maxsize=1 << 18)
def lexeme(text: str) -> Lexeme:
    """The (cached) lexical attributes of a token text: made once per distinct word a
    process meets, tens of thousands in a corpus, and again in each `--jobs` worker."""
    if text.isalpha() and text.isascii():
        # most words: letters only, so no digit, punctuation, quote or currency sign, and
        # a number only when it is a number word (as `_like_num` says)
        low = text.lower()
        shape = text.translate(_ASCII_SHAPE)
        return Lexeme(
            text, low, _cap_runs(shape) if len(shape) > 4 else shape, text.istitle(),
            text.isupper(), text.islower(), False, True, False, False, False,
            low in _NUMBER_WORDS, text[:1], text[-3:], len(text),
        )  # fmt: skip
    return _any_lexeme(text)


def _any_lexeme(text: str) -> Lexeme:
    """`lexeme` for any text (the reference its fast path for plain words must equal)."""
    nonempty = bool(text)
    if text.isascii():
        is_punct = nonempty and not text.strip(_ASCII_PUNCT)
        is_currency = nonempty and not text.strip(_ASCII_CURRENCY)
    else:
        category = unicodedata.category
        is_punct = nonempty and all(category(c).startswith("P") for c in text)
        is_currency = nonempty and all(category(c) == "Sc" for c in text)
    # positional, in field order (keywords cost more; one is made per new word)
    return Lexeme(
        text, text.lower(), word_shape(text), text.istitle(), text.isupper(), text.islower(),
        text.isdigit(), text.isalpha(), is_punct, text in _QUOTES, is_currency,
        _like_num(text), text[:1], text[-3:], len(text),
    )  # fmt: skip


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

    __slots__ = ("_para_starts", "_sent_starts", "ends", "extra", "paragraphs", "sentences",
                 "starts", "text", "words")  # fmt: skip

    def __init__(
        self,
        text: str,
        starts: list[int],
        ends: list[int],
        words: list[str],
        sentences: list[tuple[int, int]],
        paragraphs: list[tuple[int, int]],
        extra: list[str] | None = None,
    ) -> None:
        self.text = text
        # per-token attributes from a richer pipeline (pos, tag, lemma, ent), already in
        # the record layout's tag syntax (see ie/adapters.py); None for ie's own tokenizer
        self.extra = extra
        self.starts = starts
        self.ends = ends
        self.words = words
        self.sentences = sentences
        self.paragraphs = paragraphs
        # first token of each sentence / paragraph, for bisect; built on first use
        self._sent_starts: list[int] | None = None
        self._para_starts: list[int] | None = None

    def __len__(self) -> int:
        return len(self.words)

    def __repr__(self) -> str:
        return (
            f"<Doc {len(self.words)} tokens, {len(self.sentences)} sentences, "
            f"{len(self.paragraphs)} paragraphs>"
        )

    def unit_starts(self, scope: str) -> list[int]:
        """First token of each sentence, paragraph or the document (scope), ascending."""
        if scope == "sentence":
            if self._sent_starts is None:
                self._sent_starts = [a for a, _ in self.sentences]
            return self._sent_starts
        if scope == "paragraph":
            if self._para_starts is None:
                self._para_starts = [a for a, _ in self.paragraphs]
            return self._para_starts
        return [0]

    def sentence_of(self, i: int) -> int:
        """Index of the sentence that contains token `i`."""
        if not 0 <= i < len(self.words):
            raise IndexError(f"token index {i} out of range")
        if self._sent_starts is None:
            self._sent_starts = [a for a, _ in self.sentences]
        return bisect_right(self._sent_starts, i) - 1

    def paragraph_of(self, i: int) -> int:
        """Index of the paragraph that contains token `i`."""
        if not 0 <= i < len(self.words):
            raise IndexError(f"token index {i} out of range")
        if self._para_starts is None:
            self._para_starts = [a for a, _ in self.paragraphs]
        return bisect_right(self._para_starts, i) - 1

    @property
    def tokens(self) -> list[Token]:
        """One `Token` view per token (built on each access; for tests and the API)."""
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
    return list(pairwise(bounds))


class Tokenizer:
    """The default tokenizer (see the module docstring for its rules).

    `extra_abbreviations` adds tokens that keep their final period (``"Gen."``,
    ``"Ph.D."``); they also never end a sentence.
    """

    name: str = "default"

    def __init__(self, extra_abbreviations: Iterable[str] = ()) -> None:
        extra = tuple(extra_abbreviations)
        if extra:
            self._plain, dotted = _split_abbreviations(ABBREVIATIONS + extra)
            self._token_re: Any = _token_pattern(dotted)
        else:
            self._plain, self._token_re = _DEFAULT_PLAIN, _DEFAULT_TOKEN_RE

    def __call__(self, text: str) -> Doc:
        starts, ends, words = self._split(text)
        if not words:
            return Doc(text, [], [], [], [], [])
        n = _recut_nt(text, starts, ends, words)
        terminators = _terminator_tokens(text, starts, ends, words)
        if terminators:
            n, terminators = self._merge_abbreviations(starts, ends, words, terminators)

        exotic = any(c in text for c in _EXOTIC_LINE_BREAKS)
        para_cuts = _paragraph_cuts(text, starts, ends, exotic)
        sent_cuts = set(para_cuts)
        last = n - 1
        for i in terminators:
            # the sentence takes the closing quotes and brackets glued to its end
            while i < last and starts[i + 1] == ends[i] and words[i + 1] in _AFTER_TERMINATOR:
                i += 1
            if i < last and starts[i + 1] > ends[i]:
                c = words[i + 1][0]
                if c in _OPENER_SET or (c.isalnum() and not c.islower()):
                    sent_cuts.add(i + 1)
        paragraphs = _ranges(para_cuts, n)
        _headline_cuts(text, starts, ends, words, paragraphs, exotic, sent_cuts)
        return Doc(text, starts, ends, words, _ranges(sorted(sent_cuts), n), paragraphs)

    def _split(self, text: str) -> tuple[list[int], list[int], list[str]]:
        """Token offsets and texts, before the abbreviation and "n't" repairs.

        The regex engine costs about the same per token whatever the pattern, and most
        tokens are plain words between single spaces. So the text is cut at spaces in C
        (`str.split`); a piece that `isalnum()` is a whole token as it stands (a plain word
        is never extended across a space, and `isalnum` characters are all word characters).
        Only the other pieces, joined by single spaces so that every lookaround sees the
        same neighbours as in the text, go through the token pattern, in one match whose
        repeated group records every token and its offset. The two streams are then
        interleaved again in document order, with C-level slices and maps.
        """
        chunks = text.split(" ")
        # chunk k starts at sum(len(chunks[j]) + 1 for j < k)
        chunk_starts = list(accumulate(map(add, map(len, chunks), repeat(1)), initial=0))
        hard = list(compress(count(), map(not_, map(str.isalnum, chunks))))
        if hard:
            hard_chunks = list(map(chunks.__getitem__, hard))
            m = self._token_re.match(" ".join(hard_chunks), concurrent=False)
            hard_words: list[str] = m.captures(1)
            hard_starts: list[int] = m.starts(1)
            # where each hard chunk sits in the joined string, and the index of its first token
            at = list(accumulate(map(add, map(len, hard_chunks), repeat(1)), initial=0))
            first = list(map(bisect_left, repeat(hard_starts), at))
            shifts = map(sub, map(chunk_starts.__getitem__, hard), at)
            words: list[str] = []
            starts: list[int] = []
            prev = 0
            for k, a, b, shift in zip(hard, first, first[1:], shifts, strict=False):
                if k > prev:
                    words += chunks[prev:k]
                    starts += chunk_starts[prev:k]
                if b - a == 1:
                    words.append(hard_words[a])
                    starts.append(hard_starts[a] + shift)
                elif b > a:
                    words += hard_words[a:b]
                    starts += map(add, hard_starts[a:b], repeat(shift))
                prev = k + 1
            words += chunks[prev:]
            starts += chunk_starts[prev:-1]
        else:
            words, starts = chunks, chunk_starts[:-1]
        return starts, list(map(add, starts, map(len, words))), words

    def _merge_abbreviations(
        self, starts: list[int], ends: list[int], words: list[str], terminators: list[int]
    ) -> tuple[int, list[int]]:
        """Glue the period to a preceding abbreviation or capital initial ("Mr" "." -> "Mr.").

        Returns the new token count and the terminator indexes that remain, renumbered.
        """
        plain = self._plain
        last = len(words) - 1
        merged: list[int] = []
        for i in terminators:
            if i and words[i] == "." and ends[i - 1] == starts[i]:
                w = words[i - 1]
                if w in plain:
                    if w in _BEFORE_NUMBER and not (i < last and words[i + 1][0].isdigit()):
                        continue
                    merged.append(i)
                elif len(w) == 1 and w.isupper():
                    merged.append(i)
        if not merged:
            return len(words), terminators
        for i in reversed(merged):
            words[i - 1] += "."
            ends[i - 1] = ends[i]
            del words[i], starts[i], ends[i]
        gone = set(merged)
        kept = [i - bisect_left(merged, i) for i in terminators if i not in gone]
        return len(words), kept


def _terminator_tokens(
    text: str, starts: list[int], ends: list[int], words: list[str]
) -> list[int]:
    """Sorted indexes of the tokens that can end a sentence (".", "!", "?", "...", ...).

    Searching the text for the few terminator characters (`str.find` is a C scan) is far
    cheaper than testing every token.
    """
    found: list[int] = []
    kinds = 0
    for ch in _TERMINATORS:
        pos = text.find(ch)
        if pos < 0:
            continue
        kinds += 1
        while pos >= 0:
            k = bisect_right(starts, pos) - 1
            if starts[k] == pos and words[k] in _TERMINATOR_WORDS:
                found.append(k)
                pos = text.find(ch, ends[k])
            else:
                pos = text.find(ch, pos + 1)
    if kinds > 1:
        found.sort()
    return found


def _recut_nt(text: str, starts: list[int], ends: list[int], words: list[str]) -> int:
    """Move the "n" of "don" "'t" into the clitic: "do" "n't". Returns the token count."""
    found: list[int] = []
    for form in _NT_FORMS:
        if form in text:
            found.extend(_indexes(words, form))
    for k in sorted(found, reverse=True):
        if k == 0 or ends[k - 1] != starts[k] or words[k - 1][-1] not in "nN":
            continue
        prev = words[k - 1]
        if len(prev) > 1:
            words[k - 1] = prev[:-1]
            ends[k - 1] -= 1
            starts[k] -= 1
            words[k] = prev[-1] + words[k]
        else:
            words[k - 1] = prev + words[k]
            ends[k - 1] = ends[k]
            del words[k], starts[k], ends[k]
    return len(words)


def _paragraph_cuts(text: str, starts: list[int], ends: list[int], exotic: bool) -> list[int]:
    """Token indexes that start a paragraph after a blank line (sorted, 0 < cut < n)."""
    first, last = starts[0], ends[-1]
    pattern = _BLANK_LINE_RE if exotic else _BLANK_LINE_LF_RE
    cuts: list[int] = []
    for m in pattern.finditer(text, first, last, concurrent=False):
        cut = bisect_left(starts, m.end())
        if not cuts or cut != cuts[-1]:
            cuts.append(cut)
    return cuts


def _headline_cuts(
    text: str,
    starts: list[int],
    ends: list[int],
    words: list[str],
    paragraphs: list[tuple[int, int]],
    exotic: bool,
    cuts: set[int],
) -> None:
    """Add a sentence cut after a headline-like first line of a paragraph."""
    for a, b in paragraphs:
        if b - a < 2:
            continue
        s, e = starts[a], ends[b - 1]
        # cheap filter: most paragraphs have no line break at all, or a long first line
        if exotic:
            lb = _LINE_BREAK_RE.search(text, s, e)
            nl = lb.start() if lb else -1
        else:
            nl = text.find("\n", s, e)
        if nl < 0 or nl - s > 200:
            continue
        m = _HEADLINE_RE.match(text, s, e)
        if m is not None:
            cut = bisect_left(starts, m.end())
            if a < cut < b and words[cut - 1].lower() not in _FUNCTION_WORDS:
                cuts.add(cut)


_DEFAULT = Tokenizer()


def tokenize(text: str) -> Doc:
    """Tokenise `text` with the default tokenizer."""
    return _DEFAULT(text)
