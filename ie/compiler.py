"""The compiler: a pack directory (or one .ie file) -> `CompiledPack`, as a pipeline of passes.

    load    read pack.toml and every *.ie file (sorted), never raising on bad files
    parse   text -> nodes.File per file (ie/parser.py)
    resolve names -> Symbols (ie/resolve.py)
    lower   rule patterns -> IR -> regex (ie/lower.py); lexicons -> hash indexes
    check   yields, captures, cascade strata (ie/checks.py)
    plan    an anchor per rule (ie/planner.py)

All diagnostics of all passes are collected; `compile_pack` raises `CompileError` holding
every one of them when any is an error, so an analyst sees every mistake at once.
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from array import array
from collections.abc import Iterable, Sequence
from itertools import compress, count, repeat
from operator import gt, itemgetter, not_
from pathlib import Path
from typing import Any, cast

import regex

from ie import nodes as n
from ie.checks import (
    capture_nodes,
    captures_of,
    check_bounds,
    check_duplicate_captures,
    check_rule_shape,
    check_yield,
    strata,
    unused_definitions,
    walk_ir,
    yield_typo,
)
from ie.diagnostics import CompileError, Diagnostic, Span
from ie.lower import IR, Assert, Atom, ICap, ILook, ISeq, Lowerer, SpanRef, emit
from ie.parser import parse_file
from ie.planner import item_run, lexicon_score, plan
from ie.program import (
    CaptureSpec,
    Compilation,
    CompiledPack,
    CompiledRule,
    ExampleSpec,
    LexiconSpec,
    RefGroup,
    ValueSpec,
    ViewSpec,
    lexicon_key,
)
from ie.resolve import TYPE_ARGUMENT, resolve
from ie.tokenizer import Tokenizer


def _display(path: Path) -> str:
    """Paths as the analyst wrote them, with / separators, for stable messages and records."""
    return Path(os.path.normpath(path)).as_posix()


def pack_files(pack: Path) -> list[Path]:
    if pack.is_file():
        return [pack]
    found = (p for p in pack.rglob("*.ie") if p.is_file())
    return sorted(found, key=lambda p: p.relative_to(pack).as_posix())


def load(pack: Path) -> tuple[dict[str, object], dict[str, str], list[Diagnostic]]:
    """Read the manifest and every rule file; problems become diagnostics."""
    diags: list[Diagnostic] = []
    sources: dict[str, str] = {}
    manifest: dict[str, object] = {}
    if not pack.exists():
        diags.append(
            Diagnostic(
                "E0104",
                f"no pack at {_display(pack)}: give a directory of .ie files or one .ie file",
            )
        )
        return manifest, sources, diags
    toml = pack / "pack.toml" if pack.is_dir() else None
    if toml is not None and toml.exists():
        try:
            manifest = tomllib.loads(toml.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
            diags.append(Diagnostic("E0103", f"{_display(toml)}: cannot read manifest: {exc}"))
    files = pack_files(pack)
    if not files:
        diags.append(Diagnostic("E0104", f"{_display(pack)} holds no .ie rule files"))
    for f in files:
        shown = _display(f)
        try:
            data = f.read_bytes()
            sources[shown] = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
            diags.append(
                Diagnostic(
                    "E0105",
                    f"{shown} is not valid UTF-8 (byte 0x{data[exc.start]:02x}); save it as UTF-8",
                    Span(shown, line, col, line, col + 1, exc.start, exc.start + 1),
                )
            )
        except OSError as exc:
            diags.append(Diagnostic("E0103", f"{shown}: {exc.strerror or exc}"))
    return manifest, sources, diags


def compile_lexicon(
    lex: n.Lexicon, pack_dir: Path, tokenizer: Tokenizer, deps: dict[str, str] | None = None
) -> tuple[LexiconSpec | None, list[Diagnostic]]:
    diags: list[Diagnostic] = []
    rows: list[tuple[str, ...]]
    if lex.entries is not None:
        rows = [(e,) for e in lex.entries]
    else:
        text, errs = _read_lexicon_file(lex, pack_dir, deps)
        if text is None:
            return None, errs
        # a million-line lexicon compiles within seconds: per-line work in C (map, zip)
        lines = list(map(str.strip, text.split("\n")))
        lines = [ln for ln in lines if ln and not ln.startswith("#")]
        if "\t" in text:
            rows = [tuple(c.strip() for c in ln.split("\t")) for ln in lines]
        else:
            rows = list(zip(lines))
    # Keys in bulk (C loops): plain phrases (words of letters and digits, single spaces)
    # split exactly as the tokenizer would, so only the others are tokenized one by one.
    phrases = [r[0] for r in rows]
    keys: list[str | None] = list(phrases) if lex.exact else list(map(str.lower, phrases))
    if lex.accents:
        odd: Iterable[int] = range(len(keys))
    else:
        # plain: letters and digits (`isalnum`, the tokenizer's own test for a whole token)
        # between single spaces; `alnum > double` is "alnum and no double space"
        alnum = map(str.isalnum, map(str.replace, keys, repeat(" "), repeat("")))  # type: ignore[arg-type]
        double = map(str.__contains__, keys, repeat("  "))  # type: ignore[arg-type]
        odd = compress(count(), map(not_, map(gt, alnum, double)))
    for i in odd:
        words = tokenizer(phrases[i]).words
        keys[i] = " ".join(lexicon_key(w, lex.exact, lex.accents) for w in words) or None
    # the first row of a phrase wins: its columns are the ones rules read
    first_row = dict(zip(reversed(keys), range(len(keys) - 1, -1, -1), strict=True))
    first_row.pop(None, None)
    kept_rows = sorted(first_row.values())  # entry number = position in this list
    kept_keys = cast(list[str], list(map(keys.__getitem__, kept_rows)))
    order = sorted(range(len(kept_keys)), key=kept_keys.__getitem__)
    has_columns = max(map(len, map(rows.__getitem__, kept_rows)), default=1) > 1
    spec = LexiconSpec(
        label="@" + lex.name,
        name=lex.name,
        exact=lex.exact,
        accents=lex.accents,
        phrases="\n".join(map(kept_keys.__getitem__, order)),
        entries=array("I", order).tobytes(),
        firsts="\n".join(
            sorted(set(map(itemgetter(0), map(str.partition, kept_keys, repeat(" ")))))
        ),
        max_tokens=max(map(str.count, kept_keys, repeat(" ")), default=-1) + 1,
        size=len(kept_rows),
        columns=tuple(rows[r] for r in kept_rows) if has_columns else (),
    )
    return spec, diags


def _read_lexicon_file(
    lex: n.Lexicon, pack_dir: Path, deps: dict[str, str] | None
) -> tuple[str | None, list[Diagnostic]]:
    """The text of a lexicon file inside the pack, or a positioned diagnostic."""
    assert lex.path is not None
    where = lex.path_span or lex.span
    target = (pack_dir / lex.path).resolve()
    if not target.is_relative_to(pack_dir.resolve()):
        return None, [
            Diagnostic(
                "E0313",
                f"lexicon path {lex.path!r} leaves the pack's directory",
                where,
                help="lexicon files must live inside the pack (e.g. lexicons/names.txt)",
            )
        ]
    try:
        data = target.read_bytes()
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [
            Diagnostic(
                "E0313",
                f"lexicon file {lex.path!r} is not valid UTF-8 (byte {exc.start})",
                where,
                help="save the file as UTF-8",
            )
        ]
    except OSError as exc:
        return None, [
            Diagnostic(
                "E0313",
                f"cannot read lexicon file {lex.path!r}: {exc.strerror or exc}",
                where,
                help="the path is relative to the pack's folder",
            )
        ]
    if deps is not None:
        deps[str(target)] = hashlib.sha256(data).hexdigest()
    return text, []


def desugar_like(rule: n.Rule, tokenizer: Tokenizer) -> tuple[n.Pattern, list[Diagnostic]]:
    """`like "X's spokesman Y said" where X: ... Y: ...` -> X:(...) "'s" spokesman Y:(...) said."""
    assert rule.like is not None
    like = rule.like
    slots = {s.name: s for s in like.slots}
    doc = tokenizer(like.text)
    items: list[n.Pattern] = []
    seen: set[str] = set()
    # the example's characters sit 1 column after the opening quote in the rule file
    base = like.text_span
    for start, end, word in zip(doc.starts, doc.ends, doc.words, strict=True):
        span = Span(
            base.path,
            base.line,
            base.col + 1 + start,
            base.line,
            base.col + 1 + end,
            base.start + 1 + start,
            base.start + 1 + end,
        )
        if word in slots:
            seen.add(word)
            items.append(n.Capture(word, slots[word].pattern, span))
        else:
            items.append(n.Literal(word, False, span))
    diags = [
        Diagnostic(
            "E0310",
            f"slot `{name}` does not occur in the example {like.text!r}",
            slot.span,
            help="slot names must appear in the example as separate words",
        )
        for name, slot in slots.items()
        if name not in seen
    ]
    if not items:
        diags.append(Diagnostic("E0314", "the `like` example is empty", like.text_span))
    return n.Seq(tuple(items), like.span), diags


def parse_with_imports(
    sources: dict[str, str], pack_dir: Path
) -> tuple[list[n.File], dict[str, Path], list[Diagnostic]]:
    """Parse the pack's files and, transitively, the files of packs they `import`.

    An import names another pack (a folder) or one .ie file, relative to the importing
    file's folder; everything it defines joins one namespace with the importing pack (a
    clash is reported with both places). Each file's lexicon paths stay relative to, and
    inside, the pack it belongs to (`roots`).
    """
    diags: list[Diagnostic] = []
    files: list[n.File] = []
    roots: dict[str, Path] = {}
    seen: set[Path] = set()
    queue: list[tuple[str, str, Path]] = [(s, t, pack_dir) for s, t in sources.items()]
    for shown, _, _ in queue:
        seen.add(Path(shown).resolve())
    while queue:
        shown, text, root = queue.pop(0)
        parsed, errs = parse_file(shown, text)
        files.append(parsed)
        roots[shown] = root
        diags.extend(errs)
        for decl in parsed.decls:
            if not isinstance(decl, n.Import):
                continue
            target = Path(shown).parent / decl.path
            if not target.exists():
                diags.append(
                    Diagnostic(
                        "E0106",
                        f"cannot import {decl.path!r}: no such pack or file",
                        decl.span,
                        help="the path is relative to the folder of this file",
                    )
                )
                continue
            _, more, errs = load(target)
            diags.extend(errs)
            new_root = target if target.is_dir() else target.parent
            for s, t in more.items():
                if Path(s).resolve() not in seen:
                    seen.add(Path(s).resolve())
                    sources[s] = t
                    queue.append((s, t, new_root))
    return files, roots, diags


def chars_source(chars: n.Chars) -> str:
    """A character rule's regex with its flags inline (`regex` V0, like `re`)."""
    unknown = sorted(set(chars.flags) - set("imsx"))
    if unknown:
        raise regex.error(f"unknown flag {''.join(unknown)!r} after the closing /; flags: i m s x")
    inline = "".join(f for f in chars.flags if f in "imsx")
    return f"(?{inline}){chars.pattern}" if inline else chars.pattern


