"""Telling people of a case's steps: the beneficiary the decision and the survey link when the
case closes (an enquiry answered closes it too); a referral role's holders that a case was
referred to them."""

from __future__ import annotations

import datetime
import logging
import secrets

from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import User
from accounts.selectors import active_member_emails
from notifications.services import sms_send_later
from publishing.selectors import policy_version_published
from tenants.selectors import association_current, schema_current
from tenants.tasking import enqueue_on_commit
from workflow.models import Case, CaseEvent, Survey
from workflow.tokens import token_hash

logger = logging.getLogger(__name__)

SURVEY_DAYS = 30


def beneficiary_notify(*, case: Case, event: CaseEvent) -> None:
    """E-mail the beneficiary when they gave an address; the timeline says how they were told."""
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
    texted = _sms(case=case, template=template, context=context)
    email = case.beneficiary.email
    if email:
        _beneficiary_email(to=email, template=template, context=context)
    CaseEvent.objects.create(
        case=case,
        action="beneficiary_told",
        from_status=case.status,
        to_status=case.status,
        # "none": no e-mail address nor text message; the case page asks staff to phone them.
        data={"how": "email" if email else "sms" if texted else "none", "about": event.action},
    )


def _sms(*, case: Case, template: str, context: dict) -> bool:
    """Text the beneficiary's mobile (workflow/sms/<template>.txt, Arabic), once per case and
    template: the link it may carry is theirs alone, so the text is not kept once sent."""
    text = render_to_string(f"workflow/sms/{template}.txt", context).strip()
    message = sms_send_later(
        event_key=f"case:{case.pk}:{template}",
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
    context = {"case": case, "association": association_current(), "url": url}
    _beneficiary_email(to=case.beneficiary.email, template="status_link", context=context)
    return True


def _beneficiary_email(*, to: str, template: str, context: dict) -> None:
    """One of workflow/emails/, in Arabic with its English line, to a beneficiary."""
    with translation.override("ar"):
        subject = render_to_string(f"workflow/emails/{template}_subject.txt", context)
        body = render_to_string(f"workflow/emails/{template}.txt", context)
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
