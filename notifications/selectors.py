"""Reads of the SMS log."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet, Sum
from django.utils import timezone

from common import clock
from notifications.models import SmsMessage, SmsOptOut, SmsStatus

# What counts against the month's segments: everything given, or about to be given, to the
# provider.
COUNTED = (SmsStatus.QUEUED, SmsStatus.SENT, SmsStatus.DELIVERED, SmsStatus.UNDELIVERABLE)


def sms_segments_this_month() -> int:
    """Segments sent or queued since the first of this month, Riyadh time."""
    today = timezone.localdate(clock.now())
    start = timezone.make_aware(datetime.datetime.combine(today.replace(day=1), datetime.time()))
    used = SmsMessage.objects.filter(status__in=COUNTED, created_at__gte=start).aggregate(
        total=Sum("segments")
    )["total"]
    return used or 0


def sms_log() -> QuerySet[SmsMessage]:
    return SmsMessage.objects.order_by("-created_at", "-id")


def sms_held_count() -> int:
    return SmsMessage.objects.filter(status=SmsStatus.HELD).count()


def sms_opted_out(*, phone: str) -> bool:
    """Whether `phone` asked for no more messages."""
    return SmsOptOut.objects.filter(phone=phone).exists()


def sms_sent_to(*, phone: str) -> QuerySet[SmsMessage]:
    """The messages logged for `phone` (a person's copy of their data)."""
    if not phone:
        return SmsMessage.objects.none()
    return SmsMessage.objects.filter(recipient=phone).order_by("created_at", "id")
