"""The admin's policy screens in /app/settings/policy/: form, preview, approval, publish, diff."""

import datetime
import re

import pytest
from django_tenants.utils import schema_context

from publishing.models import Holiday, PolicyVersion
from publishing.selectors import policy_draft_get
from tests.helpers import client_for, publish

URL = "/app/settings/policy/"


def _form(tenant, **changes):
    """The settings form as the browser would post it, with the draft's current values."""
    with schema_context(tenant.association.schema_name):
        draft = policy_draft_get()
    data = {
        "revision": draft.revision,
        "deadline_kind": draft.deadline_kind,
        "deadline_days": draft.deadline_days or "",
        "channels": [c["code"] for c in draft.channels if not c["code"].startswith("own_")],
        "tools": [t["code"] for t in draft.tools],
        "referral_roles": [r["code"] for r in draft.referral_roles],
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
            channels_own_ar_0="واتساب",
            channels_own_en_0="WhatsApp",
            referral_roles=["competent_officer"],
            deadline_kind="asap",
            holiday_day_0="2026-09-23",
            holiday_name_0="اليوم الوطني",
            holiday_day_2="٢٠٢٧-٠٢-٢٢",
            holiday_name_2="يوم التأسيس",
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
    # Each own item and holiday is a row again, with room for more.
    assert 'name="channels_own_ar_0" value="واتساب"' in page
    assert 'name="channels_own_en_0" value="WhatsApp"' in page
    assert 'name="holiday_day_1" value="2027-02-22"' in page
    assert 'name="holiday_name_1" value="يوم التأسيس"' in page
    assert 'name="holiday_day_4"' in page and 'name="holiday_day_5"' not in page
    assert "في أسرع وقت ممكن" in page


def test_rows_are_removed_and_added_without_script(alpha, admin):
    admin.post(
        URL,
        _form(
            alpha,
            channels_own_ar_0="واتساب",
            channels_own_en_0="WhatsApp",
            channels_own_ar_1="تيليجرام",
            channels_own_en_1="Telegram",
            holiday_day_0="2026-09-23",
            holiday_name_0="اليوم الوطني",
        ),
    )
    # «أضف صفاً» brings the page back with one more row and what was typed; nothing is saved.
    response = admin.post(
        URL,
        _form(alpha, holidays_rows="4", holiday_name_3="عيد", add_rows="holidays"),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="holiday_day_4"' in page and 'name="holiday_day_5"' not in page
    assert 'name="holiday_name_3" value="عيد"' in page
    with schema_context(alpha.association.schema_name):
        assert Holiday.objects.count() == 1
    # A row ticked to be removed goes, the others stay.
    response = admin.post(
        URL,
        _form(
            alpha,
            channels_own_ar_0="واتساب",
            channels_own_en_0="WhatsApp",
            channels_own_remove_0="on",
            channels_own_ar_1="تيليجرام",
            channels_own_en_1="Telegram",
            holiday_day_0="2026-09-23",
            holiday_name_0="اليوم الوطني",
            holiday_remove_0="on",
        ),
    )
    assert response.status_code == 302
    with schema_context(alpha.association.schema_name):
        assert [c["code"] for c in policy_draft_get().channels][-1] == "own_telegram"
        assert "own_whatsapp" not in [c["code"] for c in policy_draft_get().channels]
        assert not Holiday.objects.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"holiday_day_1": "23/09/2026", "holiday_name_1": "national day"}, "does not exist"),
        ({"holiday_day_0": "2026-02-30", "holiday_name_0": "nothing"}, "does not exist"),
        ({"holiday_name_2": "National Day"}, "Choose this holiday"),
        ({"channels_own_ar_0": "واتساب"}, "English name too"),
        ({"tools_own_en_1": "Home visit"}, "Arabic name too"),
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
    page = response.content.decode()
    assert message in page
    assert "Nothing was saved" in page
    for name, value in changes.items():  # what was typed stays, on its row
        if name.startswith(("holiday", "channels_own", "tools_own")):
            assert re.search(rf'name="{name}" value="{re.escape(value)}"', page), name
    row_error = re.search(r'<tr class="(own|holiday)-row has-error">.*?</tr>', page, re.S)
    if row_error:
        assert message in row_error.group(0)
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
            "approved_on_hijri_day": "26",
            "approved_on_hijri_month": "10",
            "approved_on_hijri_year": "١٤٤٦",
            "chair_name": "أ. منى",
        },
    )
    page = admin.get(URL).content.decode()
    assert "25/02" in page and "26/10/1446هـ الموافق 24/04/2025م" in page
    assert 'aria-current="step"><span class="stage-mark" aria-hidden="true">2</span>' in page
    confirm = admin.get(URL + "publish/").content.decode()
    assert "نعم، انشرها" in confirm
    with schema_context(alpha.association.schema_name):
        revision = policy_draft_get().revision
    admin.post(URL + "publish/", {"revision": revision})
    with schema_context(alpha.association.schema_name):
        assert PolicyVersion.objects.get().content["approval"]["meeting_number"] == "25/02"

    assert (
        'aria-current="step"><span class="stage-mark" aria-hidden="true">✓</span> <span class="stage-label">المنشورة'
        in admin.get(URL).content.decode()
    )
    admin.post(URL, _form(alpha, channels=["interview"], confirm_clear="1"))
    diff = admin.get(URL + "diff/").content.decode()
    assert "<del>- الاتصالات الهاتفية</del>" in diff
    assert "دون تغيير" in diff  # other sections are marked unchanged


