"""Published statistics: counted from cases made through the services, suppressed below five
people so that nobody can be re-identified (not even by differencing a quarter and its year),
published once per period and never changed, refused clearly for a bad period, and alpha's
never reachable from beta."""

from __future__ import annotations

import datetime

import pytest
from django.db import DatabaseError, transaction
from django_tenants.utils import schema_context

from reporting.models import StatisticsPublication
from tests.helpers import POLICY, client_for, publish
from tests.reporting.attacker import small_counts_found
from tests.reporting.cases import decided, enquiry

Q1 = datetime.date(2025, 2, 15)
Q2 = datetime.date(2025, 5, 15)
FEWER = ">أقل من ٥</td>"  # a suppressed cell, not the note that explains it


def _hand_counted_quarter(alpha) -> None:
    """Q1 2025: five phone enquiries answered (scores 5, 5, 4, 4, 4), ten interview requests:
    five accepted within the deadline, five rejected after it."""
    for n, score in zip(range(1, 6), (5, 5, 4, 4, 4), strict=True):
        enquiry(alpha, n, channel="phone", on=Q1, score=score)
    for n in range(10, 15):
        decided(alpha, n, channel="interview", on=Q1, decision="accepted")
    for n in range(15, 20):
        decided(alpha, n, channel="interview", on=Q1, decision="rejected", late=True)


def _publish(admin, year, quarter=""):
    return admin.post("/app/statistics/publish/", {"year": year, "quarter": quarter})


def _publications(alpha) -> list[StatisticsPublication]:
    with schema_context(alpha.association.schema_name):
        return list(StatisticsPublication.objects.order_by("number"))


def _table(content: dict, name: str) -> dict:
    table = content["tables"][name]
    return {
        "rows": {row["code"]: (row["cells"], row["total"]) for row in table["rows"]},
        "totals": (table["totals"], table["total"]),
    }


def test_published_figures_are_the_hand_count_of_the_cases(alpha, policy, admin):
    _hand_counted_quarter(alpha)
    response = _publish(admin, "2025", "1")
    assert response.status_code == 302 and response["Location"] == "/governance/statistics/1/"
    (publication,) = _publications(alpha)
    content = publication.content
    assert content["beneficiaries"] == 15
    assert _table(content, "received") == {
        "rows": {"interview": ([10, 0, 0], 10), "phone": ([5, 0, 0], 5)},
        "totals": ([15, 0, 0], 15),
    }
    assert _table(content, "outcomes") == {
        "rows": {"interview": ([5, 5, 0, 0], 10), "phone": ([0, 0, 5, 0], 5)},
        "totals": ([5, 5, 5, 0], 15),
    }
    assert _table(content, "deadline") == {
        "rows": {"interview": ([5, 5], 10)},
        "totals": ([5, 5], 10),
    }
    assert _table(content, "satisfaction") == {
        "rows": {"phone": ([5, 0, 0], 5)},
        "totals": ([5, 0, 0], 5),
    }
    assert content["averages"] == {"phone": 4.4, "_total": 4.4}

    page = client_for(alpha).get("/governance/statistics/1/")
    text = page.content.decode()
    assert page.status_code == 200 and 'dir="rtl"' in text
    assert "الربع 1 من عام 2025" in text and "الاتصالات الهاتفية" in text
    assert '<dd id="beneficiaries">15</dd>' in text and "4.4" in text
    assert FEWER not in text
    english = client_for(alpha).get("/governance/statistics/1/?lang=en").content.decode()
    assert "Quarter 1 of 2025" in english and "Phone calls" in english


def test_the_preview_shows_what_would_be_published_and_saves_nothing(alpha, policy, admin):
    _hand_counted_quarter(alpha)
    page = admin.get("/app/statistics/", {"year": "2025", "quarter": "1"})
    text = page.content.decode()
    assert page.status_code == 200 and 'id="publish-form"' in text
    assert '<dd id="beneficiaries">15</dd>' in text
    assert _publications(alpha) == []


def test_a_count_under_five_people_and_its_complement_are_suppressed(alpha, policy, admin):
    _hand_counted_quarter(alpha)
    for n in (30, 31):  # two people only by the website
        enquiry(alpha, n, channel="website", on=Q1, score=5)
    assert _publish(admin, "2025", "1").status_code == 302
    (publication,) = _publications(alpha)
    received = _table(publication.content, "received")
    assert received["rows"]["website"] == ([None, 0, 0], None)
    # The website's two cannot be had from the column's total minus the other channels.
    assert small_counts_found([publication.content]) == {}
    page = client_for(alpha).get("/governance/statistics/1/").content.decode()
    assert FEWER in page
    # The people served would give the hidden grand total: hidden with it.
    assert received["totals"][1] is not None or publication.content["beneficiaries"] is None


