"""Legal holds: while one is in force, the beneficiary's data is neither deleted nor retired."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from common.text import text_problem
from privacy.models import Anonymisation, LegalHold
from workflow.models import Beneficiary

MAX_REASON = 2000


def legal_hold_set(*, beneficiary: Beneficiary, reason: str, actor: User) -> LegalHold:
    """Keep the person's data for a stated reason until an admin releases the hold."""
    reason = reason.strip() if isinstance(reason, str) else ""
    if text_problem(reason, limit=MAX_REASON, required=True):
        raise ValidationError({"reason": [_("Give the reason the data must be kept.")]})
    if Anonymisation.objects.filter(beneficiary=beneficiary).exists():
        raise ValidationError(
            {"reason": [_("This beneficiary's personal data was erased already.")]}
        )
    return LegalHold.objects.create(
        beneficiary=beneficiary, reason=reason, set_by=actor.email, set_at=timezone.now()
    )


def legal_hold_release(*, hold: LegalHold, actor: User) -> LegalHold:
    with transaction.atomic():
        hold = LegalHold.objects.select_for_update().get(pk=hold.pk)
        if hold.released_at is not None:
            raise ValidationError({"hold": [_("This hold was released already.")]})
        hold.released_at = timezone.now()
        hold.released_by = actor.email
        hold.save(update_fields=["released_at", "released_by"])
    return hold
