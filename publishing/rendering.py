"""Turns a published snapshot (or a draft) into text: sections with their placeholders filled.

Template bodies use a small markup (catalog/data/template_v1.json): paragraphs
separated by blank lines, "- " bullets (with "  - " sub-items), "1. " numbered steps, and the
placeholders below. Everything an association wrote is escaped or sanitised before it is shown.
"""

from __future__ import annotations

import datetime
import difflib
import html as html_lib
import re
from dataclasses import dataclass, field

import nh3
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from common.hijri import hijri_with_gregorian, to_hijri
from common.saudi import shown_digits
from publishing.procedure import version_decision_body, version_procedure
from publishing.retention import retention_heading, retention_lines

# A list in the body: the value it takes and how it is listed.
BLOCK_PLACEHOLDERS = {
    "{channels}": ("channels", "ul"),
    "{tools}": ("tools", "ul"),
    "{procedure}": ("procedure", "ol"),
}
INLINE_PLACEHOLDER = re.compile(
    r"\{(association_name|referral_roles|decision_body|committee_deadline|approval_statement"
    r"|chair_name)\}"
)
# What an association may use in its extra text: structure and emphasis, no attributes but links.
EXTRA_TAGS = {"p", "br", "strong", "em", "b", "i", "u", "ul", "ol", "li", "a"}
EXTRA_ATTRIBUTES = {"a": {"href"}}


@dataclass
class Block:
    kind: str  # "p", "ul" or "ol"
    items: list = field(default_factory=list)  # for lists: (text, [sub-items])
    text: str = ""


def _or_join(names: list[str], language: str) -> str:
    if not names:
        return ""
    if len(names) == 1:
        return names[0]
    word = " أو " if language == "ar" else " or "
    return ("، " if language == "ar" else ", ").join(names[:-1]) + word + names[-1]


ARABIC_WORKING = {1: "يوم عمل واحد", 2: "يومي عمل"}
ARABIC_CALENDAR = {1: "يوم واحد", 2: "يومين"}


def deadline_phrase(kind: str, days: int | None, language: str) -> str:
    """The committee's deadline as a phrase: "خلال 10 أيام عمل", "within 14 days", "as soon as…"."""
    if kind == "asap" or not days:
        return "في أسرع وقت ممكن" if language == "ar" else "as soon as possible"
    if language == "ar":
        # Arabic counts: 3–10 take a plural noun, 11 and more a singular one.
        if kind == "working":
            words = ARABIC_WORKING.get(days) or (
                f"{days} أيام عمل" if days <= 10 else f"{days} يوم عمل"
            )
        else:
            words = ARABIC_CALENDAR.get(days) or (f"{days} أيام" if days <= 10 else f"{days} يومًا")
        return f"خلال {words}"
    unit = "working day" if kind == "working" else "day"
    return f"within {days} {unit}{'' if days == 1 else 's'}"


# What an approval's own wording may say of the meeting; the date is Hijri with its Gregorian.
STATEMENT_PLACEHOLDER = re.compile(r"\{(\w*)\}")
STATEMENT_FIELDS = ("meeting_number", "session", "term", "date", "hijri", "gregorian")


def _approval_values(approval: dict, language: str) -> dict[str, str]:
    day = datetime.date.fromisoformat(approval["approved_on"])
    hijri = to_hijri(day)
    if language == "ar":
        gregorian = f"{day.day:02d}/{day.month:02d}/{day.year}م"
        hijri_text = f"{hijri.day:02d}/{hijri.month:02d}/{hijri.year}هـ" if hijri else ""
    else:
        gregorian = day.strftime("%-d %B %Y")
        hijri_text = f"{hijri.day} {hijri.month_name('en')} {hijri.year} AH" if hijri else ""
    return {
        "meeting_number": approval.get("meeting_number") or "",
        "session": approval.get("session") or "",
        "term": approval.get("term") or "",
        "date": hijri_with_gregorian(day, language),
        "hijri": hijri_text,
        "gregorian": gregorian,
    }


def _default_statement(values: dict[str, str], language: str) -> str:
    """The template's wording, with only the facts the board gave."""
    number, session, term = values["meeting_number"], values["session"], values["term"]
    if language == "ar":
        words = ["تم اعتماد هذه السياسة في اجتماع مجلس الإدارة"]
        words += [f"رقم ({number})"] if number else []
        words += [f"بجلسته {session}"] if session else []
        words += [f"في دورته ({term})"] if term else []
        words.append(f"{'المنعقدة ' if session else ''}بتاريخ {values['date']}")
        return " ".join(words)
    words = ["This policy was approved by the Board of Directors at its meeting"]
    words += [f"No. ({number})"] if number else []
    words = [" ".join(words)]
    words += [f"session {session}"] if session else []
    words += [f"term {term}"] if term else []
    return f"{', '.join(words)} on {values['date']}."


