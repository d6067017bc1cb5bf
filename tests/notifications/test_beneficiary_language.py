"""The beneficiary's language (the online form's, or set by staff) for every SMS and e-mail they
receive; the referral and the answers to data-subject requests told by SMS and e-mail, once
each; beta reaches none of alpha's people nor sends anything for them."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.utils import timezone

from common import clock as platform_clock
from common.hijri import hijri_with_gregorian
from complaints.models import Complaint
from notifications.models import SmsMessage
from privacy.models import DataSubjectRequest
from publishing.selectors import policy_published
from tests.helpers import (
    POLICY,
    REQUEST_FORM,
    api_client,
    client_for,
    open_case,
    person,
    publish,
)
from tests.notifications.test_sms import in_schema, page
from workflow.models import Beneficiary, Case, CaseStatus


def _transition(client, auth, case_id: int, **data):
    with_version = Case.objects.values_list("version", flat=True)
    response = client.post(
        f"/api/v1/cases/{case_id}/transitions/",
        {**data, "version": with_version.get(pk=case_id)},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 200, response.json()


def test_a_beneficiary_who_wrote_in_english_hears_every_message_in_english(
    alpha, alpha_policy, members, staff, unifonic, tasks_inline, mailoutbox
):
    public = client_for(alpha)
    form = {**REQUEST_FORM, "phone": "0551234567"}
    assert public.post("/request/?lang=en", form).status_code == 302
    with in_schema(alpha):
        case = Case.objects.select_related("beneficiary").get()
        assert case.beneficiary.language == "en"
        policy = policy_published()
        roles = {role["code"]: role for role in policy.content["referral_roles"]}
        body_en = policy.decision_body_name("en")
    ref = case.reference
    assert re.fullmatch(
        rf"Alpha Charity: we received your request {ref}\. Follow it at http://\S+/r/\S+",
        unifonic.sent[-1]["Body"],
    ), unifonic.sent[-1]["Body"]

    staff_api, staff_auth = api_client(alpha, members["staff"])
    committee_api, committee_auth = api_client(alpha, members["committee"])
    with in_schema(alpha):
        _transition(staff_api, staff_auth, case.pk, action="refer", role="social_researcher")
        referral = unifonic.sent[-1]["Body"]
        Case.objects.filter(pk=case.pk).update(
            status=CaseStatus.IN_COMMITTEE, verified_at=timezone.now(), declared_at=timezone.now()
        )
        _transition(
            committee_api, committee_auth, case.pk, action="decide", decision="rejected",
            reason="Income above the limit",
        )  # fmt: skip
        decision = unifonic.sent[-1]["Body"]
        _transition(staff_api, staff_auth, case.pk, action="close")
        closed = unifonic.sent[-1]["Body"]
    name = roles["social_researcher"]["name_en"]
    assert referral == f"Alpha Charity: your request {ref} was referred to {name}."
    assert decision == f"Alpha Charity: {body_en} decided not to accept your request {ref}."
    assert re.fullmatch(
        rf"Alpha Charity: your request {ref} is closed\. Tell us how we did: http://\S+/survey/\S+/",
        closed,
    )  # fmt: skip
    assert staff.post(f"/app/cases/{case.pk}/status-link/").status_code == 302

    mine = [mail for mail in mailoutbox if mail.to == [REQUEST_FORM["email"]]]
    assert [mail.subject for mail in mine] == [
        f"Alpha Charity: request {ref} referred to {name}",
        f"Alpha Charity: request {ref} not accepted",
        f"Alpha Charity: your opinion matters — {ref}",
        f"Alpha Charity: the link to follow request {ref}",
    ]
    for mail in mine:  # English only: not a word of the Arabic templates
        assert mail.body.startswith("Dear محمد أحمد,") and not re.search("[ء-ي]{3}", mail.body[20:])
    assert "Reason: Income above the limit" in mine[1].body
    # Each event told once by SMS: received, referral, decision, closing.
    with in_schema(alpha):
        kinds = list(SmsMessage.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == ["request_received", "request_referral", "request_decision", "request_closed"]


def test_staff_set_the_language_and_a_bad_one_is_refused_with_nothing_changed(
    alpha, alpha_policy, staff, unifonic, tasks_inline
):
    case = open_case(alpha, who={**person(80), "email": ""})
    assert case.beneficiary.language == "ar"  # an online request in Arabic
    form = page(staff.get("/app/cases/new/?lang=en"))
    assert '<select name="language"' in form and "Language of messages" in form
    bad = staff.post("/app/cases/new/?lang=en", {**_new_case(80), "language": "fr"})
    assert bad.status_code == 400
    assert "Select a valid choice" in page(bad)
    api, auth = api_client(alpha, alpha.staff_email)
    refused = api.post(
        "/api/v1/cases/",
        {"channel": "phone", "summary": "x", "consent": True,
         "beneficiary": {**person(80), "language": "fr"}},
        content_type="application/json", **auth,
    )  # fmt: skip
    assert refused.status_code == 400 and "beneficiary.language" in str(refused.json())
    with in_schema(alpha):
        assert Beneficiary.objects.get(pk=case.beneficiary_id).language == "ar"
        assert Case.objects.count() == 1
    # Staff record English for a returning person: the next message is in English.
    assert staff.post("/app/cases/new/", {**_new_case(80), "language": "en"}).status_code == 302
    with in_schema(alpha):
        assert Beneficiary.objects.get(pk=case.beneficiary_id).language == "en"
    assert unifonic.sent[-1]["Body"].startswith("Alpha Charity: we received your request")
    # An online form in another language does not change a known person's.
    client_for(alpha).post("/request/", {**REQUEST_FORM, **person(80), "email": ""})
    with in_schema(alpha):
        assert Beneficiary.objects.get(pk=case.beneficiary_id).language == "en"


def _new_case(n: int) -> dict:
    who = person(n)
    return {
        "channel": "phone", "kind": "request", "national_id": who["national_id"],
        "full_name": who["full_name"], "phone": who["phone"], "summary": "طلب", "consent": "on",
    }  # fmt: skip


def _record(client, who: dict, *, kind: str, contact: str) -> int:
    response = client.post(
        "/app/privacy/requests/new/",
        {
            "kind": kind,
            "requester_name": who["full_name"],
            "requester_national_id": who["national_id"],
            "requester_contact": contact,
            "received_on": timezone.localdate(platform_clock.now()).isoformat(),
        },
    )
    assert response.status_code == 302, page(response)[:2000]
    return int(response.url.rstrip("/").split("/")[-1])


def test_a_refused_data_request_is_texted_with_its_reason_once_and_beta_cannot_answer_it(
    alpha, beta, alpha_policy, staff, unifonic, tasks_inline, mailoutbox
):
    who = person(81)
    open_case(alpha, who=who)
    request_id = _record(staff, who, kind="copy", contact="0559990001")
    beta_staff = client_for(beta, email=beta.staff_email)
    before = len(unifonic.sent)
    refuse = f"/app/privacy/requests/{request_id}/refuse/"
    assert beta_staff.post(refuse, {"reason": "x"}).status_code == 404
    assert len(unifonic.sent) == before
    assert staff.post(refuse, {"reason": "لم يحضر للتحقق"}).status_code == 302
    answer = unifonic.sent[-1]
    assert answer["Recipient"] == "966559990001"  # the contact given with the request
    assert answer["Body"] == (
        f"جمعية ألفا الخيرية: لم يُقبل طلبكم رقم {request_id} بشأن بياناتكم الشخصية "
        "(نسخة من بياناته). السبب: لم يحضر للتحقق"
    )
    # Answered once: a second answer is refused and nothing more is sent.
    assert staff.post(refuse, {"reason": "مرة أخرى"}).status_code == 400
    assert len(unifonic.sent) == before + 1
    assert mailoutbox == []  # no address known
    with in_schema(alpha):
        logged = SmsMessage.objects.get(event_key=f"dsr:{request_id}:answer")
        assert (logged.kind, logged.text) == ("data_request_answer", "")  # not kept once sent


def test_an_erasure_is_told_in_english_at_the_mobile_and_address_held_before_it(
    alpha, alpha_policy, staff, unifonic, tasks_inline, mailoutbox
):
    who = {**person(82), "email": "p82@example.com", "language": "en"}
    case = open_case(alpha, who=who, status=CaseStatus.CLOSED, closed_at=timezone.now())
    request_id = _record(staff, who, kind="deletion", contact="")
    verified = staff.post(
        f"/app/privacy/requests/{request_id}/verify/",
        {"national_id": who["national_id"], "method_note": "الهوية"},
    )
    assert verified.status_code == 302
    mailoutbox.clear()
    assert staff.post(f"/app/privacy/requests/{request_id}/delete/").status_code == 302
    with in_schema(alpha):
        assert Beneficiary.objects.get(pk=case.beneficiary_id).phone == ""
        assert DataSubjectRequest.objects.get(pk=request_id).status == "completed"
    answer = unifonic.sent[-1]
    assert answer["Recipient"] == "966550000082"
    assert answer["Body"] == (
        f"Alpha Charity: your request no. {request_id} about your personal data "
        "(Deletion) was carried out."
    )
    [mail] = mailoutbox
    assert mail.to == ["p82@example.com"]
    assert (
        mail.subject == f"Alpha Charity: the answer to your personal data request no. {request_id}"
    )
    assert mail.body.startswith(f"Dear {who['full_name']},")  # the name from before the erasure


def test_an_extension_is_told_once_with_its_new_date_and_reason_and_beta_cannot_extend(
    alpha, beta, alpha_policy, staff, unifonic, tasks_inline, mailoutbox
):
    """Unverified, the request is told in Arabic at the contact it gave; verified, in the
    beneficiary's English, at that mobile and the address on file."""
    unverified = _record(staff, person(85), kind="copy", contact="0559990005")
    before = len(unifonic.sent)
    extend = f"/app/privacy/requests/{unverified}/extend/"
    beta_staff = client_for(beta, email=beta.staff_email)
    assert beta_staff.post(extend, {"reason": "x"}).status_code == 404
    assert len(unifonic.sent) == before
    assert staff.post(extend, {"reason": "ننتظر مستندات من جهة أخرى"}).status_code == 302
    with in_schema(alpha):
        due = DataSubjectRequest.objects.get(pk=unverified).due_on
    [told] = unifonic.sent[before:]
    assert told["Recipient"] == "966559990005"
    assert told["Body"] == (
        f"جمعية ألفا الخيرية: مددنا مهلة الرد على طلبكم رقم {unverified} بشأن بياناتكم الشخصية"
        f" إلى {hijri_with_gregorian(due, 'ar')}. السبب: ننتظر مستندات من جهة أخرى"
    )
    assert mailoutbox == []  # no address known
    # Extended once: a second extension is refused and nothing more is sent.
    assert staff.post(extend, {"reason": "مرة أخرى"}).status_code == 400
    assert len(unifonic.sent) == before + 1

    who = {**person(86), "email": "p86@example.com", "language": "en"}
    open_case(alpha, who=who)
    verified = _record(staff, who, kind="copy", contact="0559990006")
    assert (
        staff.post(
            f"/app/privacy/requests/{verified}/verify/",
            {"national_id": who["national_id"], "method_note": "الهوية"},
        ).status_code
        == 302
    )
    mailoutbox.clear()
    reason = "We are waiting for documents from another body"
    assert (
        staff.post(f"/app/privacy/requests/{verified}/extend/", {"reason": reason}).status_code
        == 302
    )
    with in_schema(alpha):
        due = DataSubjectRequest.objects.get(pk=verified).due_on
        logged = SmsMessage.objects.get(event_key=f"dsr:{verified}:extended")
        assert (logged.kind, logged.text) == ("data_request_extended", "")  # not kept once sent
    english_due = hijri_with_gregorian(due, "en")
    assert unifonic.sent[-1]["Recipient"] == "966559990006"
    assert unifonic.sent[-1]["Body"] == (
        f"Alpha Charity: we will answer your request no. {verified} about your personal data"
        f" by {english_due}. Reason: {reason}"
    )
    [mail] = mailoutbox
    assert mail.to == ["p86@example.com"]
    assert mail.subject == (
        f"Alpha Charity: a new date for the answer to your personal data request no. {verified}"
    )
    assert mail.body.startswith(f"Dear {who['full_name']},")
    assert f"will answer it by {english_due}.\nReason: {reason}" in mail.body


