"""An association's own words (issue 12, item 1): any section's title and body replaced, any
sub-point removed, the template's text as the default and a way back to it; in the API and in
the editor, which works without script."""

import html
import re

import pytest
from django_tenants.utils import schema_context

from catalog.selectors import template_current
from publishing.selectors import policy_draft_get
from tests.helpers import api_client, client_for, policy_editor_form, publish

DRAFT = "/api/v1/policy/draft/"
EDITOR = "/app/settings/policy/"
OWN_TITLE = "مقدمة الجمعية"
OWN_PREAMBLE = "وضعت الجمعية هذه السياسة لتنظيم علاقتها بالمستفيدين.\n\nوتراجعها كل عام."


def _template_body(key: str, language: str = "ar") -> str:
    section = template_current().sections.get(key=key)
    return getattr(section, f"body_{language}")


def _without_fifth_sub_point(body: str) -> str:
    """The objectives as seed 002 keeps them: four sub-points of five (the first dropped)."""
    lines = body.split("\n")
    first_sub = next(i for i, line in enumerate(lines) if line.startswith("  - "))
    return "\n".join(lines[:first_sub] + lines[first_sub + 1 :])


def _text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def _patch(client, auth, data, language="en"):
    return client.patch(f"{DRAFT}?lang={language}", data, content_type="application/json", **auth)


def test_own_title_body_and_a_removed_sub_point_are_published_and_the_template_stays_default(
    alpha, alpha_admin_api
):
    client, auth = alpha_admin_api
    objectives_ar = _without_fifth_sub_point(_template_body("objectives"))
    objectives_en = _without_fifth_sub_point(_template_body("objectives", "en"))
    dropped = "تصحيح المفاهيم السائدة لدى المستفيد"
    assert dropped in _template_body("objectives") and dropped not in objectives_ar
    response = _patch(
        client,
        auth,
        {
            "sections": [
                {
                    "key": "preamble",
                    "title_ar": OWN_TITLE,
                    "title_en": "The association's introduction",
                    "body_ar": OWN_PREAMBLE,
                    "body_en": "The association wrote this policy.",
                },
                {"key": "objectives", "body_ar": objectives_ar, "body_en": objectives_en},
            ]
        },
        language="ar",
    )
    assert response.status_code == 200, response.json()
    sections = {s["key"]: s for s in response.json()["sections"]}
    # The stored fields beside the rendered ones; untouched sections store nothing of their own.
    assert sections["preamble"]["title"] == OWN_TITLE
    assert sections["preamble"]["title_ar"] == OWN_TITLE
    assert sections["preamble"]["body"] == OWN_PREAMBLE.replace("\n\n", "\n")
    assert sections["objectives"]["title_ar"] == ""
    assert sections["objectives"]["body_ar"] == objectives_ar
    assert sections["general_objective"]["body_ar"] == ""
    assert sections["general_objective"]["body"].startswith("تقديم خدمة متميزة")

    published = publish(alpha)
    page = _text(client_for(alpha).get("/policy/"))
    assert f"1. {OWN_TITLE}" in page and "وتراجعها كل عام." in page
    assert "تمهيد" not in page and "السياسات والإجراءات التي تنظم" not in page
    assert dropped not in page
    assert "تكوين انطباعات وقناعات إيجابية جديدة" in page  # the sub-points kept
    assert "The association wrote this policy." in _text(client_for(alpha).get("/policy/?lang=en"))
    assert published["sections"][0] == {
        "key": "preamble",
        "title": OWN_TITLE,
        "body": OWN_PREAMBLE.replace("\n\n", "\n"),
    }

    # Back to the template's: empty texts. The published version keeps what it printed.
    response = _patch(
        client,
        auth,
        {
            "sections": [
                {"key": "preamble", "title_ar": "", "title_en": "", "body_ar": "", "body_en": ""}
            ]
        },  # fmt: skip
        language="ar",
    )
    preamble = response.json()["sections"][0]
    assert (preamble["title"], preamble["title_ar"]) == ("تمهيد", "")
    assert "السياسات والإجراءات التي تنظم" in preamble["body"]
    assert OWN_TITLE in _text(client_for(alpha).get("/policy/1/"))


def test_the_template_text_sent_back_stays_the_template(alpha, alpha_admin_api):
    """A client that sends back the text it read (the editor does) writes nothing of its own:
    a later template keeps reaching that section."""
    client, auth = alpha_admin_api
    body = _template_body("preamble").replace("\n", "\r\n")
    response = _patch(client, auth, {"sections": [{"key": "preamble", "body_ar": body}]})
    assert response.status_code == 200
    assert response.json()["sections"][0]["body_ar"] == ""


