"""The notice of a new policy version: told by SMS (awareness: its hours, its opt-out link) or
e-mail to the beneficiaries with open cases and to whoever asked on the policy page, linking to
a public page of what changed; planned and sent in batches by the worker, a constant number of
queries a batch, never twice for one version and address; nothing of alpha's reaches beta."""

from __future__ import annotations

import datetime
import html
import re
from urllib.parse import urlsplit

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from notifications.models import SmsMessage, SmsOptOut
from tests.helpers import POLICY, client_for, open_case, person, publish
from workflow import policy_notice
from workflow.models import CaseStatus, PolicyNotice, UpdateSubscriber

LONGER_DEADLINE = {**POLICY, "committee_deadline": {"kind": "working", "days": 15}}


def in_schema(tenant):
    return schema_context(tenant.association.schema_name)


def page(response) -> str:
    return html.unescape(response.content.decode())


def subscribe(tenant, lang="ar", *, confirmed=True, **fields):
    client = client_for(tenant)
    response = client.post(f"/policy/updates/?lang={lang}", {"consent": "on", **fields})
    assert response.status_code == 302, page(response)[:3000]
    if confirmed:  # as the confirmation link does (test_double_opt_in.py opens the link)
        with in_schema(tenant):
            UpdateSubscriber.objects.update(confirmed_at=datetime.datetime.now(datetime.UTC))
    return client


def test_a_new_version_is_told_once_to_open_cases_and_subscribers_linking_to_its_changes(
    alpha, alpha_policy, unifonic, tasks_inline, mailoutbox, beta
):
    open_case(alpha, who=person(1))  # +966550000001, open
    open_case(alpha, who=person(2), status=CaseStatus.CLOSED)  # closed: not told
    open_case(alpha, who=person(3, email="texts-stopped@example.com"))
    with in_schema(alpha):
        SmsOptOut.objects.create(phone="+966550000003", source="staff")  # e-mailed instead
    subscribe(alpha, phone="0559999999")
    subscribe(alpha, lang="en", email="Reader@Example.com")
    unifonic.reset()
    mailoutbox.clear()

    publish(alpha, data=LONGER_DEADLINE)

    told = {sent["Recipient"]: sent["Body"] for sent in unifonic.sent}
    assert set(told) == {"966550000001", "966559999999"}
    body = told["966550000001"]
    assert "نشرنا الإصدار 2 من سياسة تنظيم العلاقة مع المستفيدين" in body
    changes, stop = re.findall(r"https?://\S+", body)
    assert urlsplit(changes).path == "/policy/2/changes/"
    assert urlsplit(stop).path.startswith("/sms/stop/")
    # The e-mails: the one who stopped texts in Arabic, the subscriber in the page's English.
    mails = {mail.to[0]: mail for mail in mailoutbox}
    assert set(mails) == {"texts-stopped@example.com", "reader@example.com"}
    assert "الإصدار 2" in mails["texts-stopped@example.com"].subject
    assert "version 2 of its Beneficiary Relationship Policy" in mails["reader@example.com"].body
    assert "/policy/2/changes/" in mails["reader@example.com"].body
    with in_schema(alpha):
        logged = SmsMessage.objects.filter(kind="policy_notice")
        assert {m.category for m in logged} == {"awareness"}
        assert all(m.status == "sent" and m.text for m in logged)  # nothing personal: kept
        # Planned again (a retried task): nobody is told twice.
        assert policy_notice.policy_notice_plan(number=2) == 0
    assert len(unifonic.sent) == 2 and len(mailoutbox) == 2
    # What changed, readable by a visitor from the message's link.
    visitor = client_for(alpha)
    shown = page(visitor.get(urlsplit(changes).path))
    assert "<ins>" in shown and "<del>" in shown and "15" in shown
    # Beta has none of it, and its host has no such version to show.
    with in_schema(beta):
        assert not PolicyNotice.objects.exists()
        assert not SmsMessage.objects.filter(kind="policy_notice").exists()
    assert client_for(beta).get("/policy/2/changes/").status_code == 404


def test_the_publish_request_only_enqueues_the_notice(alpha, alpha_policy, unifonic):
    open_case(alpha, who=person(1))
    unifonic.reset()
    publish(alpha, data=LONGER_DEADLINE)  # its transaction never commits here: nothing ran
    assert unifonic.sent == []
    with in_schema(alpha):
        assert not PolicyNotice.objects.exists()