def test_an_arabic_only_policy_tells_an_english_speaker_in_arabic(alpha, unifonic, tasks_inline):
    publish(alpha, data={**POLICY, "languages": ["ar"]})
    with in_schema(alpha):
        open_case(alpha, who={**person(83), "language": "en"})
    body = unifonic.sent[-1]["Body"]
    assert body.startswith("جمعية ألفا الخيرية: استلمنا طلبكم"), body
    assert urlsplit(body.rsplit(" ", 1)[1]).path.startswith("/r/")


def test_a_text_too_long_for_three_segments_is_left_out_not_a_failed_referral(
    alpha, alpha_policy, unifonic, tasks_inline
):
    from workflow.notifications import _sms

    case = open_case(alpha, who=person(84))
    with in_schema(alpha):
        role = {"name_ar": "ب" * 250, "name_en": "b" * 250}
        context = {"case": case, "association": alpha.association, "role": role}
        assert _sms(case=case, template="referral", context=context, key="referred:1") is False
        assert not SmsMessage.objects.filter(kind="request_referral").exists()


COMPLAINT = {
    "kind": "complaint",
    "name": "Sara Khalid",
    "phone": "0551234500",
    "text": "I waited two hours and nobody received me.",
    "consent": "on",
}


def test_a_complaint_made_in_english_is_texted_in_english_and_beta_hears_nothing(
    alpha, beta, alpha_policy, staff, unifonic, tasks_inline
):
    beta_sent = len(unifonic.sent)
    assert client_for(alpha).post("/complaints/?lang=en", COMPLAINT).status_code == 302
    received = unifonic.sent[-1]
    with in_schema(alpha):
        complaint = Complaint.objects.get()
    assert complaint.language == "en"
    assert received["Recipient"] == "966551234500"
    assert received["Body"].startswith(
        f"Alpha Charity: we received your complaint {complaint.reference}. Follow it: http"
    ), received["Body"]
    answer = f"/app/complaints/{complaint.pk}/answer/"
    beta_staff = client_for(beta, email=beta.staff_email)
    assert beta_staff.post(answer, {"outcome": "x"}).status_code == 404
    assert len(unifonic.sent) == beta_sent + 1  # beta's try sent nothing
    assert staff.post(answer, {"outcome": "We apologise; it is fixed."}).status_code == 302
    assert unifonic.sent[-1]["Body"] == (
        f"Alpha Charity: the association answered your complaint {complaint.reference}. "
        "Read the answer at the link we sent you when we received it."
    )


