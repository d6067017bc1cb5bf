"""Changes to the association's policy: configure, approve, publish, take template updates."""

from __future__ import annotations

import datetime
import re

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from hijridate import Hijri

from catalog.models import CatalogItem, PolicyKind
from catalog.selectors import template_current, template_version_get
from common.hijri import to_hijri
from common.saudi import ascii_digits
from common.text import text_problem
from publishing.hooks import policy_published
from publishing.models import ApprovalPosition, DeadlineKind, Holiday, PolicyDraft, PolicyVersion
from publishing.procedure import (
    DEFAULT_DECISION_BODY,
    names_clean,
    procedure_clean,
    procedure_default,
    procedure_problems,
    procedure_resolved,
)
from publishing.rendering import (
    BLOCK_PLACEHOLDERS,
    STATEMENT_FIELDS,
    STATEMENT_PLACEHOLDER,
    sanitize_extra,
)
from publishing.retention import RETENTION_DEFAULTS, retention_clean
from publishing.selectors import LATEST_KEY, policy_version_published
from publishing.tasks import policy_documents_render_task
from tenants.models import PROFILE_FIELDS
from tenants.selectors import association_current, schema_current
from tenants.tasking import enqueue_on_commit

# An item's code (CONTRACT.md): 2–60 lowercase Latin letters, digits, "-" and "_" ("home-visit").
CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{1,59}$")
LIST_KINDS = {
    "channels": CatalogItem.Kind.CHANNEL,
    "tools": CatalogItem.Kind.TOOL,
    "referral_roles": CatalogItem.Kind.REFERRAL_ROLE,
}
DEFAULT_REFERRAL_ROLES = ["social_researcher"]
DEFAULT_DEADLINE_DAYS = 10  # the seeds' "two weeks", in working days
MAX_EXTRA_LENGTH = 5000
MAX_STATEMENT_LENGTH = 1000
# An association's own section texts, with their lengths.
SECTION_TEXTS = {"title_ar": 200, "title_en": 200, "body_ar": 20000, "body_en": 20000}


class PolicyConflict(Exception):
    """The draft changed since the client read it (its revision moved on)."""


def _section_from_template(section, *, included: bool = True, kept=None) -> dict:
    """A draft section with `section`'s template text, keeping what the association wrote in
    `kept` (its extra text and own title and body)."""
    kept = kept or {}
    return {
        "key": section.key,
        "optional": section.optional,
        "included": included,
        "template_version": section.version.number,
        "title_ar": section.title_ar,
        "title_en": section.title_en,
        "body_ar": section.body_ar,
        "body_en": section.body_en,
        "extra_ar": kept.get("extra_ar", ""),
        "extra_en": kept.get("extra_en", ""),
        **{f"own_{field}": kept.get(f"own_{field}", "") for field in SECTION_TEXTS},
    }


def _catalogue(kind: str) -> dict[str, dict]:
    return {
        item.code: {"code": item.code, "name_ar": item.name_ar, "name_en": item.name_en}
        for item in CatalogItem.objects.filter(kind=kind)
    }


def policy_draft_create() -> PolicyDraft:
    """The association's first draft, from the current template, with the seeds' common choices."""
    template = template_current()
    channels = list(_catalogue(CatalogItem.Kind.CHANNEL).values())
    tools = list(_catalogue(CatalogItem.Kind.TOOL).values())
    roles = _catalogue(CatalogItem.Kind.REFERRAL_ROLE)
    return PolicyDraft.objects.create(
        template_version=template.number,
        channels=channels,
        tools=tools,
        referral_roles=[roles[code] for code in DEFAULT_REFERRAL_ROLES if code in roles],
        deadline_kind=DeadlineKind.WORKING,
        deadline_days=DEFAULT_DEADLINE_DAYS,
        procedure=procedure_default(),
        decision_body_ar=DEFAULT_DECISION_BODY["name_ar"],
        decision_body_en=DEFAULT_DECISION_BODY["name_en"],
        sections=[_section_from_template(section) for section in template.sections.all()],
    )


