"""The policies other than the beneficiary one (issue 16, item 1): each kind from its own shared
template, in the association's own words, approved by the board, published as immutable
versions with a page, a PDF and a history; template updates and the difference per kind. The
beneficiary policy keeps its own rows, numbers and pages."""

import html
import re

import pytest
from django.db import DatabaseError, IntegrityError, transaction
from django_tenants.utils import schema_context

from catalog.models import PolicyKind, TemplateVersion
from catalog.selectors import template_current
from catalog.services import template_release
from publishing.models import PolicyDraft, PolicyVersion
from tests.helpers import client_for, pdf_text

KIND = "conflict-of-interest"
EDITOR = f"/app/settings/policies/{KIND}/"
OWN_PURPOSE = "تحمي جمعية ألفا قراراتها من أي مصلحة خاصة لأعضائها."
MEETING = {"meeting_number": "12/03", "approved_on_hijri": "1446-02-10", "chair_name": "د. سعد"}


def _text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def _editor_form(tenant, kind=KIND, **changes) -> dict:
    """The kind's editor as a browser posts it: every prefilled value, then `changes`."""
    from publishing.forms import KindPolicyForm
    from publishing.services import kind_draft_ensure

    with schema_context(tenant.association.schema_name):
        form = KindPolicyForm(draft=kind_draft_ensure(kind))
        values = {name: form[name].value() for name in form.fields}
    data = {}
    for name, value in {**values, **changes}.items():
        if value is True:
            data[name] = "on"
        elif value not in (False, None):
            data[name] = value
    return data


def publish_kind(tenant, kind=KIND, **changes):
    """Save the kind's editor with `changes`, approve it at a meeting, publish it (HTTP)."""
    admin = client_for(tenant, email=tenant.admin_email)
    if changes:
        response = admin.post(
            f"/app/settings/policies/{kind}/", _editor_form(tenant, kind, **changes)
        )
        assert response.status_code == 302, _text(response)
    response = admin.post(
        "/app/settings/policies/", {"kinds": [kind], **MEETING, "position": "end"}
    )
    assert response.status_code == 302, _text(response)
    return admin


def test_every_kind_has_its_own_template_with_both_languages_and_an_approval_section(db):
    for kind in PolicyKind.values:
        template = template_current(kind)
        sections = list(template.sections.all())
        assert template.kind == kind and template.number >= 1
        assert sections[-1].key == "approval", kind
        assert all(s.title_ar and s.title_en and s.body_ar and s.body_en for s in sections), kind
    # The beneficiary template is still the one the console manages through `objects`.
    assert set(TemplateVersion.objects.values_list("kind", flat=True)) == {"beneficiary"}
    assert template_current().kind == "beneficiary"


def test_a_kind_in_own_words_is_approved_published_and_read_on_its_page_and_pdf(alpha):
    admin = publish_kind(alpha, section_purpose_body_ar=OWN_PURPOSE)
    visitor = client_for(alpha)
    page = visitor.get(f"/policies/{KIND}/")
    text = _text(page)
    assert page.status_code == 200
    assert "سياسة تعارض المصالح" in text and OWN_PURPOSE in text
    assert "12/03" in text  # the meeting, in the approval section
    english = _text(visitor.get(f"/policies/{KIND}/?lang=en"))
    assert "Conflict of Interest Policy" in english and "Alpha Charity" in english
    assert _text(visitor.get(f"/policies/{KIND}/1/?lang=ar")) == text
    pdf = " ".join(pdf_text(visitor.get(f"/policies/{KIND}.pdf")).split())
    assert "الغرض" in pdf and "Purpose" not in pdf
    pdf = " ".join(pdf_text(visitor.get(f"/policies/{KIND}/1.pdf?lang=en")).split())
    assert "Conflict of Interest Policy" in pdf and "Purpose" in pdf
    # Its numbers are its own: the beneficiary policy is still unpublished, its page a 404.
    assert visitor.get("/policy/").status_code == 404
    with schema_context(alpha.association.schema_name):
        assert PolicyVersion.objects.count() == 0
        version = PolicyVersion.of_every_kind.get(kind=KIND)
        assert version.number == 1 and version.content["approval"]["meeting_number"] == "12/03"
        assert version.content["sections"][0]["body_ar"] == OWN_PURPOSE
    # Published versions are immutable, whichever kind.
    with (
        schema_context(alpha.association.schema_name),
        pytest.raises(DatabaseError, match="cannot be changed"),
    ):
        with transaction.atomic():
            PolicyVersion.of_every_kind.filter(kind=KIND).update(content={})
    # A second publication is version 2; version 1 stays readable, and says it is no longer in force.
    admin.post(EDITOR, _editor_form(alpha, section_purpose_body_ar="نص ثانٍ للغرض."))
    admin.post("/app/settings/policies/", {"kinds": [KIND], **MEETING})
    assert "نص ثانٍ للغرض." in _text(visitor.get(f"/policies/{KIND}/?lang=ar"))
    old = _text(visitor.get(f"/policies/{KIND}/1/?lang=ar"))
    assert OWN_PURPOSE in old and "no longer in force" in _text(
        visitor.get(f"/policies/{KIND}/1/?lang=en")
    )


