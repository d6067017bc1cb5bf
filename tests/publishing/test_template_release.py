"""Operators release template version 2; each association takes it section by section."""

import pytest
from django_tenants.utils import schema_context

from catalog.selectors import template_current
from catalog.services import template_release
from tests.helpers import api_client, client_for, publish

NEW_PREAMBLE_AR = "تلتزم {association_name} بتنظيم علاقتها بالمستفيدين وفق هذه السياسة المحدّثة."
NEW_PREAMBLE_EN = "{association_name} commits to organising its relations with beneficiaries by this updated policy."


def release_v2(*, drop_responsibilities=False, new_section=False):
    sections = []
    for section in template_current().sections.all():
        if drop_responsibilities and section.key == "responsibilities":
            continue
        data = {
            f: getattr(section, f)
            for f in ("key", "optional", "title_ar", "title_en", "body_ar", "body_en")
        }
        if section.key == "preamble":
            data |= {"body_ar": NEW_PREAMBLE_AR, "body_en": NEW_PREAMBLE_EN}
        sections.append(data)
    if new_section:
        sections.insert(-1, {
            "key": "complaints", "optional": True, "title_ar": "الشكاوى والمقترحات",
            "title_en": "Complaints and suggestions", "body_ar": "يحق للمستفيد تقديم الشكاوى.",
            "body_en": "Beneficiaries may file complaints.",
        })  # fmt: skip
    return template_release(sections=sections, notes="v2")


@pytest.fixture
def with_extra(alpha):
    client, auth = api_client(alpha, alpha.admin_email)
    client.patch(
        "/api/v1/policy/draft/",
        {
            "channels": ["letters"],
            "sections": [{"key": "preamble", "extra_ar": "نص خاص", "extra_en": "Own text"}],
        },
        content_type="application/json",
        **auth,
    )
    return publish(alpha)


def test_release_shows_an_update_and_taking_a_section_keeps_own_configuration(alpha, with_extra):
    release_v2()
    admin = client_for(alpha, email=alpha.admin_email)
    settings_page = admin.get("/app/settings/policy/?lang=en").content.decode()
    assert "The shared template has a new version." in settings_page
    update_page = admin.get("/app/settings/policy/template/?lang=en").content.decode()
    assert "Preamble" in update_page
    assert "updated policy" in update_page
    assert (
        "Procedure" not in update_page and "Dealing with Beneficiaries" not in update_page
    )  # unchanged

    with schema_context(alpha.association.schema_name):
        from publishing.selectors import policy_draft_get

        revision = policy_draft_get().revision
    admin.post("/app/settings/policy/template/", {"key": "preamble", "revision": revision})

    client, auth = api_client(alpha, alpha.admin_email)
    draft = client.get("/api/v1/policy/draft/?lang=ar", **auth).json()
    preamble = draft["sections"][0]["body"]
    assert "تلتزم جمعية ألفا الخيرية بتنظيم علاقتها" in preamble
    assert "نص خاص" in preamble  # the association's extra text survived
    assert [c["code"] for c in draft["channels"]] == ["letters"]
    assert draft["approved"] is False

    # Nothing public changed until the association publishes again.
    assert "تلتزم" not in client_for(alpha).get("/policy/").content.decode()
    published = publish(alpha, meeting="8")
    assert "تلتزم جمعية ألفا الخيرية" in published["sections"][0]["body"]
    with schema_context(alpha.association.schema_name):
        from publishing.models import PolicyVersion

        assert PolicyVersion.objects.get(number=2).template_version == 2


def test_new_and_removed_sections_can_be_taken_and_other_association_is_untouched(
    alpha, beta, with_extra
):
    release_v2(drop_responsibilities=True, new_section=True)
    admin = client_for(alpha, email=alpha.admin_email)
    page = admin.get("/app/settings/policy/template/?lang=en").content.decode()
    assert "new section" in page and "removed from the template" in page
    for key in ("complaints", "responsibilities", "preamble"):
        with schema_context(alpha.association.schema_name):
            from publishing.selectors import policy_draft_get

            revision = policy_draft_get().revision
        admin.post("/app/settings/policy/template/", {"key": key, "revision": revision})
    with schema_context(alpha.association.schema_name):
        draft = policy_draft_get()
        keys = [s["key"] for s in draft.sections]
        assert "complaints" in keys and "responsibilities" not in keys
        assert draft.template_version == 2
    assert (
        "The shared template has a new version."
        not in admin.get("/app/settings/policy/?lang=en").content.decode()
    )
    with schema_context(beta.association.schema_name):
        beta_draft = policy_draft_get()
        assert beta_draft.template_version == 1
        assert "responsibilities" in [s["key"] for s in beta_draft.sections]