def _items(name: str, value, errors: dict, *, languages: list[str]) -> list[dict]:
    """A list of catalogue codes and/or {code, name_ar, name_en}, checked and named (an
    Arabic-only policy's own items need no English name)."""
    if not isinstance(value, list):
        errors[name] = [_("Give a list of codes or of {code, name_ar, name_en}.")]
        return []
    catalogue = _catalogue(LIST_KINDS[name])
    items, problems, seen = [], [], set()
    for entry in value:
        item = {"code": entry} if isinstance(entry, str) else entry
        if not isinstance(item, dict) or not isinstance(item.get("code"), str):
            problems.append(_("Each item needs a code."))
            continue
        code = item["code"].strip()
        if not CODE_PATTERN.match(code):
            problems.append(
                _(
                    "“%(code)s” is not a valid code: 2 to 60 lowercase Latin letters, digits, "
                    "- and _."
                )
                % {"code": code[:60]}
            )
            continue
        if code in seen:
            problems.append(_("The code “%(code)s” appears twice.") % {"code": code})
            continue
        seen.add(code)
        name_ar = str(item.get("name_ar") or "").strip()
        name_en = str(item.get("name_en") or "").strip()
        if code in catalogue:
            name_ar = name_ar or catalogue[code]["name_ar"]
            name_en = name_en or catalogue[code]["name_en"]
        if not name_ar or (not name_en and "en" in languages):
            problems.append(
                _("“%(code)s” needs its name in both Arabic and English.") % {"code": code}
                if "en" in languages
                else _("“%(code)s” needs its Arabic name.") % {"code": code}
            )
            continue
        if len(name_ar) > 200 or len(name_en) > 200:
            problems.append(_("Names are at most 200 characters."))
            continue
        items.append({"code": code, "name_ar": name_ar, "name_en": name_en})
    if problems:
        errors[name] = problems
    return items


LANGUAGE_CHOICES = (["ar"], ["ar", "en"])


def _languages(value, errors: dict) -> list[str]:
    """["ar"] or ["ar", "en"], in either order."""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        chosen = sorted(set(value))
        if chosen in LANGUAGE_CHOICES and len(chosen) == len(value):
            return chosen
    errors["languages"] = [_('Give ["ar"] (Arabic only) or ["ar", "en"] (Arabic and English).')]
    return ["ar", "en"]


def _deadline_wording(draft: PolicyDraft, value, errors: dict) -> list[str]:
    """The board's own words for the deadline, where given; the fields they changed."""
    keys = ("wording_ar", "wording_en")
    if not isinstance(value, dict) or not any(key in value for key in keys):
        return []
    wording = names_clean(value, "committee_deadline", errors, keys=keys)
    for key, text in wording.items():
        setattr(draft, f"deadline_{key}", text)
    return [f"deadline_{key}" for key in wording]


def _decision_body(draft: PolicyDraft, value, errors: dict) -> None:
    names = names_clean(value, "decision_body", errors, keys=("name_ar", "name_en"))
    for key, name in names.items():
        setattr(draft, f"decision_body_{key.removeprefix('name_')}", name)


def _deadline(value, errors: dict) -> tuple[str, int | None]:
    if not isinstance(value, dict):
        errors["committee_deadline"] = [_("Give {kind, days}.")]
        return DeadlineKind.WORKING, None
    kind = value.get("kind")
    days = value.get("days")
    if kind not in DeadlineKind.values:
        errors["committee_deadline"] = [_("The kind is working, calendar or asap.")]
        return DeadlineKind.WORKING, None
    if kind == DeadlineKind.ASAP:
        return kind, None
    if days is None:
        return kind, None  # allowed while drafting; publication asks for it
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 90:
        errors["committee_deadline"] = [_("The deadline is between 1 and 90 days.")]
        return kind, None
    return kind, days


def section_own(section: dict, field: str) -> str:
    """The association's own text for one of a section's SECTION_TEXTS ("": the template's)."""
    return section.get(f"own_{field}", "")


def section_in_force(section: dict) -> dict:
    """A draft section as it reads: its own title and body where the association wrote them,
    else the template's. What a published version keeps, so a later template never changes it."""
    resolved = {key: value for key, value in section.items() if not key.startswith("own_")}
    for field in SECTION_TEXTS:
        resolved[field] = section_own(section, field) or section[field]
    return resolved


