"""SMS through Unifonic (faked at its HTTP edge): segments counted as the networks count them,
each event told once by the worker after its commit, faults retried then failed with the reason,
numbers that are not Saudi mobiles logged and not sent, the plan's monthly segments held to,
awareness messages kept to their hours with an opt-out link, delivery receipts that refuse
forgeries and replays; nothing of alpha's reachable from beta."""

from __future__ import annotations

import base64
import datetime
import html
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from billing.models import Plan
from complaints.models import Complaint
from notifications.models import SmsMessage, SmsOptOut
from notifications.providers import ProviderUnavailable
from notifications.segments import sms_segments
from notifications.services import (
    MessageTooLong,
    sms_deliver,
    sms_held_release,
    sms_send_later,
    sms_text_check,
)
from publishing.selectors import policy_published
from tests.helpers import REQUEST_FORM, api_client, client_for
from tests.notifications.fake_unifonic import WEBHOOK_SECRET, receipt
from workflow.models import Case, CaseStatus

MOBILE = "+966551234567"


def in_schema(tenant):
    return schema_context(tenant.association.schema_name)


def page(response) -> str:
    return html.unescape(response.content.decode())


def send(tenant, key="event:1", phone=MOBILE, text="رسالة قصيرة", **kwargs) -> SmsMessage:
    with in_schema(tenant):
        return sms_send_later(
            event_key=key, kind="test", phone=phone, text=text, personal=False, **kwargs
        )


def basic(secret: str = WEBHOOK_SECRET) -> dict:
    token = base64.b64encode(f"unifonic:{secret}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a" * 160, ("gsm7", 1)),
        ("a" * 161, ("gsm7", 2)),
        ("a" * 306, ("gsm7", 2)),
        ("a" * 307, ("gsm7", 3)),
        ("€" * 80, ("gsm7", 1)),  # the extension characters take two septets each
        ("€" * 81, ("gsm7", 2)),
        ("ب" * 70, ("ucs2", 1)),
        ("ب" * 71, ("ucs2", 2)),
        ("ب" * 134, ("ucs2", 2)),
        ("ب" * 135, ("ucs2", 3)),
        ("a" * 69 + "ب", ("ucs2", 1)),  # one Arabic letter makes the whole message UCS-2
    ],
)
def test_segments_are_counted_as_the_networks_count_them(text, expected):
    assert sms_segments(text) == expected


def test_an_over_long_message_is_refused_at_template_time_not_cut():
    with pytest.raises(MessageTooLong):
        sms_text_check("ب" * 202)
    assert sms_text_check("ب" * 201) == ("ucs2", 3)


def test_a_beneficiary_without_email_is_texted_the_reference_and_a_short_private_link(
    alpha, alpha_policy, unifonic, tasks_inline
):
    client = client_for(alpha)
    response = client.post("/request/", {**REQUEST_FORM, "email": "", "phone": "0551234567"})
    assert response.status_code == 302
    with in_schema(alpha):
        case = Case.objects.get()
        message = SmsMessage.objects.get()
    [sent] = unifonic.sent
    assert sent["Recipient"] == "966551234567" and sent["SenderID"] == "Mustafid"
    assert sent["Body"].startswith("جمعية ألفا الخيرية: استلمنا طلبكم رقم " + case.reference)
    link = sent["Body"].rsplit(" ", 1)[1]
    assert link.startswith("http://alpha.localhost") and "/r/" in link
    # The private link is not kept in the log once sent; the message's facts are.
    assert (message.status, message.text, message.segments, message.kind) == (
        "sent",
        "",
        sent["segments"],
        "request_received",
    )
    assert message.provider_message_id == str(sent["MessageID"]) and message.cost is not None
    followed = client.get(urlsplit(link).path)
    assert followed.status_code == 302
    assert followed["Location"].startswith(f"/request/{case.reference}/?token=")
    assert client.get("/r/not-the-token").status_code == 404


