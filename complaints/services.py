"""Complaints and suggestions: filed online or by staff through a published channel, answered
by the association within its deadline. A complaint never opens or changes a case."""

from __future__ import annotations

import datetime
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from catalog.models import CatalogItem
from catalog.selectors import catalogue_items
from common import clock
from common.access_trail import AccessAction, access_record
from common.i18n import current_language
from common.saudi import ascii_digits, normalize_phone
from common.text import text_problem
from complaints.models import Complaint, ComplaintKind, ComplaintSettings, ComplaintStatus
from complaints.selectors import (
    complaint_assignees,
    complaint_response_days,
    complaints_of_person,
)
from notifications.services import sms_send_later
from publishing.rendering import version_language
from publishing.selectors import holidays, policy_published
from tenants.selectors import association_current
from workflow.deadlines import nth_working_day_after
from workflow.models import Case, MessageLanguage
from workflow.permissions import opens_cases
from workflow.services import REFERENCE_ALPHABET
from workflow.tokens import token_hash, token_opens

# The association answers within its own number of Saudi working days (its holidays skipped).
MAX_RESPONSE_DAYS = 60
WEBSITE = "website"
MAX_TEXT = 5000
MAX_NAME = 200
PLACEHOLDER_NAME = "مشتكٍ محذوف"


def _reference() -> str:
    # "S" tells a complaint's reference from a case's when it is read over the phone.
    while True:
        raw = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(7))
        reference = f"S{raw[:3]}-{raw[3:]}"
        if not Complaint.objects.filter(reference=reference).exists():
            return reference


def complaint_data_clean(*, kind, name, phone, text, consent) -> dict:
    """The complainant's kind, name, Saudi mobile and text, cleaned, or a ValidationError that
    names every bad field at once."""
    errors: dict[str, list[str]] = {}
    if kind not in ComplaintKind.values:
        errors["kind"] = [_("Choose a complaint or a suggestion.")]
    if problem := text_problem(name, limit=MAX_NAME, required=True):
        errors["name"] = [problem]
    if problem := text_problem(text, limit=MAX_TEXT, required=True):
        errors["text"] = [problem]
    mobile = ""
    try:
        mobile = normalize_phone(str(phone or ""), mobile_only=True)
    except ValidationError as error:
        errors["phone"] = error.messages
    if mobile and not mobile.startswith("+9665"):
        errors["phone"] = [_("Enter a Saudi mobile number such as 0512345678.")]
    if consent is not True:
        errors["consent"] = [_("Your consent to the processing of your data is needed to send it.")]
    if errors:
        raise ValidationError(errors)
    return {"kind": kind, "name": name.strip(), "phone": mobile, "text": text.strip()}


def _channel(code: str, *, online: bool) -> dict:
    policy = policy_published()
    published = {item["code"]: item for item in (policy.content["channels"] if policy else [])}
    if code in published:
        return published[code]
    if online:
        # The complaints form is open whatever channels the policy publishes: named as the
        # catalogue names the website.
        item = next(
            (i for i in catalogue_items(kind=CatalogItem.Kind.CHANNEL) if i.code == WEBSITE), None
        )
        return {
            "code": WEBSITE,
            "name_ar": item.name_ar if item else "الموقع الإلكتروني",
            "name_en": item.name_en if item else "Website",
        }
    raise ValidationError(
        {"channel": [_("This channel is not in the association's published policy.")]}
    )


def complaint_file(
    *,
    kind: str,
    name: str,
    phone: str,
    text: str,
    consent: bool,
    actor: User | None,
    channel: str = WEBSITE,
    case_reference: str = "",
    language: str = MessageLanguage.ARABIC,
) -> tuple[Complaint, str]:
    """Log a complaint or suggestion with its response deadline (the association's working
    days, complaint_response_days); the complaint and its status token, returned once and kept
    only hashed. Staff (`actor`) record it through a published channel, in the `language` the
    person asked for, and may link the case it is about; the public form's is the page's."""
    if actor is not None and not opens_cases(actor):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    try:
        clean = complaint_data_clean(kind=kind, name=name, phone=phone, text=text, consent=consent)
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        named = _channel(channel if actor is not None else WEBSITE, online=actor is None)
    except ValidationError as error:
        errors.update(error.message_dict)
    case = None
    reference = str(case_reference or "").strip().upper()
    if actor is not None and reference:
        case = Case.objects.filter(reference=reference[:12]).first()
        if case is None:
            errors["case_reference"] = [_("No case of this association has this reference.")]
    if actor is not None and language not in MessageLanguage.values:
        errors["language"] = [_("Choose Arabic or English.")]
    if errors:
        raise ValidationError(errors)
    token = secrets.token_urlsafe(24)
    now = timezone.now()
    received_on = timezone.localdate(clock.now())
    with transaction.atomic():
        complaint = Complaint.objects.create(
            reference=_reference(),
            **clean,
            channel_code=named["code"],
            channel_name_ar=named["name_ar"],
            channel_name_en=named["name_en"],
            case=case,
            received_on=received_on,
            due_on=nth_working_day_after(
                received_on,
                complaint_response_days(),
                [holiday.day for holiday in holidays()],
            ),
            consent_given_at=now,
            language=current_language() if actor is None else language,
            recorded_by=actor.email if actor else "",
            status_token_hash=token_hash(token),
        )
        if actor is not None:
            access_record(
                actor=actor,
                action=AccessAction.CREATE,
                obj=complaint,
                detail={"channel": named["code"]},
            )
        path = f"/complaints/{complaint.reference}/?token={token}"
        _sms(complaint, "received", url=association_current().url(path))
    return complaint, token


