"""The association's privacy notice: one draft, published as immutable numbered versions.

The texts use the policy's small markup (publishing/rendering.py) plus "## " headings, and two
placeholders filled from the association's profile as it was at publication.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from common.text import text_problem
from privacy.models import PrivacyNoticeDraft, PrivacyNoticeVersion
from publishing.rendering import blocks_html, body_blocks
from tenants.selectors import association_current

DEFAULT_DIR = Path(__file__).resolve().parent / "notice"
MAX_BODY = 20000
CONTACT_PLACEHOLDER = "{association_contact}"


class NoticeConflict(Exception):
    """The draft changed since the form was read."""


def notice_default_text(language: str) -> str:
    """The notice Mustafid ships, in `language` ("ar" or "en"), with its placeholders."""
    return (DEFAULT_DIR / f"default_{language}.txt").read_text(encoding="utf-8")


def notice_draft_ensure() -> PrivacyNoticeDraft:
    """The draft, made from the shipped default text the first time it is asked for."""
    draft, _created = PrivacyNoticeDraft.objects.get_or_create(
        pk=1,
        defaults={"body_ar": notice_default_text("ar"), "body_en": notice_default_text("en")},
    )
    return draft


def _body_problem(value) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return _("Write the notice's text.")
    return text_problem(value, limit=MAX_BODY, strip=False)


def notice_draft_update(
    *, body_ar: str, body_en: str, actor_email: str, revision: int | None = None
) -> PrivacyNoticeDraft:
    """Save the draft's two texts; a form that read an older revision gets NoticeConflict."""
    errors = {
        field: [problem]
        for field, value in (("body_ar", body_ar), ("body_en", body_en))
        if (problem := _body_problem(value))
    }
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        notice_draft_ensure()
        draft = PrivacyNoticeDraft.objects.select_for_update().get(pk=1)
        if revision is not None and revision != draft.revision:
            raise NoticeConflict()
        draft.body_ar = body_ar.strip()
        draft.body_en = body_en.strip()
        draft.updated_by = actor_email
        draft.revision += 1
        draft.save(update_fields=["body_ar", "body_en", "updated_by", "revision", "updated_at"])
    return draft


def association_snapshot() -> dict:
    association = association_current()
    return {
        "name_ar": association.name_ar,
        "name_en": association.name_en,
        "email": association.email,
        "phone": association.phone,
        "address": association.address,
        "website": association.website,
    }


def notice_publish(*, actor_email: str, revision: int | None = None) -> PrivacyNoticeVersion:
    """Publish the draft as the next immutable version, with the association's contacts."""
    with transaction.atomic():
        notice_draft_ensure()
        draft = PrivacyNoticeDraft.objects.select_for_update().get(pk=1)
        if revision is not None and revision != draft.revision:
            raise NoticeConflict()
        last = PrivacyNoticeVersion.objects.select_for_update().order_by("-number").first()
        version = PrivacyNoticeVersion.objects.create(
            number=(last.number + 1) if last else 1,
            published_at=timezone.now(),
            published_by=actor_email,
            content={
                "body_ar": draft.body_ar,
                "body_en": draft.body_en,
                "association": association_snapshot(),
            },
        )
    return version


@dataclass(frozen=True)
class NoticeSection:
    title: str
    html: SafeString


def _contact(association: dict, language: str) -> str:
    labels = (
        {"email": "البريد الإلكتروني", "phone": "الهاتف", "address": "العنوان", "website": "الموقع"}
        if language == "ar"
        else {"email": "e-mail", "phone": "phone", "address": "address", "website": "website"}
    )
    parts = [f"{labels[key]} {association[key]}" for key in labels if association.get(key)]
    if not parts:
        return "مقر الجمعية" if language == "ar" else "the association's office"
    return ("، " if language == "ar" else ", ").join(parts)


def notice_sections(content: dict, language: str) -> list[NoticeSection]:
    """A version's (or the draft's) text as titled sections, every word escaped."""
    association = content.get("association") or {}
    body = content.get(f"body_{language}") or content.get("body_ar", "")
    body = body.replace(CONTACT_PLACEHOLDER, _contact(association, language))
    values = {
        "association_name": association.get(f"name_{language}") or association.get("name_ar", "")
    }
    sections: list[tuple[str, list[str]]] = [("", [])]
    for line in body.splitlines():
        if line.startswith("## "):
            sections.append((line[3:].strip(), []))
        else:
            sections[-1][1].append(line)
    return [
        NoticeSection(title=title, html=blocks_html(body_blocks("\n".join(lines), values)))
        for title, lines in sections
        if title or "".join(lines).strip()
    ]
