"""The public policy page and its PDF: exactly what was published, of this association only."""

import datetime
import re

import pytest
from django_tenants.utils import schema_context

from publishing.models import PolicyDocument
from tests.helpers import client_for, pdf_text, publish

SCRIPT = '<script>alert("x")</script><img src=x onerror="alert(1)"><b>مهم</b>'


@pytest.fixture
def published(alpha):
    return publish(
        alpha,
        data={
            "channels": ["interview", "website"],
            "referral_roles": ["social_researcher", "competent_officer"],
            "sections": [{"key": "preamble", "extra_ar": SCRIPT, "extra_en": SCRIPT}],
        },
        approved_on=datetime.date(2023, 3, 20),
    )


def test_policy_page_shows_the_published_policy_in_arabic(alpha, published):
    page = client_for(alpha).get("/policy/").content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert "سياسة تنظيم العلاقة مع المستفيدين" in page
    assert "جمعية ألفا الخيرية" in page
    assert "<li>المقابلة الشخصية</li>" in page
    assert "<li>الموقع الإلكتروني للجمعية</li>" in page
    assert "الاتصالات الهاتفية" not in page  # configured out
    assert "مسؤول البحث الاجتماعي أو المسؤول المختص" in page
    assert (
        "تم اعتماد هذه السياسة في اجتماع مجلس الإدارة رقم (5) بتاريخ 28/08/1444هـ الموافق 20/03/2023م"
        in page
    )


def test_policy_page_in_english_with_social_previews(alpha, published):
    page = client_for(alpha).get("/policy/?lang=en").content.decode()
    assert '<html lang="en" dir="ltr">' in page
    assert "Beneficiary Relationship Policy" in page
    assert "Social Research Officer or" in page
    assert (
        '<meta property="og:title" content="Beneficiary Relationship Policy — Alpha Charity">'
        in page
    )
    assert (
        '<meta name="description" content="The Beneficiary Relationship Policy of Alpha Charity'
        in page
    )


def test_association_written_markup_is_sanitised_on_page_api_and_pdf(alpha, published):
    page = client_for(alpha).get("/policy/").content.decode()
    assert "<b>مهم</b>" in page
    assert "<script>alert" not in page
    assert "onerror" not in page
    body = client_for(alpha).get("/api/v1/policy/").json()["sections"][0]["body"]
    assert "مهم" in body
    assert "<script" not in body and "alert" not in body


def test_editing_the_draft_changes_nothing_public_until_published_again(alpha, published):
    from tests.helpers import api_client

    client, auth = api_client(alpha, alpha.admin_email)
    client.patch(
        "/api/v1/policy/draft/", {"channels": ["letters"]}, content_type="application/json", **auth
    )
    page = client_for(alpha).get("/policy/").content.decode()
    assert "الخطابات" not in page
    assert "<li>المقابلة الشخصية</li>" in page


def test_archive_lists_versions_and_old_versions_say_they_are_not_in_force(alpha, published):
    publish(alpha, data={"channels": ["letters"]}, meeting="9")
    current = client_for(alpha).get("/policy/").content.decode()
    assert "<li>الخطابات</li>" in current
    assert 'href="/policy/1/"' in current and 'href="/policy/2/"' in current
    old = client_for(alpha).get("/policy/1/").content.decode()
    assert "<li>المقابلة الشخصية</li>" in old
    assert "<li>الخطابات</li>" not in old
    assert "لم يعد ساريًا" in old or "no longer in force" in old
    assert client_for(alpha).get("/policy/3/").status_code == 404


def test_another_association_never_shows_alphas_policy(alpha, beta, published):
    for path in ("/policy/", "/policy/1/", "/policy.pdf", "/policy/1.pdf"):
        response = client_for(beta).get(path)
        assert response.status_code == 404, path
        assert "ألفا" not in response.content.decode(errors="ignore")


def test_pdf_is_real_with_shaped_arabic_and_is_rendered_once(alpha, published, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    response = client_for(alpha).get("/policy.pdf")
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response)
    # pdftotext gives back the logical letters only when the glyphs were shaped (joined).
    assert "جمعية ألفا الخيرية" in text
    assert "تم اعتماد هذه السياسة" in text
    assert re.search(r"28/08/1444", text)
    assert "<script" not in text
    with schema_context(alpha.association.schema_name):
        first = PolicyDocument.objects.get(version__number=1, language="ar")
        assert first.pdf.name.startswith("policy/")
    client_for(alpha).get("/policy.pdf")
    with schema_context(alpha.association.schema_name):
        again = PolicyDocument.objects.get(version__number=1, language="ar")
    assert (again.pk, again.pdf.name) == (first.pk, first.pdf.name)
    assert (tmp_path / "a_alpha" / first.pdf.name).is_file()


def test_english_pdf(alpha, published, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    text = pdf_text(client_for(alpha).get("/policy.pdf?lang=en"))
    assert "Beneficiary Relationship Policy" in text
    assert "Alpha Charity" in text


def test_pages_and_pdf_agree_with_the_api_on_every_configured_field(
    alpha, published, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    api = client_for(alpha).get("/api/v1/policy/").json()
    page = client_for(alpha).get("/policy/").content.decode()
    pdf = " ".join(pdf_text(client_for(alpha).get("/policy.pdf")).split())
    for item in api["channels"] + api["referral_roles"]:
        assert item["name_ar"] in page
        assert item["name_ar"] in pdf
    for section in api["sections"]:
        assert section["title"] in page
        assert section["title"] in pdf


def test_visitors_get_the_new_version_as_soon_as_it_is_published(alpha, beta, published):
    visitor = client_for(alpha)
    assert "<li>الخطابات</li>" not in visitor.get("/policy/").content.decode()  # now cached
    publish(alpha, data={"channels": ["letters"]}, meeting="10")
    assert "<li>الخطابات</li>" in visitor.get("/policy/").content.decode()
    # Beta publishes the same version number: its visitors never get alpha's cached page.
    publish(beta)
    beta_page = client_for(beta).get("/policy/").content.decode()
    assert "جمعية بيتا الأهلية" in beta_page and "ألفا" not in beta_page