def _language(complaint: Complaint) -> str:
    """The person's language where the published policy has it; Arabic otherwise."""
    policy = policy_published()
    return version_language(policy.content, complaint.language) if policy else "ar"


def _sms(complaint: Complaint, template: str, **context) -> None:
    """Text the person (complaints/sms/<template>.txt, in their language), once per complaint
    and template; the text is not kept once sent (it may carry their private link)."""
    language = _language(complaint)
    context = {
        "association": association_current(),
        "complaint": complaint,
        "language": language,
        **context,
    }
    with translation.override(language):
        text = render_to_string(f"complaints/sms/{template}.txt", context).strip()
    sms_send_later(
        event_key=f"complaint:{complaint.pk}:{template}",
        kind=f"complaint_{template}",
        phone=complaint.phone,
        text=text,
        personal=True,
    )


def complaint_get_for(*, actor: User, complaint_id, record: str | None = AccessAction.VIEW):
    """The only way a member reaches a complaint: beneficiary relations staff and admins; a
    missing and a forbidden one are alike. The access is recorded as `record`."""
    if not (actor.is_active and opens_cases(actor)):
        raise Complaint.DoesNotExist
    try:
        complaint = Complaint.objects.select_related("case").get(pk=int(complaint_id))
    except (TypeError, ValueError) as error:
        raise Complaint.DoesNotExist from error
    if record:
        access_record(actor=actor, action=record, obj=complaint)
    return complaint


def complaint_for_token(*, reference: str, token: str) -> Complaint | None:
    """The complaint behind a private status link; None for a wrong token or reference alike."""
    complaint = Complaint.objects.filter(reference=str(reference)[:12]).first()
    stored = complaint.status_token_hash if complaint else None
    return complaint if token_opens(stored, token) else None


def complaint_assign(*, complaint_id: int, actor: User, assignee_email: str) -> Complaint:
    """Give an open complaint to an active admin or staff member (empty: to nobody)."""
    with transaction.atomic():
        complaint = complaint_get_for(actor=actor, complaint_id=complaint_id, record=None)
        complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
        if not complaint.is_open:
            raise ValidationError({"assignee": [_("This complaint was answered already.")]})
        email = str(assignee_email or "").strip().lower()
        if email and email not in complaint_assignees():
            raise ValidationError(
                {"assignee": [_("Choose an active admin or staff member of the association.")]}
            )
        complaint.assignee_email = email
        complaint.save(update_fields=["assignee_email", "updated_at"])
        access_record(
            actor=actor, action=AccessAction.UPDATE, obj=complaint, detail={"assigned": email}
        )
    return complaint


def complaint_answer(*, complaint_id: int, actor: User, outcome: str) -> Complaint:
    """Record the association's answer; the complainant is texted that it is on their status
    link. Answered once: an answer is not rewritten afterwards."""
    if problem := text_problem(outcome, limit=MAX_TEXT, required=True):
        raise ValidationError({"outcome": [problem]})
    with transaction.atomic():
        complaint = complaint_get_for(actor=actor, complaint_id=complaint_id, record=None)
        complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
        if not complaint.is_open:
            raise ValidationError({"outcome": [_("This complaint was answered already.")]})
        complaint.status = ComplaintStatus.ANSWERED
        complaint.outcome = outcome.strip()
        # On the clock its due day was counted from: the statistics compare the two.
        complaint.answered_at = clock.now()
        complaint.answered_by = actor.email
        complaint.save(
            update_fields=["status", "outcome", "answered_at", "answered_by", "updated_at"]
        )
        access_record(
            actor=actor, action=AccessAction.UPDATE, obj=complaint, detail={"answered": True}
        )
        _sms(complaint, "answered")
    return complaint


def _erase(complaints) -> int:
    # Kind, channel, case link and dates stay: the statistics and the log survive.
    return complaints.filter(anonymised_at__isnull=True).update(
        name=PLACEHOLDER_NAME,
        phone="",
        text="",
        outcome="",
        status_token_hash="",
        anonymised_at=timezone.now(),
    )


def complaints_anonymise(*, phone: str, case_ids: list[int]) -> int:
    """Erase the personal data of the complaints a person filed (by their mobile) or that are
    about their cases; how many."""
    return _erase(complaints_of_person(phone=phone, case_ids=case_ids))


def complaints_retention_apply(*, cutoff: datetime.datetime) -> int:
    """Erase the personal data of complaints answered before `cutoff`; how many."""
    return _erase(Complaint.objects.filter(status=ComplaintStatus.ANSWERED, answered_at__lt=cutoff))


def complaint_response_days_set(*, days) -> int:
    """Set the working days within which the association answers; the complaints already
    logged keep their deadline. A ValidationError unless a whole number from 1 to 60."""
    text = ascii_digits(str(days if days is not None else "")).strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_RESPONSE_DAYS:
        raise ValidationError(
            {"response_working_days": [_("Enter a whole number of working days from 1 to 60.")]}
        )
    row, _created = ComplaintSettings.objects.get_or_create()
    row.response_working_days = int(text)
    row.save(update_fields=["response_working_days"])
    return row.response_working_days
