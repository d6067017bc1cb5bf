"""Telling people of a case's steps: the beneficiary, in their language, the referral, the
decision and the survey link when the case closes (an enquiry answered closes it too); a
referral role's holders that a case was referred to them."""

from __future__ import annotations

import datetime
import logging
import secrets

from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import User
from accounts.selectors import active_member_emails
from notifications.models import SmsCategory
from notifications.services import sms_fits, sms_send_later
from publishing.rendering import version_language
from publishing.selectors import policy_version_published
from tenants.selectors import association_current, schema_current
from tenants.tasking import enqueue_on_commit
from workflow.models import Case, CaseEvent, Survey
from workflow.tokens import token_hash

logger = logging.getLogger(__name__)

SURVEY_DAYS = 30


def beneficiary_language(case: Case) -> str:
    """The language the beneficiary is told in: theirs, where the case's version publishes it."""
    policy = policy_version_published(number=case.policy_version_opened)
    return version_language(policy.content, case.beneficiary.language) if policy else "ar"


def beneficiary_notify(*, case: Case, event: CaseEvent) -> None:
    """Text and e-mail the beneficiary (where a Saudi mobile and an address are known) in their
    language; the timeline says how they were told."""
    association = association_current()
    # Who decides, named as the policy version the case runs by names it.
    policy = policy_version_published(number=case.policy_version_opened)
    context = {
        "case": case,
        "association": association,
        "decision_body_ar": policy.decision_body_name("ar") if policy else "",
        "decision_body_en": policy.decision_body_name("en") if policy else "",
        # An accepted request is told what comes next: registration only where it is a step.
        "registers": policy is not None and "register" in policy.steps,
    }
    if event.action in ("close", "answer"):
        token = secrets.token_urlsafe(24)
        Survey.objects.create(
            case=case,
            token_hash=token_hash(token),
            expires_at=timezone.now() + datetime.timedelta(days=SURVEY_DAYS),
        )
        context["survey_url"] = association.url(f"/survey/{token}/")
    template = "decision" if event.action == "decide" else "closed"
    _tell(case=case, event=event, template=template, context=context, key=template)


def beneficiary_referral_notify(*, case: Case, event: CaseEvent) -> None:
    """Tell the beneficiary whom their case was referred to, as the case's version names the
    role (each referral once: the event is the key)."""
    policy = policy_version_published(number=case.policy_version_opened)
    names = {item["code"]: item for item in (policy.content["referral_roles"] if policy else [])}
    code = case.referral_role_code
    context = {
        "case": case,
        "association": association_current(),
        "role": names.get(code, {"name_ar": code, "name_en": code}),
    }
    _tell(
        case=case,
        event=event,
        template="referral",
        context=context,
        key=f"referred:{event.pk}",
    )


def _tell(*, case: Case, event: CaseEvent, template: str, context: dict, key: str) -> None:
    """By SMS and e-mail where each is known, once per `key`; noted on the timeline."""
    context = {**context, "language": beneficiary_language(case)}
    texted = _sms(case=case, template=template, context=context, key=key)
    email = case.beneficiary.email
    if email:
        beneficiary_email_later(to=email, template=f"workflow/emails/{template}", context=context)
    CaseEvent.objects.create(
        case=case,
        action="beneficiary_told",
        from_status=case.status,
        to_status=case.status,
        # "none": no e-mail address nor text message; the case page asks staff to phone them.
        data={"how": "email" if email else "sms" if texted else "none", "about": event.action},
    )


def _sms(*, case: Case, template: str, context: dict, key: str = "") -> bool:
    """Text the beneficiary's mobile (workflow/sms/<template>.txt, in their language), once per
    event (`key`, else the template): the link it may carry is theirs alone, so the text is not
    kept once sent."""
    language = context.get("language") or beneficiary_language(case)
    with translation.override(language):
        text = render_to_string(
            f"workflow/sms/{template}.txt", {**context, "language": language}
        ).strip()
    if not sms_fits(text, category=SmsCategory.SERVICE):
        # Long names of the association, its role or deciding body: never a failed transition.
        logger.warning("case %s: the %s text is too long to be sent", case.pk, template)
        return False
    message = sms_send_later(
        event_key=f"case:{case.pk}:{key or template}",
        kind=f"request_{template}",
        phone=case.beneficiary.phone,
        text=text,
        personal=True,
    )
    return message is not None and message.status in ("queued", "held")


def request_received_notify(*, case: Case, token: str) -> None:
    """Text the beneficiary the reference and the short private link to follow the request."""
    association = association_current()
    _sms(
        case=case,
        template="received",
        context={"association": association, "case": case, "url": association.url(f"/r/{token}")},
    )


def status_link_send(*, case: Case, url: str) -> bool:
    """E-mail the beneficiary their new private status link once it commits; False when they
    gave no address (staff then read it to them)."""
    if not case.beneficiary.email:
        return False
    context = {
        "case": case,
        "association": association_current(),
        "url": url,
        "language": beneficiary_language(case),
    }
    beneficiary_email_later(
        to=case.beneficiary.email, template="workflow/emails/status_link", context=context
    )
    return True


def beneficiary_email_later(*, to: str, template: str, context: dict) -> None:
    """E-mail a person `template`.txt (and its _subject.txt) in context["language"] (Arabic, the
    default, with its English line), sent by the worker once the caller's transaction commits."""
    language = context.get("language") or "ar"
    with translation.override(language):
        subject = render_to_string(f"{template}_subject.txt", context)
        body = render_to_string(f"{template}.txt", context)
    # Sent by the worker once the change is committed: a rolled-back transition tells nobody,
    # and a slow mail server never holds the case's lock. (tasks imports this module.)
    from workflow.tasks import beneficiary_email_send_task

    enqueue_on_commit(
        beneficiary_email_send_task,
        schema_name=schema_current(),
        to=to,
        subject=subject.strip(),
        body=body,
    )


def referral_holders_notify(*, case: Case) -> None:
    """E-mail each active holder of the role `case` was just referred to, once the referral
    commits: its reference and the link to its page, never the beneficiary's details (an
    e-mail leaves the association's hands; the page asks for a sign-in)."""
    from workflow.tasks import beneficiary_email_send_task

    code = case.referral_role_code
    recipients = active_member_emails(role=User.Role.REFERRAL, referral_role=code)
    if not recipients:
        # The admins answer every referral; the case list shows it as referred.
        logger.warning("case %s referred to %s, which no active member holds", case.pk, code)
        return
    # The role as the case's own version names it (cached: no query on the transition).
    policy = policy_version_published(number=case.policy_version_opened)
    names = {item["code"]: item for item in (policy.content["referral_roles"] if policy else [])}
    role = names.get(code, {"name_ar": code, "name_en": code})
    association = association_current()
    # Members' language is not recorded: both languages, Arabic first, as every member e-mail.
    context = {
        "association": association,
        "reference": case.reference,
        "role": role,
        "url": association.url(f"/app/cases/{case.pk}/"),
    }
    subject = render_to_string("workflow/emails/referred_subject.txt", context).strip()
    body = render_to_string("workflow/emails/referred.txt", context)
    for email in recipients:  # one e-mail each: holders do not see one another's addresses
        enqueue_on_commit(
            beneficiary_email_send_task,
            schema_name=schema_current(),
            to=email,
            subject=subject,
            body=body,
        )