def approval_statement(approval: dict, language: str) -> str:
    """The board's approval in one sentence: the association's own wording (its placeholders
    filled) or the template's, then the effect clause."""
    if not approval or not approval.get("approved_on"):
        return ""
    values = _approval_values(approval, language)
    own = (approval.get(f"statement_{language}") or "").strip()
    statement = (
        STATEMENT_PLACEHOLDER.sub(lambda match: values.get(match.group(1), ""), own)
        if own
        else _default_statement(values, language)
    )
    effect = (approval.get(f"effect_{language}") or "").strip()
    if effect:
        statement = f"{statement}، {effect}" if language == "ar" else f"{statement} {effect}"
    return statement


def _approval_section(section: dict, approval: dict, language: str) -> RenderedSection:
    """The approval as the board wrote it: its statement, then the chair's line if it has one."""
    lines = [approval_statement(approval, language)]
    if chair := approval.get("chair_name"):
        label = "رئيس مجلس الإدارة" if language == "ar" else "Chair of the Board of Directors"
        lines.append(f"{label}: {chair}")
    lines = [line for line in lines if line]
    return RenderedSection(
        key=section["key"],
        title=section.get(f"title_{language}") or section["title_ar"],
        html=mark_safe("".join(f"<p>{escape(line)}</p>" for line in lines)),  # noqa: S308 - escaped
        text="\n".join(lines),
    )


def approval_on_top(content: dict) -> bool:
    """Whether the approval stands under the policy's title (else at the end, as a section)."""
    return (content.get("approval") or {}).get("position") == "title"


def version_languages(content: dict) -> list[str]:
    """The languages a policy is published in (versions from before the choice: both)."""
    return content.get("languages") or ["ar", "en"]


def version_language(content: dict, language: str) -> str:
    """The language a policy's text is shown in when `language` is asked for: an Arabic-only
    policy shows its Arabic on the English page too."""
    return language if language in version_languages(content) else "ar"


def _name(item: dict, language: str) -> str:
    return item.get(f"name_{language}") or item.get("name_ar") or item.get("code", "")


def placeholder_values(content: dict, language: str) -> dict[str, str | list[str]]:
    association = content.get("association", {})
    deadline = content.get("committee_deadline", {})
    values = {
        "association_name": association.get(f"name_{language}") or association.get("name_ar", ""),
        "channels": [_name(item, language) for item in content.get("channels", [])],
        "tools": [_name(item, language) for item in content.get("tools", [])],
        "referral_roles": _or_join(
            [_name(item, language) for item in content.get("referral_roles", [])], language
        ),
        "decision_body": _name(version_decision_body(content), language),
        # The board's own wording where it gave one; the due date is computed all the same.
        "committee_deadline": deadline.get(f"wording_{language}")
        or deadline.get("wording_ar")
        or deadline_phrase(deadline.get("kind"), deadline.get("days"), language),
        "approval_statement": approval_statement(content.get("approval") or {}, language),
        "chair_name": (content.get("approval") or {}).get("chair_name", ""),
    }
    values["procedure"] = [step["text"] for step in procedure_steps(content, language, values)]
    return values


def procedure_steps(content: dict, language: str, values: dict | None = None) -> list[dict]:
    """The version's steps in order, {step, text}: the text in `language` as the page prints it."""
    values = values or placeholder_values(content, language)
    return [
        {
            "step": step["step"],
            "text": _fill(step.get(f"text_{language}") or step["text_ar"], values),
        }
        for step in version_procedure(content)
    ]


def _fill(line: str, values: dict) -> str:
    return INLINE_PLACEHOLDER.sub(lambda match: str(values.get(match.group(1), "")), line)


def body_blocks(body: str, values: dict) -> list[Block]:
    """Parse a template body into blocks, with placeholders filled (still plain text)."""
    blocks: list[Block] = []
    for chunk in re.split(r"\n\s*\n", body.strip()):
        lines = [line.rstrip() for line in chunk.split("\n") if line.strip()]
        for line in lines:
            stripped = line.strip()
            if stripped in BLOCK_PLACEHOLDERS:
                name, kind = BLOCK_PLACEHOLDERS[stripped]
                blocks.append(Block(kind, items=[(item, []) for item in values.get(name, [])]))
            elif line.startswith("  - ") and blocks and blocks[-1].kind in ("ul", "ol"):
                blocks[-1].items[-1][1].append(_fill(line[4:], values))
            elif stripped.startswith("- "):
                if not (blocks and blocks[-1].kind == "ul"):
                    blocks.append(Block("ul"))
                blocks[-1].items.append((_fill(stripped[2:], values), []))
            elif re.match(r"^\d+\.\s", stripped):
                if not (blocks and blocks[-1].kind == "ol"):
                    blocks.append(Block("ol"))
                blocks[-1].items.append((_fill(re.sub(r"^\d+\.\s+", "", stripped), values), []))
            else:
                blocks.append(Block("p", text=_fill(stripped, values)))
        # A blank line always ends a list.
        blocks.append(Block("break"))
    return [block for block in blocks if block.kind != "break" and (block.text or block.items)]


