"""Telling the beneficiary: the committee's decision, and the survey link when the case closes."""

from __future__ import annotations

import datetime
import secrets

from django.core.mail import send_mail
from django.db import connection
from django.template.loader import render_to_string
from django.utils import timezone, translation

from workflow.models import Case, CaseEvent, Survey
from workflow.tokens import token_hash

SURVEY_DAYS = 30


def _association():
    from tenants.models import Association

    return Association.objects.get(schema_name=connection.schema_name)


def beneficiary_notify(*, case: Case, event: CaseEvent) -> None:
    """E-mail the beneficiary when they gave an address; the timeline says how they were told."""
    association = _association()
    context = {"case": case, "association": association}
    if event.action == "close":
        token = secrets.token_urlsafe(24)
        Survey.objects.create(
            case=case,
            token_hash=token_hash(token),
            expires_at=timezone.now() + datetime.timedelta(days=SURVEY_DAYS),
        )
        context["survey_url"] = association.url(f"/survey/{token}/")
    template = "decision" if event.action == "decide" else "closed"
    email = case.beneficiary.email
    if email:
        with translation.override("ar"):
            send_mail(
                subject=render_to_string(
                    f"workflow/emails/{template}_subject.txt", context
                ).strip(),
                message=render_to_string(f"workflow/emails/{template}.txt", context),
                from_email=None,
                recipient_list=[email],
            )
    CaseEvent.objects.create(
        case=case,
        action="beneficiary_told",
        from_status=case.status,
        to_status=case.status,
        data={"how": "email" if email else "none", "about": event.action},
        note="" if email else "No e-mail address: tell the beneficiary by phone.",
    )
