"""The privacy notice: the admins' draft from the shipped text, publication as immutable
numbered versions, the public pages in Arabic and English, and beta reaching for alpha's."""

import pytest
from django.db import DatabaseError, transaction

from privacy.models import PrivacyNoticeDraft, PrivacyNoticeVersion
from tests.helpers import client_for
from tests.privacy.conftest import in_schema, page


def _draft_form(admin) -> dict:
    response = admin.get("/app/settings/privacy/")
    assert response.status_code == 200
    form = response.context["notice_form"]
    return {name: form[name].value() for name in ("body_ar", "body_en", "revision")}


def _publish(admin) -> None:
    revision = _draft_form(admin)["revision"]
    response = admin.post("/app/settings/privacy/publish/", {"revision": revision})
    assert response.status_code == 302


def test_the_draft_starts_from_the_shipped_notice_with_the_associations_name(alpha, admin):
    response = admin.get("/app/settings/privacy/")

    preview = "".join(str(section.html) for section in response.context["preview"])
    # The controller is the association, named; the rights, the 30 days and SDAIA are stated.
    assert "جمعية ألفا الخيرية هي الجهة المسؤولة" in preview
    for words in ("نسخة منها", "خلال 30 يومًا", "سدايا", "موافقتك الصريحة"):
        assert words in preview
    english = admin.get("/app/settings/privacy/?lang=en")
    assert "No version is published yet" in page(english)
    preview_en = "".join(str(section.html) for section in english.context["preview"])
    assert "Alpha Charity is responsible for your personal data" in preview_en
    assert "Saudi Data and AI Authority (SDAIA)" in preview_en


def test_nothing_is_public_before_the_first_publication(alpha):
    assert client_for(alpha).get("/privacy/").status_code == 404


def test_publish_edit_and_publish_again_keeps_each_version_as_it_was(alpha, admin):
    _publish(admin)
    visitor = client_for(alpha)
    first = visitor.get("/privacy/")
    assert first.status_code == 200
    assert "جمعية ألفا الخيرية هي الجهة المسؤولة عن بياناتك الشخصية" in page(first)
    assert "سدايا" in page(first)
    english = visitor.get("/privacy/?lang=en")
    assert "Alpha Charity is responsible for your personal data" in page(english)
    assert 'dir="ltr"' in english.content.decode()
    assert 'dir="rtl"' in first.content.decode()

    data = _draft_form(admin)
    data["body_ar"] = data["body_ar"].replace("## من نحن", "## من نحن ومن نخدم")
    data["body_en"] = data["body_en"] + "\n\nWe added a sentence in version two."
    response = admin.post("/app/settings/privacy/", data)
    assert response.status_code == 302
    _publish(admin)

    current = visitor.get("/privacy/?lang=en")
    assert "We added a sentence in version two." in page(current)
    assert "Version 2" in page(current)
    old = visitor.get("/privacy/1/?lang=en")
    assert "We added a sentence" not in page(old)
    assert "no longer in force" in page(old)
    assert visitor.get("/privacy/3/").status_code == 404

    with in_schema(alpha):
        version = PrivacyNoticeVersion.objects.get(number=1)
        for change in (
            lambda: PrivacyNoticeVersion.objects.filter(pk=version.pk).update(content={}),
            lambda: PrivacyNoticeVersion.objects.filter(pk=version.pk).delete(),
        ):
            with pytest.raises(DatabaseError, match="cannot be changed"), transaction.atomic():
                change()
        assert PrivacyNoticeVersion.objects.get(number=1).content == version.content


def test_a_stale_or_empty_draft_is_refused_and_nothing_changes(alpha, admin):
    data = _draft_form(admin)
    admin.post("/app/settings/privacy/", data | {"body_en": "Changed once."})

    stale = admin.post("/app/settings/privacy/?lang=en", data | {"body_en": "Stale edit."})
    assert stale.status_code == 302
    followed = admin.get(stale.url + "?lang=en")
    assert "Someone else changed the notice meanwhile" in page(followed)

    fresh = _draft_form(admin)
    empty = admin.post("/app/settings/privacy/?lang=en", fresh | {"body_ar": "  "})
    assert empty.status_code == 400
    assert "This field is required" in page(empty)
    with in_schema(alpha):
        assert PrivacyNoticeDraft.objects.get().body_en == "Changed once."


def test_only_admins_edit_or_publish_the_notice(alpha, staff):
    assert staff.get("/app/settings/privacy/").status_code == 403
    assert staff.post("/app/settings/privacy/publish/", {"revision": 1}).status_code == 403
    assert client_for(alpha).get("/app/settings/privacy/").status_code == 302  # to sign in
    with in_schema(alpha):
        assert not PrivacyNoticeVersion.objects.exists()


def test_policy_page_request_form_and_footer_link_to_the_notice(alpha, alpha_policy, admin):
    _publish(admin)
    visitor = client_for(alpha)
    for path in ("/policy/", "/request/", "/"):
        response = visitor.get(path)
        assert response.status_code == 200, path
        assert 'href="/privacy/"' in response.content.decode(), path


def test_beta_sees_none_of_alphas_notice(alpha, beta, admin, beta_admin):
    data = _draft_form(admin)
    admin.post("/app/settings/privacy/", data | {"body_en": "Alpha's own words."})
    _publish(admin)

    assert client_for(beta).get("/privacy/").status_code == 404
    assert client_for(beta).get("/privacy/1/").status_code == 404
    settings_page = beta_admin.get("/app/settings/privacy/?lang=en")
    assert "Alpha's own words." not in settings_page.content.decode()
    assert "Beta Society is responsible" in "".join(
        str(section.html) for section in settings_page.context["preview"]
    )
    # Beta publishing does not move alpha's numbering.
    _publish(beta_admin)
    with in_schema(alpha):
        assert list(PrivacyNoticeVersion.objects.values_list("number", flat=True)) == [1]