@pytest.mark.parametrize(
    ("change", "field", "english", "arabic"),
    [
        (
            {"key": "preamble", "body_ar": "<script>alert(1)</script>", "body_en": "x"},
            "sections[preamble].body_ar",
            "without < or >",
            "دون < أو >",
        ),
        (
            {"key": "preamble", "title_ar": "ع" * 201, "title_en": "x"},
            "sections[preamble].title_ar",
            "At most 200 characters",
            "200",
        ),
        (
            {"key": "channels", "body_ar": "قنواتنا كثيرة.", "body_en": "Many."},
            "sections[channels].body_ar",
            "{channels}",
            "{channels}",
        ),
        (
            {"key": "approval", "body_ar": "اعتمدها المجلس.", "body_en": "Approved."},
            "sections[approval].body_ar",
            "wording with the approval",
            "صياغته",
        ),
        ({"key": "no_such_section", "title_ar": "x"}, "sections", "Unknown section", "غير معروف"),
    ],
)
def test_bad_section_texts_are_refused_by_field_and_nothing_is_saved(
    alpha, alpha_admin_api, change, field, english, arabic
):
    client, auth = alpha_admin_api
    before = client.get(DRAFT, **auth).json()
    # A good change beside the bad one is not saved either.
    good = {"key": "general_objective", "title_ar": "هدفنا", "title_en": "Our aim"}
    for language, message in (("en", english), ("ar", arabic)):
        response = _patch(client, auth, {"sections": [good, change]}, language)
        assert response.status_code == 400
        assert message in " ".join(response.json()[field]), response.json()
    assert client.get(DRAFT, **auth).json() == before


def test_own_text_survives_taking_a_new_template_version(alpha, alpha_admin_api):
    """Keeping one's own text under the template's new version of a section updates the
    template's text beneath; the association's own title stays as it was."""
    from catalog.services import template_release

    client, auth = alpha_admin_api
    _patch(client, auth, {"sections": [{"key": "preamble", "title_ar": OWN_TITLE,
                                        "title_en": "Intro"}]})  # fmt: skip
    sections = [
        {f: getattr(s, f) for f in ("key", "optional", "title_ar", "title_en", "body_en")}
        | {"body_ar": s.body_ar + ("\n\nفقرة جديدة." if s.key == "preamble" else "")}
        for s in template_current().sections.all()
    ]
    template_release(sections=sections, notes="v2")
    admin = client_for(alpha, email=alpha.admin_email)
    revision = client.get(DRAFT, **auth).json()["revision"]
    admin.post(
        "/app/settings/policy/template/",
        {"key": "preamble", "choice": "keep", "revision": revision},
    )
    preamble = client.get(DRAFT + "?lang=ar", **auth).json()["sections"][0]
    assert preamble["title"] == OWN_TITLE
    assert "فقرة جديدة." in preamble["body"]


def test_the_editor_prefills_what_is_in_force_saves_own_words_and_goes_back_without_script(
    alpha, admin
):
    page = admin.get(EDITOR).content.decode()
    # Prefilled with the template's text, which is in force; nothing of its own to go back from.
    assert re.search(r'name="section_preamble_title_ar"[^>]*>\s*تمهيد</textarea>', page)
    assert html.escape(_template_body("objectives").split("\n")[-1]) in page
    assert 'name="section_preamble_template"' not in page

    response = admin.post(
        EDITOR,
        policy_editor_form(
            alpha,
            section_preamble_title_ar=OWN_TITLE,
            section_preamble_title_en="Introduction",
            section_objectives_body_ar=_without_fifth_sub_point(_template_body("objectives")),
            section_objectives_body_en=_without_fifth_sub_point(_template_body("objectives", "en")),
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    with schema_context(alpha.association.schema_name):
        sections = {s["key"]: s for s in policy_draft_get().sections}
    assert sections["preamble"]["own_title_ar"] == OWN_TITLE
    assert sections["preamble"]["own_body_ar"] == ""  # sent back unchanged: the template's
    page = admin.get(EDITOR).content.decode()
    assert f"<summary>{OWN_TITLE}</summary>" in page
    assert "تصحيح المفاهيم السائدة" not in page.split('id="preview"')[1]

    # A refused text stands beside its field with what was typed; nothing is saved.
    typed = "نص <b>غامق</b>"
    refused = admin.post(EDITOR, policy_editor_form(alpha, section_general_objective_body_ar=typed,
                                              section_general_objective_body_en="Bold"))  # fmt: skip
    assert refused.status_code == 200
    text = refused.content.decode()
    field = text.split('name="section_general_objective_body_ar"')[1].split("</div>")[0]
    assert html.escape(typed) in field or typed in html.unescape(field)
    assert "دون &lt; أو &gt;" in text.split('name="section_general_objective_body_ar"')[1][:3000]
    with schema_context(alpha.association.schema_name):
        assert policy_draft_get().sections[1].get("own_body_ar", "") == ""

    # The way back: one box, no script.
    response = admin.post(EDITOR, policy_editor_form(alpha, section_preamble_template="on"))
    assert response.status_code == 302
    with schema_context(alpha.association.schema_name):
        preamble = policy_draft_get().sections[0]
    assert (preamble["own_title_ar"], preamble["own_title_en"]) == ("", "")
    assert "<summary>تمهيد</summary>" in admin.get(EDITOR).content.decode()


def test_another_association_neither_sees_nor_changes_alphas_words(alpha, beta, alpha_admin_api):
    client, auth = alpha_admin_api
    _patch(client, auth, {"sections": [{"key": "preamble", "title_ar": OWN_TITLE,
                                        "title_en": "Intro"}]})  # fmt: skip
    beta_client, beta_auth = api_client(beta, beta.admin_email)
    assert OWN_TITLE not in beta_client.get(DRAFT + "?lang=ar", **beta_auth).content.decode()
    # Beta's key on alpha's host is unknown there: alpha's words stay.
    refused = client_for(alpha).patch(
        DRAFT, {"sections": [{"key": "preamble", "title_ar": ""}]},
        content_type="application/json", **beta_auth,
    )  # fmt: skip
    assert refused.status_code == 401
    assert client.get(DRAFT + "?lang=ar", **auth).json()["sections"][0]["title"] == OWN_TITLE
