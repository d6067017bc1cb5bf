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


def test_a_beneficiary_without_email_hears_by_sms_from_the_worker(sms_stack):
    stack, fake = sms_stack
    noor = SignedUp("noor-sms", "جمعية النور", "Noor Society", "admin@noor-sms.example")
    signup_over_http(stack, noor)
    made = stack.manage("create_api_token", "--association", noor.slug, "--email", noor.email)
    api = stack.http(noor.slug)
    api.headers["Authorization"] = f"Token {made.stdout.strip().splitlines()[-1]}"
    for method, path, body in (
        ("patch", "/api/v1/policy/draft/", POLICY),
        (
            "post",
            "/api/v1/policy/draft/approve/",
            {"meeting_number": "3", "approved_on": "2025-04-24", "chair_name": "أ. نورة"},
        ),
        ("post", "/api/v1/policy/draft/publish/", {}),
    ):
        response = api.request(method, path, json=body)
        assert response.status_code in (200, 201), response.text[:2000]

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
