"""The policy's lists as the association writes them (issue 12, item 1): own codes with a hyphen,
and channels, tools and referral roles renamed and reordered in the editor without script."""

import html
import re

import pytest
from django_tenants.utils import schema_context

from publishing.selectors import policy_draft_get
from tests.e2e.chromium import page_screenshot
from tests.helpers import api_client, client_for, policy_editor_form, publish, staff_api
from tests.live import ROOT

DRAFT = "/api/v1/policy/draft/"
EDITOR = "/app/settings/policy/"
HOME_VISIT = {"code": "home-visit", "name_ar": "الزيارة المنزلية", "name_en": "Home visit"}


def test_an_own_code_with_a_hyphen_is_published_opened_through_and_filtered_on(alpha):
    published = publish(alpha, data={"channels": ["interview", HOME_VISIT]})
    assert published["channels"][1] == HOME_VISIT
    client, auth = staff_api(alpha)
    person = {"national_id": "1000000008", "full_name": "سلمى الحربي", "phone": "0512345678"}
    opened = client.post(
        "/api/v1/cases/",
        {"channel": "home-visit", "beneficiary": person, "summary": "زيارة", "consent": True},
        content_type="application/json",
        **auth,
    )
    assert opened.status_code == 201, opened.json()
    assert opened.json()["channel"]["name_ar"] == "الزيارة المنزلية"
    listed = client.get("/api/v1/cases/?channel=home-visit", **auth).json()
    assert [case["reference"] for case in listed["results"]] == [opened.json()["reference"]]
    assert client.get("/api/v1/cases/?channel=interview", **auth).json()["count"] == 0
    # The list's filter takes the same codes as the policy, no others.
    for bad in ("h", "Home-Visit", "-home"):
        assert client.get(f"/api/v1/cases/?channel={bad}", **auth).status_code == 400


@pytest.mark.parametrize("code", ["h", "-visit", "Home-visit", "home visit", "ب" * 3, "a" * 61])
def test_a_bad_code_is_refused_in_both_languages_and_changes_nothing(alpha, alpha_admin_api, code):
    client, auth = alpha_admin_api
    before = client.get(DRAFT, **auth).json()
    for language, words in (("en", "2 to 60 lowercase Latin letters"), ("ar", "من 2 إلى 60")):
        response = client.patch(
            f"{DRAFT}?lang={language}",
            {"channels": [{"code": code, "name_ar": "س", "name_en": "x"}]},
            content_type="application/json",
            **auth,
        )
        assert response.status_code == 400
        assert words in response.json()["channels"][0]
    assert client.get(DRAFT, **auth).json() == before


def _rows(page: str, name: str) -> list[str]:
    """The editor's rows of a list, in the order shown: each row's position field's name."""
    return re.findall(rf'name="({name}_position_[\w-]+)"', page)


def test_the_editor_renames_and_reorders_items_without_script(alpha, admin, beta):
    page = admin.get(EDITOR).content.decode()
    # A row per item: its box, its position (in the draft's order) and its names, prefilled.
    assert _rows(page, "channels")[:2] == ["channels_position_interview", "channels_position_phone"]
    assert re.search(r'name="channels_position_website"[^>]*value="5"', page)
    assert 'value="المقابلة الشخصية"' in page and "<script>" not in page.split("<main")[-1]

    # Seed 002's order and words: «المقابلة», the website seventh; a tool renamed.
    response = admin.post(
        EDITOR,
        policy_editor_form(
            alpha,
            channels_name_ar_interview="المقابلة",
            channels_name_en_interview="Interview",
            channels_position_website="7",
            channels_position_assistance_request="5",
            channels_position_volunteering="6",
            tools_name_ar_bylaws="اللائحة الأساسية",
            channels_own_ar_0="الزيارة المنزلية",
            channels_own_en_0="Home visit",
            **{"channels_position_own_home_visit": "2"},
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    with schema_context(alpha.association.schema_name):
        draft = policy_draft_get()
    codes = [item["code"] for item in draft.channels]
    assert codes == [
        "interview", "phone", "social_media", "letters", "assistance_request", "volunteering",
        "website", "branch_representatives", "own_home_visit",
    ]  # fmt: skip
    assert draft.channels[0]["name_ar"] == "المقابلة"
    assert draft.tools[0]["name_ar"] == "اللائحة الأساسية"
    # The own item now has a row, and takes a position like any other.
    response = admin.post(EDITOR, policy_editor_form(alpha, channels_position_own_home_visit="2"))
    assert response.status_code == 302
    with schema_context(alpha.association.schema_name):
        assert [item["code"] for item in policy_draft_get().channels][:3] == [
            "interview", "own_home_visit", "phone",
        ]  # fmt: skip
    editor = admin.get(EDITOR).content.decode()
    page_screenshot(editor, 1366, ROOT / "test-output" / "words" / "editor-lists.png")
    preview = editor.split('id="preview"')[1]
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", preview)).split())
    assert "المقابلة الزيارة المنزلية الاتصالات الهاتفية" in text

    # A position that is no number is named beside its row; nothing is saved.
    refused = admin.post(EDITOR, policy_editor_form(alpha, channels_position_phone="أول"))
    assert refused.status_code == 200
    row = refused.content.decode().split('name="channels_position_phone"')[1].split("</td>")[0]
    assert "أدخل رقما صحيحا" in row, row
    with schema_context(alpha.association.schema_name):
        assert policy_draft_get().channels[1]["code"] == "own_home_visit"

    # Beta's lists are its own.
    beta_client, beta_auth = api_client(beta, beta.admin_email)
    beta_channels = beta_client.get(DRAFT, **beta_auth).json()["channels"]
    assert beta_channels[0]["name_ar"] == "المقابلة الشخصية"
    assert "own_home_visit" not in [item["code"] for item in beta_channels]
    assert client_for(beta).get("/api/v1/policy/").status_code == 404
