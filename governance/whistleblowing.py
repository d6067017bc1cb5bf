"""Whistleblowing: the confidential report form the whistleblowing policy promises.

Anyone reports a concern once the policy is published, with their name and contact or without;
the reporter follows it through a private link (only its hash is kept) where they read the
officer's answers and add information. Only the members an admin designated as the policy's
officers read reports: not the other admins, nor operators (who have no account on the
association's host), nor the console; every read is recorded in the access trail, with no word
of the report. No address of the reporter is kept: the rate limit counts in the cache only."""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from catalog.models import PolicyKind
from common import clock
from common.access_trail import AccessAction, access_record
from common.text import text_problem
from governance.models import (
    MessageAuthor,
    ReportStatus,
    WhistleblowingMessage,
    WhistleblowingReport,
)
from publishing.selectors import kind_version_latest
from workflow.services import REFERENCE_ALPHABET
from workflow.tokens import token_hash

KIND = PolicyKind.WHISTLEBLOWING
MAX_TEXT = 5000
MAX_NAME = 200
MAX_CONTACT = 200
# The tables the association's export leaves out: the words of the reports and who sent them.
EXPORT_EXCLUDED_TABLES = ("governance_whistleblowingmessage",)


def whistleblowing_published() -> bool:
    return kind_version_latest(KIND) is not None


def _reference() -> str:
    # "W" tells a report's reference from a case's (none) and a complaint's ("S").
    while True:
        raw = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(7))
        reference = f"W{raw[:3]}-{raw[3:]}"
        if not WhistleblowingReport.objects.filter(reference=reference).exists():
            return reference


def _text_errors(**fields: tuple[object, int, bool]) -> dict[str, list[str]]:
    errors = {}
    for name, (value, limit, required) in fields.items():
        problem = text_problem(value, limit=limit, required=required)
        if problem:
            errors[name] = [problem]
    return errors


def report_file(*, text, name="", contact="") -> tuple[WhistleblowingReport, str]:
    """File a report under the published whistleblowing policy: the concern (required), the
    reporter's name and contact (both optional). Returns the report and its follow-up token,
    shown once and kept only hashed."""
    if not whistleblowing_published():
        raise ValidationError(_("The whistleblowing policy is not published: reports are closed."))
    errors = _text_errors(
        text=(text, MAX_TEXT, True),
        name=(name, MAX_NAME, False),
        contact=(contact, MAX_CONTACT, False),
    )
    if errors:
        raise ValidationError(errors)
    token = secrets.token_urlsafe(24)
    now = clock.now()
    with transaction.atomic():
        report = WhistleblowingReport.objects.create(
            reference=_reference(),
            received_at=now,
            token_hash=token_hash(token),
            last_message_at=now,
        )
        WhistleblowingMessage.objects.create(
            report=report,
            author=MessageAuthor.REPORTER,
            text=str(text).strip(),
            reporter_name=str(name or "").strip(),
            reporter_contact=str(contact or "").strip(),
            at=now,
        )
    return report, token


def report_for_token(*, reference: str, token: str) -> WhistleblowingReport | None:
    """The report behind a follow-up link; None for a wrong token or reference alike."""
    report = WhistleblowingReport.objects.filter(reference=str(reference)[:12].upper()).first()
    # Compared even when there is no such report: timing does not tell references apart.
    expected = report.token_hash if report else token_hash("no such report")
    matches = secrets.compare_digest(expected, token_hash(str(token or "")[:200]))
    return report if report is not None and token and matches else None


def report_add_information(*, report: WhistleblowingReport, text) -> WhistleblowingMessage:
    """The reporter adds information through their link, while the report is open."""
    if not report.is_open:
        raise ValidationError({"text": [_("This report is closed: it takes no more information.")]})
    errors = _text_errors(text=(text, MAX_TEXT, True))
    if errors:
        raise ValidationError(errors)
    return _message_add(report=report, author=MessageAuthor.REPORTER, text=text)


def _message_add(*, report, author: str, text, officer_email: str = "") -> WhistleblowingMessage:
    now = clock.now()
    with transaction.atomic():
        message = WhistleblowingMessage.objects.create(
            report=report,
            author=author,
            text=str(text).strip(),
            officer_email=officer_email,
            at=now,
        )
        WhistleblowingReport.objects.filter(pk=report.pk).update(last_message_at=now)
    return message


def is_officer(member: User) -> bool:
    return bool(member.is_active and member.whistleblowing_officer)


def report_get_for(*, actor: User, report_id, record: bool = True) -> WhistleblowingReport:
    """The only way a member reaches a report: a designated officer; anyone else, and a missing
    report, get the same DoesNotExist. The read is recorded in the access trail (no detail)."""
    if not is_officer(actor):
        raise WhistleblowingReport.DoesNotExist
    try:
        report = WhistleblowingReport.objects.get(pk=int(report_id))
    except (TypeError, ValueError) as error:
        raise WhistleblowingReport.DoesNotExist from error
    if record:
        access_record(actor=actor, action=AccessAction.VIEW, obj=report)
    return report


def reports_for(*, actor: User) -> list[WhistleblowingReport]:
    """The reports an officer sees (every one); nothing for anyone else. The list's read is
    recorded, as a search with no detail."""
    if not is_officer(actor):
        return []
    access_record(actor=actor, action=AccessAction.SEARCH, object_type="whistleblowingreport")
    return list(WhistleblowingReport.objects.all()[:500])


def report_answer(*, actor: User, report_id, text, close: bool) -> WhistleblowingReport:
    """An officer answers the reporter (read through their link), and may close the report."""
    report = report_get_for(actor=actor, report_id=report_id, record=False)
    errors = _text_errors(text=(text, MAX_TEXT, not close))
    if not report.is_open:
        errors = {"text": [_("This report is closed.")]}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if str(text or "").strip():
            _message_add(
                report=report, author=MessageAuthor.OFFICER, text=text, officer_email=actor.email
            )
        if close:
            report.status = ReportStatus.CLOSED
            report.closed_at = clock.now()
            report.save(update_fields=["status", "closed_at"])
        access_record(actor=actor, action=AccessAction.UPDATE, obj=report)
    return report


def report_messages(report: WhistleblowingReport) -> list[WhistleblowingMessage]:
    return list(report.messages.all())


def officers_current() -> list[User]:
    return list(User.objects.filter(is_active=True, whistleblowing_officer=True))


def officer_candidates() -> list[User]:
    return list(User.objects.filter(is_active=True).exclude(role=User.Role.OPERATOR))


def whistleblowing_officers_set(*, member_ids: list, actor: User) -> list[User]:
    """Designate exactly these active members as the policy's officers (at least one). Who
    was designated and by whom goes in the access trail, which admins read."""
    try:
        wanted = {int(member_id) for member_id in member_ids}
    except (TypeError, ValueError) as error:
        raise ValidationError({"officers": [_("Choose members from the list.")]}) from error
    candidates = {member.pk for member in officer_candidates()}
    if not wanted:
        raise ValidationError({"officers": [_("Designate at least one officer.")]})
    if not wanted <= candidates:
        raise ValidationError({"officers": [_("Choose members from the list.")]})
    with transaction.atomic():
        User.objects.filter(whistleblowing_officer=True).exclude(pk__in=wanted).update(
            whistleblowing_officer=False
        )
        User.objects.filter(pk__in=wanted).update(whistleblowing_officer=True)
        officers = officers_current()
        access_record(
            actor=actor,
            action=AccessAction.UPDATE,
            object_type="whistleblowing_officers",
            detail={"officers": [officer.email for officer in officers]},
        )
    return officers