@pytest.mark.parametrize("order", [("1", ""), ("", "1")], ids=["quarter-first", "year-first"])
def test_differencing_the_year_and_its_quarter_does_not_find_a_person(alpha, policy, admin, order):
    """Person 40 is the only one to use the website after the first quarter: the year's count
    minus the quarter's would single them out."""
    _hand_counted_quarter(alpha)
    for n in range(30, 35):
        enquiry(alpha, n, channel="website", on=Q1, score=5)
    enquiry(alpha, 40, channel="website", on=Q2, score=1)
    for quarter in order:
        assert _publish(admin, "2025", quarter).status_code == 302
    contents = {
        ("year" if p.quarter is None else "quarter"): p.content for p in _publications(alpha)
    }
    year, quarter = contents["year"], contents["quarter"]
    for name in ("received", "outcomes", "satisfaction"):
        in_year = _table(year, name)["rows"]["website"]
        in_quarter = _table(quarter, name)["rows"]["website"]
        differences = [
            a - b
            for a, b in zip([*in_year[0], in_year[1]], [*in_quarter[0], in_quarter[1]], strict=True)
            if a is not None and b is not None
        ]
        assert not any(0 < d < 5 for d in differences), (name, in_year, in_quarter)
    assert year["beneficiaries"] is None or quarter["beneficiaries"] is None
    assert small_counts_found([year, quarter]) == {}


def test_a_publication_never_changes(alpha, policy, admin):
    _hand_counted_quarter(alpha)
    _publish(admin, "2025", "1")
    before = client_for(alpha).get("/governance/statistics/1/").content
    enquiry(alpha, 50, channel="phone", on=Q1, score=1)  # a late entry into the quarter
    assert client_for(alpha).get("/governance/statistics/1/").content == before
    (publication,) = _publications(alpha)
    with schema_context(alpha.association.schema_name):
        for change in (
            lambda: StatisticsPublication.objects.filter(pk=publication.pk).update(content={}),
            lambda: StatisticsPublication.objects.filter(pk=publication.pk).delete(),
        ):
            with pytest.raises(DatabaseError, match="cannot be changed"), transaction.atomic():
                change()


@pytest.mark.parametrize(
    ("year", "quarter", "field", "arabic", "english"),
    [
        ("2027", "", "year", "لم تنتهِ هذه الفترة بعد", "has not ended yet"),
        ("2026", "3", "quarter", "لم تنتهِ هذه الفترة بعد", "has not ended yet"),
        ("2025", "2", "year", "لا شيء يُنشر", "nothing to publish"),
        ("٢٠٢٥x", "", "year", "أدخل سنة من 2000", "Enter a year from 2000"),
        ("2025", "7", "quarter", "اختر ربعًا من 1 إلى 4", "Choose a quarter from 1 to 4"),
    ],
)
def test_a_bad_period_is_refused_on_its_field_and_nothing_is_published(
    alpha, policy, admin, year, quarter, field, arabic, english
):
    enquiry(alpha, 1, channel="phone", on=Q1)
    response = _publish(admin, year, quarter)
    text = response.content.decode()
    assert response.status_code == 400
    assert f'id="id_{field}-errors"' in text and arabic in text
    assert f'value="{year}"' in text  # the form keeps what was typed
    assert _publications(alpha) == []
    english_page = admin.post(
        "/app/statistics/publish/?lang=en", {"year": year, "quarter": quarter}
    ).content.decode()
    assert english in english_page


def test_a_period_is_published_once(alpha, policy, admin):
    _hand_counted_quarter(alpha)
    assert _publish(admin, "2025", "1").status_code == 302
    again = _publish(admin, "2025", "1")
    assert again.status_code == 400
    assert "نُشرت إحصاءات هذه الفترة من قبل (رقم 1)" in again.content.decode()
    assert len(_publications(alpha)) == 1


def test_staff_who_are_not_admins_cannot_publish(alpha, policy, staff):
    _hand_counted_quarter(alpha)
    assert _publish(staff, "2025", "1").status_code == 403
    assert _publications(alpha) == []


def test_beta_cannot_see_or_publish_alphas_statistics(alpha, beta, policy, admin):
    _hand_counted_quarter(alpha)
    _publish(admin, "2025", "1")
    beta_admin = client_for(beta, email=beta.admin_email)
    # Beta's host has no publication 1 and counts none of alpha's cases.
    assert client_for(beta).get("/governance/statistics/1/").status_code == 404
    preview = beta_admin.get("/app/statistics/", {"year": "2025", "quarter": "1"})
    assert "الاتصالات الهاتفية" not in preview.content.decode()
    refused = beta_admin.post("/app/statistics/publish/", {"year": "2025", "quarter": "1"})
    assert refused.status_code == 400 and "لا شيء يُنشر" in refused.content.decode()
    # Beta's admin on alpha's host is nobody there.
    visitor = client_for(alpha)
    visitor.cookies = beta_admin.cookies
    response = visitor.post("/app/statistics/publish/", {"year": "2025", "quarter": "2"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert len(_publications(alpha)) == 1


def test_the_governance_page_links_the_latest_publication_and_beta_shows_none(
    alpha, beta, policy, admin
):
    before = client_for(alpha).get("/governance/").content.decode()
    assert (
        "No statistics have been published yet."
        in client_for(alpha).get("/governance/?lang=en").content.decode()
    )
    assert "/governance/statistics/" not in before
    _hand_counted_quarter(alpha)
    assert _publish(admin, "2025", "1").status_code == 302
    page = client_for(alpha).get("/governance/?lang=en").content.decode()
    assert 'href="/governance/statistics/1/"' in page
    assert "Quarter 1 of 2025" in page
    # Beta's governance page is its own: no link to alpha's publication.
    publish(beta, data=POLICY)
    theirs = client_for(beta).get("/governance/?lang=en").content.decode()
    assert "No statistics have been published yet." in theirs
    assert "/governance/statistics/1/" not in theirs
