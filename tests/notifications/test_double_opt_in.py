"""«Tell me of updates» under the privacy rules: a confirmation link first (unconfirmed
addresses are told nothing and expire), the person's copy holds their subscription, erasure
removes it and masks their number in the SMS log; beta reaches none of alpha's links."""

from __future__ import annotations

import datetime
import io
import json
import re
import zipfile

from django.utils import timezone

from notifications.models import SmsMessage
from tests.helpers import POLICY, client_for, open_case, person, publish
from tests.notifications.test_beneficiary_language import _record
from tests.notifications.test_policy_notice import in_schema, page, subscribe
from workflow import policy_notice
from workflow.models import CaseStatus, UpdateSubscriber

CONFIRM = r"https?://\S+(/policy/updates/confirm/[\w-]+/)"


def test_nothing_is_told_before_the_link_is_opened_and_unconfirmed_addresses_expire(
    alpha, beta, alpha_policy, unifonic, tasks_inline, mailoutbox
):
    asked = subscribe(alpha, "en", confirmed=False, phone="0559999998")
    assert "open the link we sent to confirm" in page(asked.get("/policy/updates/?lang=en"))
    [texted] = unifonic.sent
    sms_link = re.search(CONFIRM, texted["Body"]).group(1)
    subscribe(alpha, "en", confirmed=False, email="new@example.com")
    [mail] = mailoutbox
    assert mail.subject == "Alpha Charity: confirm the notices of policy updates"
    mail_link = re.search(CONFIRM, mail.body).group(1)
    with in_schema(alpha):
        # The confirming link is not kept in the log once handed over.
        assert SmsMessage.objects.get(kind="updates_confirm").text == ""
    unifonic.reset()
    mailoutbox.clear()

    publish(alpha, data={**POLICY, "committee_deadline": {"kind": "working", "days": 15}})
    assert unifonic.sent == [] and mailoutbox == []  # unconfirmed: told nothing

    visitor = client_for(alpha)
    assert client_for(beta).get(sms_link).status_code == 404  # alpha's link on beta's host
    assert client_for(beta).post(sms_link).status_code == 404
    assert 'id="confirm-form"' in page(visitor.get(sms_link))  # a GET confirms nothing
    with in_schema(alpha):
        assert UpdateSubscriber.objects.get(phone="+966559999998").confirmed_at is None
    done = visitor.post(sms_link)
    assert done.status_code == 302
    assert "تم التأكيد" in page(visitor.get(done["Location"]))
    assert visitor.post(sms_link).status_code == 404  # used

    publish(alpha, data=POLICY)
    assert [sent["Recipient"] for sent in unifonic.sent] == ["966559999998"]
    assert mailoutbox == []

    # A week later the unconfirmed address's link is dead and the daily run deletes it.
    with in_schema(alpha):
        UpdateSubscriber.objects.filter(email="new@example.com").update(
            consent_at=timezone.now() - datetime.timedelta(days=policy_notice.CONFIRM_DAYS, hours=1)
        )
    assert visitor.get(mail_link).status_code == 404
    with in_schema(alpha):
        assert policy_notice.update_subscribers_expire() == 1
        assert list(UpdateSubscriber.objects.values_list("phone", flat=True)) == ["+966559999998"]


def test_a_persons_copy_holds_their_subscription_and_erasure_removes_it(
    alpha, alpha_policy, staff, unifonic, tasks_inline
):
    who = person(90)  # +966550000090
    open_case(alpha, who=who, status=CaseStatus.CLOSED, closed_at=timezone.now())
    subscribe(alpha, phone=who["phone"])
    copy = _record(staff, who, kind="copy", contact="")
    staff.post(
        f"/app/privacy/requests/{copy}/verify/",
        {"national_id": who["national_id"], "method_note": "الهوية"},
    )
    download = staff.get(f"/app/privacy/requests/{copy}/export.zip")
    assert download.status_code == 200, download.status_code
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    data = json.loads(archive.read("data.json"))
    [subscription] = data["update_subscriptions"]
    assert subscription["phone"] == "+966550000090" and "confirm_token_hash" not in subscription
    assert {message["kind"] for message in data["text_messages"]} >= {"request_received"}

    erase = _record(staff, who, kind="deletion", contact="")
    staff.post(
        f"/app/privacy/requests/{erase}/verify/",
        {"national_id": who["national_id"], "method_note": "الهوية"},
    )
    assert staff.post(f"/app/privacy/requests/{erase}/delete/").status_code == 302
    with in_schema(alpha):
        assert not UpdateSubscriber.objects.exists()
        logged = set(SmsMessage.objects.values_list("recipient", flat=True))
    # Masked in the log, except the one message telling them of the erasure itself.
    assert "+9665•••••090" in logged
    assert [m for m in unifonic.sent if m["Recipient"] == "966550000090"][-1]["Body"].startswith(
        "جمعية ألفا الخيرية: نُفّذ طلبكم"
    )