def _section_text(section: dict, field: str, value, problems: dict) -> None:
    """Set one own text of `section` (empty: back to the template's), or name its problem."""
    name = f"sections[{section['key']}].{field}"
    if problem := text_problem(value, limit=SECTION_TEXTS[field], plain=True):
        problems[name] = [problem]
        return
    text = (value or "").replace("\r\n", "\n").strip()
    if text == section[field].strip():
        text = ""  # the template's own words, as the editor shows them: still the template's
    if text and field.startswith("body_") and section["key"] == "approval":
        problems[name] = [
            _("The approval reads as the board words it: give its wording with the approval.")
        ]
        return
    # The lists the page fills from the configuration stay in the section's own words.
    body = section[field] if field.startswith("body_") else ""
    missing = [mark for mark in BLOCK_PLACEHOLDERS if mark in body and text and mark not in text]
    if missing:
        problems[name] = [
            _("Keep %(mark)s on a line of its own: the page lists your items there.")
            % {"mark": missing[0]}
        ]
        return
    section[f"own_{field}"] = text


def _sections(current: list[dict], value, errors: dict, *, languages: list[str]) -> list[dict]:
    if not isinstance(value, list):
        errors["sections"] = [_("Give a list of {key, included, extra_ar, extra_en}.")]
        return current
    by_key = {section["key"]: dict(section) for section in current}
    problems = []
    field_problems: dict[str, list[str]] = {}
    for change in value:
        if not isinstance(change, dict) or change.get("key") not in by_key:
            problems.append(_("Unknown section “%(key)s”.") % {"key": str(change)[:60]})
            continue
        section = by_key[change["key"]]
        if "included" in change:
            if not isinstance(change["included"], bool):
                problems.append(_("“included” is true or false."))
            elif not change["included"] and not section["optional"]:
                problems.append(
                    _("The section “%(title)s” cannot be left out.")
                    % {"title": section["title_en"]}
                )
            else:
                section["included"] = change["included"]
        for field in SECTION_TEXTS:
            if field in change:
                _section_text(section, field, change[field], field_problems)
        for language in ("ar", "en"):
            field = f"extra_{language}"
            if field in change:
                text = str(change[field] or "")
                if len(text) > MAX_EXTRA_LENGTH:
                    problems.append(
                        _("Extra text is at most %(n)s characters.") % {"n": MAX_EXTRA_LENGTH}
                    )
                else:
                    section[field] = sanitize_extra(text)
        problems += _section_language_problems(section, languages)
    if problems:
        errors["sections"] = problems
    errors.update(field_problems)
    return [by_key[section["key"]] for section in current]


def _section_language_problems(section: dict, languages: list[str]) -> list[str]:
    """A bilingual policy's extra text is in both languages. (An own title or body may be in
    one: the other language keeps the template's, as a step's wording does.)"""
    if "en" not in languages:
        return []
    problems = []
    if bool(section["extra_ar"]) != bool(section["extra_en"]):
        problems.append(
            _("The extra text of “%(title)s” needs both Arabic and English.")
            % {"title": section["title_en"]}
        )
    return problems


APPROVAL_FACTS = (
    "approval_meeting_number",
    "approval_session",
    "approval_term",
    "approval_date",
    "approval_chair_name",
    "approved_at",
)
APPROVAL_WORDING = (
    "approval_statement_ar",
    "approval_statement_en",
    "approval_effect_ar",
    "approval_effect_en",
    "approval_position",
)


def _approval_save(draft: PolicyDraft, *, approval: dict, fields: list[str]) -> None:
    """Record (or clear) the board's approval with `fields`, moving the revision on.

    `approval` holds the facts (cleared by any change to the draft) and, when recorded, the
    wording; the wording is kept across changes, so the next approval starts from it."""
    for name, value in approval.items():
        setattr(draft, name, value)
    draft.revision += 1
    draft.save(update_fields=[*fields, *approval, "revision", "updated_at"])


def _changed(draft: PolicyDraft, fields: list[str]) -> None:
    """Save a change to the draft: it clears the board's approval and moves the revision on."""
    cleared = {
        name: None if name in ("approval_date", "approved_at") else "" for name in APPROVAL_FACTS
    }
    _approval_save(draft, approval=cleared, fields=fields)


def _locked_draft(revision: int | None, kind: str = PolicyKind.BENEFICIARY) -> PolicyDraft:
    draft = PolicyDraft.of_every_kind.select_for_update().get(kind=kind)
    if revision is not None and revision != draft.revision:
        raise PolicyConflict()
    return draft


