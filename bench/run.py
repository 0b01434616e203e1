"""The ie benchmark: speed, memory and correctness targets G1-G9 in one command.

    python bench/run.py --corpus PATH|generated [--quick] [--json FILE] [--markdown FILE]

What it measures and why: ie must be much faster than the obvious alternative (spaCy's
tokenizer and Matcher) while giving the same matches, must stay fast as rule packs grow,
and must be cheap to start and to run over large inputs. Every target is a ratio measured
in the same run on the same machine, so results can be compared across machines:

    G1  ie's tokenizer (with offsets) vs spaCy's blank("en") tokenizer, tokens/s
    G2  whole pipeline in process (read JSONL, tokenize, match, write JSONL) vs spaCy
        tokenizer + Matcher with the same rules, at 100 and 1000 rules
    G3  that pipeline vs reading + tokenizing alone (the ceiling), at 100 and 1000 rules
    G4  throughput at 10 rules / throughput at 1000 rules
    G5  a large lexicon: run time with it vs without; cold compile; cached load
    G6  `ie run` of a 100-rule pack on one short document, whole process
    G7  `ie run --jobs 2` vs `--jobs 1` on the corpus, identical output
    G8  peak RSS of `ie run` streaming the corpus, and the corpus four times over
    G9  records of the generated rule sets vs spaCy Matcher's matches on the same tokens,
        under the semantics mapping of docs/performance.md; 0 differences

Rule sets of 1, 10, 100 and 1000 rules are generated from corpus statistics by
bench/rulegen.py (written to a temporary directory, never stored). The planner-off engine
runs as a baseline at every size and must give the same records as the planner.
Timings: one warm-up pass, then several passes (median, min-max), `gc.freeze()` after
setup; a configuration whose pass would run too long is timed on an evenly spaced subset
of the documents (the `docs` column). Throughput is always "denominator tokens" (spaCy's
non-whitespace tokens of the documents processed) per second, whatever is being timed.

Exit status: 0; 1 when a correctness check fails (G9 differences, planner on != off),
never because of a timing; 2 when the corpus does not exist.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import gc
import io
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import corpus_gen
import rulegen

from ie.compiler import compile_pack
from ie.runtime import Engine
from ie.tokenizer import tokenize

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MB = 1024 * 1024

SHORT_DOC = (
    "Haftar's spokesman Ahmed Mesmari said on Friday that talks with the UN in Geneva had "
    "stalled. The Libyan National Army (LNA) controls most of the east, including the city "
    "of Benghazi, and its commander met Prime Minister Fayez al-Sarraj in Abu Dhabi in 2019.\n"
    "\nOil output rose 12 per cent to 1.2 million barrels a day, the National Oil Corporation "
    "said, while the central bank's governor warned that prices could fall again.\n"
)

TARGETS: dict[str, str] = {
    "G1": ">= 1.5",
    "G2": ">= 10 at 100 rules, >= 30 at 1000 rules",
    "G3": ">= 0.7 at 100 rules, >= 0.5 at 1000 rules",
    "G4": "<= 2",
    "G5": "ratio <= 1.3; cold compile <= 5 s; cached load <= 0.5 s",
    "G6": "<= 0.3 s",
    "G7": ">= 1.7, identical output",
    "G8": "<= 100 MB; no growth at 4x",
    "G9": "0 differences",
}
WHAT: dict[str, str] = {
    "G1": "tokenizer with offsets vs spaCy `blank('en')` tokenizer (tokens/s ratio)",
    "G2": "end to end (JSONL in, JSONL out) vs spaCy tokenizer + Matcher",
    "G3": "end to end vs reading + tokenizing alone (the ceiling)",
    "G4": "throughput at 10 rules / at 1000 rules",
    "G5": "1M-entry lexicon: run time with / without; cold compile; cached load",
    "G6": "`ie run` 100 rules, one short document, whole process (cache warm)",
    "G7": "`ie run --jobs 2` vs `--jobs 1` on the corpus (speed-up)",
    "G8": "peak RSS of `ie run` over the corpus; over the corpus 4x",
    "G9": "records vs spaCy Matcher on the same tokens (differences)",
}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ---- configuration and corpus -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Config:
    quick: bool
    sizes: tuple[int, ...]
    lexicon_size: int
    max_pass_s: float  # a pass estimated longer than this runs on an evenly spaced subset
    budget_s: float  # time for the timed passes of one configuration
    min_passes: int
    max_passes: int
    quick_docs: int = 200
    cli_reps: int = 5
    cli_docs: int = 0  # --quick: documents given to `ie run` (0: the whole corpus)
    check_step: int = 0  # G9 / planner check on every n-th document (0: 1, or 3 at 1000 rules)


FULL = Config(False, (1, 10, 100, 1000), 1_000_000, 5.0, 15.0, 3, 7)
QUICK = Config(True, (1, 10, 100), 10_000, 0.4, 0.8, 3, 3, cli_reps=3, cli_docs=40)


@dataclass(slots=True)
class Corpus:
    path: Path  # the JSONL file `ie run` reads (the subset file under --quick)
    lines: list[str]  # raw JSONL lines, read in place
    ids: list[str]
    texts: list[str]
    tokens: list[int] = field(default_factory=list)  # denominator tokens per document
    denominator: str = "ie tokens"

    def count(self, idx: Sequence[int]) -> int:
        return sum(self.tokens[i] for i in idx)


def load_corpus(path: Path, cfg: Config, tmp: Path) -> Corpus:
    with open(path, encoding="utf-8") as f:
        lines = [line for line in f if line.strip()]
    if cfg.quick and len(lines) > cfg.quick_docs:
        step = len(lines) / cfg.quick_docs
        lines = [lines[int(i * step)] for i in range(cfg.quick_docs)]
        path = tmp / "quick-subset.jsonl"  # under /tmp, deleted with the temp directory
        path.write_text("".join(lines), encoding="utf-8")
    ids, texts = [], []
    for i, line in enumerate(lines):
        d = json.loads(line)
        ids.append(str(d.get("id", i)))
        texts.append(d["text"])
    return Corpus(path, lines, ids, texts)


# ---- timing -----------------------------------------------------------------------------


@dataclass(slots=True)
class Timing:
    label: str
    docs: int
    tokens: int
    times: list[float]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def tps(self) -> float:
        return self.tokens / self.median if self.median > 0 else float("inf")

    @property
    def tps_fastest(self) -> float:
        """Throughput of the fastest pass: interference from other work on the host only
        ever slows a pass down, so this moves less between runs than the median."""
        best = min(self.times)
        return self.tokens / best if best > 0 else float("inf")

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "docs": self.docs,
            "tokens": self.tokens,
            "median_s": round(self.median, 4),
            "min_s": round(min(self.times), 4),
            "max_s": round(max(self.times), 4),
            "passes": len(self.times),
            "tokens_per_s": round(self.tps),
            **self.extra,
        }


Pass = Callable[[Sequence[int]], object]


def choose(run: Pass, idx: Sequence[int], corpus: Corpus, cfg: Config) -> list[int]:
    """`idx`, or an evenly spaced subset of it when a pilot says a pass would run too long."""
    chosen = list(idx)
    pilot = chosen[::20] or chosen[:1]
    t0 = time.perf_counter()
    run(pilot)
    est = (time.perf_counter() - t0) * corpus.count(chosen) / max(1, corpus.count(pilot))
    if est > cfg.max_pass_s:
        chosen = chosen[:: math.ceil(est / cfg.max_pass_s)]
    return chosen


Item = tuple[str, Pass, Sequence[int], bool]  # label, pass, documents, fixed (no subset)


def measure_group(items: Sequence[Item], corpus: Corpus, cfg: Config) -> list[Timing]:
    """Time several configurations with their passes interleaved (A B C, A B C, ...), so
    that a change in the machine's load hits all of them alike and their ratios hold.

    Each gets its documents (`idx`, or a subset of it chosen by `choose`), one warm-up
    pass, then the same number of timed passes (3-7, within `budget_s` per configuration).
    """
    chosen = [list(idx) if fixed else choose(run, idx, corpus, cfg) for _, run, idx, fixed in items]
    warm = 0.0
    for (_, run, _, _), ch in zip(items, chosen, strict=True):
        gc.collect()
        t0 = time.perf_counter()
        run(ch)
        warm += time.perf_counter() - t0
    n = round(cfg.budget_s * len(items) / max(warm, 1e-3))
    n = max(cfg.min_passes, min(cfg.max_passes, n))
    times: list[list[float]] = [[] for _ in items]
    for _ in range(n):
        for j, ((_, run, _, _), ch) in enumerate(zip(items, chosen, strict=True)):
            gc.collect()
            t0 = time.perf_counter()
            run(ch)
            times[j].append(time.perf_counter() - t0)
    out = []
    for (label, _, _, _), ch, ts in zip(items, chosen, times, strict=True):
        t = Timing(label, len(ch), corpus.count(ch), ts)
        log(f"  {label}: {t.tps / 1000:,.0f} k tok/s ({t.docs} docs, {n} passes)")
        out.append(t)
    return out


def measure(
    label: str,
    run: Pass,
    idx: Sequence[int],
    corpus: Corpus,
    cfg: Config,
    *,
    fixed: bool = False,
) -> Timing:
    """Warm up, then time `run` over `idx` (or a subset of it chosen by `choose`)."""
    return measure_group([(label, run, idx, fixed)], corpus, cfg)[0]


# ---- pipelines ---------------------------------------------------------------------------


def read_only(corpus: Corpus) -> Pass:
    lines, loads = corpus.lines, json.loads

    def run(idx: Sequence[int]) -> object:
        for i in idx:
            loads(lines[i])["text"]
        return None

    return run


def read_tokenize(corpus: Corpus) -> Pass:
    lines, loads = corpus.lines, json.loads

    def run(idx: Sequence[int]) -> object:
        for i in idx:
            tokenize(loads(lines[i])["text"])
        return None

    return run


def ours_pipeline(engine: Engine, corpus: Corpus, *, write: bool = True) -> Pass:
    """Read JSONL, tokenize, match, serialise every record as JSONL to a StringIO."""
    lines, loads = corpus.lines, json.loads

    def run(idx: Sequence[int]) -> object:
        out = io.StringIO()
        w = out.write
        extract = engine.extract
        for i in idx:
            d = loads(lines[i])
            recs = extract(str(d.get("id", i)), d["text"])
            if write:
                for r in recs:
                    w(r.to_jsonl())
                    w("\n")
        return out

    return run


def ours_match_only(engine: Engine, corpus: Corpus) -> Pass:
    """Read JSONL, tokenize, match; no serialisation (for the stage breakdown)."""
    lines, loads = corpus.lines, json.loads
    extract_doc = getattr(engine, "extract_doc", None)

    def run(idx: Sequence[int]) -> object:
        for i in idx:
            d = loads(lines[i])
            if extract_doc is not None:
                extract_doc(str(d.get("id", i)), tokenize(d["text"]))
            else:
                engine.extract(str(d.get("id", i)), d["text"])
        return None

    return run


def spacy_pipeline(nlp: Any, matcher: Any, corpus: Corpus) -> Pass:
    """The same pipeline with spaCy: tokenizer + Matcher + json.dumps of each match."""
    lines, loads, dumps = corpus.lines, json.loads, json.dumps
    tok, strings = nlp.tokenizer, nlp.vocab.strings

    def run(idx: Sequence[int]) -> object:
        out = io.StringIO()
        w = out.write
        for i in idx:
            d = loads(lines[i])
            did = str(d.get("id", i))
            doc = tok(d["text"])
            for mid, s, e in matcher(doc):
                span = doc[s:e]
                w(
                    dumps(
                        {
                            "doc": did,
                            "rule": strings[mid],
                            "start": span.start_char,
                            "end": span.end_char,
                            "text": span.text,
                        },
                        ensure_ascii=False,
                    )
                )
                w("\n")
        return out

    return run


# ---- results -----------------------------------------------------------------------------


def target(value: Any, ok: bool | None, detail: dict[str, Any], key: str) -> dict[str, Any]:
    return {"value": value, "target": TARGETS[key], "ok": bool(ok), "detail": detail}


def not_built(key: str, why: str) -> dict[str, Any]:
    return target(None, False, {"note": why}, key)


def r2(x: float | None, nd: int = 2) -> float | None:
    return None if x is None else round(x, nd)


# ---- the benchmark -----------------------------------------------------------------------


@dataclass(slots=True)
class RuleSet:
    k: int
    rules: list[rulegen.BenchRule]
    path: Path
    compile_s: float
    engine: Engine
    engine_off: Engine
    matcher: Any = None
    matcher_s: float = 0.0


class Bench:
    def __init__(self, corpus: Corpus, cfg: Config, tmp: Path, seed: int, corpus_arg: str) -> None:
        self.corpus, self.cfg, self.tmp, self.seed = corpus, cfg, tmp, seed
        self.corpus_arg = corpus_arg
        self.results: dict[str, Any] = {}
        self.rows: dict[str, Any] = {}
        self.failures: list[str] = []
        self.notes: list[str] = []
        try:
            import spacy

            self.spacy: Any = spacy
            self.nlp: Any = spacy.blank("en")
        except ImportError:
            self.spacy = self.nlp = None
            self.notes.append(
                "spaCy is not installed (`pip install -e '.[bench]'`): spaCy rows and "
                "G1, G2, G9 are skipped."
            )
        self.sets: dict[int, RuleSet] = {}
        self.all = list(range(len(corpus.texts)))

    # -- setup --

    def setup(self) -> None:
        c = self.corpus
        log(f"corpus: {len(c.texts)} documents from {c.path}")
        if self.nlp is not None:
            tok = self.nlp.tokenizer
            c.tokens = [sum(1 for t in tok(text) if not t.is_space) for text in c.texts]
            c.denominator = "spaCy non-whitespace tokens"
        else:
            c.tokens = [len(tokenize(text)) for text in c.texts]
        log(f"denominator: {sum(c.tokens):,} {c.denominator}")
        t0 = time.perf_counter()
        self.stats = rulegen.collect_stats(c.texts)
        all_rules = rulegen.generate_rules(self.stats, max(self.cfg.sizes), self.seed)
        log(f"corpus statistics and {len(all_rules)} rules in {time.perf_counter() - t0:.1f} s")
        for k in self.cfg.sizes:
            rules = all_rules[:k]
            path = rulegen.write_pack(rules, self.tmp / f"pack-{k}", name=f"bench-{k}")
            t0 = time.perf_counter()
            pack = compile_pack(path)
            compile_s = time.perf_counter() - t0
            rs = RuleSet(k, rules, path, compile_s, Engine(pack), Engine(pack, planner=False))
            if self.nlp is not None:
                from spacy.matcher import Matcher

                t0 = time.perf_counter()
                rs.matcher = Matcher(self.nlp.vocab)
                for r in rules:
                    rs.matcher.add(r.name, [r.spacy])
                rs.matcher_s = time.perf_counter() - t0
            self.sets[k] = rs
            log(f"  {k} rules: compiled in {compile_s:.2f} s")
        gc.collect()
        gc.freeze()

    # -- G1 --

    def g1(self) -> None:
        log("G1 tokenizer")
        c, cfg = self.corpus, self.cfg
        odd, even = self.all[1::2] or self.all, self.all[0::2]

        def ours(idx: Sequence[int]) -> object:
            for i in idx:
                tokenize(c.texts[i])
            return None

        if self.spacy is None:
            t_ours = measure("ie tokenize (offsets, sentences)", ours, odd, c, cfg, fixed=True)
            self.rows["tokenizer"] = [t_ours.to_json()]
            self.results["G1"] = not_built("G1", "spaCy not installed")
            return
        ours(odd)  # warm-up
        times: list[float] = []
        sp_times: list[float] = []
        for _ in range(5 if not cfg.quick else 3):  # ie and spaCy passes alternate
            gc.collect()
            t0 = time.perf_counter()
            ours(odd)
            times.append(time.perf_counter() - t0)
            nlp = self.spacy.blank("en")
            tok = nlp.tokenizer
            for i in even:  # warm spaCy's cache on other documents of the same corpus
                tok(c.texts[i])
            gc.collect()
            t0 = time.perf_counter()
            for i in odd:
                tok(c.texts[i])
            sp_times.append(time.perf_counter() - t0)
        t_ours = Timing("ie tokenize (offsets, sentences)", len(odd), c.count(odd), times)
        t_sp = Timing(
            "spaCy blank('en') tokenizer (cache warmed on even docs)",
            len(odd),
            c.count(odd),
            sp_times,
        )
        self.rows["tokenizer"] = [t_ours.to_json()]
        log(f"  {t_ours.label}: {t_ours.tps / 1000:,.0f} k tok/s")
        log(f"  {t_sp.label}: {t_sp.tps / 1000:,.0f} k tok/s")
        self.rows["tokenizer"].append(t_sp.to_json())
        v = t_ours.tps / t_sp.tps
        self.results["G1"] = target(
            r2(v),
            v >= 1.5,
            {"ie": t_ours.to_json(), "spacy": t_sp.to_json(), "timed_on": "odd documents"},
            "G1",
        )

    # -- G2 / G3 / G4 --

    def throughput(self) -> None:
        log("G2/G3/G4 throughput, whole pipeline in process")
        c, cfg = self.corpus, self.cfg
        items: list[Item] = [("read + tokenize", read_tokenize(c), self.all, False)]
        keys: list[tuple[int, str]] = []
        for k, rs in self.sets.items():
            items.append((f"ie {k} rules", ours_pipeline(rs.engine, c), self.all, False))
            keys.append((k, "on"))
            items.append(
                (f"ie {k} rules, planner off", ours_pipeline(rs.engine_off, c), self.all, False)
            )
            keys.append((k, "off"))
            if rs.matcher is not None:
                items.append(
                    (f"spaCy {k} rules", spacy_pipeline(self.nlp, rs.matcher, c), self.all, False)
                )
                keys.append((k, "spacy"))
        timings = measure_group(items, c, cfg)
        tok = timings[0]
        self.tp: dict[int, dict[str, Timing]] = defaultdict(dict)
        for (k, name), t in zip(keys, timings[1:], strict=True):
            self.tp[k][name] = t
        rows: list[dict[str, Any]] = []
        for k, got in self.tp.items():
            rs = self.sets[k]
            row: dict[str, Any] = {
                "rules": k,
                "compile_s": round(rs.compile_s, 3),
                "spacy_matcher_build_s": round(rs.matcher_s, 3),
                **{name: t.to_json() for name, t in got.items()},
                "vs_spacy": r2(got["on"].tps / got["spacy"].tps) if "spacy" in got else None,
                "vs_tokenize": r2(got["on"].tps / tok.tps),
                "planner_speedup": r2(got["on"].tps / got["off"].tps),
            }
            rows.append(row)
        self.rows["throughput"] = rows
        self.rows["tokenize_alone"] = tok.to_json()

        def ratio_at(k: int, other: str) -> float | None:
            if k not in self.tp:
                return None
            if other == "spacy":
                sp = self.tp[k].get("spacy")
                return None if sp is None else self.tp[k]["on"].tps / sp.tps
            return self.tp[k]["on"].tps / tok.tps

        g2 = {f"k{k}": r2(ratio_at(k, "spacy"), 1) for k in (100, 1000)}
        g3 = {f"k{k}": r2(ratio_at(k, "tok")) for k in (100, 1000)}
        if self.spacy is None:
            self.results["G2"] = not_built("G2", "spaCy not installed")
        else:
            ok2 = all(v is not None for v in g2.values()) and (
                (g2["k100"] or 0) >= 10 and (g2["k1000"] or 0) >= 30
            )
            self.results["G2"] = target(
                g2,
                ok2,
                {"note": "1000 rules not run (--quick)"} if 1000 not in self.tp else {},
                "G2",
            )
        ok3 = all(v is not None for v in g3.values()) and (
            (g3["k100"] or 0) >= 0.7 and (g3["k1000"] or 0) >= 0.5
        )
        fastest3 = {
            f"k{k}": r2(self.tp[k]["on"].tps_fastest / tok.tps_fastest)
            for k in (100, 1000)
            if k in self.tp
        }
        self.results["G3"] = target(
            g3,
            ok3,
            {"tokenize_alone_tokens_per_s": round(tok.tps), "fastest_passes": fastest3},
            "G3",
        )
        if 10 in self.tp and 1000 in self.tp:
            v = self.tp[10]["on"].tps / self.tp[1000]["on"].tps
            self.results["G4"] = target(
                r2(v),
                v <= 2,
                {
                    "tokens_per_s_10": round(self.tp[10]["on"].tps),
                    "tokens_per_s_1000": round(self.tp[1000]["on"].tps),
                    "fastest_passes": r2(
                        self.tp[10]["on"].tps_fastest / self.tp[1000]["on"].tps_fastest
                    ),
                },
                "G4",
            )
        else:
            self.results["G4"] = not_built("G4", "needs 1000 rules (not run with --quick)")

    def stages(self) -> None:
        """Where the time goes: read, tokenize, match, serialise (cumulative passes)."""
        log("stage breakdown")
        c, cfg = self.corpus, self.cfg
        out = []
        for k in sorted({100, max(self.sets)} & set(self.sets)):
            rs = self.sets[k]
            idx = choose(ours_pipeline(rs.engine, c), self.all, c, cfg)
            # the same documents for every stage
            timed = measure_group(
                [
                    (f"stages {k}: read", read_only(c), idx, True),
                    (f"stages {k}: +tokenize", read_tokenize(c), idx, True),
                    (f"stages {k}: +match", ours_match_only(rs.engine, c), idx, True),
                    (f"stages {k}: +serialise", ours_pipeline(rs.engine, c), idx, True),
                ],
                c,
                cfg,
            )
            parts = dict(zip(("read", "tokenize", "match", "all"), timed, strict=True))
            total = parts["all"].median
            # each stage is the difference of two cumulative medians, clipped at 0 (a stage
            # smaller than the noise can come out negative); shares are of their sum
            prev = 0.0
            cost: dict[str, float] = {}
            for name in ("read", "tokenize", "match", "all"):
                m = parts[name].median
                cost["serialise" if name == "all" else name] = max(0.0, m - prev)
                prev = m
            whole = sum(cost.values()) or 1.0
            row: dict[str, Any] = {"rules": k, "docs": len(idx), "total_s": round(total, 4)}
            for stage, sec in cost.items():
                row[stage] = {"s": round(sec, 4), "share": round(sec / whole, 3)}
            out.append(row)
        self.rows["stages"] = out

    # -- G9 + planner check --

    def correctness(self) -> None:
        log("G9 correctness: spaCy equivalence and planner on == off")
        c = self.corpus
        per_size: dict[str, Any] = {}
        total_diff = 0
        planner_bad = 0
        examples: list[dict[str, Any]] = []
        planner_examples: list[str] = []
        doc_cls = None
        if self.spacy is not None:
            from spacy.tokens import Doc as SpacyDoc

            doc_cls = SpacyDoc
        for k, rs in self.sets.items():
            step = self.cfg.check_step or (3 if k >= 1000 and not self.cfg.quick else 1)
            idx = self.all[::step]
            t0 = time.perf_counter()
            diff = ours_n = ref_n = raw_n = crossing = pdocs = 0
            strings = self.nlp.vocab.strings if self.nlp is not None else None
            for i in idx:
                text, did = c.texts[i], c.ids[i]
                on = rs.engine.extract(did, text)
                off = rs.engine_off.extract(did, text)
                if [r.to_jsonl() for r in on] != [r.to_jsonl() for r in off]:
                    pdocs += 1
                    if len(planner_examples) < 5:
                        planner_examples.append(f"{k} rules, doc {did}")
                ours = {(r.rule, r.token_start, r.token_end) for r in on}
                ours_n += len(ours)
                if rs.matcher is None or doc_cls is None or strings is None:
                    continue
                doc = tokenize(text)
                n = len(doc.words)
                spaces = [i2 + 1 < n and doc.ends[i2] < doc.starts[i2 + 1] for i2 in range(n)]
                sdoc = doc_cls(self.nlp.vocab, words=list(doc.words), spaces=spaces)
                sent = [0] * n
                for s_i, (a, b) in enumerate(doc.sentences):
                    for t in range(a, b):
                        sent[t] = s_i
                by_rule: dict[str, list[tuple[int, int]]] = defaultdict(list)
                for mid, s, e in rs.matcher(sdoc):
                    raw_n += 1
                    if sent[s] != sent[e - 1]:
                        crossing += 1
                        continue
                    by_rule[strings[mid]].append((s, e))
                ref: set[tuple[str, int, int]] = set()
                for name, spans in by_rule.items():
                    spans.sort(key=lambda se: (se[0], -se[1]))
                    cur = 0
                    for s, e in spans:
                        if s >= cur:
                            ref.add((name, s, e))
                            cur = e
                ref_n += len(ref)
                d = ours ^ ref
                diff += len(d)
                for rule, s, e in sorted(d)[: max(0, 8 - len(examples))]:
                    pattern = next(r.pattern for r in rs.rules if r.name == rule)
                    examples.append(
                        {
                            "rules": k,
                            "doc": did,
                            "rule": rule,
                            "pattern": pattern,
                            "only_in": "ie" if (rule, s, e) in ours else "spacy",
                            "tokens": [s, e],
                            "text": text[doc.starts[s] : doc.ends[e - 1]],
                        }
                    )
            total_diff += diff
            planner_bad += pdocs
            per_size[f"k{k}"] = {
                "docs": len(idx),
                "ie_matches": ours_n,
                "spacy_all_matches": raw_n,
                "spacy_crossing_sentences": crossing,
                "spacy_selected": ref_n,
                "differences": diff,
                "planner_differing_docs": pdocs,
                "seconds": round(time.perf_counter() - t0, 1),
            }
            log(f"  {k} rules: {diff} differences, planner mismatching docs {pdocs}")
        self.rows["correctness"] = per_size
        if planner_bad:
            self.failures.append(f"planner on != off on {planner_bad} documents")
        detail = {"per_size": per_size, "examples": examples, "planner_examples": planner_examples}
        if self.spacy is None:
            self.results["G9"] = target(
                None, False, {**detail, "note": "spaCy not installed"}, "G9"
            )
            return
        if total_diff:
            self.failures.append(f"{total_diff} differences from spaCy Matcher (G9)")
        self.results["G9"] = target(total_diff, total_diff == 0, detail, "G9")

    # -- G5 --

    def lexicon(self) -> None:
        log(f"G5 lexicon of {self.cfg.lexicon_size:,} entries")
        c, cfg = self.corpus, self.cfg
        base_k = 100 if 100 in self.sets else max(self.sets)
        base = self.sets[base_k]
        t0 = time.perf_counter()
        entries, info = rulegen.generate_lexicon(self.stats, cfg.lexicon_size, self.seed)
        path = rulegen.write_pack(
            base.rules, self.tmp / "pack-lexicon", name="bench-lexicon", lexicon=entries
        )
        del entries
        log(f"  generated and written in {time.perf_counter() - t0:.1f} s")
        gc.collect()
        probe = [(c.ids[i], c.texts[i]) for i in self.all[:: max(1, len(self.all) // 20)]]
        # "ready" times run to the first record of a short document, so that work an engine
        # defers (lazy indexes) is counted where the user waits for it
        t0 = time.perf_counter()
        pack = compile_pack(path)
        cold = time.perf_counter() - t0
        engine = Engine(pack)
        engine_s = time.perf_counter() - t0 - cold
        engine.extract("short", SHORT_DOC)
        cold_ready = time.perf_counter() - t0
        log(f"  cold compile {cold:.2f} s, ready to run {cold_ready:.2f} s")
        expected = [[r.to_jsonl() for r in engine.extract(d, t)] for d, t in probe]
        loader, how = cached_loader()
        cached: float | None = None
        cached_bare: float | None = None
        fill: float | None = None
        if loader is not None:
            t0 = time.perf_counter()
            loader(path)  # fills the cache (a second compile, plus the store)
            fill = time.perf_counter() - t0
            loads, ready = [], []
            for _ in range(3):
                t0 = time.perf_counter()
                got = loader(path)
                loads.append(time.perf_counter() - t0)
                if got is None:
                    self.failures.append("the compiled-pack cache returned nothing")
                    break
                fresh = Engine(got)
                fresh.extract("short", SHORT_DOC)
                ready.append(time.perf_counter() - t0)
                if [[r.to_jsonl() for r in fresh.extract(d, t)] for d, t in probe] != expected:
                    self.failures.append("a pack loaded from the cache gives other records")
                del got, fresh
            if ready:
                cached, cached_bare = statistics.median(ready), statistics.median(loads)
                log(f"  cached load {cached_bare:.3f} s, ready to run {cached:.3f} s ({how})")
        gc.collect()
        gc.freeze()
        idx = choose(ours_pipeline(engine, c), self.all, c, cfg)
        with_lex, without = measure_group(
            [
                (f"ie {base_k} rules + lexicon", ours_pipeline(engine, c), idx, True),
                (f"ie {base_k} rules", ours_pipeline(base.engine, c), idx, True),
            ],
            c,
            cfg,
        )
        hits = sum(
            1
            for i in idx[:200]
            for r in engine.extract(c.ids[i], c.texts[i])
            if r.type in ("LexHit", "LexSaid")
        )
        ratio = with_lex.median / without.median
        rss = max_rss_self()
        del engine, pack
        gc.collect()
        value = {
            "ratio": r2(ratio),
            "cold_compile_s": r2(cold_ready),
            "cached_load_s": r2(cached, 3),
        }
        ok = ratio <= 1.3 and cold_ready <= 5 and cached is not None and cached <= 0.5
        detail = {
            "fastest_passes": r2(min(with_lex.times) / min(without.times)),
            "lexicon": info,
            "base_rules": base_k,
            "with": with_lex.to_json(),
            "without": without.to_json(),
            "engine_build_s": r2(engine_s, 3),
            "cache_api": how,
            "cache_fill_s": r2(fill),
            "compile_pack_s": r2(cold),
            "cache_load_call_s": r2(cached_bare, 3),
            "timing_note": "cold_compile_s and cached_load_s run until the first record of a "
            "short document (compile or load, Engine(pack), one extract); the bare calls are "
            "compile_pack_s and cache_load_call_s",
            "lexicon_records_first_200_docs": hits,
            "bench_process_max_rss_mb": round(rss / MB),
        }
        self.results["G5"] = target(value, ok, detail, "G5")

    # -- G6 / G7 / G8: the command line --

    def cli(self) -> None:
        log("G6/G7/G8 command line")
        cfg, c = self.cfg, self.corpus
        k = 100 if 100 in self.sets else max(self.sets)
        pack = self.sets[k].path
        ie = ie_command()
        short = self.tmp / "short.txt"
        short.write_text(SHORT_DOC, encoding="utf-8")
        out = self.tmp / "g6.jsonl"
        cmd = [*ie, "run", str(pack), str(short), "-o", str(out)]
        cold = run_measured(cmd)
        if cold[2] != 0:
            self.results["G6"] = not_built("G6", f"`ie run` failed with status {cold[2]}")
        else:
            runs = [run_measured(cmd) for _ in range(cfg.cli_reps)]
            walls = [r[0] for r in runs]
            med = statistics.median(walls)
            self.results["G6"] = target(
                r2(med, 3),
                med <= 0.3,
                {
                    "rules": k,
                    "cold_first_run_s": r2(cold[0], 3),
                    "min_s": r2(min(walls), 3),
                    "max_s": r2(max(walls), 3),
                    "peak_rss_mb": r2(max(r[1] for r in runs) / MB, 1),
                    "command": "ie run PACK short.txt -o out.jsonl",
                },
                "G6",
            )
            log(f"  G6 {med:.3f} s (cold {cold[0]:.3f} s)")

        corpus_in = str(c.path)
        lines = c.lines
        if cfg.quick:  # the command line is only smoke-tested in quick mode
            lines = c.lines[: cfg.cli_docs]
            small = self.tmp / "cli-subset.jsonl"
            small.write_text("".join(lines), encoding="utf-8")
            corpus_in = str(small)
        if "--jobs" not in help_text(ie):
            self.results["G7"] = not_built("G7", "`ie run --jobs` is not supported yet")
        else:
            o1, o2 = self.tmp / "jobs1.jsonl", self.tmp / "jobs2.jsonl"
            c1 = [*ie, "run", str(pack), corpus_in, "-o", str(o1), "--jobs", "1"]
            c2 = [*ie, "run", str(pack), corpus_in, "-o", str(o2), "--jobs", "2"]
            w1, w2, cpu1, cpu2 = [], [], [], []
            load = os.getloadavg()[0]
            status = 0
            # five pairs, alternating: one pair on this host can swing by a quarter
            for _ in range(5 if not cfg.quick else 1):
                r1, r2_ = run_measured(c1), run_measured(c2)
                w1.append(r1[0])
                w2.append(r2_[0])
                cpu1.append(r1[3])
                cpu2.append(r2_[3])
                status |= r1[2] | r2_[2]
            same = o1.read_bytes() == o2.read_bytes()
            if not same:
                self.failures.append("`ie run --jobs 2` output differs from --jobs 1")
            sp = statistics.median(w1) / statistics.median(w2)
            self.results["G7"] = target(
                r2(sp),
                sp >= 1.7 and same and status == 0,
                {
                    "identical_output": same,
                    "jobs1_s": r2(statistics.median(w1), 3),
                    "jobs1_cpu_s": r2(statistics.median(cpu1), 3),
                    "jobs2_cpu_s": r2(statistics.median(cpu2), 3),
                    "load_average_before": round(load, 2),
                    "note": "with --jobs 2, CPU seconds / wall seconds near 2 means both cores "
                    "were available; near 1 means other processes held one",
                    "jobs2_s": r2(statistics.median(w2), 3),
                    "output_bytes": o1.stat().st_size,
                    "exit_status": status,
                    "cores": os.cpu_count(),
                    "rules": k,
                },
                "G7",
            )
            log(f"  G7 speed-up {sp:.2f}, identical {same}")
            o1.unlink(missing_ok=True)
            o2.unlink(missing_ok=True)

        once = run_measured([*ie, "run", str(pack), corpus_in, "-o", os.devnull])
        four = self.tmp / "corpus-4x.jsonl"
        with open(four, "w", encoding="utf-8") as f:
            for _ in range(4):
                f.writelines(lines)
        times4 = run_measured([*ie, "run", str(pack), str(four), "-o", os.devnull])
        four.unlink()
        rss1, rss4 = once[1] / MB, times4[1] / MB
        growth = rss4 - rss1
        ok = rss1 <= 100 and growth <= max(5.0, 0.05 * rss1) and once[2] == 0 == times4[2]
        self.results["G8"] = target(
            {"peak_mb": r2(rss1, 1), "peak_mb_4x": r2(rss4, 1), "growth_mb": r2(growth, 1)},
            ok,
            {
                "rules": k,
                "wall_s": r2(once[0], 2),
                "wall_4x_s": r2(times4[0], 2),
                "no_growth_means": "peak_4x - peak <= max(5 MB, 5 %)",
                "measured_with": "ru_maxrss of the `ie run` process (os.wait4, from a small "
                "launcher so the bench's own memory is not inherited)",
            },
            "G8",
        )
        log(f"  G8 {rss1:.1f} MB, 4x {rss4:.1f} MB")

    # -- all --

    def run(self) -> dict[str, Any]:
        started = time.perf_counter()
        self.load_start = [round(x, 2) for x in os.getloadavg()]
        self.setup()
        self.g1()
        self.throughput()
        self.stages()
        self.correctness()
        self.lexicon()
        self.cli()
        meta = environment(self.corpus, self.cfg, self.corpus_arg)
        meta["load_average_at_start"] = self.load_start
        meta["seconds"] = round(time.perf_counter() - started, 1)
        meta["notes"] = self.notes
        report: dict[str, Any] = {"meta": meta}
        for key in TARGETS:
            report[key] = self.results.get(key, not_built(key, "not measured"))
        report["rows"] = self.rows
        report["correctness"] = {"ok": not self.failures, "failures": self.failures}
        return report


# ---- helpers: processes, environment ----------------------------------------------------


def ie_command() -> list[str]:
    script = Path(sys.executable).with_name("ie")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from ie.cli import main; sys.argv[0] = 'ie'; main()"]


def help_text(ie: list[str]) -> str:
    r = subprocess.run([*ie, "run", "--help"], capture_output=True, text=True, env=child_env())
    return r.stdout + r.stderr


def child_env() -> dict[str, str]:
    """The environment of the `ie` runs: Python's bytecode cache on, as for an installed
    `ie` (pip writes it at install, an editable install on first import), kept in the
    bench's temporary folder; a PYTHONDONTWRITEBYTECODE in this shell would otherwise make
    every run compile ie's modules again."""
    env = dict(os.environ)
    env["NO_COLOR"] = "1"
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = os.environ.get("IE_CACHE_DIR", tempfile.gettempdir()) + "-pyc"
    return env


