"""Reminders of the regulator's 72-hour clock: the admins are e-mailed 24 and 60 hours after a
breach was found while the regulator has not been told, each reminder once per breach."""

from __future__ import annotations

import datetime
import json
import logging

from django.core.mail import send_mail
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import User
from breaches.models import Breach, BreachReminder
from common.hijri import hijri_with_gregorian
from tenants.selectors import association_current

logger = logging.getLogger(__name__)

REMINDER_HOURS = {BreachReminder.Kind.AFTER_24H: 24, BreachReminder.Kind.AFTER_60H: 60}


def breach_reminders_send(*, now: datetime.datetime) -> int:
    """E-mail the admins of every open breach whose 24- or 60-hour mark has passed by `now`
    with the regulator not yet told; each mark once. How many e-mails were sent."""
    first = min(REMINDER_HOURS.values())
    waiting = Breach.objects.filter(
        regulator_notified_at__isnull=True,
        closed_at__isnull=True,
        found_at__lte=now - datetime.timedelta(hours=first),
    ).exclude(reminders__kind=BreachReminder.Kind.AFTER_60H)
    breaches = list(waiting.order_by("found_at", "id"))
    if not breaches:
        return 0
    recipients = list(
        User.objects.filter(role=User.Role.ADMIN, is_active=True)
        .order_by("email")
        .values_list("email", flat=True)
    )
    if not recipients:
        # Not recorded: the next run tells whoever is an admin by then.
        logger.warning("no active admin to remind of %d breach(es)", len(breaches))
        return 0
    association = association_current()
    sent = 0
    for breach in breaches:
        due = [
            kind
            for kind, hours in REMINDER_HOURS.items()
            if breach.found_at + datetime.timedelta(hours=hours) <= now
        ]
        # Claim, send, commit (as workflow.reminders): a second run finds the claims and sends
        # nothing; a failed send rolls the claims back so the reminder is retried, not lost. A
        # mark passed while another was claimed (a breach recorded late) is claimed silently.
        with transaction.atomic():
            if _claim(breach_id=breach.pk, kinds=due, recipients=recipients):
                _send(breach=breach, now=now, association=association, recipients=recipients)
                sent += 1
    logger.info("breach reminders at %s: %d sent", now.isoformat(), sent)
    return sent


def _claim(*, breach_id: int, kinds: list[str], recipients: list[str]) -> set[str]:
    """Insert the (breach, kind) rows no other run holds; the kinds this run claimed."""
    table = connection.ops.quote_name(BreachReminder._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (breach_id, kind, sent_at, recipients) "  # noqa: S608 - names only
            "SELECT %s, kind, now(), %s::jsonb FROM unnest(%s::text[]) AS kind "
            "ON CONFLICT (breach_id, kind) DO NOTHING RETURNING kind",
            [breach_id, json.dumps(recipients), [str(kind) for kind in kinds]],
        )
        return {row[0] for row in cursor.fetchall()}


def _send(*, breach: Breach, now: datetime.datetime, association, recipients: list[str]) -> None:
    due = timezone.localtime(breach.regulator_due_at)
    hours_left = breach.hours_left(now)
    context = {
        "association": association,
        "breach": breach,
        "hours_left": hours_left,
        "hours_late": -hours_left,
        "due_ar": f"{hijri_with_gregorian(due.date(), 'ar')} {due:%H:%M}",
        "due_en": f"{hijri_with_gregorian(due.date(), 'en')} {due:%H:%M}",
        "url": association.url(f"/app/breaches/{breach.pk}/"),
    }
    with translation.override("ar"):
        send_mail(
            subject=render_to_string("breaches/emails/reminder_subject.txt", context).strip(),
            message=render_to_string("breaches/emails/reminder.txt", context),
            from_email=None,
            recipient_list=recipients,
        )
