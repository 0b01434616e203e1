"""Self-testing rules: run every `example` and `not` clause of a compiled pack.

An `example TEXT -> Type(field="v")` passes when the whole pack, run on TEXT, keeps a
record of that type from that rule whose fields have those texts (after overlap policies,
so an example also proves the rule survives its competitors). A `not TEXT` passes when the
rule keeps no record on TEXT. Failures are diagnostics at the clause's own position,
showing expected against actual.
"""

from __future__ import annotations

from ie.diagnostics import Diagnostic, Span, did_you_mean
from ie.program import CompiledPack, CompiledRule, ExampleSpec
from ie.records import Record
from ie.runtime import DEFAULT_TIMEOUT, Engine, RuleTimeout


def describe(record: Record) -> str:
    fields = ", ".join(f'{k}="{v.text}"' for k, v in record.fields.items())
    return f'{record.type}({fields}) on "{record.text}"'


def _expected(spec: ExampleSpec) -> str:
    fields = ", ".join(f'{k}="{v}"' for k, v in spec.fields)
    return f"{spec.type}({fields})"


def _span(rule: CompiledRule, spec: ExampleSpec) -> Span:
    return Span(rule.path, spec.line, spec.col, spec.end_line, spec.end_col, 0, 0)


def _name_hint(rule: CompiledRule, spec: ExampleSpec) -> str | None:
    """A likely typo in the example's type or field names."""
    if spec.type != rule.type:
        return did_you_mean(spec.type or "", [rule.type]) or (
            f"rule `{rule.name}` yields {rule.type}, not {spec.type}"
        )
    names = [name for name, _ in rule.fields]
    for field, _ in spec.fields:
        if field not in names:
            return did_you_mean(field, names) or f"{rule.type} has the fields: " + ", ".join(names)
    return None


def _fits(record: Record, spec: ExampleSpec) -> bool:
    if record.type != spec.type:
        return False
    return all(name in record.fields and record.fields[name].text == v for name, v in spec.fields)


def check_examples(
    pack: CompiledPack, engine: Engine | None = None
) -> tuple[int, list[Diagnostic]]:
    """Run every example clause; return (how many ran, diagnostics for the failures)."""
    # examples may show records of internal types: the engine that checks them keeps those
    if engine is None or not engine.keep_internal:
        engine = Engine(
            pack, keep_internal=True, timeout=engine.timeout if engine else DEFAULT_TIMEOUT
        )
    cache: dict[str, list[Record] | str] = {}
    diags: list[Diagnostic] = []
    ran = 0
    for rule in pack.rules:
        for spec in rule.examples:
            ran += 1
            got = cache.get(spec.text)
            if got is None:
                try:
                    got = engine.extract("example", spec.text)
                except RuleTimeout as exc:
                    got = str(exc)
                cache[spec.text] = got
            if isinstance(got, str):
                diags.append(
                    Diagnostic("E0401", f"example could not run: {got}", _span(rule, spec))
                )
                continue
            mine = [r for r in got if r.rule == rule.name]
            if spec.type is None:
                if mine:
                    diags.append(
                        Diagnostic(
                            "E0402",
                            f"rule `{rule.name}` matched a `not` example",
                            _span(rule, spec),
                            notes=tuple(f"actual: {describe(r)}" for r in mine),
                            help="tighten the pattern (or drop the `not` if the match is right)",
                        )
                    )
                continue
            if any(_fits(r, spec) for r in mine):
                continue
            actual = [f"actual: {describe(r)}" for r in mine] or [
                f"actual: rule `{rule.name}` kept no record on this text"
            ]
            others = [r for r in got if r.rule != rule.name and r.type == spec.type]
            actual += [f"other rules gave: {describe(r)} (rule `{r.rule}`)" for r in others[:3]]
            diags.append(
                Diagnostic(
                    "E0401",
                    f"example of rule `{rule.name}` did not produce the expected record",
                    _span(rule, spec),
                    notes=(f"expected: {_expected(spec)}", *actual),
                    help=_name_hint(rule, spec),
                )
            )
    return ran, diags