# A small launcher measures each command: the peak RSS the kernel reports for a child
# includes the memory of the process it was forked from, so the child must be forked from a
# small process, not from this one (which holds the corpus and the compiled packs).
_LAUNCHER = """
import json, os, subprocess, sys, time
t0 = time.perf_counter()
p = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
_, status, ru = os.wait4(p.pid, 0)
wall = time.perf_counter() - t0
code = os.waitstatus_to_exitcode(status)
cpu = ru.ru_utime + ru.ru_stime
print(json.dumps({"wall": wall, "maxrss_kb": ru.ru_maxrss, "status": code, "cpu": cpu}))
"""


def run_measured(cmd: list[str]) -> tuple[float, int, int, float]:
    """Wall time, peak RSS (bytes), exit status and CPU seconds (with its worker processes)
    of one `ie` process."""
    r = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, *cmd], capture_output=True, text=True, env=child_env()
    )
    try:
        got = json.loads(r.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        log(f"  launcher failed: {r.stderr[-2000:]}")
        return float("nan"), 0, r.returncode or 1, float("nan")
    if got["status"] != 0:
        log(f"  command failed ({got['status']}): {' '.join(cmd)}\n{r.stderr[-2000:]}")
    return (
        float(got["wall"]),
        int(got["maxrss_kb"]) * 1024,
        int(got["status"]),
        float(got["cpu"]),
    )


def max_rss_self() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def cached_loader() -> tuple[Callable[[Path], Any] | None, str]:
    """The engine's cached-load API, whatever exists at run time."""
    try:
        import ie.cache as cache
    except ImportError:
        return None, "not built (no ie.cache module)"
    load_cached = getattr(cache, "load_cached", None)
    if load_cached is not None:
        return load_cached, "ie.cache.load_cached"
    compile_cached = getattr(cache, "compile_cached", None)
    if compile_cached is not None:
        return (lambda p: compile_cached(p).pack), "ie.cache.compile_cached"
    return None, "not built (ie.cache has no load API)"


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def environment(corpus: Corpus, cfg: Config, corpus_arg: str) -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "mode": "quick" if cfg.quick else "full",
        "corpus": corpus_arg,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "shell_dont_write_bytecode": bool(os.environ.get("PYTHONDONTWRITEBYTECODE")),
        "documents": len(corpus.texts),
        "denominator_tokens": sum(corpus.tokens),
        "denominator": corpus.denominator,
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": {d: _version(d) for d in ("ie", "regex", "spacy")},
        "sizes": list(cfg.sizes),
        "lexicon_entries": cfg.lexicon_size,
    }


