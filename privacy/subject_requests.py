"""Requests from a data subject (PDPL): record, verify the person, act, within 30 days.

Staff and admins handle them (privacy/views.py says why); every step lands on the request's
own timeline, including each download of a copy.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from common import clock
from common.access_trail import AccessAction, access_record
from common.saudi import normalize_national_id, normalize_phone
from common.text import text_problem
from notifications.models import SmsCategory
from notifications.services import sms_fits, sms_send_later
from privacy.anonymise import AnonymisationResult, beneficiary_anonymise
from privacy.models import (
    Anonymisation,
    DataSubjectRequest,
    RequestEvent,
    RequestKind,
    RequestStatus,
)
from publishing.rendering import version_language
from publishing.selectors import policy_published
from tenants.selectors import association_current
from workflow.models import Beneficiary
from workflow.notifications import beneficiary_email_later
from workflow.services import beneficiary_data_clean

ANSWER_DAYS = 30
EXTENSION_DAYS = 30
OLDEST_RECEIVED_DAYS = 365
MAX_TEXT = 2000
# The fields a correction may change (the national ID is the person's key: not here).
CORRECTABLE = (
    "full_name", "phone", "email", "city", "household_size", "household_notes", "language",
)  # fmt: skip


def _check_texts(spec: dict[str, tuple[object, int, bool]]) -> None:
    errors = {
        field: [problem]
        for field, (value, limit, required) in spec.items()
        if (problem := text_problem(value, limit=limit, required=required))
    }
    if errors:
        raise ValidationError(errors)


def _event(dsr: DataSubjectRequest, action: str, actor: User, note: str = "", **data) -> None:
    RequestEvent.objects.create(
        request=dsr, action=action, actor_email=actor.email, note=note, data=data
    )


def _locked_open(dsr: DataSubjectRequest, *, verified: bool) -> DataSubjectRequest:
    dsr = DataSubjectRequest.objects.select_for_update().get(pk=dsr.pk)
    if not dsr.is_open:
        raise ValidationError({"request": [_("This request was answered already.")]})
    if verified and dsr.status != RequestStatus.VERIFIED:
        raise ValidationError({"request": [_("Verify the person's identity first.")]})
    return dsr


def subject_request_record(
    *,
    kind: str,
    requester_name: str,
    requester_national_id: str,
    requester_contact: str,
    details: str,
    received_on: datetime.date,
    actor: User,
) -> DataSubjectRequest:
    """Record a request as the person made it; it is due 30 days after it was received."""
    errors: dict[str, list[str]] = {}
    if kind not in RequestKind.values:
        errors["kind"] = [_("Choose what the person asks for.")]
    try:
        _check_texts(
            {
                "requester_name": (requester_name, 200, True),
                "requester_national_id": (requester_national_id, 20, True),
                "requester_contact": (requester_contact, 200, False),
                "details": (details, MAX_TEXT, False),
            }
        )
    except ValidationError as error:
        errors.update(error.message_dict)
    # The day in Riyadh on the platform's clock, which the daily reminders also count from.
    today = timezone.localdate(clock.now())
    if not isinstance(received_on, datetime.date):
        errors["received_on"] = [_("Give the day the request was received.")]
    elif received_on > today:
        errors["received_on"] = [_("The day received cannot be in the future.")]
    elif received_on < today - datetime.timedelta(days=OLDEST_RECEIVED_DAYS):
        errors["received_on"] = [_("The day received is more than a year ago.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        dsr = DataSubjectRequest.objects.create(
            kind=kind,
            requester_name=requester_name.strip(),
            requester_national_id=requester_national_id.strip(),
            requester_contact=(requester_contact or "").strip(),
            details=(details or "").strip(),
            received_on=received_on,
            due_on=received_on + datetime.timedelta(days=ANSWER_DAYS),
            recorded_by=actor.email,
        )
        _event(dsr, "recorded", actor, kind=kind)
    return dsr


def subject_request_verify(
    *, dsr: DataSubjectRequest, national_id: str, method_note: str, actor: User
) -> DataSubjectRequest:
    """Match the person to a beneficiary by the national ID they showed, which must be the one
    the request was made under; how it was checked is recorded."""
    _check_texts({"method_note": (method_note, MAX_TEXT, True)})
    try:
        shown = normalize_national_id(str(national_id or ""))
    except ValidationError as error:
        raise ValidationError({"national_id": error.messages}) from error
    try:
        given = normalize_national_id(dsr.requester_national_id)
    except ValidationError:
        given = None
    if shown != given:
        raise ValidationError(
            {"national_id": [_("This national ID is not the one the request was made under.")]}
        )
    beneficiary = Beneficiary.objects.filter(national_id=shown).first()
    if beneficiary is None:
        raise ValidationError(
            {"national_id": [_("No beneficiary has this national ID: the association holds "
                               "no case data on this person.")]}
        )  # fmt: skip
    with transaction.atomic():
        dsr = _locked_open(dsr, verified=False)
        if dsr.status == RequestStatus.VERIFIED:
            raise ValidationError({"request": [_("The person's identity was verified already.")]})
        dsr.beneficiary = beneficiary
        dsr.status = RequestStatus.VERIFIED
        dsr.verified_at = timezone.now()
        dsr.verified_by = actor.email
        dsr.verification_note = method_note.strip()
        dsr.save(
            update_fields=[
                "beneficiary",
                "status",
                "verified_at",
                "verified_by",
                "verification_note",
            ]
        )
        _event(dsr, "verified", actor, beneficiary=beneficiary.pk)
    return dsr


def subject_request_extend(
    *, dsr: DataSubjectRequest, reason: str, actor: User
) -> DataSubjectRequest:
    """Push the answer 30 days later, once, for a recorded reason, and tell the person both:
    the PDPL lets the answer wait only if they are told why."""
    _check_texts({"reason": (reason, MAX_TEXT, True)})
    with transaction.atomic():
        dsr = _locked_open(dsr, verified=False)
        if dsr.extended_at is not None:
            raise ValidationError({"reason": [_("The answer was extended once already.")]})
        dsr.due_on += datetime.timedelta(days=EXTENSION_DAYS)
        dsr.extended_at = timezone.now()
        dsr.extension_reason = reason.strip()
        dsr.save(update_fields=["due_on", "extended_at", "extension_reason"])
        _event(dsr, "extended", actor, note=dsr.extension_reason, due_on=dsr.due_on.isoformat())
        _tell(dsr, _contacts(dsr), "extended")
    return dsr


def subject_request_refuse(
    *, dsr: DataSubjectRequest, reason: str, actor: User
) -> DataSubjectRequest:
    """Answer no, with the reason the person is told."""
    _check_texts({"reason": (reason, MAX_TEXT, True)})
    with transaction.atomic():
        dsr = _locked_open(dsr, verified=False)
        _close(dsr, RequestStatus.REFUSED, actor, refusal_reason=reason.strip())
    return dsr


def subject_request_complete(
    *, dsr: DataSubjectRequest, outcome_note: str, actor: User
) -> DataSubjectRequest:
    """Close an access, copy or correction request as answered, saying how."""
    _check_texts({"outcome_note": (outcome_note, MAX_TEXT, True)})
    with transaction.atomic():
        dsr = _locked_open(dsr, verified=True)
        if dsr.kind == RequestKind.DELETION:
            raise ValidationError(
                {"request": [_("A deletion request is answered by carrying out the deletion.")]}
            )
        _close(dsr, RequestStatus.COMPLETED, actor, outcome_note=outcome_note.strip())
    return dsr


def _close(
    dsr: DataSubjectRequest, status: str, actor: User, contacts: Contacts | None = None, **fields
) -> None:
    """Close the request and tell the person the answer (at `contacts`: where they were before
    an erasure; else found now)."""
    contacts = contacts or _contacts(dsr)
    for name, value in fields.items():
        setattr(dsr, name, value)
    dsr.status = status
    dsr.closed_at = timezone.now()
    dsr.save(update_fields=[*fields, "status", "closed_at"])
    _event(dsr, status, actor, note=next(iter(fields.values()), ""))
    _tell(dsr, contacts, "answer")


@dataclass(frozen=True)
class Contacts:
    name: str
    phone: str
    email: str
    language: str


def _contacts(dsr: DataSubjectRequest) -> Contacts:
    """Where the person hears the answer: the mobile or address they gave with the request,
    else the ones the association holds on them; in their language where the policy is
    published in it."""
    phone = email = ""
    given = dsr.requester_contact.strip()
    try:
        if "@" in given:
            validate_email(given)
            email = given.lower()
        elif given:
            phone = normalize_phone(given, mobile_only=True)
    except ValidationError:
        pass  # a contact staff read to the person themselves
    person = dsr.beneficiary
    language = "ar"
    if person is not None:
        phone, email = phone or person.phone, email or person.email
        policy = policy_published()
        language = version_language(policy.content, person.language) if policy else "ar"
    return Contacts(name=dsr.requester_name, phone=phone, email=email, language=language)


def _tell(dsr: DataSubjectRequest, contacts: Contacts, what: str) -> None:
    """By SMS to a Saudi mobile and by e-mail to an address, once each: the `answer` (with the
    reason of a refusal where the message has room for it) or the answer's `extended` date and
    why. Each happens once to a request, so each is sent once."""
    with translation.override(contacts.language):
        context = {
            "association": association_current(),
            "dsr": dsr,
            "name": contacts.name,
            "language": contacts.language,
            "kind": str(dsr.get_kind_display()),
        }
        texts = [
            render_to_string(f"privacy/sms/{what}.txt", {**context, "short": short}).strip()
            for short in (False, True)
        ]
    # The reason where it fits; else the short text (a very long name: the e-mail only).
    text = next((text for text in texts if sms_fits(text, category=SmsCategory.SERVICE)), "")
    if contacts.phone and text:
        sms_send_later(
            event_key=f"dsr:{dsr.pk}:{what}",
            kind=f"data_request_{what}",
            phone=contacts.phone,
            text=text,
            personal=True,
        )
    if contacts.email:
        beneficiary_email_later(
            to=contacts.email, template=f"privacy/emails/{what}", context=context
        )


def subject_request_download_record(*, dsr: DataSubjectRequest, actor: User) -> None:
    """Note on the request that `actor` downloaded the person's data."""
    with transaction.atomic():
        dsr = _locked_open(dsr, verified=True)
        if dsr.kind not in (RequestKind.ACCESS, RequestKind.COPY):
            raise ValidationError({"request": [_("Only an access or copy request gives a copy.")]})
        _event(dsr, "downloaded", actor)
        access_record(actor=actor, action=AccessAction.EXPORT, obj=dsr.beneficiary)