def _notices(tenant, count: int, number: int) -> tuple[int, int]:
    with in_schema(tenant):
        made = PolicyNotice.objects.bulk_create(
            [
                PolicyNotice(
                    number=number,
                    address=f"+96655{n:07d}" if n % 2 else f"person{n}@example.com",
                )
                for n in range(count * 1000, count * 1001)
            ]
        )
    return made[0].pk, made[-1].pk


def test_a_batch_takes_as_many_queries_for_fifty_people_as_for_four(
    alpha, alpha_policy, unifonic, mailoutbox
):
    counts = {}
    for size in (4, 50):
        first, last = _notices(alpha, size, number=1)
        with in_schema(alpha), CaptureQueriesContext(connection) as queries:
            told = policy_notice.policy_notice_send(number=1, first_id=first, last_id=last)
        assert told == size
        counts[size] = len(queries)
        with in_schema(alpha):
            PolicyNotice.objects.all().delete()
    assert counts[4] == counts[50], counts
    assert len(mailoutbox) == 2 + 25


def test_a_batch_due_at_night_waits_for_nine_in_riyadh(
    alpha, alpha_policy, unifonic, clock, monkeypatch, django_capture_on_commit_callbacks
):
    from workflow.tasks import policy_notice_send_task

    subscribe(alpha, phone="0559999999")
    sent = []
    monkeypatch.setattr(
        policy_notice_send_task, "apply_async", lambda **options: sent.append(options)
    )
    clock.at = datetime.datetime(2026, 9, 17, 20, 30, tzinfo=datetime.UTC)  # 23:30 in Riyadh
    with in_schema(alpha), django_capture_on_commit_callbacks(execute=True):
        assert policy_notice.policy_notice_plan(number=1) == 1
    [batch] = sent
    assert batch["eta"] == datetime.datetime(2026, 9, 18, 6, 0, tzinfo=datetime.UTC)
    assert unifonic.sent == []


def test_the_updates_form_names_each_mistake_and_saves_nothing(alpha, alpha_policy):
    client = client_for(alpha)
    form = client.get("/policy/updates/")
    assert form.status_code == 200 and "أبلغني بالتحديثات" in page(form)
    refused = client.post("/policy/updates/", {"phone": "0112345678", "email": "not-an-address"})
    shown = page(refused)
    assert refused.status_code == 400
    assert "أدخل رقم جوال مثل 0512345678" in shown
    assert "أدخل بريدًا إلكترونيًا" in shown
    assert 'value="0112345678"' in shown  # kept as typed
    assert 'id="id_consent-errors"' in shown
    english = client.post("/policy/updates/?lang=en", {"consent": "on"})
    assert "Enter a Saudi mobile number or an e-mail address." in page(english)
    with in_schema(alpha):
        assert not UpdateSubscriber.objects.exists()
    # The policy page leads to the form.
    assert 'href="/policy/updates/"' in page(client.get("/policy/"))


def test_the_email_stop_link_ends_the_notices_to_that_address(
    alpha, alpha_policy, unifonic, tasks_inline, mailoutbox
):
    subscribe(alpha, email="reader@example.com")
    mailoutbox.clear()  # the confirmation
    publish(alpha, data=LONGER_DEADLINE)
    [mail] = mailoutbox
    stop = urlsplit(re.findall(r"https?://\S+/policy/updates/stop/\S+", mail.body)[0]).path
    visitor = client_for(alpha)
    assert "أوقف" in page(visitor.get(stop))
    done = visitor.post(stop)
    assert done.status_code == 302
    assert "لن تصل" in page(visitor.get(done["Location"]))
    mailoutbox.clear()
    publish(alpha, data=POLICY)
    assert mailoutbox == []
    # A link with another signature opens nothing.
    assert visitor.get(stop[:-3] + "xx/").status_code == 404


def test_the_changes_page_reads_in_english_and_a_missing_version_is_a_404(alpha, alpha_policy):
    publish(alpha, data=LONGER_DEADLINE)
    visitor = client_for(alpha)
    english = page(visitor.get("/policy/2/changes/?lang=en"))
    assert "What changed in version 2" in english and "<ins>" in english
    first = page(visitor.get("/policy/1/changes/?lang=ar"))
    assert "الإصدار الأول" in first
    assert visitor.get("/policy/3/changes/").status_code == 404