def test_the_decision_is_texted_in_the_words_of_the_published_procedure(
    alpha, alpha_policy, members, unifonic, tasks_inline
):
    with in_schema(alpha):
        case = Case.objects.get(pk=_open(alpha).pk)
        Case.objects.filter(pk=case.pk).update(
            status=CaseStatus.IN_COMMITTEE, verified_at=timezone.now(), declared_at=timezone.now()
        )
    client, auth = api_client(alpha, members["committee"])
    response = client.post(
        f"/api/v1/cases/{case.pk}/transitions/",
        {"action": "decide", "decision": "accepted", "version": case.version},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 200
    with in_schema(alpha):
        body = policy_published().decision_body_name("ar")
    assert body  # the deciding body, as the published procedure names it
    assert unifonic.sent[-1]["Body"] == (
        f"جمعية ألفا الخيرية: قرّرت {body} قبول طلبكم رقم {case.reference}."
    )
    with in_schema(alpha):
        told = case.events.filter(action="beneficiary_told").get()
        assert told.data["how"] == "sms"


def _open(tenant):
    from workflow import services

    case, _token = services.case_open(
        channel="interview",
        beneficiary={**REQUEST_FORM, "email": "", "national_id": "1000000008"},
        summary="طلب",
        consent=True,
        actor=None,
    )
    return case


def test_one_event_is_told_once_whatever_the_retries(alpha, unifonic):
    first = send(alpha)
    assert send(alpha).pk == first.pk
    with in_schema(alpha):
        assert sms_deliver(message_id=first.pk, final_attempt=False).status == "sent"
        assert sms_deliver(message_id=first.pk, final_attempt=False).status == "sent"
        assert SmsMessage.objects.count() == 1
    assert len(unifonic.sent) == 1


def test_a_provider_away_is_retried_then_failed_with_its_reason(alpha, unifonic):
    message = send(alpha)
    unifonic.failures.extend([503, 502])
    with in_schema(alpha):
        with pytest.raises(ProviderUnavailable):
            sms_deliver(message_id=message.pk, final_attempt=False)
        message.refresh_from_db()
        assert (message.status, message.attempts, message.reason) == (
            "queued",
            1,
            "Unifonic answered 503",
        )
        failed = sms_deliver(message_id=message.pk, final_attempt=True)
        assert (failed.status, failed.reason) == ("failed", "Unifonic answered 502")
    assert unifonic.sent == []


def test_a_refused_number_fails_at_once_with_the_providers_reason(alpha, unifonic):
    unifonic.refused.add("966551234567")
    message = send(alpha)
    with in_schema(alpha):
        failed = sms_deliver(message_id=message.pk, final_attempt=False)
    assert (failed.status, failed.reason) == ("failed", "ER-09: Invalid destination")


@pytest.mark.parametrize("phone", ["+966112345678", "+971501234567", ""])
def test_landlines_and_foreign_numbers_are_logged_not_sent(alpha, unifonic, tasks_inline, phone):
    message = send(alpha, phone=phone)
    assert (message.status, message.reason) == ("not_sent", "not a Saudi mobile")
    assert unifonic.sent == []


def test_the_plans_monthly_segments_hold_messages_with_a_banner_none_lost(alpha, unifonic, admin):
    Plan.objects.filter(code="trial").update(max_sms_segments=2)
    assert send(alpha, key="a", text="ب" * 71).status == "queued"  # two segments
    held = send(alpha, key="b")
    assert (held.status, held.text) == ("held", "رسالة قصيرة")
    log = page(admin.get("/app/sms/?lang=en"))
    assert "1 message is held" in log
    assert "+9665•••••567" in log and MOBILE not in log
    Plan.objects.filter(code="trial").update(max_sms_segments=None)
    with in_schema(alpha):
        assert sms_held_release() == 1
        assert SmsMessage.objects.get(pk=held.pk).status == "queued"


def test_awareness_messages_wait_for_their_hours_and_carry_a_working_opt_out_link(
    alpha, unifonic, clock
):
    clock.at = datetime.datetime(2026, 9, 17, 20, 30, tzinfo=datetime.UTC)  # 23:30 in Riyadh
    message = send(
        alpha, key="notice", text="نشرت الجمعية نسخة جديدة من سياستها", category="awareness"
    )
    assert timezone.localtime(message.not_before).isoformat() == "2026-09-18T09:00:00+03:00"
    link = message.text.rsplit("\n", 1)[1]
    path = urlsplit(link).path
    client = client_for(alpha)
    assert "Stop" in page(client.get(path + "?lang=en"))
    stopped = client.post(path)
    assert stopped.status_code == 302 and stopped.url == path  # a reload asks nothing again
    assert 'id="stopped"' in page(client.get(path))
    with in_schema(alpha):
        assert SmsOptOut.objects.filter(phone=MOBILE).exists()
    later = send(alpha, key="decision")
    assert (later.status, later.reason) == ("not_sent", "opted out")
    assert client.get(path[:-3] + "00/").status_code == 404


def test_delivery_receipts_refuse_forgeries_and_replays(alpha, beta, unifonic):
    message = send(alpha)
    with in_schema(alpha):
        sms_deliver(message_id=message.pk, final_attempt=False)
        message.refresh_from_db()
    client = client_for(alpha)
    body = receipt(message.provider_message_id)
    assert client.post("/sms/receipts/", body).status_code == 401
    assert client.post("/sms/receipts/", body, **basic("guessed")).status_code == 401
    # Alpha's receipt on beta's host finds nothing there.
    assert client_for(beta).post("/sms/receipts/", body, **basic()).status_code == 409
    with in_schema(alpha):
        message.refresh_from_db()
    assert message.status == "sent"
    assert client.post("/sms/receipts/", body, **basic()).status_code == 200
    assert client.post("/sms/receipts/", body, **basic()).status_code == 409  # a replay
    older = receipt(message.provider_message_id, dlr="Undeliverable", at="2026-09-17 12:00:00")
    assert client.post("/sms/receipts/", older, **basic()).status_code == 409
    with in_schema(alpha):
        message.refresh_from_db()
    assert message.status == "delivered"


def test_beta_sees_none_of_alphas_messages_and_cannot_opt_alpha_out(alpha, beta, unifonic):
    message = send(alpha, key="notice", text="إشعار", category="awareness")
    beta_admin = client_for(beta, email=beta.admin_email)
    assert "+9665" not in page(beta_admin.get("/app/sms/"))
    path = urlsplit(message.text.rsplit("\n", 1)[1]).path
    assert client_for(beta).post(path).status_code == 404
    with in_schema(alpha):
        assert not SmsOptOut.objects.exists()


def test_a_complainant_is_texted_the_link_then_told_the_answer_is_there(
    alpha, alpha_policy, unifonic, tasks_inline, staff
):
    client = client_for(alpha)
    form = {"kind": "complaint", "name": "سارة", "phone": "0551234567", "text": "تأخر الرد"}
    assert client.post("/complaints/", {**form, "consent": "on"}).status_code == 302
    with in_schema(alpha):
        complaint = Complaint.objects.get()
    [received] = unifonic.sent
    assert received["Body"].startswith(
        f"جمعية ألفا الخيرية: استلمنا شكواكم رقم {complaint.reference}"
    )
    link = urlsplit(received["Body"].rsplit(" ", 1)[1])
    assert client.get(f"{link.path}?{link.query}").status_code == 200
    answered = staff.post(f"/app/complaints/{complaint.pk}/answer/", {"outcome": "اعتذرنا."})
    assert answered.status_code == 302
    assert unifonic.sent[-1]["Body"].startswith(
        f"جمعية ألفا الخيرية: ردّت الجمعية على شكواكم رقم {complaint.reference}."
    )
    assert len(unifonic.sent) == 2