def _value_spec(e: n.YExpr) -> ValueSpec:
    if isinstance(e, n.YCapture):
        return ValueSpec("capture", e.name)
    if isinstance(e, n.YString):
        return ValueSpec("string", e.value)
    position = TYPE_ARGUMENT.get(e.fn)
    return ValueSpec(
        "call",
        e.fn,
        tuple(
            ValueSpec("type", a.name)
            if i == position and isinstance(a, n.YCapture)
            else _value_spec(a)
            for i, a in enumerate(e.args)
        ),
    )


def _capture_specs(ir: IR) -> tuple[CaptureSpec, ...]:
    """One spec per capture name: alternatives may reuse a name (`m:M x | y m:M`); they
    share one regex group, and the references of every occurrence are kept together so
    the one that took part in the match is found."""
    refs: dict[str, list[RefGroup]] = {}
    groups: dict[str, str] = {}
    for cap in captures_of(ir):
        groups.setdefault(cap.name, cap.group)
        refs.setdefault(cap.name, []).extend(
            RefGroup(node.label, node.type, node.group)
            for node in walk_ir(cap.item)
            if isinstance(node, SpanRef)
        )
    return tuple(CaptureSpec(name, groups[name], tuple(refs[name])) for name in groups)


def _guard(ir: IR) -> str:
    """A cheap test the match start must pass, put before the pattern so the regex engine
    rejects most positions at once: every match starts at a token record, and a pattern
    whose leading lookarounds come before a plain token test (`(?! Place | Org)
    name:[is_title]`) must also pass that test, so it is checked first."""
    items = ir.items if isinstance(ir, ISeq) else (ir,)
    if items and not isinstance(items[0], (ILook, Assert)):
        return ""  # the first token test starts with the record mark itself
    for item in items:
        if isinstance(item, (ILook, Assert)):
            continue
        while isinstance(item, ICap):
            item = item.item
        if isinstance(item, Atom) and item is not items[0] and "(?P<" not in item.regex:
            return f"(?={item.regex})"
        break
    return r"(?=\x01)"