def test_saving_an_approved_draft_asks_first_and_changes_nothing_until_confirmed(alpha, admin):
    publish(alpha)
    with schema_context(alpha.association.schema_name):
        before = policy_draft_get()
    typed = _form(alpha, channels=["interview"], holiday_day_0="2026-09-23", holiday_name_0="يوم")
    response = admin.post(URL, typed)
    page = response.content.decode()
    assert response.status_code == 200
    assert "يُلغي حفظُ تعديلاتك هذا الاعتماد" in page and "لم يُحفظ شيء بعد" in page
    # Everything typed rides along in the confirmation's form, to be saved or taken back.
    assert 'type="hidden" name="holiday_name_0" value="يوم"' in page
    assert 'type="hidden" name="channels" value="interview"' in page
    with schema_context(alpha.association.schema_name):
        after = policy_draft_get()
        assert after.is_approved and not Holiday.objects.exists()
        assert (after.revision, after.channels) == (before.revision, before.channels)
    # "Back": the editor again with what was typed, still nothing saved.
    back = admin.post(URL, {**typed, "back": "1"}).content.decode()
    assert 'name="holiday_name_0" value="يوم"' in back and 'class="form policy-form"' in back
    with schema_context(alpha.association.schema_name):
        assert policy_draft_get().is_approved
    # Confirmed: saved, the approval cleared, and the page says what to do next.
    response = admin.post(URL, {**typed, "confirm_clear": "1"}, follow=True)
    page = response.content.decode()
    assert "أُلغي اعتماد مجلس الإدارة" in page
    assert "سجّل اعتماد مجلس الإدارة" in page  # the banner's next step
    with schema_context(alpha.association.schema_name):
        after = policy_draft_get()
        assert not after.is_approved and [c["code"] for c in after.channels] == ["interview"]
        assert Holiday.objects.count() == 1


def test_the_three_parts_each_have_their_own_form(alpha, admin):
    content = admin.get(URL).content.decode()
    approval = admin.get(URL + "?part=approval").content.decode()
    publication = admin.get(URL + "?part=publication").content.decode()
    assert 'class="form policy-form"' in content and "approval-form" not in content
    assert 'class="form approval-form"' in approval and "policy-form" not in approval
    assert 'name="approved_on_hijri_day"' in approval and 'type="date"' not in approval
    assert "policy-form" not in publication and "approval-form" not in publication
    assert "لا يُنشر إلا ما اعتمده مجلس الإدارة" in publication
    # The banner, on every part, says where the policy stands and what is next.
    for page in (content, approval, publication):
        assert 'id="policy-status"' in page and "مسودة" in page


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
        URL,
        _form(
            alpha,
            channels_own_ar_0="<script>alert(1)</script>",
            channels_own_en_0="<img src=x onerror=alert(2)>",
        ),
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
        URL, _form(alpha, channels_own_ar_0="قناة ألفا", channels_own_en_0="Alpha line")
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
