"""Umm al-Qura Hijri dates beside Gregorian ones, as Saudi documents write them."""

from __future__ import annotations

import datetime
from functools import lru_cache

from django.utils import timezone
from django.utils.translation import get_language
from hijridate import Gregorian, Hijri


def to_hijri(day: datetime.date) -> Hijri | None:
    """The Umm al-Qura date, or None outside the calendar's range (1343–1500 AH)."""
    try:
        return Gregorian(day.year, day.month, day.day).to_hijri()
    except OverflowError:
        return None


def hijri_iso(day: datetime.date) -> str | None:
    hijri = to_hijri(day)
    return f"{hijri.year:04d}-{hijri.month:02d}-{hijri.day:02d}" if hijri else None


@lru_cache(maxsize=4096)  # a page of 50 cases shows 100 dates, a few hundred days in a year
def hijri_with_gregorian(day: datetime.date, language: str) -> str:
    """Arabic: `28/08/1444هـ الموافق 20/03/2023م`. English: `28 Sha'ban 1444 AH (20 March 2023)`."""
    hijri = to_hijri(day)
    if language == "ar":
        gregorian = f"{day.day:02d}/{day.month:02d}/{day.year}م"
        if hijri is None:
            return gregorian
        return f"{hijri.day:02d}/{hijri.month:02d}/{hijri.year}هـ الموافق {gregorian}"
    gregorian = day.strftime("%-d %B %Y")
    if hijri is None:
        return gregorian
    return f"{hijri.day} {hijri.month_name('en')} {hijri.year} AH ({gregorian})"


def hijri_display(value) -> str:
    """A date (or datetime, in Riyadh time) in Umm al-Qura Hijri with its Gregorian day, in the
    active language: what the `hijri` template filter shows."""
    if value in (None, ""):
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    return hijri_with_gregorian(value, "ar" if (get_language() or "ar").startswith("ar") else "en")