def _apply(draft: PolicyDraft, data: dict) -> list[str]:
    """Apply `data` to `draft` in memory; the changed fields, or every problem at once."""
    errors: dict[str, list[str]] = {}
    fields = []
    if "languages" in data:
        draft.languages = _languages(data["languages"], errors)
        fields.append("languages")
    for name in LIST_KINDS:
        if name in data:
            setattr(draft, name, _items(name, data[name], errors, languages=draft.languages))
            fields.append(name)
    if "committee_deadline" in data:
        draft.deadline_kind, draft.deadline_days = _deadline(data["committee_deadline"], errors)
        fields += ["deadline_kind", "deadline_days"]
        fields += _deadline_wording(draft, data["committee_deadline"], errors)
    if "procedure" in data:
        draft.procedure = procedure_clean(data["procedure"], errors)
        fields.append("procedure")
    if "decision_body" in data:
        _decision_body(draft, data["decision_body"], errors)
        fields += ["decision_body_ar", "decision_body_en"]
    if "retention" in data:
        draft.retention = retention_clean(data["retention"], errors)
        fields.append("retention")
    if "sections" in data:
        draft.sections = _sections(
            draft.sections, data["sections"], errors, languages=draft.languages
        )
        fields.append("sections")
    if {"procedure", "decision_body"} & set(data) and "procedure" not in errors:
        # How the steps fit together, with the roles and the deciding body as they now stand
        # (a draft left without them is only incomplete: approval asks for them).
        for field, problems in procedure_problems(
            draft.procedure,
            referral_roles=draft.referral_roles,
            decision_body=_decision_body_of(draft),
        ).items():
            errors.setdefault(field, []).extend(problems)
    if errors:
        raise ValidationError(errors)
    return fields


def _decision_body_of(draft: PolicyDraft) -> dict[str, str]:
    return {"name_ar": draft.decision_body_ar, "name_en": draft.decision_body_en}


def policy_draft_ensure() -> PolicyDraft:
    """The association's draft (made from the current template if it has none yet)."""
    return PolicyDraft.objects.first() or policy_draft_create()


def kind_draft_ensure(kind: str) -> PolicyDraft:
    """The association's draft of a policy of `kind`, made from its current template when
    first asked for (the beneficiary policy's: policy_draft_ensure)."""
    draft = PolicyDraft.of_every_kind.filter(kind=kind).first()
    if draft is not None:
        return draft
    template = template_current(kind)
    with transaction.atomic():
        draft, _created = PolicyDraft.of_every_kind.get_or_create(
            kind=kind,
            defaults={
                "template_version": template.number,
                "sections": [_section_from_template(s) for s in template.sections.all()],
                "retention": (
                    dict(RETENTION_DEFAULTS) if kind == PolicyKind.DOCUMENT_RETENTION else {}
                ),
            },
        )
    return draft


KIND_FIELDS = ("languages", "sections")
# What a kind has besides its languages and sections.
KIND_EXTRA_FIELDS: dict[str, tuple[str, ...]] = {PolicyKind.DOCUMENT_RETENTION: ("retention",)}


def retention_of(draft: PolicyDraft) -> dict[str, int]:
    """The retention draft's periods (a draft made before they existed: the defaults)."""
    return {**RETENTION_DEFAULTS, **(draft.retention or {})}


def kind_draft_update(*, kind: str, data: dict, revision: int | None = None) -> PolicyDraft:
    """Change a kind's draft: its languages and its sections' words (the other kinds have no
    channels or procedure). Any change clears a recorded approval; bad input is refused whole."""
    unknown = set(data) - {*KIND_FIELDS, *KIND_EXTRA_FIELDS.get(kind, ())}
    if unknown:
        raise ValidationError(
            {name: [_("This policy has no such field.")] for name in sorted(unknown)}
        )
    kind_draft_ensure(kind)
    with transaction.atomic():
        draft = _locked_draft(revision, kind)
        fields = _apply(draft, data)
        if fields:
            _changed(draft, fields)
    return draft


def policy_draft_update(*, data: dict, revision: int | None = None) -> PolicyDraft:
    """Change the draft's configuration; any change clears a recorded approval.

    Incomplete drafts may be saved (publication checks completeness); malformed input is refused
    whole, with every problem named.
    """
    with transaction.atomic():
        draft = _locked_draft(revision)
        fields = _apply(draft, data)
        if fields:
            _changed(draft, fields)
    return draft


