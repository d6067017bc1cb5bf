"""The five seed policies as configuration facts (demo/seeds/NNN.json), read by seed_demo.

Each file holds what its seed configures — channels and tools by its own names and in its
order, referral roles, the procedure's step kinds in order, the deciding body, the deadline
and its wording — and its letterhead and approval as far as the seed gives them. The seeds'
sentences are not copied: each step records only where its sentence is in the seed (the
file's name and line numbers, the lines of one sentence joined), for the tests to read; so do
`section_texts` (each section's title and body: which lines, as paragraphs, points or
sub-points), `approval_wording` (the lines of the board's statement, and where it stands) and
`text` (the ranges of lines that are the policy, without the letterhead its pages repeat).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

SEEDS = Path(__file__).resolve().parent / "seeds"
SEED_NUMBERS = ("000", "001", "002", "003", "004")


@cache
def _load(number: str) -> str:
    return (SEEDS / f"{number}.json").read_text(encoding="utf-8")


def seed_facts(number: str) -> dict:
    """The facts of seed `number` ("000" … "004"), a fresh copy each time."""
    return json.loads(_load(number))


def seed_steps(facts: dict) -> list[str]:
    """The step kinds of the seed's procedure, in its order."""
    return [step["step"] for step in facts["procedure"]]


def seed_policy_data(
    facts: dict,
    wording: dict[int, dict[str, str]] | None = None,
    sections: dict[str, dict[str, str]] | None = None,
) -> dict:
    """The draft change (PATCH /api/v1/policy/draft/) that configures the seed's policy.

    `wording` gives step n its own {text_ar, text_en}; the other steps keep the template's.
    `sections` gives a section (by key) its own {title_ar, body_ar, …}; the others keep the
    template's. What the seed does not give (no deciding body, no deadline) is left as the
    draft has it.
    """
    wording = wording or {}
    data = {key: value for key, value in facts["policy"].items() if value is not None}
    if sections:
        chosen = {item["key"]: item for item in data.get("sections", [])}
        data["sections"] = [
            {**chosen.get(key, {}), "key": key, **texts} for key, texts in sections.items()
        ] + [item for key, item in chosen.items() if key not in sections]
    data["procedure"] = [
        {"step": step["step"], **wording.get(number, {})}
        for number, step in enumerate(facts["procedure"])
    ]
    return data
