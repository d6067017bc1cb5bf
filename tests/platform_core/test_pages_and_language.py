"""Arabic and right-to-left by default, English on request; Hijri dates; platform pages."""

import datetime
import html

import pytest
from django.template import Context, Template
from django.utils import translation

from common.hijri import hijri_iso, hijri_with_gregorian
from tests.helpers import client_for


def test_pages_are_arabic_rtl_by_default_even_for_an_english_browser(alpha):
    for client in (client_for(None), client_for(alpha)):
        page = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
        assert '<html lang="ar" dir="rtl">' in page
        assert 'href="/?lang=en"' in page  # the switcher


def test_lang_en_gives_english_ltr_and_is_remembered(alpha):
    client = client_for(alpha)
    page = client.get("/?lang=en").content.decode()
    assert '<html lang="en" dir="ltr">' in page
    assert "Alpha Charity" in page
    again = client.get("/").content.decode()
    assert '<html lang="en" dir="ltr">' in again
    back = client.get("/?lang=ar").content.decode()
    assert '<html lang="ar" dir="rtl">' in back
    assert "جمعية ألفا الخيرية" in back


def test_unknown_language_falls_back_to_arabic(db):
    page = client_for(None).get("/?lang=fr").content.decode()
    assert '<html lang="ar" dir="rtl">' in page


def test_platform_home_explains_mustafid_in_both_languages(db):
    arabic = client_for(None).get("/").content.decode()
    assert "سياسة تنظيم العلاقة مع المستفيدين" in arabic
    assert 'href="/signup/"' in arabic
    english = client_for(None).get("/?lang=en").content.decode()
    assert "Beneficiary Relationship Policy" in english


def test_pages_fit_a_phone(db):
    page = client_for(None).get("/").content.decode()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page


@pytest.mark.parametrize(
    ("day", "hijri", "arabic"),
    [
        (datetime.date(2023, 3, 20), "1444-08-28", "28/08/1444هـ الموافق 20/03/2023م"),
        (datetime.date(2024, 8, 14), "1446-02-10", "10/02/1446هـ الموافق 14/08/2024م"),
        (datetime.date(2025, 4, 24), "1446-10-26", "26/10/1446هـ الموافق 24/04/2025م"),
    ],
)
def test_seed_approval_dates_in_umm_al_qura(day, hijri, arabic):
    assert hijri_iso(day) == hijri
    assert hijri_with_gregorian(day, "ar") == arabic


def test_hijri_filter_follows_the_language_and_riyadh_time():
    template = Template("{% load mustafid %}{{ moment|hijri }}")
    # 22:30 UTC on 19 March is already 20 March in Riyadh.
    moment = datetime.datetime(2023, 3, 19, 22, 30, tzinfo=datetime.UTC)
    with translation.override("ar"):
        assert template.render(Context({"moment": moment})) == "28/08/1444هـ الموافق 20/03/2023م"
    with translation.override("en"):
        shown = html.unescape(template.render(Context({"moment": moment})))
        assert shown == "28 Sha'ban 1444 AH (20 March 2023)"


def test_dates_outside_umm_al_qura_show_gregorian_only():
    assert hijri_iso(datetime.date(1900, 1, 1)) is None
    assert hijri_with_gregorian(datetime.date(1900, 1, 1), "ar") == "01/01/1900م"


def test_static_files_are_served_by_the_app_without_a_cdn(db):
    page = client_for(None).get("/").content.decode()
    assert "cdn" not in page.lower()
    assert "/static/css/mustafid." in page
