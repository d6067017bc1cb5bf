"""The yearly satisfaction report: per channel with the trend against the previous year, a PDF
whose Arabic text is drawn joined, the board's decisions recorded once and published, nothing
of it changed afterwards, and nothing of alpha's reachable from beta."""

from __future__ import annotations

import datetime
from collections import defaultdict

import pytest
from django.db import DatabaseError, transaction
from django.template.loader import render_to_string
from django_tenants.utils import schema_context

from reporting.models import SatisfactionReport
from reporting.selectors import governance_reports
from tests.helpers import client_for, pdf_text
from tests.pdf import contextual_form, pdf_fonts
from tests.reporting.cases import enquiry

THIS_YEAR = datetime.date(2025, 3, 10)
LAST_YEAR = datetime.date(2024, 6, 15)
DECISIONS = "اعتماد خطة لتحسين سرعة الرد على الاتصالات، ومتابعة القناة الإلكترونية."


@pytest.fixture
def surveys(alpha, policy):
    """2025: six phone answers (5, 5, 5, 4, 4, 3), five by interview, two by the website;
    2024: five phone answers (3, 3, 3, 4, 2)."""
    for n, score in enumerate((5, 5, 5, 4, 4, 3), start=1):
        enquiry(alpha, n, channel="phone", on=THIS_YEAR, score=score)
    for n in range(10, 15):
        enquiry(alpha, n, channel="interview", on=THIS_YEAR, score=4)
    for n in (20, 21):
        enquiry(alpha, n, channel="website", on=THIS_YEAR, score=1)
    for n, score in enumerate((3, 3, 3, 4, 2), start=30):
        enquiry(alpha, n, channel="phone", on=LAST_YEAR, score=score)


def _report(alpha) -> SatisfactionReport | None:
    with schema_context(alpha.association.schema_name):
        return SatisfactionReport.objects.filter(year=2025).first()


def _prepared(admin) -> None:
    response = admin.post("/app/statistics/satisfaction/", {"year": "2025"})
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert response["Location"] == "/app/statistics/satisfaction/2025/"


def test_the_report_gives_each_channel_its_trend_and_hides_the_small_ones(alpha, surveys, admin):
    _prepared(admin)
    content = _report(alpha).content
    phone = content["current"]["channels"]["phone"]
    assert phone == {"answers": 6, "average": 4.33, "kept_percent": 100, "courteous_percent": 100}
    assert content["previous"]["channels"]["phone"]["average"] == 3.0
    assert content["current"]["channels"]["website"] == {"answers": None, "withheld": False}
    # The website's two would follow from the total minus the others: something more is hidden.
    hidden = [
        code for code, row in content["current"]["channels"].items() if row["answers"] is None
    ]
    assert len(hidden) + (content["current"]["total"]["answers"] is None) >= 2, content
    page = admin.get("/app/statistics/satisfaction/2025/").content.decode()
    assert "+1.33</bdi> تحسّن" in page and ">أقل من ٥</td>" in page


def test_the_pdf_holds_the_report_in_joined_arabic(alpha, surveys, admin):
    _prepared(admin)
    response = admin.get("/app/statistics/satisfaction/2025.pdf")
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response)
    for words in ("رضا المستفيدين في عام 2025", "الاتصالات الهاتفية", "4.33", "أقل من ٥"):
        assert words in text, words
    forms = defaultdict(set)
    data = b"".join(admin.get("/app/statistics/satisfaction/2025.pdf").streaming_content)
    for font in pdf_fonts(data):
        for gid, name in font.glyph_names().items():
            if (form := contextual_form(name)) and len(font.glyphs[gid]) == 1:
                forms[font.glyphs[gid]].add(form)
    # Unshaped text draws every letter isolated: «المستفيدين» needs م and ت joined both ways.
    assert {"initial", "medial"} <= forms["م"] and {"medial"} <= forms["ت"], dict(forms)
    english = pdf_text(admin.get("/app/statistics/satisfaction/2025.pdf?lang=en"))
    assert "Beneficiary satisfaction in 2025" in english and "Phone calls" in english


