"""Committee due dates in Saudi working days, checked against a brute-force count."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflow.deadlines import committee_due_on, is_working_day, working_days_between

PROPERTIES = settings(max_examples=300, deadline=None)

FRIDAY, SATURDAY = 4, 5


def saudi_working_day(day: datetime.date, holidays: set) -> bool:
    return day.weekday() not in (FRIDAY, SATURDAY) and day not in holidays


def days_after(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """Every day in (start, end], one by one."""
    return [start + datetime.timedelta(days=n) for n in range(1, (end - start).days + 1)]


def brute_working_days(start: datetime.date, end: datetime.date, holidays: set) -> int:
    """The independent oracle: counts the working days in (start, end] one at a time."""
    return sum(1 for day in days_after(start, end) if saudi_working_day(day, holidays))


@st.composite
def submissions(draw):
    """A submission date in 2000–2070, up to 40 holidays around it, and N in 1..90."""
    submitted_on = draw(
        st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2070, 12, 31))
    )
    # 90 working days plus 40 holidays span at most ~185 days: every holiday can matter.
    offsets = draw(st.lists(st.integers(min_value=-14, max_value=190), max_size=40))
    holidays = {submitted_on + datetime.timedelta(days=offset) for offset in offsets}
    days = draw(st.integers(min_value=1, max_value=90))
    return submitted_on, holidays, days


@PROPERTIES
@given(submissions())
def test_working_deadline_lands_on_the_nth_working_day_after_submission(submission):
    submitted_on, holidays, days = submission
    due = committee_due_on(submitted_on=submitted_on, kind="working", days=days, holidays=holidays)

    assert due > submitted_on
    assert due.weekday() not in (FRIDAY, SATURDAY)
    assert due not in holidays
    # With `due` itself a working day, exactly N in (submitted_on, due] makes it the earliest.
    assert brute_working_days(submitted_on, due, holidays) == days
    assert working_days_between(start=submitted_on, end=due, holidays=holidays) == days


@PROPERTIES
@given(submissions(), st.data())
def test_a_new_holiday_inside_the_interval_pushes_the_working_deadline_later(submission, data):
    submitted_on, holidays, days = submission
    due = committee_due_on(submitted_on=submitted_on, kind="working", days=days, holidays=holidays)
    working_days = [
        day for day in days_after(submitted_on, due) if saudi_working_day(day, holidays)
    ]
    new_holiday = data.draw(st.sampled_from(working_days))

    later = committee_due_on(
        submitted_on=submitted_on, kind="working", days=days, holidays=holidays | {new_holiday}
    )

    assert later > due


@PROPERTIES
@given(submissions())
def test_calendar_deadline_is_exactly_n_days_later_whatever_the_holidays(submission):
    submitted_on, holidays, days = submission

    due = committee_due_on(submitted_on=submitted_on, kind="calendar", days=days, holidays=holidays)

    assert due == submitted_on + datetime.timedelta(days=days)


@PROPERTIES
@given(submissions())
def test_asap_deadline_has_no_due_date(submission):
    submitted_on, holidays, days = submission

    assert (
        committee_due_on(submitted_on=submitted_on, kind="asap", days=days, holidays=holidays)
        is None
    )
    assert (
        committee_due_on(submitted_on=submitted_on, kind="asap", days=None, holidays=holidays)
        is None
    )


@PROPERTIES
@given(submissions(), st.integers(min_value=-30, max_value=800))
def test_working_days_between_matches_a_day_by_day_count(submission, span):
    start, holidays, _days = submission
    end = start + datetime.timedelta(days=span)

    assert working_days_between(start=start, end=end, holidays=holidays) == brute_working_days(
        start, end, holidays
    )


def test_thursday_submission_with_one_working_day_is_due_on_sunday():
    thursday = datetime.date(2026, 9, 17)

    due = committee_due_on(submitted_on=thursday, kind="working", days=1, holidays=[])

    assert due == datetime.date(2026, 9, 20)
    assert due.strftime("%A") == "Sunday"


def test_national_day_holiday_is_skipped():
    # Wed 16 Sep 2026 + 5 working days: Thu 17 (1), [Fri 18, Sat 19 weekend], Sun 20 (2),
    # Mon 21 (3), Tue 22 (4), [Wed 23 National Day], Thu 24 (5).
    due = committee_due_on(
        submitted_on=datetime.date(2026, 9, 16),
        kind="working",
        days=5,
        holidays=[datetime.date(2026, 9, 23)],
    )

    assert due == datetime.date(2026, 9, 24)


def test_without_the_holiday_the_same_deadline_falls_on_national_day():
    due = committee_due_on(
        submitted_on=datetime.date(2026, 9, 16), kind="working", days=5, holidays=[]
    )

    assert due == datetime.date(2026, 9, 23)


def test_holidays_may_be_any_iterable_even_a_one_shot_generator():
    holidays = (datetime.date(2026, 9, 20 + offset) for offset in range(3))  # Sun 20 – Tue 22

    due = committee_due_on(
        submitted_on=datetime.date(2026, 9, 17), kind="working", days=2, holidays=holidays
    )

    assert due == datetime.date(2026, 9, 24)  # Wed 23 (1), Thu 24 (2)


def test_calendar_deadline_of_two_weeks_ignores_weekends_and_holidays():
    due = committee_due_on(
        submitted_on=datetime.date(2026, 9, 16),
        kind="calendar",
        days=14,
        holidays=[datetime.date(2026, 9, 23)],
    )

    assert due == datetime.date(2026, 9, 30)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (datetime.date(2026, 9, 20), True),  # Sunday
        (datetime.date(2026, 9, 24), True),  # Thursday
        (datetime.date(2026, 9, 18), False),  # Friday
        (datetime.date(2026, 9, 19), False),  # Saturday
        (datetime.date(2026, 9, 23), False),  # Wednesday, National Day
    ],
)
def test_working_days_are_sunday_to_thursday_outside_holidays(day, expected):
    assert is_working_day(day, frozenset({datetime.date(2026, 9, 23)})) is expected


def test_working_days_between_is_zero_when_the_end_is_not_after_the_start():
    day = datetime.date(2026, 9, 16)

    assert working_days_between(start=day, end=day, holidays=[]) == 0
    assert working_days_between(start=day, end=day - datetime.timedelta(days=9), holidays=[]) == 0


def test_two_working_days_from_thursday_reach_monday():
    thursday = datetime.date(2026, 9, 17)

    assert working_days_between(start=thursday, end=datetime.date(2026, 9, 21), holidays=[]) == 2


@pytest.mark.parametrize(
    ("kind", "days", "message"),
    [
        ("weekly", 5, "Unknown deadline kind 'weekly'"),
        ("working", 0, "between 1 and 90, got 0"),
        ("working", 91, "between 1 and 90, got 91"),
        ("working", None, "between 1 and 90, got None"),
        ("calendar", None, "between 1 and 90, got None"),
        ("calendar", 91, "between 1 and 90, got 91"),
        ("working", True, "between 1 and 90, got True"),
    ],
)
def test_bad_deadline_is_refused_with_a_message_naming_the_problem(kind, days, message):
    with pytest.raises(ValueError, match=message):
        committee_due_on(submitted_on=datetime.date(2026, 9, 16), kind=kind, days=days, holidays=[])


def test_a_datetime_submission_is_refused_because_holidays_would_never_match():
    submitted_at = datetime.datetime(2026, 9, 16, 23, 30, tzinfo=datetime.UTC)

    with pytest.raises(TypeError, match="not a datetime"):
        committee_due_on(submitted_on=submitted_at, kind="working", days=5, holidays=[])
