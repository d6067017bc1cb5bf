"""The admin's policy screens in /app/settings/policy/: form, preview, approval, publish, diff."""

import datetime

import pytest
from django_tenants.utils import schema_context

from publishing.models import Holiday, PolicyVersion
from publishing.selectors import policy_draft_get
from tests.conftest import client_for

URL = "/app/settings/policy/"


def _form(tenant, **changes):
    """The settings form as the browser would post it, with the draft's current values."""
    with schema_context(tenant.association.schema_name):
        draft = policy_draft_get()
    data = {
        "revision": draft.revision,
        "deadline_kind": draft.deadline_kind,
        "deadline_days": draft.deadline_days or "",
        "holidays": "",
        "channels": [c["code"] for c in draft.channels],
        "tools": [t["code"] for t in draft.tools],
        "referral_roles": [r["code"] for r in draft.referral_roles],
        "channels_own": "",
        "tools_own": "",
        "referral_roles_own": "",
        "procedure": "\n".join(step["step"] for step in draft.procedure),
        "decision_body_ar": draft.decision_body_ar,
        "decision_body_en": draft.decision_body_en,
        "deadline_wording_ar": draft.deadline_wording_ar,
        "deadline_wording_en": draft.deadline_wording_en,
    }
    for section in draft.sections:
        if section["optional"]:
            data[f"section_{section['key']}_included"] = "on" if section["included"] else ""
        data[f"section_{section['key']}_extra_ar"] = section["extra_ar"]
        data[f"section_{section['key']}_extra_en"] = section["extra_en"]
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


@pytest.fixture
def admin(alpha):
    return client_for(alpha, email=alpha.admin_email)


def test_settings_page_shows_the_form_the_preview_and_no_published_version(alpha, admin):
    page = admin.get(URL).content.decode()
    assert 'name="channels" value="interview"' in page
    assert "لم يُنشر شيء بعد." in page
    assert 'id="preview"' in page
    assert "مسؤول البحث الاجتماعي" in page  # the preview, filled in
    assert "/static/js/policy-editor." in page


