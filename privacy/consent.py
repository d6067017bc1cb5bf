"""Consent: recorded with every case opened, withdrawn by staff when the person asks."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from common.text import text_problem
from privacy.models import ConsentRecord, PrivacyNoticeVersion
from privacy.selectors import consent_blocks
from workflow.models import OPEN_STATUSES, Beneficiary, Case, CaseEvent

# The purpose as the intake forms state it; kept in Arabic, the language of the policy.
CONSENT_PURPOSE = (
    "معالجة بيانات المستفيد لدراسة طلبه والتحقق منه وعرضه على اللجنة وتقديم الخدمة وإبلاغه "
    "بالقرار، وفق سياسة تنظيم العلاقة مع المستفيدين المنشورة وإشعار الخصوصية."
)
WITHDRAWAL_CHANNELS = ("interview", "phone", "email", "letter", "website")
MAX_NOTE = 2000


def consent_record(*, case: Case, actor_email: str) -> ConsentRecord:
    """Record the consent `case` was opened with, under the policy and notice in force."""
    notice = PrivacyNoticeVersion.objects.order_by("-number").values_list("number", flat=True)
    return ConsentRecord.objects.create(
        beneficiary_id=case.beneficiary_id,
        case=case,
        purpose=CONSENT_PURPOSE,
        channel_code=case.channel_code,
        policy_version=case.policy_version_opened,
        notice_version=notice.first(),
        given_at=case.consent_given_at,
        recorded_by=actor_email,
    )


def consent_refusal(*, case: Case, action: str) -> str | None:
    """Why a withdrawn consent refuses `action` on `case` (None when it does not)."""
    if consent_blocks(case=case, action=action):
        return _(
            "The beneficiary withdrew their consent: the case can only be closed or withdrawn."
        )
    return None


def consent_withdraw(
    *, beneficiary: Beneficiary, actor: User, channel: str, note: str = ""
) -> list[ConsentRecord]:
    """Withdraw every consent the person gave; each open case gets it on its timeline.

    From then on an open case can only be closed or withdrawn (privacy.selectors.consent_blocks).
    """
    errors: dict[str, list[str]] = {}
    if channel not in WITHDRAWAL_CHANNELS:
        errors["channel"] = [_("Choose how the beneficiary told the association.")]
    note = note.strip() if isinstance(note, str) else ""
    if text_problem(note, limit=MAX_NOTE):
        errors["note"] = [
            _("At most %(n)s characters, without control characters.") % {"n": MAX_NOTE}
        ]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        active = list(
            ConsentRecord.objects.select_for_update().filter(
                beneficiary=beneficiary, withdrawn_at__isnull=True
            )
        )
        if not active:
            raise ValidationError(
                {"channel": [_("This beneficiary has no consent in force to withdraw.")]}
            )
        for record in active:
            record.withdrawn_at = now
            record.withdrawn_recorded_by = actor.email
            record.withdrawal_channel = channel
            record.withdrawal_note = note
            record.save(
                update_fields=[
                    "withdrawn_at",
                    "withdrawn_recorded_by",
                    "withdrawal_channel",
                    "withdrawal_note",
                ]
            )
        for case in Case.objects.filter(beneficiary=beneficiary, status__in=OPEN_STATUSES):
            CaseEvent.objects.create(
                case=case,
                action="consent_withdrawn",
                from_status=case.status,
                to_status=case.status,
                actor_email=actor.email,
                note=note,
                data={"channel": channel},
            )
    return active