def test_the_editor_offers_to_publish_an_approved_draft_only_until_it_is_published(alpha):
    publish = f'action="{EDITOR}publish/"'
    admin = publish_kind(alpha)
    published = admin.get(EDITOR).content.decode()
    assert publish not in published
    assert "هذه المسودة المعتمدة هي الإصدار المنشور" in published
    changed = admin.post(EDITOR, _editor_form(alpha, section_purpose_body_ar="نص ثانٍ للغرض."))
    assert changed.status_code == 302
    cleared = admin.get(EDITOR).content.decode()
    assert publish not in cleared  # the change cleared the approval
    revision = re.search(r'name="revision" value="(\d+)"', cleared).group(1)
    approving = admin.post(f"{EDITOR}approve/", {**MEETING, "revision": revision})
    assert approving.status_code == 302, _text(approving)
    approved = admin.get(EDITOR).content.decode()
    assert publish in approved and "هذه المسودة المعتمدة هي الإصدار المنشور" not in approved


def test_bad_input_in_a_kinds_editor_is_refused_per_field_and_keeps_what_was_typed(alpha):
    admin = client_for(alpha, email=alpha.admin_email)
    typed = "فقرة <b>بوسم</b> لا يُقبل"
    response = admin.post(
        f"{EDITOR}?lang=en",
        _editor_form(
            alpha, section_purpose_body_ar=typed, section_scope_extra_ar="إضافة بلا ترجمة"
        ),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Write plain text, without &lt; or &gt;." in page
    assert html.escape(typed) in page  # the editor keeps what was typed
    with schema_context(alpha.association.schema_name):
        draft = PolicyDraft.of_every_kind.get(kind=KIND)
        assert draft.revision == 1 and all(not s["own_body_ar"] for s in draft.sections)
    # A bilingual policy's extra text asks for its English.
    response = admin.post(
        f"{EDITOR}?lang=en", _editor_form(alpha, section_scope_extra_ar="إضافة بلا ترجمة")
    )
    assert response.status_code == 400
    assert "The extra text of “Scope” needs both Arabic and English." in _text(response)
    assert "إضافة بلا ترجمة" in _text(response)


def test_the_approval_is_refused_per_field_and_publishes_nothing(alpha):
    admin = client_for(alpha, email=alpha.admin_email)
    admin.get(EDITOR)
    response = admin.post(
        "/app/settings/policies/?lang=en",
        {
            "kinds": [KIND],
            "meeting_number": "",
            "approved_on_hijri_day": "30",
            "approved_on_hijri_month": "1",
            "approved_on_hijri_year": "1446",
        },
    )
    assert response.status_code == 400
    text = _text(response)
    assert "Give the board meeting's number, or its session." in text
    assert "month 1 of 1446 has 29 days" in text
    page = response.content.decode()  # the date comes back as chosen
    assert '<option value="30" selected>' in page and '<option value="1" selected>' in page
    assert 'name="approved_on_hijri_year" value="1446"' in page
    with schema_context(alpha.association.schema_name):
        assert not PolicyVersion.of_every_kind.exists()
        assert not PolicyDraft.of_every_kind.get(kind=KIND).is_approved


def test_a_kinds_template_update_is_offered_to_its_drafts_only_and_taken_by_section(alpha):
    admin = client_for(alpha, email=alpha.admin_email)
    admin.get(EDITOR)
    admin.get("/app/settings/policy/")
    current = template_current(KIND)
    sections = [
        {
            "key": s.key,
            "optional": s.optional,
            "title_ar": s.title_ar,
            "title_en": s.title_en,
            "body_ar": s.body_ar
            + ("\n\nويُفصح كل عضو جديد عند انضمامه." if s.key == "duties" else ""),
            "body_en": s.body_en
            + ("\n\nEvery new member discloses on joining." if s.key == "duties" else ""),
        }
        for s in current.sections.all()
    ]
    template_release(sections=sections, kind=KIND, notes="duties on joining")
    assert template_current(KIND).number == 2 and template_current().number == 1
    page = _text(admin.get(f"{EDITOR}?lang=en"))
    assert "The shared template has a new version." in page
    assert "The shared template has a new version." not in _text(
        admin.get("/app/settings/policy/?lang=en")
    )
    update = admin.get(f"{EDITOR}template/?lang=en")
    assert "Every new member discloses on joining." in _text(update)
    with schema_context(alpha.association.schema_name):
        revision = PolicyDraft.of_every_kind.get(kind=KIND).revision
    response = admin.post(
        f"{EDITOR}template/", {"key": "duties", "choice": "take", "revision": revision}
    )
    assert response.status_code == 302 and response["Location"] == f"{EDITOR}template/"
    with schema_context(alpha.association.schema_name):
        draft = PolicyDraft.of_every_kind.get(kind=KIND)
        duties = next(s for s in draft.sections if s["key"] == "duties")
        assert "ويُفصح كل عضو جديد عند انضمامه." in duties["body_ar"]
        assert draft.template_version == 2
    # The difference with the published version shows the new sentence (nothing published: all new).
    assert "ويُفصح كل عضو جديد عند انضمامه." in _text(admin.get(f"{EDITOR}diff/?lang=ar"))


def test_unknown_kinds_and_the_beneficiary_kind_have_no_pages_here(alpha):
    visitor = client_for(alpha)
    admin = client_for(alpha, email=alpha.admin_email)
    assert visitor.get("/policies/unknown/").status_code == 404
    assert visitor.get("/policies/beneficiary/").status_code == 404
    assert visitor.get(f"/policies/{KIND}/").status_code == 404  # nothing published yet
    assert admin.get("/app/settings/policies/unknown/").status_code == 404


def test_one_draft_per_kind(alpha):
    with schema_context(alpha.association.schema_name):
        PolicyDraft.of_every_kind.create(kind="fundraising", template_version=1)
        with pytest.raises(IntegrityError), transaction.atomic():
            PolicyDraft.of_every_kind.create(kind="fundraising", template_version=1)


def test_beta_reaches_none_of_alphas_kind_drafts_or_versions(alpha, beta):
    publish_kind(alpha, section_purpose_body_ar=OWN_PURPOSE)
    assert OWN_PURPOSE in _text(client_for(alpha).get(f"/policies/{KIND}/"))
    for url in (f"/policies/{KIND}/", f"/policies/{KIND}/1/", f"/policies/{KIND}.pdf"):
        assert client_for(beta).get(url).status_code == 404, url
    beta_admin = client_for(beta, email=beta.admin_email)
    editor = beta_admin.get(EDITOR)
    assert editor.status_code == 200 and OWN_PURPOSE not in _text(editor)
    # Alpha's admin's session is not a member's on beta's host.
    stolen = client_for(alpha, email=alpha.admin_email)
    stolen.defaults["HTTP_HOST"] = beta.host
    response = stolen.post("/app/settings/policies/", {"kinds": [KIND], **MEETING})
    assert response.status_code == 403 or "/accounts/login/" in response["Location"]
    with schema_context(beta.association.schema_name):
        assert not PolicyVersion.of_every_kind.exists()
