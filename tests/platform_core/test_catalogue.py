"""The Arabic catalogue stays honest: every translation keeps its message's placeholders, none is
empty, left in English or fuzzy (gettext skips fuzzy entries, so the page shows English),
messages with a count have Arabic's six plural forms, and every message the Python code
translates is there. Reads the .po file and the code: no database."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import translation
from django.utils.translation import ngettext

CATALOGUE = Path(__file__).resolve().parents[2] / "locale" / "ar" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|(?<!\{)\{(\w+)\}(?!\})")
LATIN = re.compile(r"[A-Za-z]")
ARABIC = re.compile(r"[\u0600-\u06FF]")


@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)


def _entries() -> list[Entry]:
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int] = ("", 0)
    lines = CATALOGUE.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            entry = None
            continue
        if line.startswith("#"):
            # A comment after a translation starts the next entry, blank line or not.
            if entry is None or entry.msgstr:
                entry = Entry(line=number)
                entries.append(entry)
            if line.startswith("#,"):
                entry.flags.update(flag.strip() for flag in line[2:].split(","))
            continue
        if entry is None or (line.startswith(("msgctxt ", "msgid ")) and entry.msgstr):
            entry = Entry(line=number)
            entries.append(entry)
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            text = ast.literal_eval(line)
        else:
            text = ast.literal_eval(rest)
            if keyword.startswith("msgstr["):
                target = ("msgstr", int(keyword[7:-1]))
            else:
                target = (keyword, 0)
        name, index = target
        if name == "msgid":
            entry.msgid += text
        elif name == "msgid_plural":
            entry.msgid_plural = (entry.msgid_plural or "") + text
        elif name == "msgstr":
            entry.msgstr[index] = entry.msgstr.get(index, "") + text
    return [e for e in entries if e.msgid]


ENTRIES = _entries()


def _placeholders(text: str) -> set[str]:
    return {a or b for a, b in PLACEHOLDER.findall(text)}


def _where(entry: Entry) -> str:
    return f"line {entry.line}: {entry.msgid[:70]!r}"


def test_the_catalogue_is_read_whole():
    assert len(ENTRIES) > 1000
    assert any(e.msgid_plural for e in ENTRIES)


def test_no_entry_is_fuzzy():
    assert [_where(e) for e in ENTRIES if "fuzzy" in e.flags] == []


def test_plural_messages_have_arabics_six_forms():
    header = CATALOGUE.read_text(encoding="utf-8").split("\n\n", 1)[0]
    assert "nplurals=6;" in header
    wrong = [_where(e) for e in ENTRIES if e.msgid_plural and sorted(e.msgstr) != list(range(6))]
    assert wrong == []


def test_every_translation_is_written_in_arabic():
    empty = [_where(e) for e in ENTRIES if any(not s.strip() for s in e.msgstr.values())]
    assert empty == []
    # A word of English left where the Arabic belongs (placeholders and tags aside).
    english = []
    for e in ENTRIES:
        for text in e.msgstr.values():
            bare = re.sub(r"<[^>]*>|%\(\w+\)[sd]|\{\w+\}|&\w+;", "", text)
            if LATIN.search(e.msgid) and LATIN.search(bare) and not ARABIC.search(bare):
                english.append(_where(e))
    assert english == []


ROOT = CATALOGUE.parents[3]
SKIPPED = {".venv", "tests", "migrations", "bench", "node_modules", ".local"}
GETTEXT = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy"}


def test_every_message_the_python_code_translates_is_in_the_catalogue():
    # Templates aside (their blocks are normalised by makemessages): a message missing here
    # shows in English on an Arabic page.
    known = {e.msgid for e in ENTRIES}
    missing = []
    for path in ROOT.rglob("*.py"):
        if SKIPPED & set(path.relative_to(ROOT).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name not in GETTEXT:
                continue
            message = node.args[1 if name.startswith("pgettext") else 0]
            if isinstance(message, ast.Constant) and message.value not in known:
                missing.append(f"{path.relative_to(ROOT)}:{node.lineno} {message.value!r}")
    assert missing == []


def test_translations_keep_the_placeholders():
    wrong = []
    for e in ENTRIES:
        wanted = _placeholders(e.msgid) | _placeholders(e.msgid_plural or "")
        for index, text in e.msgstr.items():
            found = _placeholders(text)
            # Arabic's forms for none, one and two may say the count in words, not figures.
            words = e.msgid_plural is not None and index in (0, 1, 2)
            if found - wanted or (found != wanted and not words):
                wrong.append(f"{_where(e)} msgstr[{index}]: {text!r}")
    assert wrong == []


@pytest.mark.parametrize(
    ("count", "arabic"),
    [(1, "سنة واحدة"), (2, "سنتان"), (3, "3 سنوات"), (11, "11 سنة"), (100, "100 سنة")],
    ids=["1", "2", "3", "11", "100"],
)
def test_a_count_reads_in_arabic_as_its_number_wants(count, arabic):
    # The retention reports' column (a template) and the saved rule's message (code).
    template = Template(
        "{% load i18n %}{% blocktranslate count years=n %}{{ years }} year{% plural %}"
        "{{ years }} years{% endblocktranslate %}"
    )
    with translation.override("ar"):
        assert template.render(Context({"n": count})) == arabic
        message = ngettext(
            "Retention rule saved: %(years)s year.", "Retention rule saved: %(years)s years.", count
        )
        assert message % {"years": count} == f"حُفظت قاعدة الاحتفاظ: {arabic}."
    with translation.override("en"):
        assert template.render(Context({"n": count})) == (
            "1 year" if count == 1 else f"{count} years"
        )
