"""The live stack with SMS on (gunicorn and a real Celery worker, Unifonic faked at its HTTP
edge): a beneficiary without e-mail files a request through the page and hears of it by SMS,
sent by the worker once the request committed, with a short link that opens its status page."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.helpers import POLICY, REQUEST_FORM
from tests.live import SignedUp, live_stack_running, signup_over_http
from tests.notifications.fake_unifonic import APP_SID, WEBHOOK_SECRET, fake_unifonic_running


@pytest.fixture(scope="module")
def sms_stack(tmp_path_factory):
    with fake_unifonic_running() as fake:
        env = {
            "UNIFONIC_APP_SID": APP_SID,
            "UNIFONIC_API_BASE": fake.base,
            "SMS_WEBHOOK_SECRET": WEBHOOK_SECRET,
        }
        with live_stack_running(tmp_path_factory.mktemp("sms-live"), extra_env=env) as stack:
            yield stack, fake


def publish_over_api(api, policy: dict, *, meeting: str) -> None:
    for method, path, body in (
        ("patch", "/api/v1/policy/draft/", policy),
        (
            "post",
            "/api/v1/policy/draft/approve/",
            {"meeting_number": meeting, "approved_on": "2025-04-24", "chair_name": "أ. نورة"},
        ),
        ("post", "/api/v1/policy/draft/publish/", {}),
    ):
        response = api.request(method, path, json=body)
        assert response.status_code in (200, 201), response.text[:2000]


def test_a_beneficiary_without_email_hears_by_sms_from_the_worker(sms_stack):
    stack, fake = sms_stack
    noor = SignedUp("noor-sms", "جمعية النور", "Noor Society", "admin@noor-sms.example")
    signup_over_http(stack, noor)
    made = stack.manage("create_api_token", "--association", noor.slug, "--email", noor.email)
    api = stack.http(noor.slug)
    api.headers["Authorization"] = f"Token {made.stdout.strip().splitlines()[-1]}"
    publish_over_api(api, POLICY, meeting="3")

    visitor = stack.http(noor.slug)
    form = {**REQUEST_FORM, "email": "", "phone": "0551234567"}
    with stack.worker_paused():
        filed = visitor.post(
            "/request/", data={**form, "csrfmiddlewaretoken": visitor.csrf_token("/request/")}
        )
        assert filed.status_code == 302, filed.text[:2000]
        assert fake.sent == []  # committed and answered; the worker sends it
    reference = urlsplit(filed.headers["Location"]).path.split("/")[2]
    [sent] = stack.wait_for("the worker's SMS", lambda: list(fake.sent))
    assert sent["Recipient"] == "966551234567"
    assert sent["Body"].startswith(f"جمعية النور: استلمنا طلبكم رقم {reference}")
    link = sent["Body"].rsplit(" ", 1)[1]
    short = visitor.get(urlsplit(link).path)
    assert short.status_code == 302
    opened = visitor.get(short.headers["Location"])
    assert opened.status_code == 200 and reference in opened.text
    logged = stack.sql(
        f"SELECT status, text, segments FROM {noor.schema}.notifications_smsmessage"  # noqa: S608
    )
    assert logged == [("sent", "", sent["segments"])]

    # A new version: the worker tells the beneficiary with the open request and whoever asked
    # on the policy page (and confirmed), by SMS with the link to what changed.
    asked = visitor.post(
        "/policy/updates/",
        data={
            "phone": "0557654321",
            "consent": "on",
            "csrfmiddlewaretoken": visitor.csrf_token("/policy/updates/"),
        },
    )
    assert asked.status_code == 302, asked.text[:2000]
    # They are told nothing before they open the confirmation link the worker texts them.
    [confirmation] = stack.wait_for("the confirmation", lambda: fake.sent[1:])
    assert confirmation["Recipient"] == "966557654321"
    confirm = urlsplit(confirmation["Body"].rsplit(" ", 1)[1]).path
    confirmed = visitor.post(confirm, data={"csrfmiddlewaretoken": visitor.csrf_token(confirm)})
    assert confirmed.status_code == 302, confirmed.text[:2000]
    changed = {**POLICY, "committee_deadline": {"kind": "working", "days": 15}}
    with stack.worker_paused():
        publish_over_api(api, changed, meeting="4")
        assert len(fake.sent) == 2  # the publication only enqueued the notice
    notices = stack.wait_for("the notices", lambda: fake.sent[2:] if len(fake.sent) == 4 else [])
    assert {notice["Recipient"] for notice in notices} == {"966551234567", "966557654321"}
    body = notices[0]["Body"]
    assert "نشرنا الإصدار 2 من سياسة تنظيم العلاقة مع المستفيدين" in body
    changes = next(word for word in body.split() if "/policy/2/changes/" in word)
    assert "/sms/stop/" in body
    shown = visitor.get(urlsplit(changes).path)
    assert shown.status_code == 200 and "<ins>" in shown.text and "15" in shown.text
