"""The shared template from the console: draft, edit section by section, preview, release."""

from django_tenants.utils import schema_context

from catalog.models import TemplateVersion
from catalog.selectors import template_current
from console.models import OperatorAction
from publishing.selectors import policy_draft_get
from tests.helpers import client_for

SECTION = {"title_ar": "", "title_en": "", "body_ar": "", "body_en": "", "optional": ""}


def section_data(key: str, **values) -> dict:
    section = template_current().sections.get(key=key)
    data = {f: getattr(section, f) for f in ("title_ar", "title_en", "body_ar", "body_en")}
    data |= values
    return {f"{key}-{name}": value for name, value in data.items()}


def counts(page: str, number: int) -> tuple[str, str]:
    row = page.split(f'id="version-{number}"', 1)[1].split("</tr>", 1)[0]
    published = row.split('class="published-count">', 1)[1].split("<", 1)[0]
    drafts = row.split('class="draft-count">', 1)[1].split("<", 1)[0]
    return published, drafts


def test_versions_list_counts_associations_on_each(console, alpha, beta, alpha_policy):
    page = console.get("/console/templates/?lang=en").content.decode()
    # alpha published on version 1; beta has only its draft, made from version 1.
    assert counts(page, 1) == ("1", "1")


def test_draft_edit_preview_and_release(console, alpha, alpha_policy):
    response = console.post("/console/templates/new/")
    assert response["Location"] == "/console/templates/2/"
    assert TemplateVersion.objects.get(number=2).released_at is None
    assert template_current().number == 1
    # A second click opens the same draft.
    assert console.post("/console/templates/new/")["Location"] == "/console/templates/2/"

    data = section_data("preamble", body_ar="تلتزم {association_name} بهذه السياسة الجديدة.")
    response = console.post("/console/templates/2/sections/preamble/", data)
    assert response["Location"] == "/console/templates/2/#section-preamble"

    response = console.post(
        "/console/templates/2/sections/new/",
        {
            "new-key": "complaints",
            "new-title_ar": "الشكاوى",
            "new-title_en": "Complaints",
            "new-body_ar": "يحق للمستفيد تقديم شكوى.",
            "new-body_en": "Beneficiaries may <b>complain</b>.",
            "new-optional": "on",
        },
    )
    assert response.status_code == 302
    console.post("/console/templates/2/sections/responsibilities/remove/")

    preview = console.get("/console/templates/2/preview/").content.decode()
    assert "تلتزم جمعية المثال الخيرية بهذه السياسة الجديدة." in preview
    assert "الشكاوى" in preview
    english = console.get("/console/templates/2/preview/?lang=en").content.decode()
    assert "Beneficiaries may &lt;b&gt;complain&lt;/b&gt;." in english  # escaped, never markup
    assert "<b>complain</b>" not in english

    # Nothing reaches the associations before the release.
    admin = client_for(alpha, email=alpha.admin_email)
    assert "new version" not in admin.get("/app/settings/policy/?lang=en").content.decode()

    response = console.post(
        "/console/templates/2/release/?lang=en", {"notes": "Complaints"}, follow=True
    )
    assert "Version 2 was released" in response.content.decode()
    current = template_current()
    keys = [s.key for s in current.sections.all()]
    assert current.number == 2 and "complaints" in keys and "responsibilities" not in keys
    assert (
        "The shared template has a new version."
        in admin.get("/app/settings/policy/?lang=en").content.decode()
    )

    page = console.get("/console/templates/?lang=en").content.decode()
    assert counts(page, 2) == ("0", "0") and counts(page, 1)[0] == "1"

    released = OperatorAction.objects.get(action="template.released")
    assert released.before["version"] == 1 and "responsibilities" in released.before["sections"]
    assert released.after == {"version": 2, "sections": keys}
    changed = OperatorAction.objects.get(action="template.section_changed")
    assert "بهذه السياسة الجديدة" in changed.after["body_ar"]
    assert "بهذه السياسة الجديدة" not in changed.before["body_ar"]
    audit = console.get("/console/audit/?q=complaints&lang=en").content.decode()
    assert "template.section_added" in audit


def test_empty_text_is_refused_with_a_clear_error(console, alpha):
    console.post("/console/templates/new/")
    before = TemplateVersion.objects.get(number=2).sections.get(key="preamble").title_en
    response = console.post(
        "/console/templates/2/sections/preamble/?lang=en",
        section_data("preamble", title_en="  ", body_ar=""),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was saved" in page and page.count("This text cannot be empty.") == 2
    assert TemplateVersion.objects.get(number=2).sections.get(key="preamble").title_en == before

    response = console.post(
        "/console/templates/2/sections/new/?lang=en",
        {"new-key": "Bad Key", "new-title_ar": "x", "new-title_en": "x", "new-body_ar": "x", "new-body_en": "x"},
    )  # fmt: skip
    assert "Use lowercase Latin letters, digits and hyphens." in response.content.decode()


def test_a_released_version_cannot_be_edited(console, alpha):
    page = console.get("/console/templates/1/?lang=en").content.decode()
    assert "A released version cannot be changed." in page
    assert "/console/templates/1/sections/preamble/" not in page  # no form
    response = console.post(
        "/console/templates/1/sections/preamble/?lang=en",
        section_data("preamble", title_en="Hacked"),
    )
    assert response.status_code == 400
    assert "A released version cannot be changed." in response.content.decode()
    assert template_current().sections.get(key="preamble").title_en != "Hacked"
    response = console.post("/console/templates/1/release/?lang=en", follow=True)
    assert "A released version cannot be changed." in response.content.decode()
    assert TemplateVersion.objects.count() == 1
    with schema_context(alpha.association.schema_name):
        assert policy_draft_get().template_version == 1
