"""The platform's clock for the decisions that fall on a boundary: a rate-limit window's hour, the
day in Riyadh a daily job runs for, the hours awareness SMS may go out. One seam, so a test sets
the instant instead of depending on when it runs.

Processes started by the tests (gunicorn, the worker) cannot be patched from outside: there the
seam is `CLOCK_OFFSET` (settings), which moves this clock and leaves the wall clock alone."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone


def now() -> datetime.datetime:
    return timezone.now() + settings.CLOCK_OFFSET


def on_the_wall(instant: datetime.datetime) -> datetime.datetime:
    """`instant` of this clock as the wall clock reads it: what the broker's `eta` needs."""
    return instant - settings.CLOCK_OFFSET