def _without_names_after_yield_typos(
    diags: list[Diagnostic], rules: Sequence[n.Rule]
) -> list[Diagnostic]:
    """Drop "unknown name" errors for the names after a misspelt `yield` (`yeild Said(x)`):
    E0302 already points at the typo, and `Said` is the output the user meant."""
    after: list[tuple[str, int, int]] = []  # (file, from, to) character offsets
    for rule in rules:
        typo = yield_typo(rule)
        if typo is not None and rule.match is not None:
            after.append((typo.span.path, typo.span.end, rule.match.span.end))
    if not after:
        return diags
    return [
        d
        for d in diags
        if not (
            d.code == "E0201"
            and d.span is not None
            and any(d.span.path == f and a <= d.span.start <= b for f, a, b in after)
        )
    ]


def compile_pack(path: str | Path, *, tokenizer: Tokenizer | None = None) -> CompiledPack:
    """Compile or raise `CompileError` with every diagnostic (warnings included)."""
    result = compile_source(path, tokenizer=tokenizer)
    if result.pack is None:
        raise CompileError(result.diagnostics)
    return result.pack


def compile_source(path: str | Path, *, tokenizer: Tokenizer | None = None) -> Compilation:
    from ie.tokenizer import Tokenizer as DefaultTokenizer

    tok = tokenizer or DefaultTokenizer()
    pack_path = Path(path)
    manifest, sources, diags = load(pack_path)
    pack_dir = pack_path if pack_path.is_dir() else pack_path.parent
    files, roots, errs = parse_with_imports(sources, pack_dir)
    diags.extend(errs)
    deps = {
        str(Path(p).resolve()): hashlib.sha256(t.encode("utf-8")).hexdigest()
        for p, t in sources.items()
    }
    manifest_file = pack_path / "pack.toml"
    if manifest_file.is_file():
        deps[str(manifest_file.resolve())] = hashlib.sha256(manifest_file.read_bytes()).hexdigest()
    sym, errs = resolve(files)
    diags.extend(errs)

    lexicons: list[LexiconSpec] = []
    for lex in sym.lexicons.values():
        spec, errs = compile_lexicon(lex, roots.get(lex.span.path, pack_dir), tok, deps)
        diags.extend(errs)
        if spec is not None:
            lexicons.append(spec)

    lexicon_tokens = {spec.label: max(spec.max_tokens, 1) for spec in lexicons}
    label_scores = {spec.label: lexicon_score(spec.size) for spec in lexicons}
    views: dict[tuple[str, tuple[tuple[str, str, str | None], ...]], str] = {}
    irs: dict[str, IR] = {}
    char_rules: dict[str, str] = {}
    lowerers: dict[str, Lowerer] = {}
    for rule in sym.rules:
        errs = check_rule_shape(rule)
        diags.extend(errs)
        if rule.chars is not None and rule.match is None and rule.like is None:
            try:
                source = chars_source(rule.chars)
                groups = set(regex.compile(source).groupindex)
            except regex.error as exc:
                diags.append(
                    Diagnostic("E0305", f"invalid regular expression: {exc}", rule.chars.span)
                )
                continue
            char_rules[rule.name] = source
            diags.extend(check_yield(rule, groups))
            continue
        pattern: n.Pattern | None = rule.match
        if rule.like is not None and rule.match is None:
            pattern, errs = desugar_like(rule, tok)
            diags.extend(errs)
        if pattern is None:
            continue
        diags.extend(check_duplicate_captures(rule, pattern))
        lowerer = Lowerer(sym, tok, views, lexicon_tokens)
        ir = lowerer.lower(pattern)
        diags.extend(lowerer.diags)
        irs[rule.name] = ir
        lowerers[rule.name] = lowerer
        spans = {c.name: c.span for c in reversed(capture_nodes(pattern))}
        diags.extend(check_yield(rule, {c.name for c in captures_of(ir)}, spans))
        diags.extend(check_bounds(rule, ir))
    diags.extend(unused_definitions(sym))
    diags = _without_names_after_yield_typos(diags, sym.rules)

    type_order = list(sym.types)
    levels, errs = strata(sym, irs, type_order)
    diags.extend(errs)

    if any(d.is_error for d in diags):
        return Compilation(None, diags, sources)

    name = str(manifest.get("name") or (pack_dir.name if pack_path.is_dir() else pack_path.stem))
    version = str(manifest.get("version") or "0.0.0")
    rules: list[CompiledRule] = []
    for index, rule in enumerate(r for r in sym.rules if r.name in irs or r.name in char_rules):
        assert rule.yield_ is not None
        examples = tuple(
            ExampleSpec(
                e.text, e.type, e.fields, e.span.line, e.span.col, e.span.end_line, e.span.end_col
            )
            for e in rule.examples
        ) + tuple(
            ExampleSpec(c.text, None, (), c.span.line, c.span.col, c.span.end_line, c.span.end_col)
            for c in rule.counters
        )
        common: dict[str, Any] = {
            "name": rule.name,
            "index": index,
            "type": rule.yield_.type,
            "source": f"{rule.span.path}:{rule.span.line}",
            "path": rule.span.path,
            "line": rule.span.line,
            "priority": rule.priority,
            "scope": rule.scope,
            "fields": tuple((a.field, _value_spec(a.expr)) for a in rule.yield_.args),
            "examples": examples,
        }
        if rule.name in char_rules:
            source = char_rules[rule.name]
            groups = regex.compile(source).groupindex
            rules.append(
                CompiledRule(
                    **common,
                    pattern_source=source,
                    captures=tuple(CaptureSpec(g, g) for g in sorted(groups, key=groups.get)),
                    anchor=None,
                    labels=frozenset(),
                    kind="chars",
                )
            )
            continue
        ir = irs[rule.name]
        anchor = plan(ir, label_scores)
        if anchor is None:
            diags.append(
                Diagnostic(
                    "W0103",
                    f"rule `{rule.name}` has no literal anchor, so it is tried at every token",
                    rule.name_span,
                    severity="warning",
                    help="add a required word, lexicon or record type to make it cheap",
                )
            )
        label, before, after = item_run(ir) or (None, (), ())
        rules.append(
            CompiledRule(
                **common,
                pattern_source=_guard(ir) + emit(ir),
                captures=_capture_specs(ir),
                anchor=anchor,
                labels=frozenset(lowerers[rule.name].labels),
                item=label,
                item_before=before,
                item_after=after,
            )
        )
    by_level: dict[int, list[int]] = {}
    for r in rules:
        by_level.setdefault(levels[r.type], []).append(r.index)
    policies = {t: "longest" for t in type_order}
    default_policy = manifest.get("overlap")
    if isinstance(default_policy, str) and default_policy in (
        "all",
        "longest",
        "first",
        "priority",
    ):
        policies = dict.fromkeys(type_order, default_policy)
    policies.update({t: o.policy for t, o in sym.overlaps.items()})
    pack = CompiledPack(
        name=name,
        version=version,
        rules=rules,
        strata=[by_level[k] for k in sorted(by_level)],
        policies=policies,
        lexicons=lexicons,
        views=[
            ViewSpec(label, type_, constraints) for (type_, constraints), label in views.items()
        ],
        types=type_order,
        sources=sources,
        deps=deps,
        internal=frozenset(sym.internal),
    )
    return Compilation(pack, diags, sources)