def policy_draft_preview(*, data: dict) -> PolicyDraft:
    """The draft as it would be with `data`, not saved (the editor's live preview)."""
    draft = policy_draft_ensure()
    _apply(draft, data)
    return draft


def policy_draft_problems(draft: PolicyDraft) -> dict[str, list[str]]:
    """What stops this draft from being approved and published, per field."""
    problems: dict[str, list[str]] = {}
    if draft.kind != PolicyKind.BENEFICIARY:
        # The other kinds are their sections alone: a bilingual one needs its extra text twice.
        sections = [
            problem
            for section in draft.sections
            for problem in _section_language_problems(section, draft.languages)
        ]
        return {"sections": sections} if sections else {}
    kinds = {step["step"] for step in draft.procedure}
    if not draft.channels:
        problems["channels"] = [_("Choose at least one channel.")]
    # A refer step without a role to refer to is among these.
    problems.update(
        procedure_problems(
            draft.procedure,
            referral_roles=draft.referral_roles,
            decision_body=_decision_body_of(draft),
        )
    )
    if "decide" in kinds and draft.deadline_kind != DeadlineKind.ASAP and not draft.deadline_days:
        problems["committee_deadline"] = [
            _("Give the committee's deadline in days, or choose “as soon as possible”.")
        ]
    if "en" in draft.languages:
        for name in LIST_KINDS:
            unnamed = [item["name_ar"] for item in getattr(draft, name) if not item["name_en"]]
            if unnamed:
                problems[name] = [
                    _("Give the English name of %(names)s, or publish in Arabic only.")
                    % {"names": "، ".join(unnamed)}
                ]
        sections = [
            problem
            for section in draft.sections
            for problem in _section_language_problems(section, draft.languages)
        ]
        if sections:
            problems["sections"] = sections
    included_tools = any(s["key"] == "tools" and s["included"] for s in draft.sections)
    if included_tools and not draft.tools:
        problems["tools"] = [_("List at least one tool, or leave the tools section out.")]
    return problems


HIJRI_PATTERN = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def hijri_date_parse(value: str) -> datetime.date:
    """The Gregorian day of an Umm al-Qura date written YYYY-MM-DD, or a ValidationError that
    says what is wrong with it (1446-01-30: Muharram 1446 has 29 days)."""
    match = HIJRI_PATTERN.match(ascii_digits(str(value)).strip())
    if not match:
        raise ValidationError(_("Write the Hijri date as YYYY-MM-DD, e.g. 1446-10-26."))
    year, month, day = (int(part) for part in match.groups())
    if not 1 <= month <= 12:
        raise ValidationError(_("A Hijri month is between 1 and 12."))
    try:
        length = Hijri(year, month, 1).month_length()
    except (ValueError, OverflowError) as error:
        raise ValidationError(
            _("This date is outside the Umm al-Qura calendar (1343–1500 AH).")
        ) from error
    if not 1 <= day <= length:
        raise ValidationError(
            _("This Hijri date does not exist: month %(month)s of %(year)s has %(days)s days.")
            % {"month": month, "year": year, "days": length}
        )
    return Hijri(year, month, day).to_gregorian()


def _approval_day(approved_on, approved_on_hijri, errors: dict) -> datetime.date | None:
    """The meeting's day from its Gregorian or Hijri date (or both, if they agree)."""
    day = None
    if approved_on_hijri not in (None, ""):
        try:
            day = hijri_date_parse(approved_on_hijri)
        except ValidationError as error:
            errors["approved_on_hijri"] = error.messages
            return None
    if approved_on is not None and not isinstance(approved_on, datetime.date):
        errors["approved_on"] = [_("Give the meeting's date.")]
        return None
    if day and approved_on and day != approved_on:
        message = _(
            "The Hijri and Gregorian dates disagree: %(hijri)s AH is %(gregorian)s. Give one of "
            "them, or both as the same day."
        ) % {"hijri": approved_on_hijri, "gregorian": day.isoformat()}
        errors["approved_on"] = errors["approved_on_hijri"] = [message]
        return None
    day = day or approved_on
    if day is None:
        errors["approved_on"] = [_("Give the meeting's date, in Hijri or Gregorian.")]
    elif day > timezone.localdate():
        errors["approved_on"] = [_("The meeting's date cannot be in the future.")]
    elif to_hijri(day) is None:
        errors["approved_on"] = [_("This date is outside the Umm al-Qura calendar.")]
    else:
        return day
    return None


