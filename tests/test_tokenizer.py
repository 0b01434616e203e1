"""Tests of the default tokenizer: tricky tokens, sentences, paragraphs, lexemes, invariants."""

from __future__ import annotations

import unicodedata
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ie.tokenizer import (
    _DEFAULT_TOKEN_RE,
    Doc,
    Lexeme,
    Token,
    Tokenizer,
    lexeme,
    tokenize,
)

# ---- tokens -------------------------------------------------------------------------------

TOKEN_CASES = [
    # from the seed article
    (
        "possessive-seed",
        "Haftar's spokesman Ahmed al-Mesmari said",
        ["Haftar", "'s", "spokesman", "Ahmed", "al-Mesmari", "said"],
    ),
    (
        "possessive-commas",
        "the Kremlin's spokesman, Dmitri Peskov,",
        ["the", "Kremlin", "'s", "spokesman", ",", "Dmitri", "Peskov", ","],
    ),
    ("al-name", "Prime Minister Fayez al-Sarraj", ["Prime", "Minister", "Fayez", "al-Sarraj"]),
    ("hyphen-acronym", "UN-recognized", ["UN-recognized"]),
    ("parens", "(CNN) After", ["(", "CNN", ")", "After"]),
    (
        "quote-ellipsis",
        '"The people of Tripoli, hopefully, ..."',
        ['"', "The", "people", "of", "Tripoli", ",", "hopefully", ",", "...", '"'],
    ),
    ("initialism", "U.S. officials", ["U.S.", "officials"]),
    ("years", "in 2011 and 2016", ["in", "2011", "and", "2016"]),
    ("hyphen-name", "Agence France-Presse", ["Agence", "France-Presse"]),
    ("hyphen-words", "brand-new US-backed", ["brand-new", "US-backed"]),
    # clitics, straight and curly
    ("curly-possessive", "Kremlin\u2019s", ["Kremlin", "\u2019s"]),
    ("its", "it's", ["it", "'s"]),
    ("nt", "don't", ["do", "n't"]),
    ("nt-curly", "didn\u2019t", ["did", "n\u2019t"]),
    ("nt-upper", "DON'T", ["DO", "N'T"]),
    ("cant-wont", "can't won't", ["ca", "n't", "wo", "n't"]),
    (
        "re-ve-ll-d-m",
        "they're we've I'll he'd I'm",
        ["they", "'re", "we", "'ve", "I", "'ll", "he", "'d", "I", "'m"],
    ),
    ("plural-possessive", "leaders' summit", ["leaders", "'", "summit"]),
    ("irish-name", "O'Brien's", ["O'Brien", "'s"]),
    ("name-with-s", "O'Sullivan", ["O'Sullivan"]),
    ("quote-s-alone", "'s", ["'", "s"]),
    # abbreviations
    ("titles", "Mr. Mrs. Dr. Gen.", ["Mr.", "Mrs.", "Dr.", "Gen."]),
    ("companies", "Acme Inc. Ltd. Co. Corp.", ["Acme", "Inc.", "Ltd.", "Co.", "Corp."]),
    ("st-jr", "St. Louis Jr.", ["St.", "Louis", "Jr."]),
    ("times", "at 10 a.m. or 3 p.m.", ["at", "10", "a.m.", "or", "3", "p.m."]),
    ("latin", "e.g. i.e. etc.", ["e.g.", "i.e.", "etc."]),
    ("month", "Jan. 5", ["Jan.", "5"]),
    ("initial", "John J. Smith", ["John", "J.", "Smith"]),
    ("un", "the U.N. and U.S.A.", ["the", "U.N.", "and", "U.S.A."]),
    ("phd", "a Ph.D. student", ["a", "Ph.D.", "student"]),
    ("number-abbrev", "No. 10 and Fig. 3", ["No.", "10", "and", "Fig.", "3"]),
    ("no-answer", "No. Never.", ["No", ".", "Never", "."]),
    ("sentence-period", "He left.", ["He", "left", "."]),
    ("initialism-hyphen", "U.S.-led", ["U.S.", "-", "led"]),
    # numbers
    ("thousands", "1,000 people", ["1,000", "people"]),
    ("decimal", "3.5 and 1,000,000.50", ["3.5", "and", "1,000,000.50"]),
    ("time", "10:30", ["10:30"]),
    ("fraction", "1/2", ["1/2"]),
    ("range", "2011-12", ["2011", "-", "12"]),
    ("iso-date", "2019-04-05", ["2019-04-05"]),
    ("percent", "50%", ["50", "%"]),
    ("currency", "$5 and \u00a3600m", ["$", "5", "and", "\u00a3", "600m"]),
    ("model-number", "F-16 30-year-old", ["F-16", "30-year-old"]),
    ("number-end", "in 2016.", ["in", "2016", "."]),
    # URLs and e-mail
    ("url", "see https://example.com/a?b=c.", ["see", "https://example.com/a?b=c", "."]),
    ("www", "www.cnn.com, then", ["www.cnn.com", ",", "then"]),
    ("url-parens", "(http://x.io/a_(b))", ["(", "http://x.io/a_(b)", ")"]),
    ("email", "mail john.smith@bbc.co.uk.", ["mail", "john.smith@bbc.co.uk", "."]),
    ("domain", "bbc.co.uk/news", ["bbc.co.uk/news"]),
    # punctuation
    (
        "dashes",
        "yes \u2014 no \u2013 maybe -- so",
        ["yes", "\u2014", "no", "\u2013", "maybe", "--", "so"],
    ),
    ("ellipsis", "wait... what\u2026", ["wait", "...", "what", "\u2026"]),
    ("curly-quotes", "\u201cYes,\u201d he said", ["\u201c", "Yes", ",", "\u201d", "he", "said"]),
    ("single-quotes", "\u2018no\u2019", ["\u2018", "no", "\u2019"]),
    ("underscore", "snake_case", ["snake", "_", "case"]),
    ("control-chars", "a\x00b\x1fc\x7fd\x85e\u200bf\tg", ["a", "b", "c", "d", "e", "f", "g"]),
    ("unicode", "Zürich café naïve", ["Zürich", "café", "naïve"]),
    ("combining-mark", "cafe\u0301 x", ["cafe\u0301", "x"]),
    ("empty", "", []),
    ("only-space", " \n\t ", []),
]


