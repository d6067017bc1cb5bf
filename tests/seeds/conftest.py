"""The seed policies themselves (../shared/seeds/ beside the clone), read at test time: the
product holds only their facts (demo/seeds/), never their sentences."""

from __future__ import annotations

import difflib
import re

import pytest

from tests.live import ROOT

SEEDS = ROOT.parent / "shared" / "seeds"
# List marks around a step's sentence, at either end (the extracted PDF of seed 004 puts them
# after the words): "-", "•", "1.", "١.", ". 6", "٣ـ".
LEADING_MARK = re.compile(r"^[\s\-•■]*(?:[0-9٠-٩]+\s*[.\-ـ۔]|\.\s*[0-9٠-٩]+)?[\s\-•■]*")
TRAILING_MARK = re.compile(r"[\s\-•■]+$")


def seed_lines(name: str) -> list[str]:
    path = SEEDS / name
    if not path.is_file():
        pytest.fail(
            f"The seed policy {path} is missing: these tests read the five seeds from "
            f"../shared/seeds/ beside the clone ({SEEDS})."
        )
    return path.read_text(encoding="utf-8").splitlines()


def seed_sentence(facts: dict, step: dict) -> str:
    """The seed's own sentence for `step`: its lines joined, without list marks or runs of
    spaces."""
    lines = seed_lines(facts["seed"])
    parts = [lines[number - 1] for number in step["lines"]]
    text = " ".join(TRAILING_MARK.sub("", LEADING_MARK.sub("", part)) for part in parts)
    return " ".join(text.split())


def _lines(entry) -> list[int]:
    return entry if isinstance(entry, list) else [entry]


def seed_title(facts: dict, entry) -> str:
    """A heading of the seed as its words: without its mark («■», «#», «-») or colon."""
    return seed_sentence(facts, {"lines": _lines(entry)}).strip(" :-#")


def seed_body(facts: dict, entries: list) -> str:
    """A section's body from the seed's lines, in the template's markup: {"p": n} a paragraph,
    {"item": n} a point, {"sub": n} a sub-point (n: a line, or lines joined), a string a
    placeholder the page fills ("{channels}")."""
    parts: list[tuple[str, str]] = []
    for entry in entries:
        if isinstance(entry, str):
            parts.append(("p", entry))
            continue
        [(kind, lines)] = entry.items()
        text = seed_sentence(facts, {"lines": _lines(lines)})
        parts.append((kind, {"p": text, "item": f"- {text}", "sub": f"  - {text}"}[kind]))
    body = parts[0][1]
    for (previous, _text), (kind, text) in zip(parts, parts[1:], strict=False):
        # Points of one list follow each other; anything else stands apart.
        listed = previous != "p" and kind != "p"
        body += ("\n" if listed else "\n\n") + text
    return body


def seed_text(facts: dict) -> str:
    """The seed's policy as it reads, without the letterhead its pages repeat: the lines of
    its `text` ranges."""
    lines = seed_lines(facts["seed"])
    return "\n".join(line for first, last in facts["text"] for line in lines[first - 1 : last])


# What the comparison sets aside: diacritics and the tatweel, the forms of alef, yaa and haa
# (and the Persian letters an extraction put in), digits' forms, punctuation, spacing.
DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
LETTERS = str.maketrans(
    {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ی": "ي", "ة": "ه", "ھ": "ه", "ک": "ك"}
    | {chr(0x0660 + n): str(n) for n in range(10)}
    | {chr(0x06F0 + n): str(n) for n in range(10)}
)


def normalised_words(text: str) -> list[str]:
    """The words of `text` for comparison; numbers alone (list marks, page numbers, the
    parts of a date) are left out, as a list's numbering is the page's, not the text's."""
    text = DIACRITICS.sub("", text).translate(LETTERS)
    words = re.sub(r"[^\w]+", " ", text).split()
    return [word for word in words if not word.isdigit()]


def similarity(seed: str, published: str) -> float:
    """How much of the seed's words, in order, the published text says (difflib's ratio)."""
    return difflib.SequenceMatcher(
        None, normalised_words(seed), normalised_words(published), autojunk=False
    ).ratio()
