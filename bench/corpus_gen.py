"""A synthetic, news-like JSONL corpus written from the project's own templates.

Why: CI and contributors without the research corpus still need something to run the
benchmark on (`python bench/run.py --corpus generated --quick`). The text is produced here
from hand-written sentence templates (people, titles, organisations, places, numbers with
units, years, acronyms, quotes), so it has the constructions the generated rule sets look
for: `X's spokesman Y said`, `... said`, `the UN said`, `rose 12 per cent in 2004`.
Timings on it mean little; it exists to check correctness (spaCy equivalence, planner on
== off) and that every part of the harness runs.

Usage: `python bench/corpus_gen.py OUT.jsonl [--docs 300] [--seed 7]`.
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Callable
from pathlib import Path


def _words(text: str, sep: str | None = None) -> list[str]:
    return text.split(sep)


FIRST = _words(
    "Ahmed Maria John Sarah David Fatima Peter Anna James Laura Omar Elena Michael Sofia "
    "Thomas Grace Daniel Ingrid Paul Amina Robert Chloe Lucas Nadia Henry Olga Martin Leila"
)
LAST = _words(
    "Mesmari Peskov Johnson Martinez Kowalski Brown Haddad Petersen Lopez Smith Rossi "
    "Dimitrova Okafor Andersen Gonzalez Nowicki Clarke Hansen Moretti Jackson Ivanova "
    "Fernandez Wilson Larsen Novak Evans"
)
ROLES = _words(
    "spokesman spokeswoman minister director chairman secretary adviser analyst economist "
    "governor ambassador coach manager editor"
)
ORGS = _words(
    "Acme Corp|Northwind Bank|Globex|Initech|Blue River Energy|Harbour Telecom|Vandelay "
    "Industries|Summit Airlines|Redwood Pharma|Orbital Media|PlayStation|YouTube|MegaMart|"
    "FastTrack",
    "|",
)
ACRONYMS = _words("UN EU NATO IMF BBC WHO OPEC FIFA UEFA CBI ECB FTSE")
PLACES = _words(
    "London Paris Berlin Madrid Tripoli Benghazi Moscow Cairo Lagos Oslo Warsaw Rome Dublin "
    "Lisbon Athens Vienna Geneva Brussels Tokyo Sydney"
)
COUNTRIES = _words(
    "Libya France Germany Spain Russia Egypt Nigeria Norway Poland Italy Ireland Portugal "
    "Greece Austria Japan Australia Brazil Canada India Kenya"
)
WEEKDAYS = _words("Monday Tuesday Wednesday Thursday Friday Saturday Sunday")
NOUNS = _words(
    "profits sales prices shares talks plans figures growth deal market election vote "
    "budget report inquiry strike tax deficit rates exports output season match album film "
    "contract merger investment plan campaign policy government economy"
)
VERBS_PAST = _words("rose fell jumped dropped climbed slipped increased decreased grew shrank")
VERBS = _words(
    "announced confirmed rejected approved criticised welcomed delayed launched blocked signed"
)
UNITS = ("per cent", "million", "billion", "bn", "m", "points", "years", "months", "tonnes")
ADJ = _words("new former senior leading top chief national local foreign")


def _num(rng: random.Random) -> str:
    kind = rng.randrange(6)
    if kind == 0:
        return str(rng.randint(2, 99))
    if kind == 1:
        return f"{rng.randint(1, 9)}.{rng.randint(1, 9)}"
    if kind == 2:
        return f"{rng.randint(1, 99)},{rng.randint(0, 999):03d}"
    if kind == 3:
        return f"{rng.randint(10, 99)}.{rng.randint(0, 9)}"
    if kind == 4:
        return str(rng.randint(100, 999))
    return str(rng.randint(2, 9))


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def _sentence(rng: random.Random) -> str:
    p, q = _person(rng), _person(rng)
    org, acr = rng.choice(ORGS), rng.choice(ACRONYMS)
    place, country = rng.choice(PLACES), rng.choice(COUNTRIES)
    role, noun, noun2 = rng.choice(ROLES), rng.choice(NOUNS), rng.choice(NOUNS)
    vp, v = rng.choice(VERBS_PAST), rng.choice(VERBS)
    num, unit, year = _num(rng), rng.choice(UNITS), str(rng.randint(1990, 2024))
    day, adj = rng.choice(WEEKDAYS), rng.choice(ADJ)
    templates: list[Callable[[], str]] = [
        lambda: f"{org}'s {role} {p} said the {noun} had {vp} by {num} {unit} in {year}.",
        lambda: f"{p}, the {adj} {role} of {org}, said on {day} that {noun} {vp} sharply.",
        lambda: f"The {acr} said {noun} in {country} {vp} {num} {unit} last year.",
        lambda: f"{country}'s {role} {p} {v} the {noun} in {place} on {day}.",
        lambda: f'"We have {v} the {noun}," said {p}, who joined {org} in {year}.',
        lambda: f"{p} told the {acr} that {noun2} would be {v} before {year}.",
        lambda: f"Shares in {org} {vp} {num} {unit} to {_num(rng)} after the {noun} was {v}.",
        lambda: f"In {place}, the {acr} and {org} {v} a {adj} {noun} worth {num} {unit}.",
        lambda: f"{p} and {q} met in {place} to discuss the {noun} of {country}.",
        lambda: f"According to the {acr}, {noun} in {country} {vp} to {num} {unit}.",
        lambda: f"The {role} of {country}, {p}, {v} the {noun} in {day}'s talks.",
        lambda: f"{org} chief executive {p} said {noun} {vp} in the {year} season.",
        lambda: f"A {role} for {p} said the {noun} was {v} by the {acr} in {place}.",
        lambda: f"{place} {vp} to {num} {unit} as {p} {v} the {noun}.",
        lambda: f"Mr {rng.choice(LAST)} said {noun} of the {noun2} had {vp} since {year}.",
        lambda: f"The {noun} of the {acr} in {place} was {v} on {day} by {q}.",
    ]
    return rng.choice(templates)()


def generate(n_docs: int = 300, seed: int = 7) -> list[dict[str, str]]:
    """`n_docs` documents: a headline, a blank line, then paragraphs of 1-4 sentences."""
    rng = random.Random(seed)
    docs: list[dict[str, str]] = []
    for i in range(n_docs):
        headline = f"{rng.choice(ORGS)} {rng.choice(NOUNS)} {rng.choice(VERBS_PAST)}"
        paras = [
            " ".join(_sentence(rng) for _ in range(rng.randint(1, 4)))
            for _ in range(rng.randint(4, 12))
        ]
        text = headline + "\n\n" + "\n\n".join(paras) + "\n"
        docs.append({"id": f"gen/{i:04d}", "text": text})
    return docs


def write_corpus(path: Path, n_docs: int = 300, seed: int = 7) -> Path:
    """Write the generated corpus as JSONL (one {"id", "text"} object a line)."""
    with open(path, "w", encoding="utf-8") as f:
        for d in generate(n_docs, seed):
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--docs", type=int, default=300)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    write_corpus(args.out, args.docs, args.seed)


if __name__ == "__main__":
    main()