def _statement_problem(text: str) -> str | None:
    if problem := text_problem(text, limit=MAX_STATEMENT_LENGTH, plain=True):
        return problem
    unknown = [name for name in STATEMENT_PLACEHOLDER.findall(text) if name not in STATEMENT_FIELDS]
    if unknown:
        return _("Unknown placeholder {%(name)s}: the wording may use %(known)s.") % {
            "name": unknown[0][:30],
            "known": ", ".join(f"{{{name}}}" for name in STATEMENT_FIELDS),
        }
    return None


def policy_draft_approve(
    *,
    approved_on: datetime.date | None = None,
    approved_on_hijri: str | None = None,
    meeting_number: str = "",
    session: str = "",
    term: str = "",
    chair_name: str = "",
    statement_ar: str = "",
    statement_en: str = "",
    effect_ar: str = "",
    effect_en: str = "",
    position: str = ApprovalPosition.END,
    revision: int | None = None,
    kind: str = PolicyKind.BENEFICIARY,
) -> PolicyDraft:
    """Record the board's approval of the draft as it stands, as the board writes it: the
    meeting's number and/or session and term, its date in Hijri or Gregorian, the chair if
    given, and the approval's own wording and place."""
    errors: dict[str, list[str]] = {}
    texts = {
        "meeting_number": (meeting_number, 50),
        "session": (session, 100),
        "term": (term, 100),
        "chair_name": (chair_name, 200),
        "effect_ar": (effect_ar, 500),
        "effect_en": (effect_en, 500),
    }
    for field, (value, limit) in texts.items():
        if problem := text_problem(value, limit=limit, plain=True):
            errors[field] = [problem]
    for field, value in (("statement_ar", statement_ar), ("statement_en", statement_en)):
        if problem := _statement_problem(value):
            errors[field] = [problem]
    clean = {field: (value or "").strip() for field, (value, _limit) in texts.items()}
    if not errors and not clean["meeting_number"] and not clean["session"]:
        errors["meeting_number"] = [_("Give the board meeting's number, or its session.")]
    if position not in ApprovalPosition.values:
        errors["position"] = [_("The approval stands at the end or under the title.")]
    day = _approval_day(approved_on, approved_on_hijri, errors)
    with transaction.atomic():
        draft = _locked_draft(revision, kind)
        errors.update(policy_draft_problems(draft))
        if errors:
            raise ValidationError(errors)
        _approval_save(
            draft,
            approval={
                "approval_meeting_number": clean["meeting_number"],
                "approval_session": clean["session"],
                "approval_term": clean["term"],
                "approval_date": day,
                "approval_chair_name": clean["chair_name"],
                "approved_at": timezone.now(),
                "approval_statement_ar": (statement_ar or "").strip(),
                "approval_statement_en": (statement_en or "").strip(),
                "approval_effect_ar": clean["effect_ar"],
                "approval_effect_en": clean["effect_en"],
                "approval_position": position,
            },
            fields=[],
        )
    return draft


def _letterhead() -> dict:
    association = association_current()
    return {
        "slug": association.slug,
        **{field: getattr(association, field) for field in PROFILE_FIELDS},
        "social_handles": association.social_handles,
        "logo": association.logo.name if association.logo else "",
        "bank_accounts": [
            {"bank_name": account.bank_name, "iban": account.iban}
            for account in association.bank_accounts.all()
        ],
    }


def policy_approval(draft: PolicyDraft) -> dict:
    """The approval as a published version keeps it (its `position` marks the board's own
    wording: versions published before it fill the template's approval text)."""
    return {
        "meeting_number": draft.approval_meeting_number,
        "session": draft.approval_session,
        "term": draft.approval_term,
        "approved_on": draft.approval_date.isoformat() if draft.approval_date else None,
        "chair_name": draft.approval_chair_name,
        "statement_ar": draft.approval_statement_ar,
        "statement_en": draft.approval_statement_en,
        "effect_ar": draft.approval_effect_ar,
        "effect_en": draft.approval_effect_en,
        "position": draft.approval_position,
    }


