"""The seed policies themselves (../shared/seeds/ beside the clone), read at test time: the
product holds only their facts (demo/seeds/), never their sentences."""

from __future__ import annotations

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