def test_taking_an_unknown_section_changes_nothing(alpha, with_extra):
    release_v2()
    admin = client_for(alpha, email=alpha.admin_email)
    with schema_context(alpha.association.schema_name):
        from publishing.selectors import policy_draft_get

        before = policy_draft_get().sections
        revision = policy_draft_get().revision
    response = admin.post(
        "/app/settings/policy/template/?lang=en", {"key": "nope", "revision": revision}, follow=True
    )
    assert "Unknown section" in response.content.decode()
    with schema_context(alpha.association.schema_name):
        assert policy_draft_get().sections == before


def test_a_release_needs_every_text_in_both_languages(db):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        template_release(
            sections=[
                {
                    "key": "preamble",
                    "title_ar": "تمهيد",
                    "title_en": "",
                    "body_ar": "x",
                    "body_en": "y",
                }
            ]
        )
    assert template_current().number == 1


def _own_preamble(alpha) -> None:
    client, auth = api_client(alpha, alpha.admin_email)
    response = client.patch(
        "/api/v1/policy/draft/",
        {
            "sections": [
                {"key": "preamble", "title_ar": "مقدمتنا", "body_ar": "وضعت الجمعية سياستها."}
            ]
        },
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 200


def _preamble(alpha) -> dict:
    client, auth = api_client(alpha, alpha.admin_email)
    return client.get("/api/v1/policy/draft/?lang=ar", **auth).json()["sections"][0]


def _revision(alpha) -> int:
    with schema_context(alpha.association.schema_name):
        from publishing.selectors import policy_draft_get

        return policy_draft_get().revision


def test_an_own_text_is_shown_beside_the_old_and_new_template_and_never_overwritten_silently(
    alpha, beta
):
    _own_preamble(alpha)
    release_v2()
    admin = client_for(alpha, email=alpha.admin_email)
    page = admin.get("/app/settings/policy/template/").content.decode()
    section = page.split('id="update-preamble"')[1].split("</section>")[0]
    # The template's old text, its new one and the association's own, side by side.
    assert "السياسات والإجراءات التي تنظم" in section and "تلتزم" in section
    assert "وضعت الجمعية سياستها." in section and "مقدمتنا" in section

    # Keep: the own text stays, the section follows the new template beneath it.
    admin.post(
        "/app/settings/policy/template/",
        {"key": "preamble", "choice": "keep", "revision": _revision(alpha)},
    )
    assert _preamble(alpha)["title"] == "مقدمتنا"
    assert (
        'id="update-preamble"' not in admin.get("/app/settings/policy/template/").content.decode()
    )

    # A merge from a page opened on an older draft is a 409, and changes nothing.
    stale = _revision(alpha) - 1
    response = admin.post(
        "/app/settings/policy/template/?lang=en",
        {"key": "preamble", "choice": "take", "revision": stale},
    )
    assert response.status_code == 409
    assert "The draft changed since you opened this page." in response.content.decode()
    assert _preamble(alpha)["title"] == "مقدمتنا"

    # Another association's draft is untouched throughout.
    with schema_context(beta.association.schema_name):
        from publishing.selectors import policy_draft_get

        assert policy_draft_get().sections[0].get("own_title_ar", "") == ""


def test_taking_or_editing_a_section_under_a_new_template(alpha):
    _own_preamble(alpha)
    release_v2()
    admin = client_for(alpha, email=alpha.admin_email)
    # Edit: a refused text comes back as typed, with why; nothing is saved.
    typed = "نص <script>"
    response = admin.post(
        "/app/settings/policy/template/",
        {"key": "preamble", "choice": "edit", "body_ar": typed, "revision": _revision(alpha)},
    )
    assert response.status_code == 400
    assert "دون &lt; أو &gt;" in response.content.decode()
    assert "نص &lt;script&gt;" in response.content.decode()
    assert _preamble(alpha)["title"] == "مقدمتنا"
    response = admin.post(
        "/app/settings/policy/template/",
        {
            "key": "preamble",
            "choice": "edit",
            "title_ar": "مقدمتنا الجديدة",
            "body_ar": "تلتزم الجمعية بما يلي.",
            "revision": _revision(alpha),
        },
    )
    assert response.status_code == 302
    assert (_preamble(alpha)["title"], _preamble(alpha)["body"]) == (
        "مقدمتنا الجديدة",
        "تلتزم الجمعية بما يلي.",
    )
    # Take: the template's new text replaces the own one, by the admin's choice.
    _own_preamble(alpha)
    release_v2()
    admin.post(
        "/app/settings/policy/template/",
        {"key": "preamble", "choice": "take", "revision": _revision(alpha)},
    )
    preamble = _preamble(alpha)
    assert preamble["title"] == "تمهيد" and preamble["title_ar"] == ""
    assert "تلتزم جمعية ألفا الخيرية" in preamble["body"]
