"""Token records: a tokenised document as one string that rule regexes run over.

Every token becomes a fixed-layout record

    \\x01 LOWER \\x02 TEXT \\x03 SHAPE \\x04 FLAGS \\x05 TAGS \\x06

FLAGS is fixed width (see `FLAGS`): one letter per attribute or `-`, the last two being
sentence start `S` and sentence end `E`. TAGS lists the lexicon hits and records that start
(`(Label.id;`) or end (`Label.id);`) at the token, so a rule can match "the tokens of one
Person record" exactly. Scope units are separated by `\\x1e` (sentence scope) or `\\x1d`, so a
rule's regex can never match across them. Tokens never contain control characters (the
tokenizer guarantees it), so the separators are unambiguous.

Character offsets of every record start are kept, so a match maps back to token indexes
with bisect.
"""

from __future__ import annotations

import functools
import itertools
import operator
from bisect import bisect_right
from dataclasses import dataclass

from ie.tokenizer import Doc, lexeme

TOKEN_START, LOWER_END, TEXT_END, SHAPE_END, FLAGS_END, TOKEN_END = (
    "\x01",
    "\x02",
    "\x03",
    "\x04",
    "\x05",
    "\x06",
)
UNIT_SEP = "\x1e"

#: Lexical flag letters in their fixed positions; then S (sentence start), E (sentence end).
FLAGS = (
    ("is_title", "T"),
    ("is_upper", "U"),
    ("is_lower", "L"),
    ("is_digit", "D"),
    ("is_alpha", "A"),
    ("is_punct", "P"),
    ("like_num", "N"),
    ("is_quote", "Q"),
    ("is_currency", "C"),
    ("sent_start", "S"),
    ("sent_end", "E"),
)
FLAG_POSITION = {name: i for i, (name, _) in enumerate(FLAGS)}
FLAG_LETTER = dict(FLAGS)
_LEXICAL = FLAGS[:-2]
_flags = operator.attrgetter(*(name for name, _ in _LEXICAL))  # a lexeme's flags, in order


@functools.cache
def _flag_letters(flags: tuple[bool, ...]) -> str:
    """The FLAGS letters of a lexeme's flags (few distinct combinations: cached)."""
    return "".join(letter if on else "-" for on, (_, letter) in zip(flags, _LEXICAL, strict=True))


class _PieceCache(dict[str, str]):
    """Token records per distinct text, computed on a miss; looked up with `map` so the
    per-token work stays in C."""

    def __missing__(self, word: str) -> str:
        lx = lexeme(word)
        flags = _flag_letters(_flags(lx))
        piece = self[word] = f"\x01{lx.lower}\x02{word}\x03{lx.shape}\x04{flags}--\x05\x06"
        return piece


_piece_cache = _PieceCache()
_CACHE_LIMIT = 500_000  # distinct texts kept; bounds memory on huge vocabularies


@dataclass(slots=True)
class Encoded:
    """A document's record string for one scope, with each token's record offset."""

    string: str
    offsets: list[int]  # offsets[i] = where token i's record starts (\x01)

    def token_at(self, offset: int) -> int:
        """Index of the token whose record contains `offset`."""
        return bisect_right(self.offsets, offset) - 1

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Token range [first, last+1) covered by string offsets [start, end)."""
        return self.token_at(start), self.token_at(end - 1) + 1


def piece_of(word: str) -> str:
    """A token text's record, before sentence flags and tags (cached per text)."""
    if len(_piece_cache) > _CACHE_LIMIT:
        _piece_cache.clear()
    return _piece_cache[word]


def token_pieces(doc: Doc, plain: list[str] | None = None) -> list[str]:
    """Every token's record with its sentence flags, before tags (shared by all strata).
    `plain`: the tokens' `piece_of`, where the caller has them already (a new list, which
    is changed here)."""
    if plain is None:
        if len(_piece_cache) > _CACHE_LIMIT:
            _piece_cache.clear()
        plain = list(map(_piece_cache.__getitem__, doc.words))
    for a, b in doc.sentences:
        # sentence edges carry S/E flags whatever the scope, so `^`/`$` work in all scopes
        if b - a == 1:
            plain[a] = plain[a][:-4] + "SE\x05\x06"
        else:
            plain[a] = plain[a][:-4] + "S-\x05\x06"
            plain[b - 1] = plain[b - 1][:-4] + "-E\x05\x06"
    if doc.extra is not None:
        # pos/tag/lemma/ent from another pipeline ride in the tags field: `pos=NOUN;`
        plain = [p[:-1] + x + "\x06" if x else p for p, x in zip(plain, doc.extra, strict=True)]
    return plain


def encode(
    doc: Doc, scope: str, tags: dict[int, str] | None = None, pieces: list[str] | None = None
) -> Encoded:
    """Build the record string of `doc` for rules of the given scope."""
    words = doc.words
    units: list[tuple[int, int]]
    if scope == "sentence":
        units = doc.sentences
    elif scope == "paragraph":
        units = doc.paragraphs
    else:
        units = [(0, len(words))] if words else []
    # copied: the shared pieces stay untagged and without separators
    plain = list(pieces) if pieces is not None else token_pieces(doc)
    if tags:
        for i, t in tags.items():
            plain[i] = plain[i][:-1] + t + "\x06"
    if not units:
        return Encoded(UNIT_SEP, [])
    # each unit's first record carries the separator before it; lengths and offsets are
    # summed in C, then the first record of each unit is moved past its separator
    firsts = [a for a, _ in units]
    for a in firsts:
        plain[a] = UNIT_SEP + plain[a]
    offsets = list(itertools.accumulate(map(len, plain[:-1]), initial=0))
    for a in firsts:
        offsets[a] += 1
    plain.append(UNIT_SEP)
    return Encoded("".join(plain), offsets)