def policy_snapshot(draft: PolicyDraft) -> dict:
    """Everything a published version shows, frozen: configuration, texts and letterhead."""
    if draft.kind != PolicyKind.BENEFICIARY:
        return {
            "kind": draft.kind,
            "template_version": draft.template_version,
            "languages": draft.languages,
            "association": _letterhead(),
            "approval": policy_approval(draft),
            "sections": [section_in_force(s) for s in draft.sections if s["included"]],
            # What the retention job applies once this version is published.
            **(
                {"retention": retention_of(draft)}
                if draft.kind == PolicyKind.DOCUMENT_RETENTION
                else {}
            ),
        }
    template = template_version_get(number=draft.template_version) or template_current()
    return {
        "template_version": draft.template_version,
        "languages": draft.languages,
        "association": _letterhead(),
        "channels": draft.channels,
        "tools": draft.tools,
        "referral_roles": draft.referral_roles,
        "committee_deadline": {
            "kind": draft.deadline_kind,
            "days": draft.deadline_days,
            "wording_ar": draft.deadline_wording_ar,
            "wording_en": draft.deadline_wording_en,
        },
        "procedure": procedure_resolved(draft.procedure, template.steps),
        "decision_body": _decision_body_of(draft),
        "approval": policy_approval(draft),
        "sections": [section_in_force(s) for s in draft.sections if s["included"]],
    }


def policy_publish(
    *, actor_email: str, revision: int | None = None, kind: str = PolicyKind.BENEFICIARY
) -> PolicyVersion:
    """Publish the approved draft of `kind` as its next immutable version."""
    with transaction.atomic():
        draft = _locked_draft(revision, kind)
        problems = policy_draft_problems(draft)
        if not draft.is_approved:
            problems["approval"] = [_("Record the board's approval before publishing.")]
        if problems:
            raise ValidationError(problems)
        last = (
            PolicyVersion.of_every_kind.select_for_update()
            .filter(kind=kind)
            .order_by("-number")
            .first()
        )
        version = PolicyVersion.objects.create(
            kind=kind,
            number=(last.number + 1) if last else 1,
            published_at=timezone.now(),
            published_by=actor_email,
            template_version=draft.template_version,
            content=policy_snapshot(draft),
        )
        if kind == PolicyKind.BENEFICIARY:  # its beneficiaries and subscribers are told
            policy_published(version=version)
    if kind != PolicyKind.BENEFICIARY:
        enqueue_on_commit(
            policy_documents_render_task,
            schema_name=schema_current(),
            number=version.number,
            kind=kind,
        )
        return version
    cache.delete(LATEST_KEY)
    transaction.on_commit(lambda: cache.delete(LATEST_KEY))
    # Its cases will run by it: remembered once it is committed.
    transaction.on_commit(lambda: policy_version_published(number=version.number))

    enqueue_on_commit(
        policy_documents_render_task, schema_name=schema_current(), number=version.number
    )
    return version


TEMPLATE_CHOICES = ("take", "keep", "edit")


def policy_template_section_take(
    *,
    key: str,
    choice: str = "take",
    texts: dict | None = None,
    revision: int | None = None,
    kind: str = PolicyKind.BENEFICIARY,
) -> PolicyDraft:
    """Bring one section to the current template: `take` its new text (the association's own
    title and body give way), `keep` the association's own over it, or `edit`: `texts` become
    its own. Nothing of the association's is overwritten but by its choice; its extra text and
    whether the section is shown stay."""
    if choice not in TEMPLATE_CHOICES:
        raise ValidationError({"choice": [_("Take, keep or edit.")]})
    template = template_current(kind)
    new = {section.key: section for section in template.sections.all()}
    with transaction.atomic():
        draft = _locked_draft(revision, kind)
        sections = {section["key"]: section for section in draft.sections}
        if key not in new and key not in sections:
            raise ValidationError({"sections": [_("Unknown section “%(key)s”.") % {"key": key}]})
        if key in new:
            old = sections.get(key, {})
            kept = (
                old
                if choice != "take"
                else {name: value for name, value in old.items() if not name.startswith("own_")}
            )
            sections[key] = _section_from_template(
                new[key], included=old.get("included", True), kept=kept
            )
            if choice == "edit":
                problems: dict[str, list[str]] = {}
                for field, text in (texts or {}).items():
                    if field in SECTION_TEXTS:
                        _section_text(sections[key], field, text, problems)
                if problems:
                    raise ValidationError(problems)
        else:
            sections.pop(key)  # the new template no longer has it
        order = [section.key for section in template.sections.all()]
        draft.sections = sorted(
            sections.values(),
            key=lambda s: order.index(s["key"]) if s["key"] in order else len(order),
        )
        # Sections whose text the new template left as it was are on the new version already.
        for section in draft.sections:
            theirs = new.get(section["key"])
            if theirs and all(
                section[f] == getattr(theirs, f)
                for f in ("title_ar", "title_en", "body_ar", "body_en")
            ):
                section["template_version"] = template.number
        if set(sections) == set(order) and all(
            s["template_version"] == template.number for s in draft.sections
        ):
            draft.template_version = template.number
        _changed(draft, ["sections", "template_version"])
    return draft