def subject_request_correct(*, dsr: DataSubjectRequest, data: dict, actor: User) -> dict:
    """Correct the person's details (checked as at intake); the changes, old and new, are kept
    on the request. Returns {field: {"from", "to"}}."""
    with transaction.atomic():
        dsr = _locked_open(dsr, verified=True)
        if dsr.kind != RequestKind.CORRECTION:
            raise ValidationError({"request": [_("This is not a correction request.")]})
        person = Beneficiary.objects.select_for_update().get(pk=dsr.beneficiary_id)
        wanted = {field: data.get(field) for field in CORRECTABLE}
        clean = beneficiary_data_clean({**wanted, "national_id": person.national_id})
        # The form's empty household size means "unknown": it clears the value.
        clean.setdefault("household_size", None)
        clean.setdefault("language", person.language)  # not given: unchanged
        changes = {
            field: {"from": getattr(person, field), "to": clean[field]}
            for field in CORRECTABLE
            if getattr(person, field) != clean[field]
        }
        if not changes:
            raise ValidationError({"request": [_("Nothing was changed.")]})
        for field, change in changes.items():
            setattr(person, field, change["to"])
        person.save(update_fields=[*changes, "updated_at"])
        _event(dsr, "corrected", actor, changes=changes)
        # The names of the fields changed, never their values (as the audit trail keeps them).
        access_record(
            actor=actor, action=AccessAction.UPDATE, obj=person, detail={"fields": [*changes]}
        )
    return changes


