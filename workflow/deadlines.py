"""The committee's due date in Saudi working days (Sunday to Thursday, minus the association's
holidays) or calendar days. Pure date arithmetic: callers pass the published deadline and the
association's holidays."""

from __future__ import annotations

import datetime
from collections.abc import Container, Iterable

WEEKEND = frozenset({4, 5})  # date.weekday(): Friday and Saturday
KINDS = ("working", "calendar", "asap")
MIN_DAYS, MAX_DAYS = 1, 90  # the range a published policy allows

ONE_DAY = datetime.timedelta(days=1)


def is_working_day(day: datetime.date, holidays: Container[datetime.date]) -> bool:
    """A working day is Sunday to Thursday and not one of the association's holidays."""
    return day.weekday() not in WEEKEND and day not in holidays


def working_days_between(
    *, start: datetime.date, end: datetime.date, holidays: Iterable[datetime.date]
) -> int:
    """The number of working days d with start < d <= end; 0 when end is not after start."""
    if end <= start:
        return 0
    # Every run of seven days holds five working weekdays, so only the last partial week is
    # walked; holidays are then taken off where they fall on a working weekday in the span.
    full_weeks, rest = divmod((end - start).days, 7)
    tail = end - datetime.timedelta(days=rest)
    weekdays = full_weeks * 5 + sum(
        1 for offset in range(1, rest + 1) if (tail + offset * ONE_DAY).weekday() not in WEEKEND
    )
    days_off = sum(
        1 for day in frozenset(holidays) if start < day <= end and day.weekday() not in WEEKEND
    )
    return weekdays - days_off


def committee_due_on(
    *,
    submitted_on: datetime.date,
    kind: str,
    days: int | None,
    holidays: Iterable[datetime.date],
) -> datetime.date | None:
    """`working`: the Nth working day after submission; `calendar`: N days after; `asap`: None."""
    if kind not in KINDS:
        raise ValueError(f"Unknown deadline kind {kind!r}; expected one of {', '.join(KINDS)}.")
    if kind == "asap":
        return None
    if isinstance(days, bool) or not isinstance(days, int) or not MIN_DAYS <= days <= MAX_DAYS:
        raise ValueError(
            f"A {kind} deadline needs days between {MIN_DAYS} and {MAX_DAYS}, got {days!r}."
        )
    # A datetime would silently never match the holidays (datetime != date) and keep its time.
    if isinstance(submitted_on, datetime.datetime):
        raise TypeError("submitted_on must be a date, not a datetime: take the local date first.")
    if kind == "calendar":
        return submitted_on + datetime.timedelta(days=days)

    return nth_working_day_after(submitted_on, days, holidays)


def nth_working_day_after(
    day: datetime.date, n: int, holidays: Iterable[datetime.date]
) -> datetime.date:
    """The Nth Sunday-to-Thursday day after `day` that is not one of the holidays."""
    days_off = frozenset(holidays)
    counted = 0
    while counted < n:
        day += ONE_DAY
        if is_working_day(day, days_off):
            counted += 1
    return day