@pytest.mark.parametrize(
    ("text", "expected"), [c[1:] for c in TOKEN_CASES], ids=[c[0] for c in TOKEN_CASES]
)
def test_tokens(text: str, expected: list[str]) -> None:
    assert tokenize(text).words == expected


# ---- sentences and paragraphs -------------------------------------------------------------


def sentence_texts(doc: Doc) -> list[str]:
    return [doc.text[doc.starts[a] : doc.ends[b - 1]] for a, b in doc.sentences]


SENTENCE_CASES = [
    ("two", "Mr. Smith went home. He slept.", ["Mr. Smith went home.", "He slept."]),
    ("abbrev-mid", "He met Gen. Haftar in Benghazi.", ["He met Gen. Haftar in Benghazi."]),
    (
        "initialism-mid",
        "U.S. officials said so. Then left.",
        ["U.S. officials said so.", "Then left."],
    ),
    ("initialism-before-upper", "in the U.S. The talks", ["in the U.S. The talks"]),
    ("lowercase-next", "It is 3 p.m. and late.", ["It is 3 p.m. and late."]),
    ("quote-after-period", 'He said "no." Then he left.', ['He said "no."', "Then he left."]),
    ("curly-quote-after", "\u201cNo.\u201d He left.", ["\u201cNo.\u201d", "He left."]),
    ("bracket-after", "(See below.) Next one.", ["(See below.)", "Next one."]),
    ("question-exclaim", "Why? Because! Yes.", ["Why?", "Because!", "Yes."]),
    ("interrobang-run", "Really?! Yes.", ["Really?!", "Yes."]),
    ("ellipsis", "It went on... Then it stopped.", ["It went on...", "Then it stopped."]),
    ("next-digit", "It rose. 50 people came.", ["It rose.", "50 people came."]),
    ("next-quote", 'He left. "Why?" she asked.', ["He left.", '"Why?" she asked.']),
    ("lower-after-period", "the end. and more", ["the end. and more"]),
    ("no-space", "end.Next", ["end.Next"]),
    ("decimal", "It was 3.5 percent. Fine.", ["It was 3.5 percent.", "Fine."]),
    ("blank-line", "One line\n\nAnother line", ["One line", "Another line"]),
    ("abbrev-at-paragraph-end", "Made in the U.S.\n\nNext", ["Made in the U.S.", "Next"]),
    (
        "headline",
        "Markets rally\nShares rose on Monday.",
        ["Markets rally", "Shares rose on Monday."],
    ),
    (
        "wrapped-line",
        "The plan was set out by the\nUnited Nations envoy on Friday.\nIt failed.",
        ["The plan was set out by the\nUnited Nations envoy on Friday.", "It failed."],
    ),
    (
        "headline-then-wrapped",
        "Libya talks\nThe envoy met the\nPrime Minister.",
        ["Libya talks", "The envoy met the\nPrime Minister."],
    ),
    ("single-newline-lower", "a short line\nand more text.", ["a short line\nand more text."]),
]