def blocks_html(blocks: list[Block]) -> SafeString:
    parts = []
    for block in blocks:
        if block.kind == "p":
            parts.append(f"<p>{escape(block.text)}</p>")
            continue
        items = []
        for text, subitems in block.items:
            sub = "".join(f"<li>{escape(s)}</li>" for s in subitems)
            items.append(f"<li>{escape(text)}{f'<ul>{sub}</ul>' if sub else ''}</li>")
        parts.append(f"<{block.kind}>{''.join(items)}</{block.kind}>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text above is escaped


def blocks_text(blocks: list[Block]) -> str:
    lines = []
    for block in blocks:
        if block.kind == "p":
            lines.append(block.text)
            continue
        for number, (text, subitems) in enumerate(block.items, start=1):
            lines.append(f"{number}. {text}" if block.kind == "ol" else f"- {text}")
            lines.extend(f"  - {sub}" for sub in subitems)
    return "\n".join(lines)


def sanitize_extra(html: str) -> str:
    """An association's extra text, reduced to harmless structure (no script, no attributes)."""
    return nh3.clean(
        html or "",
        tags=EXTRA_TAGS,
        attributes=EXTRA_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    ).strip()


@dataclass
class RenderedSection:
    key: str
    title: str
    html: SafeString
    text: str


def policy_sections(content: dict, language: str) -> list[RenderedSection]:
    """The sections of a policy snapshot, in order, ready for the page, the PDF and the API."""
    values = placeholder_values(content, language)
    rendered = []
    approval = content.get("approval") or {}
    for section in content.get("sections", []):
        if not section.get("included", True):
            continue
        # Snapshots with a position carry the board's own wording; older ones fill the template.
        if section["key"] == "approval" and "position" in approval:
            rendered.append(_approval_section(section, approval, language))
            continue
        blocks = body_blocks(section.get(f"body_{language}") or section["body_ar"], values)
        if section["key"] == "periods" and content.get("retention"):
            # The periods the retention job applies, printed from the data it reads.
            blocks += [
                Block("p", text=retention_heading(language)),
                Block(
                    "ul",
                    items=[(line, []) for line in retention_lines(content["retention"], language)],
                ),
            ]
        extra = sanitize_extra(section.get(f"extra_{language}", ""))
        html = blocks_html(blocks)
        if extra:
            html = mark_safe(f'{html}<div class="extra">{extra}</div>')  # noqa: S308 - sanitised
        text = blocks_text(blocks)
        if extra:
            text = f"{text}\n{html_lib.unescape(nh3.clean(extra, tags=set()))}".strip()
        rendered.append(
            RenderedSection(
                key=section["key"],
                title=section.get(f"title_{language}") or section["title_ar"],
                html=html,
                text=text,
            )
        )
    if approval_on_top(content):
        rendered.sort(key=lambda section: section.key != "approval")
    return rendered


_TEXT_OR_MARKUP = re.compile(r"(<[^>]*>|&#?\w+;)")


def html_digits(html: str, style: str) -> SafeString:
    """Safe HTML with the digits of its text (not of its tags or entities) in `style`."""
    if style != "arabic":
        return mark_safe(html)  # noqa: S308 - already safe, unchanged
    parts = _TEXT_OR_MARKUP.split(html)
    return mark_safe(  # noqa: S308 - only digits of text are changed
        "".join(
            part if index % 2 else shown_digits(part, style) for index, part in enumerate(parts)
        )
    )


def side_by_side(old: str, new: str) -> list[tuple[str, str, str]]:
    """Rows of (kind, old line, new line) for a two-column difference."""
    rows = []
    matcher = difflib.SequenceMatcher(a=old.splitlines(), b=new.splitlines(), autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        left, right = matcher.a[i1:i2], matcher.b[j1:j2]
        for index in range(max(len(left), len(right))):
            rows.append(
                (
                    tag,
                    left[index] if index < len(left) else "",
                    right[index] if index < len(right) else "",
                )
            )
    return rows


def sections_compared(old: dict | None, new: dict, language: str) -> list[dict]:
    """Two snapshots section by section (`old` None: everything is new), each read in
    `language` where it is published: its title, whether it changed and the two-column rows."""
    after = {s.key: s for s in policy_sections(new, version_language(new, language))}
    before = (
        {s.key: s for s in policy_sections(old, version_language(old, language))} if old else {}
    )
    sections = []
    for key in dict.fromkeys([*before, *after]):
        old_text = before[key].text if key in before else None
        new_text = after[key].text if key in after else None
        sections.append(
            {
                "key": key,
                "title": (after.get(key) or before[key]).title,
                "rows": side_by_side(old_text or "", new_text or ""),
                "changed": old_text != new_text,
            }
        )
    return sections
