"""`ie new NAME`: a new pack that already passes `ie check` and `ie test`.

It holds a manifest, a lexicon file, a rule with examples, a test document and (written by
the same machinery as `ie test --update`) that document's snapshot, so an analyst starts
from a working pack and changes it step by step.
"""

from __future__ import annotations

import re
from pathlib import Path

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")

MANIFEST = """\
name = "{name}"
version = "0.1.0"
description = "Describe what this pack extracts."
# test documents, relative to this folder; `ie test {name}` compares their records with
# the snapshots in __snapshots__/ (update them with `ie test {name} --update`)
tests = ["tests/*.txt"]
"""

LEXICON = """\
# Job titles written before a name, one a line (matched case-insensitively).
# After a tab you may give a canonical form, and after another tab a subtype.
minister
prime minister
president
spokesman
spokeswoman
"""

RULES = """\
# Rules of the {name} pack. The language is described in docs/language.md.

lexicon Title from "lexicons/titles.txt"

# A name: two or three capitalised words.
let Name = [is_title] [is_title]{{1,2}}

# "Prime Minister Fayez al-Sarraj": the record covers the name; the title is a field.
rule titled_person
  match   (?<= title:Title) name:Name
  yield   Person(name, title)
  example "the Prime Minister Jane Smith said"
          -> Person(name="Jane Smith", title="Prime Minister")
  not     "the minister said"
"""

TEST_DOCUMENT = """\
The President Ana Lopez met Prime Minister Jane Smith on Friday.
A spokeswoman said the talks went well.
"""


class ScaffoldError(Exception):
    """The pack cannot be created (bad name, or the folder exists and is not empty)."""


def create_pack(target: Path) -> list[Path]:
    """Write a new pack at `target`; return the files written, in order."""
    name = target.name
    if not _NAME.fullmatch(name):
        raise ScaffoldError(
            f"{name!r} is not a usable pack name: use letters, digits, - and _, "
            "starting with a letter"
        )
    if target.exists() and any(target.iterdir()):
        raise ScaffoldError(f"{target} already exists and is not empty")
    files = {
        target / "pack.toml": MANIFEST.format(name=name),
        target / "lexicons" / "titles.txt": LEXICON,
        target / "rules.ie": RULES.format(name=name),
        target / "tests" / "example.txt": TEST_DOCUMENT,
    }
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
    return list(files)
