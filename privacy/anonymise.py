"""Erasing a beneficiary's personal data so that the association's statistics survive.

The person's row stays (cases point to it) with every field blanked except a short allow-list;
fields added to Beneficiary later are erased too without a change here. Cases keep their
state, channel, dates and decision, surveys their scores, complaints their kind, channel and
dates; free text and documents go.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.services import complaints_anonymise
from notifications.services import sms_recipient_erase
from privacy.models import (
    Anonymisation,
    ConsentRecord,
    DataSubjectRequest,
    LegalHold,
    RequestEvent,
)
from workflow.models import OPEN_STATUSES, Beneficiary, Case, CaseDocument, CaseEvent, Survey
from workflow.policy_notice import update_subscriptions_erase

logger = logging.getLogger(__name__)

PLACEHOLDER_NAME = "مستفيد محذوف"
# What survives on the person's row: keys and dates, and the household's size (a statistic).
BENEFICIARY_KEPT = frozenset({"id", "created_at", "updated_at", "household_size"})
# What survives in a timeline event's data: codes, versions and dates, never typed text.
EVENT_DATA_KEPT = frozenset(
    {"channel", "policy_version", "consent", "role", "committee_due_on", "decision", "kind", "how"}
)


class Refusal:
    OPEN_CASE = "open_case"
    LEGAL_HOLD = "legal_hold"
    ALREADY = "already_anonymised"


@dataclass(frozen=True)
class AnonymisationResult:
    beneficiary_id: int
    done: bool
    refusal_code: str = ""  # one of Refusal's values when not done
    refusal: str = ""  # the reason, in the current language
    cases: int = 0
    documents_removed: int = 0


def _token() -> str:
    """A unique stand-in for the national ID: ten characters that no real ID can be (X…)."""
    while True:
        token = "X" + secrets.token_hex(5)[:9].upper()
        if not Beneficiary.objects.filter(national_id=token).exists():
            return token


def _erased(field: models.Field):
    if field.null:
        return None
    if field.has_default():
        return field.get_default()
    if isinstance(field, models.CharField | models.TextField):
        return ""
    if isinstance(field, models.BooleanField):
        return False
    # A new kind of field must say how it is erased rather than survive by accident.
    raise ImproperlyConfigured(f"Beneficiary.{field.name}: no erased value for {type(field)}")


def _erase_person(beneficiary: Beneficiary) -> None:
    fields = []
    for field in Beneficiary._meta.concrete_fields:
        if field.name in BENEFICIARY_KEPT or field.primary_key:
            continue
        if field.name == "national_id":
            value = _token()
        elif field.name == "full_name":
            value = PLACEHOLDER_NAME
        else:
            value = _erased(field)
        setattr(beneficiary, field.attname, value)
        fields.append(field.name)
    beneficiary.save(update_fields=[*fields, *({"updated_at"} & BENEFICIARY_KEPT)])


def _refusal(beneficiary: Beneficiary) -> tuple[str, str]:
    if Anonymisation.objects.filter(beneficiary=beneficiary).exists():
        return Refusal.ALREADY, _("This beneficiary's personal data was erased already.")
    if LegalHold.objects.filter(beneficiary=beneficiary, released_at__isnull=True).exists():
        return Refusal.LEGAL_HOLD, _(
            "A legal hold is set on this beneficiary's data: it must be kept until it is released."
        )
    if Case.objects.filter(beneficiary=beneficiary, status__in=OPEN_STATUSES).exists():
        return Refusal.OPEN_CASE, _(
            "This beneficiary has an open case: close or withdraw it before erasing their data."
        )
    return "", ""


def beneficiary_anonymise(
    *,
    beneficiary: Beneficiary,
    actor_email: str,
    reason: str,
    source: str = Anonymisation.Source.REQUEST,
) -> AnonymisationResult:
    """Erase the person's data unless a legal hold or an open case forbids it (then say why).

    Document files are deleted once the erasure is committed: a rollback keeps them.
    """
    with transaction.atomic():
        beneficiary = Beneficiary.objects.select_for_update().get(pk=beneficiary.pk)
        code, message = _refusal(beneficiary)
        if code:
            return AnonymisationResult(
                beneficiary_id=beneficiary.pk, done=False, refusal_code=code, refusal=message
            )
        cases = Case.objects.filter(beneficiary=beneficiary)
        # Before the person's mobile is erased: it is how their complaints are found.
        complaints_anonymise(
            phone=beneficiary.phone, case_ids=list(cases.values_list("pk", flat=True))
        )
        update_subscriptions_erase(phone=beneficiary.phone, email=beneficiary.email)
        sms_recipient_erase(phone=beneficiary.phone)
        _erase_person(beneficiary)
        case_count = cases.update(
            summary="", decision_reason="", declaration_signed_by="", status_token_hash=""
        )
        for event in CaseEvent.objects.filter(case__beneficiary=beneficiary):
            event.note = ""
            event.data = {k: v for k, v in (event.data or {}).items() if k in EVENT_DATA_KEPT}
            event.save(update_fields=["note", "data"])
        Survey.objects.filter(case__beneficiary=beneficiary).update(comment="")
        documents = CaseDocument.objects.filter(case__beneficiary=beneficiary)
        # Absolute paths now: the association's folder is found from the current schema.
        files = [Path(document.file.path) for document in documents if document.file]
        documents.delete()
        ConsentRecord.objects.filter(beneficiary=beneficiary).update(withdrawal_note="")
        DataSubjectRequest.objects.filter(beneficiary=beneficiary).update(
            requester_name=PLACEHOLDER_NAME,
            requester_national_id="",
            requester_contact="",
            details="",
            verification_note="",
        )
        RequestEvent.objects.filter(request__beneficiary=beneficiary).update(data={})
        Anonymisation.objects.create(
            beneficiary=beneficiary,
            source=source,
            reason=reason,
            actor_email=actor_email,
            at=timezone.now(),
            documents_removed=len(files),
        )
        transaction.on_commit(lambda: _delete_files(files))
    logger.info("beneficiary %s anonymised (%s)", beneficiary.pk, source)
    return AnonymisationResult(
        beneficiary_id=beneficiary.pk, done=True, cases=case_count, documents_removed=len(files)
    )


def _delete_files(files: list[Path]) -> None:
    for path in files:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            # The row is gone already; a file left behind is logged for the operators.
            logger.exception("could not delete an anonymised beneficiary's document %s", path)
