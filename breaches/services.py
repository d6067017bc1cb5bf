"""Recording breaches of personal data and whom the association told: records, nothing more."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from breaches.models import Breach

FIELDS = (
    "summary",
    "happened_at",
    "found_at",
    "found_by",
    "data_kinds",
    "people_affected",
    "containment",
    "regulator_notified_at",
    "regulator_notice",
    "people_notified_at",
    "others_notified",
)
# A clock a minute or two ahead of the server's is still the present.
FUTURE_SLACK = datetime.timedelta(minutes=5)


def _check(data: dict, *, now: datetime.datetime) -> dict:
    """The breach's fields, or a ValidationError naming each one whose time is impossible."""
    clean: dict[str, Any] = {field: data.get(field) for field in FIELDS}
    for field in ("summary", "found_by", "data_kinds", "containment", "regulator_notice",
                  "others_notified"):  # fmt: skip
        clean[field] = str(clean[field] or "").strip()
    errors: dict[str, list[str]] = {}
    for field in ("summary", "found_by", "data_kinds"):
        if not clean[field]:
            errors[field] = [_("This field is required.")]
    for field in ("happened_at", "found_at"):
        if clean[field] is None:
            errors[field] = [_("This field is required.")]
    moments = ("happened_at", "found_at", "regulator_notified_at", "people_notified_at")
    for field in moments:
        if clean[field] is not None and clean[field] > now + FUTURE_SLACK:
            errors.setdefault(field, []).append(_("This time is in the future."))
    happened, found = clean["happened_at"], clean["found_at"]
    if happened and found and found < happened:
        errors.setdefault("found_at", []).append(
            _("A breach is found after it happened: this time is before when it happened.")
        )
    for field in ("regulator_notified_at", "people_notified_at"):
        if found and clean[field] is not None and clean[field] < found:
            errors.setdefault(field, []).append(
                _("Nobody is told of a breach before it is found: this time is before then.")
            )
    if errors:
        raise ValidationError(errors)
    return clean


def _admin_only(actor: User) -> None:
    if not (actor.is_active and actor.is_association_admin):
        raise PermissionDenied


def breach_record(*, actor: User, data: dict, closed: bool = False) -> Breach:
    """Register a breach; its times must follow each other (happened, found, told)."""
    _admin_only(actor)
    now = timezone.now()
    clean = _check(data, now=now)
    return Breach.objects.create(
        **clean, closed_at=now if closed else None, recorded_by=actor.email
    )


def breach_update(*, breach_id: int, actor: User, data: dict, closed: bool) -> Breach:
    """Change a breach's record: what was learnt, whom was told, whether it is closed."""
    _admin_only(actor)
    now = timezone.now()
    clean = _check(data, now=now)
    with transaction.atomic():
        breach = Breach.objects.select_for_update().get(pk=breach_id)
        for field, value in clean.items():
            setattr(breach, field, value)
        if closed != (breach.closed_at is not None):
            breach.closed_at = now if closed else None
        breach.save(update_fields=[*FIELDS, "closed_at", "updated_at"])
    return breach
