"""Scoring a pack against gold records: precision, recall and F1 per type and per field.

Gold is JSON lines, one document a line: `{"id", "text", "records": [...]}` with records in
the docs/output.md shape (`type`, `start`, `end`, optional `text` and `fields`); see
docs/evaluation.md. This module only computes and renders; it never prints.

Matching (both modes are always reported):

- *exact*: a predicted record matches a gold record of the same type with the same
  `[start, end)`;
- *overlap*: the two spans share at least one character. Matching is one-to-one and
  greedy: candidate pairs are taken largest overlap first (ties: gold position, then
  predicted position), and a record is used at most once.

A field is scored when the gold has it on some record of the type (fields the gold never
has, such as the pack's `Person.title` against CoNLL, are ignored). On a matched pair it
is correct when both records have it and it agrees (exact: the same span; overlap:
overlapping spans; in either mode the same text after collapsing white space also agrees,
and a field without a span, such as `kind="direct"`, is compared by text). Every scored
field of an unmatched predicted record is a false positive and every field of an
unmatched gold record a false negative, so `Quote.source` is "content with source" F1.

False positives are attributed to the rule that produced them, with an example each.
Everything is sorted, so the same pack and gold give the same report byte for byte.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ie.program import CompiledPack
from ie.records import Record

Mode = Literal["exact", "overlap"]
MODES: tuple[Mode, ...] = ("exact", "overlap")
DEFAULT_SUBTYPE_FIELD = "kind"


class GoldError(Exception):
    """The gold file cannot be read or a line is not a valid gold document."""


@dataclass(frozen=True, slots=True)
class Value:
    """A field of a gold or predicted record: text, and a span when it has one."""

    text: str
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True, slots=True)
class Item:
    """A record reduced to what scoring needs (gold or predicted)."""

    doc: str
    type: str
    start: int
    end: int
    text: str
    fields: Mapping[str, Value] = field(default_factory=dict)
    rule: str | None = None
    source: str | None = None

    @classmethod
    def from_record(cls, r: Record) -> Item:
        fields = {n: Value(f.text, f.start, f.end) for n, f in r.fields.items()}
        return cls(r.doc, r.type, r.start, r.end, r.text, fields, r.rule, r.source)


@dataclass(frozen=True, slots=True)
class GoldDoc:
    id: str
    text: str
    records: tuple[Item, ...]


@dataclass(slots=True)
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


@dataclass(slots=True)
class Row:
    """One line of the report: a record type, a subtype (`Quote[kind=direct]`) or a field
    (`Quote.source`), scored in both modes."""

    name: str
    gold: int = 0
    predicted: int = 0
    scores: dict[str, Counts] = field(default_factory=lambda: {m: Counts() for m in MODES})

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "gold": self.gold,
            "predicted": self.predicted,
            **{m: c.to_json() for m, c in self.scores.items()},
        }


@dataclass(slots=True)
class RuleFalsePositives:
    rule: str
    source: str
    exact: int = 0
    overlap: int = 0
    example: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "source": self.source,
            "fp_exact": self.exact,
            "fp_overlap": self.overlap,
            "example": self.example,
        }


@dataclass(slots=True)
class Report:
    documents: int
    types: list[str]
    rows: list[Row]
    false_positives: list[RuleFalsePositives]
    errors: list[str] = field(default_factory=list)

    def row(self, name: str) -> Row:
        for r in self.rows:
            if r.name == name:
                return r
        raise KeyError(name)

    def to_json(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "types": self.types,
            "rows": [r.to_json() for r in self.rows],
            "false_positives": [f.to_json() for f in self.false_positives],
            "errors": self.errors,
        }


# ---- gold ---------------------------------------------------------------------------------


def _int(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise GoldError(f"{what} must be an integer, not {value!r}")
    return value


def _value(doc: str, text: str, name: str, raw: object) -> Value:
    if not isinstance(raw, dict):
        raise GoldError(f"field {name!r} must be an object {{text, start, end}}")
    if "start" in raw or "end" in raw:
        start = _int(raw.get("start"), f"field {name!r} start")
        end = _int(raw.get("end"), f"field {name!r} end")
        if not 0 <= start <= end <= len(text):
            raise GoldError(f"field {name!r} span [{start}, {end}) is outside the text")
        ftext = raw.get("text", text[start:end])
        if ftext != text[start:end]:
            raise GoldError(
                f"field {name!r} text {ftext!r} is not the text at [{start}, {end}): "
                f"{text[start:end]!r}"
            )
        return Value(text[start:end], start, end)
    if not isinstance(raw.get("text"), str):
        raise GoldError(f"field {name!r} needs a text or a start and end")
    return Value(raw["text"])


def _gold_record(doc: str, text: str, raw: object) -> Item:
    if not isinstance(raw, dict):
        raise GoldError("each record must be a JSON object")
    rtype = raw.get("type")
    if not isinstance(rtype, str) or not rtype:
        raise GoldError("a record needs a `type` (a string)")
    start = _int(raw.get("start"), "record start")
    end = _int(raw.get("end"), "record end")
    if not 0 <= start <= end <= len(text):
        raise GoldError(f"record span [{start}, {end}) is outside the text")
    if "text" in raw and raw["text"] != text[start:end]:
        raise GoldError(
            f"record text {raw['text']!r} is not the text at [{start}, {end}): {text[start:end]!r}"
        )
    raw_fields = raw.get("fields") or {}
    if not isinstance(raw_fields, dict):
        raise GoldError("`fields` must be an object")
    fields = {str(n): _value(doc, text, str(n), v) for n, v in sorted(raw_fields.items())}
    return Item(doc, rtype, start, end, text[start:end], fields)


def parse_gold(lines: Iterable[str], origin: str = "<gold>") -> list[GoldDoc]:
    """Gold documents from JSON lines; raises GoldError naming `origin:line`."""
    docs: list[GoldDoc] = []
    seen: set[str] = set()
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict):
                raise GoldError("each line must be a JSON object {id, text, records}")
            doc_id, text = obj.get("id"), obj.get("text")
            if not isinstance(doc_id, str) or not isinstance(text, str):
                raise GoldError("a document needs an `id` and a `text` (strings)")
            if doc_id in seen:
                raise GoldError(f"document id {doc_id!r} appears twice")
            seen.add(doc_id)
            raw_records = obj.get("records", [])
            if not isinstance(raw_records, list):
                raise GoldError("`records` must be a list")
            records = tuple(_gold_record(doc_id, text, r) for r in raw_records)
        except json.JSONDecodeError as exc:
            raise GoldError(f"{origin}:{n}: not valid JSON: {exc.msg}") from None
        except GoldError as exc:
            raise GoldError(f"{origin}:{n}: {exc}") from None
        docs.append(GoldDoc(doc_id, text, records))
    return docs


def load_gold(path: Path) -> list[GoldDoc]:
    """Read a gold JSONL file (see docs/evaluation.md)."""
    try:
        with open(path, encoding="utf-8") as f:
            return parse_gold(f, str(path))
    except OSError as exc:
        raise GoldError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise GoldError(f"{path}: not valid UTF-8") from None


# ---- matching -----------------------------------------------------------------------------


def _overlap(a_start: int, a_end: int, b_start: int, b_end: int) -> int:
    return min(a_end, b_end) - max(a_start, b_start)


def match(gold: Sequence[Item], predicted: Sequence[Item], mode: Mode) -> list[tuple[int, int]]:
    """One-to-one pairs (gold index, predicted index) of records of the same type.

    Candidates are taken largest overlap first, then by gold and predicted position, so
    the result does not depend on the order of the inputs beyond their spans.
    """
    candidates: list[tuple[int, int, int, int, int, int]] = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(predicted):
            if g.type != p.type or g.doc != p.doc:
                continue
            if mode == "exact":
                if (g.start, g.end) != (p.start, p.end):
                    continue
                size = g.end - g.start
            else:
                size = _overlap(g.start, g.end, p.start, p.end)
                if size <= 0:
                    continue
            candidates.append((-size, g.start, p.start, p.end, gi, pi))
    candidates.sort()
    used_g: set[int] = set()
    used_p: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for *_, gi, pi in candidates:
        if gi in used_g or pi in used_p:
            continue
        used_g.add(gi)
        used_p.add(pi)
        pairs.append((gi, pi))
    return sorted(pairs)


_SPACE = re.compile(r"\s+")


def field_agrees(gold: Value, predicted: Value, mode: Mode) -> bool:
    """Same text (white space collapsed), or, when both have spans, the same span (exact)
    or overlapping spans (overlap)."""
    if _SPACE.sub(" ", gold.text.strip()) == _SPACE.sub(" ", predicted.text.strip()):
        return True
    if None in (gold.start, gold.end, predicted.start, predicted.end):
        return False
    assert gold.start is not None and gold.end is not None
    assert predicted.start is not None and predicted.end is not None
    if mode == "exact":
        return (gold.start, gold.end) == (predicted.start, predicted.end)
    return _overlap(gold.start, gold.end, predicted.start, predicted.end) > 0


# ---- scoring ------------------------------------------------------------------------------


def _subtype(item: Item, subtype_field: str | None) -> str | None:
    if not subtype_field:
        return None
    v = item.fields.get(subtype_field)
    return None if v is None else f"{item.type}[{subtype_field}={v.text}]"


def _score_group(
    gold: Sequence[Item],
    predicted: Sequence[Item],
    rows: dict[str, Row],
    name: str,
    *,
    fields: frozenset[str],
    fp_items: dict[str, list[Item]] | None,
) -> None:
    row = rows.setdefault(name, Row(name))
    row.gold += len(gold)
    row.predicted += len(predicted)
    for mode in MODES:
        pairs = match(gold, predicted, mode)
        c = row.scores[mode]
        c.tp += len(pairs)
        c.fp += len(predicted) - len(pairs)
        c.fn += len(gold) - len(pairs)
        matched_p = {pi for _, pi in pairs}
        if fp_items is not None:
            fp_items[mode].extend(p for pi, p in enumerate(predicted) if pi not in matched_p)
        if not fields:
            continue
        matched_g = {gi for gi, _ in pairs}
        for gi, pi in pairs:
            g, p = gold[gi], predicted[pi]
            for fname in sorted((set(g.fields) | set(p.fields)) & fields):
                fc = _field_row(rows, name, fname, g, p, first=mode == "exact").scores[mode]
                gv, pv = g.fields.get(fname), p.fields.get(fname)
                if gv is not None and pv is not None and field_agrees(gv, pv, mode):
                    fc.tp += 1
                    continue
                if pv is not None:
                    fc.fp += 1
                if gv is not None:
                    fc.fn += 1
        for gi, g in enumerate(gold):
            if gi not in matched_g:
                for fname in sorted(fields & set(g.fields)):
                    _field_row(rows, name, fname, g, None, first=mode == "exact")
                    rows[f"{name}.{fname}"].scores[mode].fn += 1
        for pi, p in enumerate(predicted):
            if pi not in matched_p:
                for fname in sorted(fields & set(p.fields)):
                    _field_row(rows, name, fname, None, p, first=mode == "exact")
                    rows[f"{name}.{fname}"].scores[mode].fp += 1


def _field_row(
    rows: dict[str, Row], name: str, fname: str, g: Item | None, p: Item | None, *, first: bool
) -> Row:
    row = rows.setdefault(f"{name}.{fname}", Row(f"{name}.{fname}"))
    if first:  # count field occurrences once (in the first mode scored)
        row.gold += g is not None and fname in g.fields
        row.predicted += p is not None and fname in p.fields
    return row


def score(
    gold_docs: Sequence[GoldDoc],
    predicted: Mapping[str, Sequence[Item]],
    *,
    types: Sequence[str] | None = None,
    subtype_field: str | None = DEFAULT_SUBTYPE_FIELD,
    errors: Sequence[str] = (),
) -> Report:
    """Score predicted records (by document id) against gold documents.

    `types` limits scoring to these record types (default: every type in the gold). Rows
    are per type, per subtype the gold uses (records with a `subtype_field` field, e.g.
    `Quote[kind=direct]`, scored among themselves, with their fields) and per field
    (`Quote.source`).
    """
    if types is None:
        wanted = sorted({r.type for d in gold_docs for r in d.records})
    else:
        wanted = sorted(set(types))
    keep = set(wanted)
    # a field is scored when the gold has it on some record of the type
    gold_fields = {
        t: frozenset(n for d in gold_docs for r in d.records if r.type == t for n in r.fields)
        for t in wanted
    }
    # subtypes the gold uses: a kind the gold never marks (Org[kind=company] against
    # CoNLL) would only add rows with no gold records
    gold_subtypes = {
        t: {
            s
            for d in gold_docs
            for r in d.records
            if r.type == t
            if (s := _subtype(r, subtype_field))
        }
        for t in wanted
    }
    rows: dict[str, Row] = {}
    for t in wanted:
        rows[t] = Row(t)
    fp_items: dict[str, list[Item]] = {m: [] for m in MODES}
    for doc in gold_docs:
        gold = [r for r in doc.records if r.type in keep]
        pred = [r for r in predicted.get(doc.id, ()) if r.type in keep]
        for t in wanted:
            g_t = [r for r in gold if r.type == t]
            p_t = [r for r in pred if r.type == t]
            if not g_t and not p_t:
                continue
            _score_group(g_t, p_t, rows, t, fields=gold_fields[t], fp_items=fp_items)
            for s in sorted(gold_subtypes[t]):
                g_s = [r for r in g_t if _subtype(r, subtype_field) == s]
                p_s = [r for r in p_t if _subtype(r, subtype_field) == s]
                sub_fields = gold_fields[t] - {subtype_field or ""}
                _score_group(g_s, p_s, rows, s, fields=sub_fields, fp_items=None)
    return Report(
        documents=len(gold_docs),
        types=wanted,
        rows=[rows[k] for k in sorted(rows, key=_row_order)],
        false_positives=_false_positives(fp_items),
        errors=list(errors),
    )


def _row_order(name: str) -> tuple[str, int, str]:
    # a type, then its fields, then its subtypes (each followed by its fields)
    base = re.split(r"[.\[]", name, maxsplit=1)[0]
    kind = 0 if name == base else (1 if name[len(base)] == "." else 2)
    return (base, kind, name)


def _example(item: Item, width: int = 70) -> str:
    shown = _SPACE.sub(" ", item.text)
    if len(shown) > width:
        shown = shown[: width - 3] + "..."
    return f"{item.doc}@{item.start}: {shown!r}"


def _false_positives(fp_items: dict[str, list[Item]]) -> list[RuleFalsePositives]:
    by_rule: dict[tuple[str, str], RuleFalsePositives] = {}
    for mode in MODES:
        for item in sorted(fp_items[mode], key=lambda i: (i.doc, i.start, i.end, i.type)):
            key = (item.rule or "?", item.source or "?")
            entry = by_rule.setdefault(key, RuleFalsePositives(*key))
            if mode == "exact":
                entry.exact += 1
            else:
                entry.overlap += 1
            if not entry.example or (mode == "overlap" and entry.overlap == 1):
                # prefer a record that overlaps no gold record at all: the clearest example
                entry.example = _example(item)
    return sorted(by_rule.values(), key=lambda e: (-e.exact, -e.overlap, e.rule, e.source))


# ---- running a pack -----------------------------------------------------------------------


def predict(
    pack: CompiledPack,
    gold_docs: Sequence[GoldDoc],
    *,
    timeout: float | None = None,
    advance: Callable[[], None] | None = None,
) -> tuple[dict[str, list[Item]], list[str]]:
    """Run the pack over the gold documents' texts; a document whose rules time out is
    reported in the error list and scored with no predictions. `advance` is called after
    each document (a progress bar)."""
    from ie.runtime import DEFAULT_TIMEOUT, Engine, RuleTimeout

    engine = Engine(pack, timeout=DEFAULT_TIMEOUT if timeout is None else timeout)
    out: dict[str, list[Item]] = {}
    errors: list[str] = []
    for doc in gold_docs:
        try:
            records = engine.extract(doc.id, doc.text)
        except RuleTimeout as exc:
            errors.append(f"document {doc.id!r}: {exc}")
            records = []
        out[doc.id] = [Item.from_record(r) for r in records]
        if advance is not None:
            advance()
    return out, errors


def evaluate(
    pack: CompiledPack,
    gold_docs: Sequence[GoldDoc],
    *,
    types: Sequence[str] | None = None,
    subtype_field: str | None = DEFAULT_SUBTYPE_FIELD,
    timeout: float | None = None,
    advance: Callable[[], None] | None = None,
) -> Report:
    """Run `pack` over the gold documents and score its records."""
    predicted, errors = predict(pack, gold_docs, timeout=timeout, advance=advance)
    return score(gold_docs, predicted, types=types, subtype_field=subtype_field, errors=errors)


# ---- rendering ----------------------------------------------------------------------------


def render(report: Report, *, top: int = 10) -> str:
    """The report as text: a table of P/R/F1 per row and mode, then the rules behind the
    false positives."""
    head = (
        f"{'':<28} {'gold':>6} {'pred':>6}  "
        f"{'exact P':>7} {'R':>6} {'F1':>6}  {'overlap P':>9} {'R':>6} {'F1':>6}"
    )
    lines = [f"{report.documents} documents, types: {', '.join(report.types) or '-'}", "", head]
    for row in report.rows:
        e, o = row.scores["exact"], row.scores["overlap"]
        indent = "  " if row.name not in report.types else ""
        name = indent + row.name
        lines.append(
            f"{name:<28} {row.gold:>6} {row.predicted:>6}  "
            f"{e.precision:>7.3f} {e.recall:>6.3f} {e.f1:>6.3f}  "
            f"{o.precision:>9.3f} {o.recall:>6.3f} {o.f1:>6.3f}"
        )
    fps = [f for f in report.false_positives if f.exact or f.overlap][:top]
    if top > 0 and fps:
        lines.append("")
        lines.append("false positives by rule (exact / overlap), with an example:")
        for f in fps:
            lines.append(f"  {f.exact:>5} / {f.overlap:<5} {f.rule} ({f.source})")
            lines.append(f"                e.g. {f.example}")
    elif top > 0:
        lines.extend(["", "no false positives"])
    for err in report.errors:
        lines.append(f"error: {err}")
    return "\n".join(lines) + "\n"


def write_json(report: Report, path: Path) -> None:
    """The report as JSON (sorted keys, stable): for tracking scores over time."""
    path.write_text(
        json.dumps(report.to_json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