def subject_request_delete(*, dsr: DataSubjectRequest, actor: User) -> AnonymisationResult:
    """Carry out a verified deletion request: the person's data is erased and the request
    completed, or, if a legal hold or an open case forbids it, refused with that reason."""
    with transaction.atomic():
        dsr = _locked_open(dsr, verified=True)
        if dsr.kind != RequestKind.DELETION:
            raise ValidationError({"request": [_("This is not a deletion request.")]})
        contacts = _contacts(dsr)  # before they are erased: the person is told the outcome
        result = beneficiary_anonymise(
            beneficiary=dsr.beneficiary,
            actor_email=actor.email,
            reason=_("Deletion request no. %(number)s") % {"number": dsr.pk},
            source=Anonymisation.Source.REQUEST,
        )
        dsr.refresh_from_db()
        if result.done:
            # One count a message: Arabic words each count by its own number.
            cases = ngettext(
                "%(n)s case kept for statistics without it",
                "%(n)s cases kept for statistics without it",
                result.cases,
            ) % {"n": result.cases}
            documents = ngettext(
                "%(n)s document deleted", "%(n)s documents deleted", result.documents_removed
            ) % {"n": result.documents_removed}
            outcome = _("Personal data erased: %(cases)s, %(documents)s.") % {
                "cases": cases,
                "documents": documents,
            }
            _close(dsr, RequestStatus.COMPLETED, actor, contacts, outcome_note=outcome)
            access_record(actor=actor, action=AccessAction.DELETE, obj=dsr.beneficiary)
        else:
            _close(dsr, RequestStatus.REFUSED, actor, contacts, refusal_reason=result.refusal)
    return result
