"""Umm al-Qura dates at their edges: month and year boundaries as the Kingdom observed them, the
calendar table's first and last days, and dates outside it.

The expected dates are written out from the calendar as announced (Ramadan 1444 began on
Thursday 23 March 2023, Eid al-Fitr on Friday 21 April, 1 Muharram 1445 on 19 July), not read
from the library under test.
"""

import datetime

import pytest

from common.hijri import hijri_iso, hijri_with_gregorian
from tests.helpers import POLICY, api_client

DAY = datetime.date.fromisoformat


@pytest.mark.parametrize(
    ("gregorian", "hijri"),
    [
        ("2023-03-22", "1444-08-30"),  # Sha'ban 1444 had thirty days
        ("2023-03-23", "1444-09-01"),
        ("2023-04-20", "1444-09-29"),  # Ramadan 1444 had twenty-nine
        ("2023-04-21", "1444-10-01"),
        ("2023-07-18", "1444-12-30"),  # the year's last day
        ("2023-07-19", "1445-01-01"),
        ("1924-08-01", "1343-01-01"),  # the table's first day
        ("2077-11-16", "1500-12-30"),  # and its last
    ],
)
def test_month_and_year_boundaries_follow_umm_al_qura(gregorian, hijri):
    assert hijri_iso(DAY(gregorian)) == hijri


@pytest.mark.parametrize("gregorian", ["1924-07-31", "2077-11-17", "0001-01-01", "9999-12-31"])
def test_a_date_outside_the_table_shows_its_gregorian_date_alone(gregorian):
    day = DAY(gregorian)
    assert hijri_iso(day) is None
    arabic, english = hijri_with_gregorian(day, "ar"), hijri_with_gregorian(day, "en")
    assert arabic == f"{day.day:02d}/{day.month:02d}/{day.year}م"
    assert "هـ" not in arabic and " AH" not in english
    assert english == f"{day.day} {day.strftime('%B')} {day.year}"


def test_a_boundary_shows_both_calendars_in_each_language():
    assert hijri_with_gregorian(DAY("2023-07-19"), "ar") == "01/01/1445هـ الموافق 19/07/2023م"
    assert hijri_with_gregorian(DAY("2023-07-19"), "en") == "1 Muharram 1445 AH (19 July 2023)"


@pytest.mark.parametrize(
    ("approved_on", "message"),
    [
        ("1924-07-31", "This date is outside the Umm al-Qura calendar."),
        ("2999-01-01", "The meeting's date cannot be in the future."),
    ],
)
def test_an_approval_outside_the_calendar_is_refused_and_changes_nothing(
    alpha, approved_on, message
):
    client, auth = api_client(alpha, alpha.admin_email)
    draft = "/api/v1/policy/draft/"
    assert client.patch(draft, POLICY, content_type="application/json", **auth).status_code == 200
    before = client.get(draft + "?lang=en", **auth).json()
    response = client.post(
        draft + "approve/?lang=en",
        {"meeting_number": "3", "approved_on": approved_on, "chair_name": "د. سعد"},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 400
    assert response.json()["approved_on"] == [message]
    assert client.get(draft + "?lang=en", **auth).json() == before
    # The first day of the table is a date a board may have met on.
    accepted = client.post(
        draft + "approve/",
        {"meeting_number": "3", "approved_on": "1924-08-01", "chair_name": "د. سعد"},
        content_type="application/json",
        **auth,
    )
    assert accepted.status_code == 200, accepted.json()
