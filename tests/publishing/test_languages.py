"""A policy in Arabic only, or in Arabic and English (issue 12, item 2): Arabic only asks for no
English anywhere, and its English page says so and shows the Arabic."""

import html
import re

import pytest

from tests.helpers import api_client, client_for, pdf_text, policy_editor_form, publish

DRAFT = "/api/v1/policy/draft/"
EDITOR = "/app/settings/policy/"
ARABIC_ONLY = {
    "languages": ["ar"],
    "channels": ["interview", {"code": "home_visit", "name_ar": "الزيارة المنزلية"}],
    "tools": [{"code": "visit_form", "name_ar": "نموذج الزيارة"}],
    "decision_body": {"name_ar": "الإدارة المختصة", "name_en": ""},
    "committee_deadline": {"kind": "asap", "days": None, "wording_ar": "بأسرع وقت ممكن"},
    "procedure": [{"step": "receive", "text_ar": "نستقبل المستفيد بترحيب."}, "decide"],
    "sections": [
        {"key": "preamble", "title_ar": "مقدمة", "body_ar": "وضعت الجمعية هذه السياسة."},
        {"key": "general_objective", "extra_ar": "<p>نص إضافي بالعربية وحدها.</p>"},
    ],
}


def _text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def test_an_arabic_only_policy_asks_for_no_english_and_its_english_page_shows_the_arabic(
    alpha, alpha_admin_api, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    client, auth = alpha_admin_api
    response = client.patch(DRAFT, ARABIC_ONLY, content_type="application/json", **auth)
    assert response.status_code == 200, response.json()
    assert response.json()["languages"] == ["ar"]
    published = publish(alpha)
    assert published["languages"] == ["ar"]
    assert published["channels"][1] == {
        "code": "home_visit",
        "name_ar": "الزيارة المنزلية",
        "name_en": "",
    }

    english = client_for(alpha).get("/policy/?lang=en")
    page = _text(english)
    assert "This policy is published in Arabic only." in page
    assert "1. مقدمة" in page and "وضعت الجمعية هذه السياسة." in page
    assert "نص إضافي بالعربية وحدها." in page and "الزيارة المنزلية" in page
    assert "نستقبل المستفيد بترحيب." in page
    assert "Preamble" not in page
    article = english.content.decode().split('<article class="policy digits-latin" lang="ar">')[1]
    assert '<h1 class="policy-title">سياسة تنظيم العلاقة مع المستفيدين</h1>' in article
    assert "This policy is published in Arabic only." not in _text(
        client_for(alpha).get("/policy/")
    )
    # The API and the PDF say the same in English as in Arabic.
    api = client_for(alpha).get("/api/v1/policy/?lang=en").json()
    assert api["languages"] == ["ar"]
    assert api["sections"][0]["title"] == "مقدمة"
    assert api["procedure"][0]["text"] == "نستقبل المستفيد بترحيب."
    pdf = " ".join(pdf_text(client_for(alpha).get("/policy.pdf?lang=en")).split())
    assert "مقدمة" in pdf and "Preamble" not in pdf

    # Back to Arabic and English: saved, but the board cannot approve it before the English is
    # written, each missing piece named.
    response = client.patch(
        DRAFT, {"languages": ["en", "ar"]}, content_type="application/json", **auth
    )
    assert response.status_code == 200 and response.json()["languages"] == ["ar", "en"]
    refused = client.post(
        DRAFT + "approve/?lang=en",
        {"meeting_number": "3", "approved_on": "2024-08-14"},
        content_type="application/json",
        **auth,
    ).json()
    assert "الزيارة المنزلية" in refused["channels"][0]
    assert "نموذج الزيارة" in refused["tools"][0]
    assert "The extra text of “General Objective” needs both" in " ".join(refused["sections"])


@pytest.mark.parametrize("value", [["en"], ["ar", "ar"], ["ar", "fr"], "ar", []])
def test_unknown_languages_are_refused_in_both_languages_and_change_nothing(
    alpha, alpha_admin_api, value
):
    client, auth = alpha_admin_api
    before = client.get(DRAFT, **auth).json()
    for language, words in (("en", "Arabic only"), ("ar", "العربية فقط")):
        response = client.patch(
            f"{DRAFT}?lang={language}",
            {"languages": value, "tools": []},
            content_type="application/json",
            **auth,
        )
        assert response.status_code == 400
        assert words in response.json()["languages"][0]
    assert client.get(DRAFT, **auth).json() == before


def test_the_editor_chooses_arabic_only_without_english_names(alpha, admin, beta):
    page = admin.get(EDITOR).content.decode()
    assert 'name="languages" value="ar en"' in page and "لغات السياسة" in page
    response = admin.post(
        EDITOR, policy_editor_form(alpha, languages="ar", channels_own_ar_0="الزيارة المنزلية")
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    client, auth = api_client(alpha, alpha.admin_email)
    draft = client.get(DRAFT, **auth).json()
    assert draft["languages"] == ["ar"]
    assert draft["channels"][-1]["name_ar"] == "الزيارة المنزلية"
    # Beta's draft is its own: still in both languages.
    beta_client, beta_auth = api_client(beta, beta.admin_email)
    assert beta_client.get(DRAFT, **beta_auth).json()["languages"] == ["ar", "en"]
