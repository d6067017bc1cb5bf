"""Operators' operations on the shared template (the console's screens call these)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import PolicyKind, TemplateSection, TemplateVersion

SECTION_FIELDS = ("key", "optional", "title_ar", "title_en", "body_ar", "body_en")


def template_release(
    *, sections: list[dict], notes: str = "", kind: str = PolicyKind.BENEFICIARY
) -> TemplateVersion:
    """Release the next template version with `sections` (in order), each filled in both languages.

    Associations see the new version as an update they may take; nothing of theirs changes.
    The step catalogue (each step kind's wording) is carried over from the version before.
    """
    keys = [section.get("key") for section in sections]
    if len(set(keys)) != len(keys) or not all(keys):
        raise ValidationError(_("Every section needs its own key."))
    for section in sections:
        missing = [f for f in ("title_ar", "title_en", "body_ar", "body_en") if not section.get(f)]
        if missing:
            raise ValidationError(
                _("Section %(key)s is missing %(fields)s."),
                params={"key": section["key"], "fields": ", ".join(missing)},
            )
    with transaction.atomic():
        last = (
            TemplateVersion.of_every_kind.select_for_update()
            .filter(kind=kind)
            .order_by("-number")
            .first()
        )
        version = TemplateVersion.objects.create(
            kind=kind,
            number=(last.number + 1) if last else 1,
            released_at=timezone.now(),
            notes=notes,
            steps=last.steps if last else {},
        )
        TemplateSection.objects.bulk_create(
            TemplateSection(
                version=version,
                position=position,
                **{field: section.get(field, False) for field in SECTION_FIELDS},
            )
            for position, section in enumerate(sections)
        )
    return version