def holidays_replace(*, days: list[tuple[datetime.date, str]]) -> list[Holiday]:
    """The association's holidays (committee deadlines in working days skip them)."""
    unique = {day: name.strip()[:200] for day, name in days}
    with transaction.atomic():
        Holiday.objects.all().delete()
        return Holiday.objects.bulk_create(
            Holiday(day=d, name=n) for d, n in sorted(unique.items())
        )


def policy_settings_save(
    *, data: dict, revision: int | None, holidays: list[tuple[datetime.date, str]]
) -> PolicyDraft:
    """Save the settings page: the draft's configuration and the holidays, all or nothing (a
    stale revision changes neither)."""
    with transaction.atomic():
        draft = policy_draft_update(data=data, revision=revision)
        holidays_replace(days=holidays)
    return draft


POLICY_STAGES = ("draft", "approved", "published")


def policy_draft_stage(draft: PolicyDraft) -> str:
    """Where the draft stands: "draft" until the board approves it, "approved" until that
    approval is published, "published" while it reads as its latest version."""
    if not draft.is_approved:
        return "draft"
    latest = PolicyVersion.of_every_kind.filter(kind=draft.kind).order_by("-number").first()
    if latest is not None and latest.published_at >= draft.updated_at:
        return "published"
    return "approved"


def policies_ready() -> list[PolicyDraft]:
    """The drafts a board meeting could approve now: complete, not yet approved, and changed
    since their last publication (or never published), in the standard's order."""
    order = list(PolicyKind.values)
    latest = {
        version.kind: version.published_at
        for version in PolicyVersion.of_every_kind.order_by("kind", "-number").distinct("kind")
    }
    ready = [
        draft
        for draft in PolicyDraft.of_every_kind.all()
        if not draft.is_approved
        and not policy_draft_problems(draft)
        and (draft.kind not in latest or draft.updated_at > latest[draft.kind])
    ]
    return sorted(ready, key=lambda draft: order.index(draft.kind))


def policies_approve(*, kinds: list[str], actor_email: str, **meeting) -> list[PolicyVersion]:
    """One board meeting approves several policies: each ticked draft gets the same approval
    (`meeting`: policy_draft_approve's facts and wording) and is published as its own next
    version. All or nothing: a refused approval publishes none of them."""
    errors: dict[str, list[str]] = {}
    if not kinds:
        errors["kinds"] = [_("Tick at least one policy the meeting approved.")]
    elif set(kinds) - set(PolicyKind.values) or len(set(kinds)) != len(kinds):
        errors["kinds"] = [_("Tick policies from the list.")]
    if errors:
        raise ValidationError(errors)
    titles = dict(PolicyKind.choices)
    for kind in kinds:
        draft = policy_draft_ensure() if kind == PolicyKind.BENEFICIARY else kind_draft_ensure(kind)
        for messages in policy_draft_problems(draft).values():
            errors.setdefault("kinds", []).extend(f"{titles[kind]}: {m}" for m in messages)
    if errors:
        raise ValidationError(errors)
    versions = []
    with transaction.atomic():
        for kind in kinds:
            policy_draft_approve(kind=kind, **meeting)
            versions.append(policy_publish(actor_email=actor_email, kind=kind))
    return versions