@pytest.mark.parametrize(
    ("text", "expected"), [c[1:] for c in SENTENCE_CASES], ids=[c[0] for c in SENTENCE_CASES]
)
def test_sentences(text: str, expected: list[str]) -> None:
    assert sentence_texts(tokenize(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("One. Two.\n\nThree.", [(0, 4), (4, 6)]),
        ("One.\n  \nTwo.\r\n\r\nThree.", [(0, 2), (2, 4), (4, 6)]),
        ("One.\nTwo.", [(0, 4)]),
        ("One.\u2029Two.", [(0, 2), (2, 4)]),
        ("\n\nOne.\n\n\n\nTwo.\n\n", [(0, 2), (2, 4)]),
    ],
    ids=["blank-line", "spaces-and-crlf", "single-newline", "paragraph-separator", "edges"],
)
def test_paragraphs(text: str, expected: list[tuple[int, int]]) -> None:
    assert tokenize(text).paragraphs == expected


def test_doc_api() -> None:
    doc = tokenize("Mr. Smith left. He slept.\n\nNext day.")
    assert len(doc) == 10
    assert doc.sentences == [(0, 4), (4, 7), (7, 10)]
    assert doc.paragraphs == [(0, 7), (7, 10)]
    assert [doc.sentence_of(i) for i in range(len(doc))] == [0, 0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert [doc.paragraph_of(i) for i in range(len(doc))] == [0] * 7 + [1] * 3
    with pytest.raises(IndexError):
        doc.sentence_of(10)
    tokens = doc.tokens
    assert all(isinstance(t, Token) for t in tokens)
    assert tokens[4] == Token(4, 16, 18, "He", 1, 0, True, False, lexeme("He"))
    assert [t.i for t in tokens if t.sent_end] == [3, 6, 9]
    assert Tokenizer.name == "default"


def test_empty_doc() -> None:
    doc = tokenize("   \n\n ")
    assert (len(doc), doc.words, doc.sentences, doc.paragraphs, doc.tokens) == (0, [], [], [], [])


def test_extra_abbreviations() -> None:
    assert tokenize("See Fig. 3").words == ["See", "Fig.", "3"]
    assert tokenize("the Brig. Gen. said").words == ["the", "Brig", ".", "Gen.", "said"]
    tok = Tokenizer(extra_abbreviations=["Brig.", "e.V."])
    assert tok("the Brig. Gen. said").words == ["the", "Brig.", "Gen.", "said"]
    assert tok("ein e.V. hier").words == ["ein", "e.V.", "hier"]
    assert len(tok("Brig. Smith came.").sentences) == 1


# ---- lexemes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shape"),
    [
        ("Haftar", "Xxxxx"),
        ("1969", "dddd"),
        ("al-Sarraj", "xx-Xxxxx"),
        ("U.S.", "X.X."),
        ("2019-04-05", "dddd-dd-dd"),
        ("'s", "'x"),
        ("UN-recognized", "XX-xxxx"),
    ],
)
def test_shape(text: str, shape: str) -> None:
    assert lexeme(text).shape == shape


def test_lexeme_flags() -> None:
    lx = lexeme("Haftar")
    assert (lx.text, lx.lower, lx.prefix, lx.suffix, lx.length) == (
        "Haftar",
        "haftar",
        "H",
        "tar",
        6,
    )
    assert lx.is_title and lx.is_alpha and not lx.is_upper and not lx.is_lower
    assert not lexeme("al-Sarraj").is_title
    assert lexeme("Al-Sarraj").is_title
    assert lexeme("UN").is_upper and lexeme("spokesman").is_lower
    assert lexeme("1969").is_digit and lexeme("1969").like_num
    for w in ["1,000", "3.5", "1/2", "ten", "Million", "third", "21st"]:
        assert lexeme(w).like_num, w
    for w in ["10a", "tenth-floor", "U.S.", ""]:
        assert not lexeme(w).like_num, w
    for w in [",", "(", "\u2014", "\u2013", "...", '"', "\u201c", "'"]:
        assert lexeme(w).is_punct, w
    assert not lexeme("$").is_punct and lexeme("$").is_currency and lexeme("\u20ac").is_currency
    for w in ['"', "'", "\u201c", "\u201d", "\u2018", "\u2019", "\u00ab", "\u00bb", "\u201e"]:
        assert lexeme(w).is_quote, w
    assert not lexeme("'s").is_quote and not lexeme("'s").is_punct
    assert lexeme("Haftar") is lexeme("Haftar")  # cached
    assert isinstance(lx, Lexeme)


