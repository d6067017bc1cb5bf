"""Reminders of the regulator's 72-hour clock: the admins are e-mailed 24 and 60 hours after a
breach was found while the regulator has not been told, each reminder once per breach."""

from __future__ import annotations

import datetime
import logging

from django.utils import timezone

from accounts.models import User
from accounts.selectors import active_member_emails
from breaches.models import Breach, BreachReminder
from common.hijri import hijri_with_gregorian
from common.reminders import reminder_send_once
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
    recipients = active_member_emails(role=User.Role.ADMIN)
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
        # Claim, send, commit (common.reminders): a mark passed while another was claimed (a
        # breach recorded late) is claimed silently, with the e-mail about the latest.
        claimed = reminder_send_once(
            model=BreachReminder,
            rows=[{"breach_id": breach.pk, "kind": kind} for kind in due],
            conflict=("breach_id", "kind"),
            returning="kind",
            recipients=recipients,
            context=lambda _claimed, breach=breach: _context(
                breach=breach, now=now, association=association
            ),
            subject_template="breaches/emails/reminder_subject.txt",
            body_template="breaches/emails/reminder.txt",
        )
        if claimed:
            sent += 1
    logger.info("breach reminders at %s: %d sent", now.isoformat(), sent)
    return sent


def _context(*, breach: Breach, now: datetime.datetime, association) -> dict:
    due = timezone.localtime(breach.regulator_due_at)
    hours_left = breach.hours_left(now)
    return {
        "association": association,
        "breach": breach,
        "hours_left": hours_left,
        "hours_late": -hours_left,
        "due_ar": f"{hijri_with_gregorian(due.date(), 'ar')} {due:%H:%M}",
        "due_en": f"{hijri_with_gregorian(due.date(), 'en')} {due:%H:%M}",
        "url": association.url(f"/app/breaches/{breach.pk}/"),
    }