def test_the_boards_decisions_are_recorded_once_and_published(alpha, surveys, admin):
    _prepared(admin)
    assert client_for(alpha).get("/governance/satisfaction/2025/").status_code == 404
    response = admin.post(
        "/app/statistics/satisfaction/2025/",
        {"meeting": "12", "meeting_date": "2026-09-17", "decisions": DECISIONS},
    )
    assert response.status_code == 302
    public = client_for(alpha).get("/governance/satisfaction/2025/").content.decode()
    assert DECISIONS in public and "رضا المستفيدين في عام 2025" in public and "4.33" in public
    again = admin.post(
        "/app/statistics/satisfaction/2025/",
        {"meeting": "13", "meeting_date": "2026-09-17", "decisions": "قرار آخر"},
    )
    assert again.status_code == 400 and "نُشرت نتائج هذا التقرير" in again.content.decode()
    report = _report(alpha)
    assert (report.board_meeting, report.board_decisions) == ("12", DECISIONS)
    with schema_context(alpha.association.schema_name):
        with pytest.raises(DatabaseError, match="cannot change"), transaction.atomic():
            SatisfactionReport.objects.filter(pk=report.pk).update(board_decisions="تغيير")
        with pytest.raises(DatabaseError, match="cannot change"), transaction.atomic():
            SatisfactionReport.objects.filter(pk=report.pk).delete()
        slot = render_to_string(
            "reporting/_governance_slot.html", {"reports": governance_reports()}
        )
    assert 'href="/governance/satisfaction/2025/"' in slot


def test_the_figures_of_a_prepared_report_never_change(alpha, surveys, admin):
    _prepared(admin)
    with schema_context(alpha.association.schema_name):
        with pytest.raises(DatabaseError, match="cannot change"), transaction.atomic():
            SatisfactionReport.objects.filter(year=2025).update(content={})


@pytest.mark.parametrize(
    ("data", "field", "arabic"),
    [
        ({"meeting": "", "meeting_date": "", "decisions": ""}, "meeting", "هذا الحقل مطلوب"),
        ({"meeting": "12", "meeting_date": "2026-12-01", "decisions": DECISIONS}, "meeting_date",
         "لا يمكن أن يكون تاريخ الاجتماع في المستقبل"),
        ({"meeting": "12", "meeting_date": "2026-13-01", "decisions": DECISIONS}, "meeting_date",
         "اكتب التاريخ على هيئة سنة-شهر-يوم"),
        ({"meeting": "12", "meeting_date": "2026-09-17", "decisions": "<script>"}, "decisions",
         "اكتب نصًا عاديًا"),
    ],
)  # fmt: skip
def test_bad_decisions_are_refused_per_field_and_kept_as_typed(
    alpha, surveys, admin, data, field, arabic
):
    _prepared(admin)
    response = admin.post("/app/statistics/satisfaction/2025/", data)
    text = response.content.decode()
    assert response.status_code == 400
    assert f'id="id_{field}-errors"' in text and arabic in text, text[-3000:]
    if data["decisions"] == DECISIONS:
        assert DECISIONS in text  # the textarea keeps what was typed
    assert _report(alpha).published_at is None


@pytest.mark.parametrize(
    ("year", "arabic"),
    [("2026", "لم تنتهِ هذه السنة بعد"), ("2023", "لم يُجب أحد عن استبيان"), ("abc", "أدخل سنة")],
)
def test_a_report_for_a_bad_year_is_refused(alpha, surveys, admin, year, arabic):
    response = admin.post("/app/statistics/satisfaction/", {"year": year})
    assert response.status_code == 400 and arabic in response.content.decode()
    assert f'value="{year}"' in response.content.decode()
    with schema_context(alpha.association.schema_name):
        assert not SatisfactionReport.objects.exists()


def test_a_year_is_reported_once(alpha, surveys, admin):
    _prepared(admin)
    again = admin.post("/app/statistics/satisfaction/", {"year": "2025"})
    assert again.status_code == 400 and "أُعدّ تقرير هذه السنة من قبل" in again.content.decode()


def test_beta_cannot_see_alphas_report_its_pdf_or_its_feedback(alpha, beta, surveys, admin):
    _prepared(admin)
    admin.post(
        "/app/statistics/satisfaction/2025/",
        {"meeting": "12", "meeting_date": "2026-09-17", "decisions": DECISIONS},
    )
    beta_admin = client_for(beta, email=beta.admin_email)
    for url in (
        "/app/statistics/satisfaction/2025/",
        "/app/statistics/satisfaction/2025.pdf",
        "/governance/satisfaction/2025/",
    ):
        response = beta_admin.get(url)
        assert response.status_code == 404 and DECISIONS.encode() not in response.content, url
    listing = beta_admin.get("/app/statistics/satisfaction/").content.decode()
    assert "/app/statistics/satisfaction/2025/" not in listing
    # Beta prepares from its own surveys: it has none.
    refused = beta_admin.post("/app/statistics/satisfaction/", {"year": "2025"})
    assert refused.status_code == 400 and "لم يُجب أحد عن استبيان" in refused.content.decode()