# ---- properties ---------------------------------------------------------------------------

PIECES = [
    "a", "A", "Mr", "n", "t", "'s", "'t", "\u2019", "'", ".", ",", " ", " ", "\n", "\n\n",
    "U.S.", "-", "--", "1,000", "2019", "\"", "(", ")", "http://x.io", "@", "www", "?", "!",
    "\u201c", "\u201d", "\t", "\x00", "\u2029", "\r\n", "_", ":", "/", "\u0301", "\u00e9",
]  # fmt: skip

any_text = st.text(st.characters(blacklist_categories=("Cs",)))
tricky_text = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)
texts = st.one_of(any_text, tricky_text)


def is_separator(c: str) -> bool:
    return c.isspace() or unicodedata.category(c) == "Cc" or c in "\u200b\u2060\ufeff"


@given(texts)
def test_offsets_are_exact_and_tokens_clean(text: str) -> None:
    doc = tokenize(text)
    assert len(doc.starts) == len(doc.ends) == len(doc.words) == len(doc)
    for s, e, w in zip(doc.starts, doc.ends, doc.words, strict=True):
        assert text[s:e] == w
        assert w
        assert not any(is_separator(c) for c in w)
    for i in range(len(doc) - 1):
        assert doc.starts[i] < doc.starts[i + 1]
        assert doc.ends[i] <= doc.starts[i + 1]


@given(texts)
def test_coverage(text: str) -> None:
    """Every character outside the tokens is a separator."""
    doc = tokenize(text)
    covered = [False] * len(text)
    for s, e in zip(doc.starts, doc.ends, strict=True):
        covered[s:e] = [True] * (e - s)
    assert all(covered[i] or is_separator(c) for i, c in enumerate(text))


def check_ranges(ranges: list[tuple[int, int]], n: int) -> None:
    if n == 0:
        assert ranges == []
        return
    assert ranges[0][0] == 0 and ranges[-1][1] == n
    for a, b in ranges:
        assert a < b
    for (_, b), (a, _) in pairwise(ranges):
        assert b == a


@given(texts)
def test_sentences_and_paragraphs_partition_tokens(text: str) -> None:
    doc = tokenize(text)
    check_ranges(doc.sentences, len(doc))
    check_ranges(doc.paragraphs, len(doc))
    sentence_starts = {a for a, _ in doc.sentences}
    assert {a for a, _ in doc.paragraphs} <= sentence_starts
    for i in range(len(doc)):
        a, b = doc.sentences[doc.sentence_of(i)]
        assert a <= i < b
        a, b = doc.paragraphs[doc.paragraph_of(i)]
        assert a <= i < b


@given(texts)
def test_lexeme_lower(text: str) -> None:
    for w in tokenize(text).words:
        assert lexeme(w).lower == w.lower()


@given(texts)
def test_space_chunking_matches_one_pass(text: str) -> None:
    """The fast path (plain words between spaces skip the regex) changes nothing.

    Compared before the "n't" and abbreviation repairs, which run on both paths alike.
    """
    one_pass = _DEFAULT_TOKEN_RE.match(text)
    starts, ends, words = Tokenizer()._split(text)
    assert words == one_pass.captures(1)
    assert starts == one_pass.starts(1)
    assert ends == one_pass.ends(1)


@given(st.lists(st.sampled_from(PIECES), max_size=20).map("".join))
def test_tokenizing_tokens_is_stable(text: str) -> None:
    """Joining the tokens with spaces and tokenizing again gives the same tokens back,
    except where a space changes the token (a clitic needs the word before it)."""
    words = tokenize(text).words
    again = tokenize(" ".join(words)).words
    if not any(w[:1] in "'\u2019nN" and len(w) > 1 for w in words) and "." not in words:
        assert again == words


@given(
    st.one_of(
        st.text(st.sampled_from("abcxyzABCXYZ"), max_size=12),
        st.sampled_from(["ten", "Ten", "TENTH", "million", "Millionth", "first", "aaaaaaa"]),
        st.text(max_size=8),
    )
)
def test_lexeme_fast_path_equals_the_general_one(text: str) -> None:
    """Plain ASCII words skip most tests in `lexeme`; their attributes stay the same."""
    from ie.tokenizer import _any_lexeme

    assert lexeme(text) == _any_lexeme(text)