def test_staff_record_a_complaint_in_the_language_the_person_asks_for(
    alpha, alpha_policy, staff, unifonic, tasks_inline
):
    """By phone, an English speaker's complaint is texted in English; left as it is, the
    language is Arabic; a language that is neither is refused and nothing is logged."""
    form = {**COMPLAINT, "channel": "phone"}
    refused = staff.post("/app/complaints/new/?lang=en", {**form, "language": "fr"})
    assert refused.status_code == 400
    assert "Select a valid choice. fr is not one of the available choices." in page(refused)
    sent = len(unifonic.sent)
    assert staff.post("/app/complaints/new/", {**form, "language": "en"}).status_code == 302
    assert staff.post("/app/complaints/new/", {**form, "phone": "0551234501"}).status_code == 302
    with in_schema(alpha):
        english, arabic = Complaint.objects.order_by("id")
    assert (english.language, arabic.language) == ("en", "ar")
    [to_english, to_arabic] = unifonic.sent[sent:]
    assert to_english["Body"].startswith(
        f"Alpha Charity: we received your complaint {english.reference}."
    ), to_english["Body"]
    assert to_arabic["Recipient"] == "966551234501"
    assert to_arabic["Body"].startswith("جمعية ألفا الخيرية: "), to_arabic["Body"]


def test_a_complaint_in_english_to_an_arabic_only_policy_is_texted_in_arabic(
    alpha, unifonic, tasks_inline
):
    publish(alpha, data={**POLICY, "languages": ["ar"]})
    assert client_for(alpha).post("/complaints/?lang=en", COMPLAINT).status_code == 302
    body = unifonic.sent[-1]["Body"]
    assert body.startswith("جمعية ألفا الخيرية: استلمنا شكواكم رقم "), body
