"""The 30-day clock of data-subject requests: the admins hear of a request due within seven
days and of an overdue one, once per request, kind and due date, whatever the number of runs."""

from __future__ import annotations

import datetime
import json
import logging

from django.core.mail import send_mail
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import translation

from accounts.models import User
from common.hijri import hijri_with_gregorian
from privacy.models import OPEN_REQUEST_STATUSES, DataSubjectRequest, RequestReminder
from tenants.selectors import association_current

logger = logging.getLogger(__name__)

DUE_SOON_DAYS = 7


def subject_request_reminders_send(*, on: datetime.date) -> dict[str, int]:
    """E-mail the admins about open requests due within seven days of `on` and overdue ones;
    the number of requests told about, by kind."""
    association = association_current()
    horizon = on + datetime.timedelta(days=DUE_SOON_DAYS)
    waiting = DataSubjectRequest.objects.filter(
        status__in=OPEN_REQUEST_STATUSES, due_on__lte=horizon
    ).order_by("due_on", "id")
    counts = {}
    for kind, requests in (
        (RequestReminder.Kind.DUE_SOON, waiting.filter(due_on__gte=on)),
        (RequestReminder.Kind.OVERDUE, waiting.filter(due_on__lt=on)),
    ):
        counts[kind.value] = _send(
            kind=kind, requests=list(requests), on=on, association=association
        )
    logger.info("data request reminders on %s: %s", on.isoformat(), counts)
    return counts


def _send(*, kind: str, requests: list[DataSubjectRequest], on: datetime.date, association) -> int:
    if not requests:
        return 0
    recipients = list(
        User.objects.filter(role=User.Role.ADMIN, is_active=True)
        .order_by("email")
        .values_list("email", flat=True)
    )
    if not recipients:
        logger.warning("no active admin to tell of %d data request(s)", len(requests))
        return 0
    # Claim, send, commit, as workflow/reminders.py does: a failed send rolls the claim back.
    with transaction.atomic():
        claimed = _claim(kind=kind, requests=requests, recipients=recipients)
        requests = [request for request in requests if request.pk in claimed]
        if requests:
            context = {
                "association": association,
                "requests": [
                    {
                        "number": request.pk,
                        "kind": request.get_kind_display(),
                        "due_ar": hijri_with_gregorian(request.due_on, "ar"),
                        "due_en": hijri_with_gregorian(request.due_on, "en"),
                        "days": abs((request.due_on - on).days),
                        "url": association.url(f"/app/privacy/requests/{request.pk}/"),
                    }
                    for request in requests
                ],
            }
            with translation.override("ar"):
                send_mail(
                    subject=render_to_string(
                        f"privacy/emails/reminder_{kind}_subject.txt", context
                    ).strip(),
                    message=render_to_string(f"privacy/emails/reminder_{kind}.txt", context),
                    from_email=None,
                    recipient_list=recipients,
                )
    return len(requests)


def _claim(*, kind: str, requests: list[DataSubjectRequest], recipients: list[str]) -> set[int]:
    """Insert the (request, kind, due date) rows no other run holds; the ids claimed."""
    table = connection.ops.quote_name(RequestReminder._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (request_id, kind, due_on, sent_at, recipients) "  # noqa: S608
            "SELECT r.id, %s, r.due_on, now(), %s::jsonb "
            "FROM unnest(%s::bigint[], %s::date[]) AS r(id, due_on) "
            "ON CONFLICT (request_id, kind, due_on) DO NOTHING RETURNING request_id",
            [
                str(kind),
                json.dumps(recipients),
                [request.pk for request in requests],
                [request.due_on for request in requests],
            ],
        )
        return {row[0] for row in cursor.fetchall()}
