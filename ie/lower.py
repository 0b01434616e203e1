"""Compiler pass 4: lower resolved patterns to IR, then to `regex` over token records.

`lower_pattern` desugars the AST (lets pasted in, literals split by the pack's tokenizer,
`like` examples turned into literal tokens and captures) into a small IR whose leaves
match exactly one token record (`Atom`) or the tokens of one lexicon hit / record
(`SpanRef`). The planner (ie/planner.py) reads the IR; `emit` writes the regex.
The record layout it targets is documented in ie/encode.py.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import regex

from ie import nodes as n
from ie.diagnostics import Diagnostic, Span
from ie.encode import FLAG_LETTER, FLAG_POSITION
from ie.resolve import Symbols
from ie.tokenizer import Tokenizer

ANY = r"\x01[^\x06]*\x06"
ANNOTATIONS = ("pos", "tag", "lemma", "ent")  # from a richer pipeline, in the tags field


def annotation_is(attr: str, values: list[str]) -> str:
    """One token record whose `attr` annotation (e.g. `pos=NOUN;`) is one of `values`."""
    alt = "|".join(regex.escape(clean_annotation(attr, v)) for v in sorted(set(values)))
    return rf"\x01[^\x05]*\x05[^\x06]*?(?<=[\x05;]){attr}=(?:{alt});[^\x06]*\x06"


def clean_annotation(attr: str, value: str) -> str:
    """Annotation values as stored: no separators or control characters; lemmas lower-case."""
    value = regex.sub(r"[;\x00-\x1f\x7f-\x9f]", "_", value)
    return value.lower() if attr == "lemma" else value


MAX_REPEAT = 10_000  # the largest {m,n} bound (and token length) a pattern may use
_CONTROL = r"\x00-\x1f\x7f-\x9f"

# Words so frequent that a rule anchored on them is tried almost everywhere.
COMMON = frozenset(
    """the a an and or of to in on at for with by from as is are was were be been it its
    his her their he she they we i you this that these those not no but if than then so
    said says say told has have had will would can could may might do does did who which
    what when where while about after before over into out up more most also new one two
    year years mr mrs ms 's ' n't 're 've 'll 'd ’s . , ; : ! ? " “ ” ‘ ’ ( ) [ ] - – — /
    % $ &""".split()  # noqa: SIM905
)


# ---- IR -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Atom:
    """Matches exactly one token record."""

    regex: str
    keys: frozenset[tuple[str, str]] | None = None  # exact values that identify the token
    describe: str = "a token test"


@dataclass(frozen=True, slots=True)
class SpanRef:
    """Matches the tokens of one lexicon hit or record carrying `label`."""

    label: str
    type: str | None
    group: str
    most: int | None = None  # the most tokens one item can have (a lexicon's longest phrase)


@dataclass(frozen=True, slots=True)
class Assert:
    """Zero-width: sentence anchors."""

    regex: str


@dataclass(frozen=True, slots=True)
class ISeq:
    items: tuple[IR, ...]


@dataclass(frozen=True, slots=True)
class IAlt:
    options: tuple[IR, ...]


@dataclass(frozen=True, slots=True)
class IRep:
    item: IR
    min: int
    max: int | None
    lazy: bool


@dataclass(frozen=True, slots=True)
class ILook:
    kind: str
    item: IR


@dataclass(frozen=True, slots=True)
class ICap:
    name: str
    group: str
    item: IR


IR = Atom | SpanRef | Assert | ISeq | IAlt | IRep | ILook | ICap


def token_span(label: str, group: str, reverse: bool = False, most: int | None = None) -> str:
    """Regex for the tokens of one item with tag `label`: from its start tag to its end tag.

    The item's id is captured from a start tag found lazily in the first token's tags, so
    when several items start at one token each is tried in turn (longest first: tags are
    written in that order). The end tag must carry the same id, on the same token or a
    later one. Inside a lookbehind, which `regex` matches right to left, the id is captured
    at the end tag instead, so the group is set before the back-reference is read.
    """
    lab = regex.escape(label)
    start_tag = rf"\x01[^\x05]*\x05[^\x06]*?\({lab}\.(?P{'=' if reverse else '<'}{group}"
    start_tag += ");" if reverse else r">\d+);"
    end_id = rf"(?P<{group}>\d+)" if reverse else rf"(?P={group})"
    end_here = rf"[^\x06]*?(?<=[\x05;]){lab}\.{end_id}\);[^\x06]*\x06"
    # the end tag is at most `most - 1` tokens on: bounding the search keeps a failed
    # match from scanning the rest of the unit for an end tag that cannot be there
    between = "*?" if most is None else f"{{0,{max(most - 2, 0)}}}?"
    end_later = (
        rf"[^\x06]*\x06(?:{ANY}){between}\x01[^\x05]*\x05[^\x06]*?(?<=[\x05;]){lab}\.{end_id}"
        rf"\);[^\x06]*\x06"
    )
    # longest item first: forwards, tags list longer items first; backwards, try later ends
    if most == 1:
        return start_tag + end_here
    if reverse:
        return f"{start_tag}(?:{end_later}|{end_here})"
    return f"{start_tag}(?:{end_here}|{end_later})"


def emit(ir: IR, reverse: bool = False) -> str:
    """The regex for `ir`; `reverse` inside lookbehinds, which `regex` matches backwards."""
    if isinstance(ir, Atom):
        return ir.regex
    if isinstance(ir, SpanRef):
        return token_span(ir.label, ir.group, reverse, ir.most)
    if isinstance(ir, Assert):
        return ir.regex
    if isinstance(ir, ISeq):
        return "".join(emit(i, reverse) for i in ir.items)
    if isinstance(ir, IAlt):
        return "(?:" + "|".join(emit(o, reverse) for o in ir.options) + ")"
    if isinstance(ir, IRep):
        if (ir.min, ir.max) == (0, 1):
            q = "?"
        elif (ir.min, ir.max) == (0, None):
            q = "*"
        elif (ir.min, ir.max) == (1, None):
            q = "+"
        elif ir.max is None:
            q = f"{{{ir.min},}}"
        elif ir.min == ir.max:
            q = f"{{{ir.min}}}"
        else:
            q = f"{{{ir.min},{ir.max}}}"
        lazy = "?" if ir.lazy and ir.min != ir.max else ""
        return f"(?:{emit(ir.item, reverse)}){q}{lazy}"
    if isinstance(ir, ILook):
        return f"{ir.kind}{emit(ir.item, ir.kind.startswith('(?<'))})"
    return f"(?P<{ir.group}>{emit(ir.item, reverse)})"


def token_bounds(ir: IR) -> tuple[int, int | None]:
    """Fewest and most tokens `ir` can consume (None: unbounded)."""
    if isinstance(ir, Atom):
        return 1, 1
    if isinstance(ir, SpanRef):
        return 1, ir.most
    if isinstance(ir, (Assert, ILook)):
        return 0, 0
    if isinstance(ir, ICap):
        return token_bounds(ir.item)
    if isinstance(ir, ISeq):
        lo = 0
        hi_opt: int | None = 0
        for item in ir.items:
            a, b = token_bounds(item)
            lo += a
            hi_opt = None if hi_opt is None or b is None else hi_opt + b
        return lo, hi_opt
    if isinstance(ir, IAlt):
        bounds = [token_bounds(o) for o in ir.options]
        his = [b for _, b in bounds]
        return min(a for a, _ in bounds), (None if None in his else max(h or 0 for h in his))
    a, b = token_bounds(ir.item)
    return a * ir.min, (None if ir.max is None or b is None else b * ir.max)


# ---- field-level regexes ------------------------------------------------------------------

_FIELD = {
    # attr: (prefix before the field, field end char, the rest)
    "lower": (r"\x01", r"\x02"),
    "text": (r"\x01[^\x02]*\x02", r"\x03"),
    "shape": (r"\x01[^\x03]*\x03", r"\x04"),
}
_ATTRIBUTES = ("text", "lower", "shape", "prefix", "suffix", "length", *ANNOTATIONS)
_FIELD_START = {"lower": r"\x01", "text": r"\x02", "shape": r"\x03"}


def field_is(attr: str, value_regex: str) -> str:
    """One token record whose `attr` field matches `value_regex` entirely."""
    pre, end = _FIELD[attr]
    return f"{pre}{value_regex}{end}[^\\x06]*\\x06"


def flag_is(name: str) -> str:
    return rf"\x01[^\x04]*\x04[^\x05]{{{FLAG_POSITION[name]}}}{FLAG_LETTER[name]}[^\x06]*\x06"


def field_search(attr: str, translated: str) -> str:
    """One token record where `translated` matches somewhere inside the `attr` field.

    `translated` cannot match a control character (see `translate_user_regex`), so it
    cannot leave the field. No lookahead here: `regex` matches lookbehinds backwards, and
    a lookahead inside one is ten times slower than this plain form.
    """
    pre, end = _FIELD[attr]
    return f"{pre}[^{end}]*?{translated}[^{end}]*{end}[^\\x06]*\\x06"


class RegexError(ValueError):
    pass


def translate_user_regex(pattern: str, flags: str, attr: str) -> str:
    """Make a user's token regex safe to embed inside one field of a token record.

    `^`/`$` become the field's edges, `.` and negated classes can no longer match the
    record's control characters (so a match cannot leave its field), and groups become
    non-capturing (our named groups carry captures).
    """
    unknown = sorted(set(flags) - set("imsx"))
    if unknown:
        raise RegexError(f"unknown flag {''.join(unknown)!r} after the closing /; flags: i m s x")
    try:
        regex.compile(pattern, _flag_bits(flags))
    except regex.error as exc:
        raise RegexError(str(exc)) from exc
    if "x" in flags:
        pattern, flags = _strip_verbose(pattern), flags.replace("x", "")
    start_c, end_c = _FIELD_START[attr], _FIELD[attr][1]
    out: list[str] = []
    i = 0
    in_class = False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            if nxt.isdigit() and nxt != "0" and not in_class:
                raise RegexError("back-references (\\1) are not supported in token regexes")
            if nxt == "A" and not in_class:
                out.append(f"(?<={start_c})")
            elif nxt in "Zz" and not in_class:
                out.append(f"(?={end_c})")
            elif nxt in "WSDsPpX" and not in_class:
                j = i + 2
                if nxt in "Pp" and j < len(pattern) and pattern[j] == "{":
                    j = pattern.index("}", j) + 1
                out.append(f"(?:(?![{_CONTROL}]){pattern[i:j]})")
                i = j
                continue
            else:
                out.append(pattern[i : i + 2])
            i += 2
            continue
        if ch == "[":
            # a whole class, kept as written but barred from the record's control characters
            j = i + 1
            if j < len(pattern) and pattern[j] == "^":
                j += 1
            if j < len(pattern) and pattern[j] == "]":  # a leading ] is literal
                j += 1
            while j < len(pattern) and pattern[j] != "]":
                j += 2 if pattern[j] == "\\" else 1
            out.append(f"(?:(?![{_CONTROL}]){pattern[i : j + 1]})")
            i = j + 1
            continue
        if ch == ".":
            out.append(f"[^{_CONTROL}]")
        elif ch == "^":
            out.append(f"(?<={start_c})")
        elif ch == "$":
            out.append(f"(?={end_c})")
        elif ch == "(":
            if pattern.startswith("(?P=", i):
                raise RegexError("back-references are not supported in token regexes")
            m = regex.match(r"\(\?P?<(?![=!])[^>]*>", pattern[i:])
            if m:
                out.append("(?:")
                i += m.end()
                continue
            if pattern.startswith("(?", i):
                out.append("(?")
                i += 2
                continue
            out.append("(?:")
        else:
            out.append(ch)
        i += 1
    body = "".join(out)
    inline = "".join(f for f in flags if f in "imsx")
    return f"(?{inline}:{body})" if inline else f"(?:{body})"


def _strip_verbose(pattern: str) -> str:
    """Drop the whitespace and `# comments` that the x flag allows, outside classes."""
    out: list[str] = []
    i = 0
    in_class = False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch.isspace():
            i += 1
            continue
        elif ch == "#":
            nl = pattern.find("\n", i)
            i = len(pattern) if nl < 0 else nl
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _flag_bits(flags: str) -> int:
    bits = 0
    for f in flags:
        bits |= {"i": regex.I, "m": regex.M, "s": regex.S, "x": regex.X}.get(f, 0)
    return bits


# ---- lowering -----------------------------------------------------------------------------


@dataclass(slots=True)
class Lowerer:
    """Lowers the patterns of one rule (group names are unique per rule)."""

    sym: Symbols
    tokenizer: Tokenizer
    views: dict[tuple[str, tuple[tuple[str, str, str | None], ...]], str]
    lexicon_tokens: dict[str, int] = field(default_factory=dict)  # label -> longest phrase
    diags: list[Diagnostic] = field(default_factory=list)
    counter: int = 0
    labels: set[str] = field(default_factory=set)

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def literal_tokens(self, lit: n.Literal) -> list[str]:
        doc = self.tokenizer(lit.text)
        words = list(doc.words)
        if len(words) > 1 and not any(c.isspace() for c in lit.text):
            # "'s" alone splits into ' and s, but after a word it is one token: ask in context
            ctx = self.tokenizer("x" + lit.text)
            if ctx.words[1:] == [lit.text]:
                return [lit.text]
            shown = " ".join(f'"{w}"' for w in words)
            self.diags.append(
                Diagnostic(
                    "W0101",
                    f"the tokenizer never produces {lit.text!r} as one token; "
                    f"this literal matches the {len(words)} tokens {shown} in a row",
                    lit.span,
                    severity="warning",
                    help="write the tokens separately (with spaces) to make that explicit",
                )
            )
        return words

    def check_glued(self, a: n.Literal, b: n.Literal) -> None:
        """`"Mr" "."`: two literals the tokenizer reads as one token when written together
        ("Mr."), so they only match the rarer text with a space between them."""
        glued = a.text + b.text
        if a.text.strip() != a.text or b.text.strip() != b.text or " " in glued or not glued:
            return
        if a.text[-1:].isalnum() and b.text[:1].isalnum():
            return  # two words: written together they are another word, not these two
        if list(self.tokenizer(glued).words) != [glued]:
            return
        if len(self.tokenizer(f"{a.text} {b.text}").words) != 2:
            return
        span = Span(
            a.span.path, a.span.line, a.span.col, b.span.end_line, b.span.end_col,
            a.span.start, b.span.end,
        )  # fmt: skip
        self.diags.append(
            Diagnostic(
                "W0101",
                f"the tokenizer reads {glued!r} as one token, so these two literals only "
                f"match {a.text!r} and {b.text!r} written apart",
                span,
                severity="warning",
                help=f'write the one literal "{glued}" to match {glued!r}',
            )
        )

    def lower(self, p: n.Pattern, stack: tuple[str, ...] = ()) -> IR:
        if isinstance(p, n.Literal):
            words = self.literal_tokens(p)
            if not words:
                self.diags.append(
                    Diagnostic(
                        "E0314",
                        f"the literal {p.text!r} contains no token, so it can never match",
                        p.span,
                    )
                )
                return ISeq(())
            atoms: list[IR] = []
            for w in words:
                if p.exact:
                    atoms.append(
                        Atom(
                            field_is("text", regex.escape(w)),
                            frozenset({("w", w.lower())}),
                            f'exact "{w}"',
                        )
                    )
                else:
                    low = w.lower()
                    atoms.append(
                        Atom(
                            field_is("lower", regex.escape(low)), frozenset({("w", low)}), f'"{w}"'
                        )
                    )
            return atoms[0] if len(atoms) == 1 else ISeq(tuple(atoms))
        if isinstance(p, n.TokenRegex):
            try:
                return Atom(field_search("text", translate_user_regex(p.pattern, p.flags, "text")))
            except RegexError as exc:
                self.diags.append(Diagnostic("E0305", f"invalid regular expression: {exc}", p.span))
                return Atom(ANY)
        if isinstance(p, n.TokenTest):
            regex_src, keys = self.test(p.test)
            return Atom(regex_src, keys, "[...]")
        if isinstance(p, n.AnyToken):
            return Atom(ANY)
        if isinstance(p, n.Anchor):
            if p.kind == "start":
                return Assert(rf"(?=\x01[^\x04]*\x04[^\x05]{{{FLAG_POSITION['sent_start']}}}S)")
            return Assert(rf"(?<=\x04[^\x05]{{{FLAG_POSITION['sent_end']}}}E\x05[^\x06]*\x06)")
        if isinstance(p, n.Seq):
            for a, b in itertools.pairwise(p.items):
                if isinstance(a, n.Literal) and isinstance(b, n.Literal):
                    self.check_glued(a, b)
            return ISeq(tuple(self.lower(i, stack) for i in p.items))
        if isinstance(p, n.Alt):
            return IAlt(tuple(self.lower(o, stack) for o in p.options))
        if isinstance(p, n.Repeat):
            if max(p.min, p.max or 0) > MAX_REPEAT:
                self.diags.append(
                    Diagnostic(
                        "E0306",
                        f"repetition bound too large (at most {MAX_REPEAT} tokens)",
                        p.span,
                        help="a sentence is rarely longer than a few hundred tokens",
                    )
                )
                return IRep(self.lower(p.item, stack), 0, 1, False)
            if p.max is not None and p.max < p.min:
                self.diags.append(
                    Diagnostic(
                        "E0306",
                        f"repetition {{{p.min},{p.max}}}: the maximum is below the minimum",
                        p.span,
                    )
                )
            if p.max == 0 and p.min == 0:
                self.diags.append(
                    Diagnostic("E0306", "repetition {0} or {0,0} matches nothing", p.span)
                )
            return IRep(self.lower(p.item, stack), p.min, p.max, p.lazy)
        if isinstance(p, n.Look):
            return ILook(p.kind, self.lower(p.item, stack))
        if isinstance(p, n.Capture):
            if not p.name.isidentifier():
                self.diags.append(Diagnostic("E0101", f"bad capture name `{p.name}`", p.span))
            return ICap(p.name, f"c_{p.name}", self.lower(p.item, stack))
        assert isinstance(p, n.Ref)
        return self.ref(p, stack)

    def ref(self, p: n.Ref, stack: tuple[str, ...]) -> IR:
        kind = self.sym.kind_of(p.name)
        if kind == "let":
            if p.name in stack:
                return Atom(ANY)  # cycle already reported by resolve
            return self.lower(self.sym.lets[p.name].pattern, (*stack, p.name))
        if kind == "lexicon":
            label = "@" + p.name
            self.labels.add(label)
            return SpanRef(label, None, self.fresh("r"), self.lexicon_tokens.get(label))
        # a record type, possibly constrained to a view
        label = p.name
        if p.constraints:
            key = (p.name, tuple((c.field, c.op, c.value) for c in p.constraints))
            label = self.views.setdefault(key, f"{p.name}~{len(self.views) + 1}")
        self.labels.add(label)
        return SpanRef(label, p.name, self.fresh("r"))

    def test(self, t: n.Test) -> tuple[str, frozenset[tuple[str, str]] | None]:
        """A token test -> (regex for one token record, exact keys if the test implies one)."""
        if isinstance(t, n.TFlag):
            if t.attr not in FLAG_POSITION:
                if t.attr in _ATTRIBUTES:  # unknown names were reported by `resolve`
                    self._value_error(
                        t, f"`{t.attr}` is not a yes/no attribute; compare it: [{t.attr} = ...]"
                    )
                return ANY, None
            return flag_is(t.attr), None
        if isinstance(t, n.TCompare):
            return self._compare(t)
        if isinstance(t, n.TRegex):
            if t.attr not in _FIELD:
                self._value_error(t, f"regex tests work on text, lower or shape, not {t.attr}")
                return ANY, None
            try:
                return field_search(t.attr, translate_user_regex(t.pattern, t.flags, t.attr)), None
            except RegexError as exc:
                self.diags.append(Diagnostic("E0305", f"invalid regular expression: {exc}", t.span))
                return ANY, None
        if isinstance(t, n.TInSet) and t.attr in ANNOTATIONS:
            return annotation_is(t.attr, list(t.values)), None
        if isinstance(t, n.TInSet):
            if t.attr not in _FIELD:
                self._value_error(t, f"`in (...)` works on text, lower or shape, not {t.attr}")
                return ANY, None
            values = [v.lower() if t.attr == "lower" else v for v in t.values]
            alt = "|".join(regex.escape(v) for v in sorted(set(values)))
            keys = None
            if t.attr in ("lower", "text"):
                keys = frozenset(("w", v.lower()) for v in values)
            elif t.attr == "shape":
                keys = frozenset(("s", v) for v in values)
            return field_is(t.attr, f"(?:{alt})"), keys
        if isinstance(t, n.TInLexicon):
            label = "@" + t.lexicon
            self.labels.add(label)
            # a one-token hit carries a `=Label;` tag (see runtime._tags)
            return (
                rf"\x01[^\x05]*\x05[^\x06]*[\x05;]={regex.escape(label)};[^\x06]*\x06",
                frozenset({("t", label)}),
            )
        if isinstance(t, n.TNot):
            inner, _ = self.test(t.operand)
            return f"(?!{inner}){ANY}", None
        if isinstance(t, n.TAnd):
            parts = [self.test(o) for o in t.operands]
            keys = next((k for _, k in parts if k), None)
            return "".join(f"(?={r})" for r, _ in parts[:-1]) + parts[-1][0], keys
        assert isinstance(t, n.TOr)
        parts = [self.test(o) for o in t.operands]
        union: frozenset[tuple[str, str]] | None = frozenset()
        for _, k in parts:
            union = None if union is None or k is None else union | k
        return "(?:" + "|".join(r for r, _ in parts) + ")", union

    def _value_error(self, t: n.Test, msg: str) -> None:
        self.diags.append(Diagnostic("E0308", msg, t.span))

    def _compare(self, t: n.TCompare) -> tuple[str, frozenset[tuple[str, str]] | None]:
        attr, op, v = t.attr, t.op, t.value
        if attr not in _ATTRIBUTES and attr not in FLAG_POSITION:
            return ANY, None  # an unknown attribute: reported by `resolve`
        if attr == "length":
            if not isinstance(v, int):
                self._value_error(t, "length is compared with a number, like [length >= 3]")
                return ANY, None
            if not 0 <= v <= MAX_REPEAT:
                self._value_error(t, f"length is compared with a number from 0 to {MAX_REPEAT}")
                return ANY, None
            ranges = {
                "=": f"{{{v}}}",
                ">=": f"{{{v},}}",
                ">": f"{{{v + 1},}}",
                "<=": f"{{0,{v}}}",
                "<": f"{{0,{max(0, v - 1)}}}",
            }
            if op == "!=":
                exactly = field_is("text", r"[^\x03]" + f"{{{v}}}")
                return f"(?!{exactly}){ANY}", None
            return field_is("text", r"[^\x03]" + ranges[op]), None
        if attr in FLAG_POSITION:
            self._value_error(t, f"`{attr}` is yes/no: write [{attr}] or [not {attr}]")
            return ANY, None
        if attr in ANNOTATIONS and isinstance(v, str) and op in ("=", "!="):
            src = annotation_is(attr, [v])
            return (f"(?!{src}){ANY}", None) if op == "!=" else (src, None)
        if not isinstance(v, str):
            self._value_error(t, f"`{attr}` is compared with a quoted string")
            return ANY, None
        if op not in ("=", "!="):
            self._value_error(t, f"`{attr}` can only be compared with = or != (or ~ /regex/)")
            return ANY, None
        keys: frozenset[tuple[str, str]] | None = None
        if attr in ("lower", "text", "shape"):
            value = v.lower() if attr == "lower" else v
            src = field_is(attr, regex.escape(value))
            keys = frozenset({("s", v)}) if attr == "shape" else frozenset({("w", v.lower())})
        elif attr == "prefix":
            if len(v) != 1:
                self._value_error(
                    t, "prefix is the first character; for longer starts use [text ~ /^.../]"
                )
                return ANY, None
            src = field_is("text", regex.escape(v) + r"[^\x03]*")
        else:  # suffix: the last three characters (the whole text when shorter)
            if len(v) > 3:
                self._value_error(
                    t, "suffix is the last three characters; for longer ends use [text ~ /...$/]"
                )
                return ANY, None
            if len(v) == 3:
                src = field_is("text", r"[^\x03]*" + regex.escape(v))
            else:
                src = field_is("text", regex.escape(v))
        if op == "!=":
            return f"(?!{src}){ANY}", None
        return src, keys