# ---- markdown ----------------------------------------------------------------------------


def _fmt(v: Any) -> str:
    if v is None:
        return "not built"
    if isinstance(v, dict):
        return ", ".join(f"{k}: {_fmt(x)}" for k, x in v.items())
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def _k(x: float | None) -> str:
    return "–" if x is None else f"{x / 1000:,.0f} k"


def markdown(report: dict[str, Any]) -> str:
    m = report["meta"]
    rows = report["rows"]
    out = [
        "# Performance",
        "",
        "Generated by `python bench/run.py "
        f"--corpus {m['corpus']}{' --quick' if m['mode'] == 'quick' else ''}` "
        f"on {m['date']} ({m['mode']} run, {m['seconds']} s). Do not edit by hand: rerun the "
        "benchmark (bench/README.md).",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores; Python {m['python']}; ie "
        f"{m['versions']['ie']}, regex {m['versions']['regex']}, spaCy "
        f"{m['versions']['spacy'] or 'not installed'}. Corpus: {m['documents']:,} documents, "
        f"{m['denominator_tokens']:,} {m['denominator']} (the denominator of every tokens/s "
        "figure). One core unless stated. Load average (1, 5, 15 min) at start "
        f"{m['load_average_at_start']}, at end {m['load_average']}: ratios are taken within "
        "the run, but a busy machine adds noise.",
        "",
        "## Targets",
        "",
        "| | what | measured | target | ok |",
        "| --- | --- | --- | --- | --- |",
    ]
    for key in TARGETS:
        t = report[key]
        out.append(
            f"| {key} | {WHAT[key]} | {_fmt(t['value'])} | {t['target']} | "
            f"{'yes' if t['ok'] else '**no**'} |"
        )
    fastest = [
        f"{key} {_fmt(report[key]['detail']['fastest_passes'])}"
        for key in ("G3", "G4", "G5")
        if "fastest_passes" in report[key].get("detail", {})
    ]
    if fastest:
        out += [
            "",
            "The verdicts use medians. The same ratios from each configuration's fastest pass "
            "(other work on the host only slows a pass down, so these move less between "
            f"runs): {'; '.join(fastest)}.",
        ]
    for note in m["notes"]:
        out += ["", f"Note: {note}"]
    out += [
        "",
        "## Throughput, whole pipeline in process",
        "",
        "Read JSONL lines, tokenize, match, serialise records as JSONL (ie: `Engine.extract` "
        "+ `Record.to_jsonl`; spaCy: tokenizer + Matcher + `json.dumps` of each match). "
        "Tokens/s (median of the passes; min-max in the JSON report).",
        "",
        "| rules | ie | ie, planner off | spaCy | ie / spaCy | ie / tokenize alone | "
        "planner speed-up | compile s | docs (ie / off / spaCy) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    tok = rows.get("tokenize_alone", {})
    for r in rows.get("throughput", []):
        sp = r.get("spacy", {})
        out.append(
            f"| {r['rules']} | {_k(r['on']['tokens_per_s'])} | {_k(r['off']['tokens_per_s'])} | "
            f"{_k(sp.get('tokens_per_s'))} | {_fmt(r['vs_spacy'])} | {_fmt(r['vs_tokenize'])} | "
            f"{_fmt(r['planner_speedup'])} | {r['compile_s']:.2f} | "
            f"{r['on']['docs']} / {r['off']['docs']} / {sp.get('docs', '–')} |"
        )
    out += [
        "",
        f"Reading + tokenizing alone (the ceiling): {_k(tok.get('tokens_per_s'))} tokens/s.",
        "",
        "## Tokenizer (G1)",
        "",
        "| tokenizer | tokens/s | median s | docs |",
        "| --- | ---: | ---: | ---: |",
    ]
    for r in rows.get("tokenizer", []):
        out.append(f"| {r['label']} | {_k(r['tokens_per_s'])} | {r['median_s']} | {r['docs']} |")
    out += [
        "",
        "Both timed on the odd-numbered documents; spaCy's cache is warmed on the even ones "
        "with a fresh `blank('en')` before every pass, so it never sees the timed text twice.",
        "",
        "## Where the time goes",
        "",
        "Cumulative passes over the same documents (read; + tokenize; + match; + serialise), "
        "interleaved; each stage is the difference of two medians (clipped at 0: a stage "
        "smaller than the noise shows as 0), its share of the sum of the stages.",
        "",
        "| rules | docs | read | tokenize | match | serialise | total s |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows.get("stages", []):
        stages = ("read", "tokenize", "match", "serialise")
        whole = sum(r[s]["s"] for s in stages) or 1.0
        cells = [f"{r[s]['s']:.3f} s ({100 * r[s]['s'] / whole:.0f} %)" for s in stages]
        out.append(f"| {r['rules']} | {r['docs']} | {' | '.join(cells)} | {r['total_s']:.3f} |")
    g5 = report["G5"]["detail"]
    if "with" in g5:
        lx = g5["lexicon"]
        out += [
            "",
            "## Lexicon (G5)",
            "",
            f"{lx['entries']:,} entries ({lx['real_corpus_bigrams']:,} real capitalised "
            f"bigrams of the corpus, the rest synthetic names; {lx['distinct_first_tokens']:,} "
            f"distinct first tokens, at most {lx['max_entries_per_first_token']} entries per "
            f"first token) in a pack with the {g5['base_rules']}-rule set plus two rules that "
            f"read it. With: {_k(g5['with']['tokens_per_s'])} tokens/s; without: "
            f"{_k(g5['without']['tokens_per_s'])} tokens/s on the same {g5['with']['docs']} "
            f"documents. Cold: `compile_pack` {_fmt(g5['compile_pack_s'])} s, "
            f"`Engine(pack)` {_fmt(g5['engine_build_s'])} s, ready to run (first record of a "
            f"short document) {_fmt(report['G5']['value']['cold_compile_s'])} s. Cached "
            f"({g5['cache_api']}): load call {_fmt(g5['cache_load_call_s'])} s, ready to run "
            f"{_fmt(report['G5']['value']['cached_load_s'])} s; records from the cached pack "
            "equal the compiled pack's on 20 documents.",
        ]
    corr = rows.get("correctness", {})
    out += [
        "",
        "## Correctness (G9) and the semantics mapping",
        "",
        "| rules | docs | ie matches | spaCy all matches | crossing a sentence | "
        "spaCy selected | differences | planner on != off (docs) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for key, r in corr.items():
        out.append(
            f"| {key[1:]} | {r['docs']} | {r['ie_matches']} | {r['spacy_all_matches']} | "
            f"{r['spacy_crossing_sentences']} | {r['spacy_selected']} | {r['differences']} | "
            f"{r['planner_differing_docs']} |"
        )
    out += [
        "",
        "Both engines run on the same tokens: ie's tokenizer splits the text, and the spaCy "
        "`Doc` is built from those words (`Doc(vocab, words=..., spaces=...)`), so "
        "differences can only come from matching. Every rule yields its own record type with "
        "`overlap T all`, so ie's overlap policy removes nothing. The mapping from spaCy's "
        "output to ie's semantics:",
        "",
        "1. ie matches within a sentence (the default scope): spaCy matches that cross one "
        "of ie's sentence boundaries are dropped.",
        "2. ie gives, per rule, the leftmost match, then the next one starting after it, "
        "without overlap (`regex.finditer`, greedy); spaCy gives every match. Per rule, "
        "spaCy's matches are sorted by start, and from left to right the longest match "
        "starting at or after the end of the last one kept is kept.",
        "3. Step 2 equals regex-greedy matching because every benchmark template has at most "
        "one variable-length repetition per stretch of tokens it can match "
        "(`[is_title]+ \"'s\" w [is_title]+`: the first `+` cannot cross `'s`; "
        "`w1 _? w2`; `[is_title]+ w`; `w [is_title] [is_title]?`; ...), so at a given start "
        "the greedy match is the longest one. (For a pattern like `a? [is_title]+ b+` "
        "greedy and longest can differ; such rules are not in the benchmark.)",
        "",
        "Literals compare `LOWER`, `[is_title]` is `IS_TITLE`, `[shape in (...)]` is "
        "`SHAPE IN`, `/re/` is `TEXT REGEX` (both search the token text), `_?` is `{}` with "
        "`OP ?`.",
        "",
        "## Method",
        "",
        "- Rule sets of 1, 10, 100 and 1000 rules are prefixes of one deterministic list "
        "(seed 1234) drawn from corpus statistics computed in memory at run time "
        '(bench/rulegen.py: literal-first bigrams, `[is_title]+ "\'s" w [is_title]+`, '
        "title-then-word, word-then-title, word-number-unit with shapes, optional wildcard, "
        "token regexes, in-sets, 2 % shape-only rules with no literal).",
        "- Each configuration: a pilot on every 20th document; when a full pass would take "
        "longer than the pass budget (5 s; 0.4 s with `--quick`), an evenly spaced subset "
        "of the documents (the `docs` column); one warm-up pass; then 3-7 timed passes; "
        "median. Configurations compared with each other (all the throughput rows; ie vs "
        "spaCy tokenizer; the stages; lexicon with / without) run their passes interleaved "
        "(A B C, A B C, ...), so a change in the machine's load hits them alike. Objects "
        "built during setup are moved out of the collector's way with `gc.freeze()`.",
        "- G6-G8 run the `ie` command in child processes (compiled-pack cache in a temporary "
        "`IE_CACHE_DIR`; the first run fills it and is reported as `cold_first_run_s`), "
        "with Python's bytecode cache on as for an installed `ie` (in a temporary "
        "`PYTHONPYCACHEPREFIX`). Peak RSS is the child's `ru_maxrss`.",
        "- The full numbers, with min-max and every detail, are in the JSON report "
        "(`--json FILE`).",
        "",
    ]
    return "\n".join(out)


# ---- main --------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument(
        "--corpus",
        help="a JSONL file with a 'text' (and 'id') per line, or 'generated' for a synthetic "
        "corpus written by bench/corpus_gen.py",
    )
    ap.add_argument("--quick", action="store_true", help="small smoke run (< 90 s)")
    ap.add_argument("--json", type=Path, help="write the JSON report here")
    ap.add_argument(
        "--markdown",
        type=Path,
        help="write the markdown report here (default: docs/performance.md, full runs only)",
    )
    ap.add_argument("--seed", type=int, default=rulegen.SEED)
    ap.add_argument(
        "--check-step",
        type=int,
        default=0,
        help="run the correctness checks on every n-th document (default: all of them, "
        "every 3rd at 1000 rules in full runs)",
    )
    ap.add_argument("--keep-temp", action="store_true", help="keep the temporary directory")
    ap.add_argument(
        "--render",
        type=Path,
        metavar="REPORT_JSON",
        help="only turn a saved JSON report into markdown (to --markdown, or stdout)",
    )
    args = ap.parse_args(argv)
    if args.render is not None:
        md = markdown(json.loads(args.render.read_text(encoding="utf-8")))
        if args.markdown is not None:
            args.markdown.write_text(md, encoding="utf-8")
        else:
            print(md)
        return 0
    if args.corpus is None:
        ap.error("--corpus is required (a JSONL file, or 'generated')")

    cfg = QUICK if args.quick else FULL
    cfg = dataclasses.replace(cfg, check_step=args.check_step)
    json_out = args.json.resolve() if args.json else None
    md_out = args.markdown.resolve() if args.markdown else None
    if md_out is None and not cfg.quick:
        md_out = ROOT / "docs" / "performance.md"
    if args.corpus != "generated" and not Path(args.corpus).is_file():
        print(
            f"bench/run.py: corpus {args.corpus!r} not found. Give a JSONL file (one object "
            "with a 'text' key a line), or --corpus generated for a synthetic corpus.",
            file=sys.stderr,
        )
        return 2

    tmp = Path(tempfile.mkdtemp(prefix="ie-bench-"))
    os.environ["IE_CACHE_DIR"] = str(tmp / "cache")  # never touch the user's cache
    try:
        if args.corpus == "generated":
            path = corpus_gen.write_corpus(tmp / "generated.jsonl")
        else:
            path = Path(args.corpus).resolve()
        corpus = load_corpus(path, cfg, tmp)
        shown = args.corpus if args.corpus == "generated" else Path(args.corpus).name
        report = Bench(corpus, cfg, tmp, args.seed, shown).run()
    finally:
        if args.keep_temp:
            log(f"temporary files kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    text = json.dumps(report, indent=2, ensure_ascii=False)
    if json_out is not None:
        json_out.write_text(text + "\n", encoding="utf-8")
    md = markdown(report)
    if md_out is not None:
        md_out.write_text(md, encoding="utf-8")
    print(md)
    failures = report["correctness"]["failures"]
    for f in failures:
        print(f"CORRECTNESS FAILURE: {f}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