def test_admin_configures_the_policy_in_the_form(alpha, admin):
    response = admin.post(
        URL,
        _form(
            alpha,
            channels=["interview", "phone"],
            channels_own="واتساب | WhatsApp",
            referral_roles=["competent_officer"],
            deadline_kind="asap",
            holidays="2026-09-23 اليوم الوطني\n٢٠٢٧-٠٢-٢٢ يوم التأسيس",
            section_responsibilities_included="",
        ),
    )
    assert response.status_code == 302
    with schema_context(alpha.association.schema_name):
        draft = policy_draft_get()
        assert [c["code"] for c in draft.channels] == ["interview", "phone", "own_whatsapp"]
        assert draft.deadline_kind == "asap" and draft.deadline_days is None
        assert not next(s for s in draft.sections if s["key"] == "responsibilities")["included"]
        assert [(h.day, h.name) for h in Holiday.objects.all()] == [
            (datetime.date(2026, 9, 23), "اليوم الوطني"),
            (datetime.date(2027, 2, 22), "يوم التأسيس"),
        ]
    page = admin.get(URL).content.decode()
    assert "واتساب | WhatsApp" in page
    assert "في أسرع وقت ممكن" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"holidays": "23/09/2026 national day"}, "YYYY-MM-DD"),
        ({"holidays": "2026-02-30 nothing"}, "YYYY-MM-DD"),
        ({"channels_own": "واتساب WhatsApp"}, "bar |"),
        ({"deadline_kind": "working", "deadline_days": "120"}, "90"),
        ({"deadline_kind": "calendar", "deadline_days": ""}, "number of days"),
        ({"section_preamble_extra_ar": "نص فقط بالعربية"}, "both Arabic and English"),
    ],
)
def test_bad_form_input_is_named_and_changes_nothing(alpha, admin, changes, message):
    with schema_context(alpha.association.schema_name):
        before = policy_draft_get()
    response = admin.post(URL + "?lang=en", _form(alpha, **changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    with schema_context(alpha.association.schema_name):
        after = policy_draft_get()
        assert not Holiday.objects.exists()
    assert (after.revision, after.channels, after.sections) == (
        before.revision,
        before.channels,
        before.sections,
    )


def test_live_preview_renders_unsaved_values_and_saves_nothing(alpha, admin):
    response = admin.post(
        URL + "preview/", _form(alpha, deadline_kind="calendar", deadline_days="14")
    )
    assert "خلال 14 يومًا" in response.content.decode()
    with schema_context(alpha.association.schema_name):
        assert policy_draft_get().deadline_days == 10


def test_approve_publish_and_see_the_difference_in_the_browser(alpha, admin):
    with schema_context(alpha.association.schema_name):
        revision = policy_draft_get().revision
    admin.post(
        URL + "approve/",
        {
            "revision": revision,
            "meeting_number": "25/02",
            "approved_on": "2025-04-24",
            "chair_name": "أ. منى",
        },
    )
    page = admin.get(URL).content.decode()
    assert "25/02" in page and "26/10/1446هـ الموافق 24/04/2025م" in page
    confirm = admin.get(URL + "publish/").content.decode()
    assert "نعم، انشرها" in confirm
    with schema_context(alpha.association.schema_name):
        revision = policy_draft_get().revision
    admin.post(URL + "publish/", {"revision": revision})
    with schema_context(alpha.association.schema_name):
        assert PolicyVersion.objects.get().content["approval"]["meeting_number"] == "25/02"

    admin.post(URL, _form(alpha, channels=["interview"]))
    diff = admin.get(URL + "diff/").content.decode()
    assert "<del>- الاتصالات الهاتفية</del>" in diff
    assert "دون تغيير" in diff  # other sections are marked unchanged


def test_publish_without_approval_is_refused_with_the_reason(alpha, admin):
    page = admin.get(URL + "publish/").content.decode()
    assert "سجّل اعتماد مجلس الإدارة قبل النشر." in page
    with schema_context(alpha.association.schema_name):
        revision = policy_draft_get().revision
    admin.post(URL + "publish/", {"revision": revision})
    with schema_context(alpha.association.schema_name):
        assert not PolicyVersion.objects.exists()


def test_names_typed_by_the_admin_never_become_markup(alpha, admin):
    admin.post(
        URL, _form(alpha, channels_own="<script>alert(1)</script> | <img src=x onerror=alert(2)>")
    )
    page = admin.get(URL).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page


@pytest.mark.parametrize("path", ["", "preview/", "approve/", "publish/", "diff/", "template/"])
def test_policy_screens_are_for_admins_only(alpha, path):
    staff = client_for(alpha, email=alpha.staff_email)
    assert staff.get(URL + path).status_code in (403, 405)
    assert staff.post(URL + path, {"revision": 1}).status_code == 403
    anonymous = client_for(alpha).get(URL + path)
    assert anonymous.status_code in (302, 405)


def test_beta_admin_sees_only_betas_draft(alpha, beta):
    client_for(alpha, email=alpha.admin_email).post(
        URL, _form(alpha, channels_own="قناة ألفا | Alpha line")
    )
    page = client_for(beta, email=beta.admin_email).get(URL).content.decode()
    assert "Alpha line" not in page
    assert "جمعية بيتا الأهلية" in page


def test_the_editor_sets_the_steps_and_keeps_what_was_typed_when_they_cannot_run(alpha, admin):
    typed = "verify | التحقق من الأوراق\nreceive\nregister"
    response = admin.post(
        URL + "?lang=en", _form(alpha, procedure=typed, decision_body_ar="اللجنة")
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "starts with receiving the beneficiary" in page
    assert "needs a decision (decide) before it" in page
    assert "verify | التحقق من الأوراق\nreceive\nregister</textarea>" in page
    assert 'value="اللجنة"' in page
    with schema_context(alpha.association.schema_name):
        assert [s["step"] for s in policy_draft_get().procedure][:2] == ["receive", "verify"]

    steps = "receive\ntext | الاستماع إلى المستفيد | Listening\nanswer\nrefer"
    response = admin.post(
        URL,
        _form(alpha, procedure=steps, deadline_wording_ar="خلال مدة لا تقل عن أسبوعين"),
    )
    assert response.status_code == 302
    with schema_context(alpha.association.schema_name):
        draft = policy_draft_get()
    assert [s["step"] for s in draft.procedure] == ["receive", "text", "answer", "refer"]
    assert draft.procedure[1] == {
        "step": "text", "text_ar": "الاستماع إلى المستفيد", "text_en": "Listening",
    }  # fmt: skip
    assert draft.deadline_wording_ar == "خلال مدة لا تقل عن أسبوعين"
    page = admin.get(URL + "?lang=ar").content.decode()
    # The form shows the steps as saved, and the preview lists them.
    assert "receive\ntext | الاستماع إلى المستفيد | Listening\nanswer\nrefer</textarea>" in page
    assert "<li>الاستماع إلى المستفيد</li>" in page
