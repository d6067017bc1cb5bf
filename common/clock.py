"""The platform's clock for the decisions that fall on a boundary: a rate-limit window's hour, the
day in Riyadh a daily job runs for. One seam, so a test sets the instant instead of depending on
when it runs."""

from __future__ import annotations

import datetime

from django.utils import timezone


def now() -> datetime.datetime:
    return timezone.now()
