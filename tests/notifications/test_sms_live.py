"""The live stack with SMS on (gunicorn and a real Celery worker, Unifonic faked at its HTTP
edge): a beneficiary without e-mail files a request through the page and hears of it by SMS,
sent by the worker once the request committed, with a short link that opens its status page."""

from __future__ import annotations

import datetime
import json
import re
import subprocess
import sys
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest

from tests.helpers import POLICY, REQUEST_FORM
from tests.live import SIGNUP_PASSWORD, SignedUp, live_stack_running, signup_over_http
from tests.notifications.fake_unifonic import APP_SID, WEBHOOK_SECRET, fake_unifonic_running

RIYADH = ZoneInfo("Asia/Riyadh")


def _live_sms_stack(tmp_path_factory, *, riyadh_hour: int):
    """A live stack with SMS on whose clock reads `riyadh_hour`:00 today in Riyadh, whatever the
    hour of the run (the processes' clock seam, common.clock)."""
    now = datetime.datetime.now(RIYADH)
    then = now.replace(hour=riyadh_hour, minute=0, second=0, microsecond=0)
    with fake_unifonic_running() as fake:
        env = {
            "UNIFONIC_APP_SID": APP_SID,
            "UNIFONIC_API_BASE": fake.base,
            "SMS_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "MUSTAFID_CLOCK_OFFSET_SECONDS": str(round((then - now).total_seconds())),
        }
        folder = tmp_path_factory.mktemp(f"sms-live-{riyadh_hour}h")
        with live_stack_running(folder, extra_env=env) as stack:
            yield stack, fake


def _clock_offset(stack) -> datetime.timedelta:
    """How far the stack's clock (common.clock in its processes) runs ahead of the wall's."""
    return datetime.timedelta(seconds=int(stack.env["MUSTAFID_CLOCK_OFFSET_SECONDS"]))


def _platform_today(stack) -> datetime.date:
    """The day in Riyadh on the stack's clock, which a request's received day is checked
    against: the wall's day after midnight is still the future at noon on the day before."""
    return (datetime.datetime.now(RIYADH) + _clock_offset(stack)).date()


@pytest.fixture(scope="module")
def sms_stack(tmp_path_factory):
    """By day: noon in Riyadh."""
    yield from _live_sms_stack(tmp_path_factory, riyadh_hour=12)


@pytest.fixture(scope="module")
def night_stack(tmp_path_factory):
    """At night: 23:00 in Riyadh, when awareness messages wait for 9:00."""
    yield from _live_sms_stack(tmp_path_factory, riyadh_hour=23)


def signed_up_with_api(stack, association: SignedUp):
    """The association signed up over HTTP, and an API session with its admin's token."""
    signup_over_http(stack, association)
    made = stack.manage(
        "create_api_token", "--association", association.slug, "--email", association.email
    )
    api = stack.http(association.slug)
    api.headers["Authorization"] = f"Token {made.stdout.strip().splitlines()[-1]}"
    return api


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
    api = signed_up_with_api(stack, noor)
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
    # The worker prints the new version's two PDFs before it sends the notices.
    notices = stack.wait_for(
        "the notices", lambda: fake.sent[2:] if len(fake.sent) == 4 else [], timeout=90
    )
    assert {notice["Recipient"] for notice in notices} == {"966551234567", "966557654321"}
    body = notices[0]["Body"]
    assert "نشرنا الإصدار 2 من سياسة تنظيم العلاقة مع المستفيدين" in body
    changes = next(word for word in body.split() if "/policy/2/changes/" in word)
    assert "/sms/stop/" in body
    shown = visitor.get(urlsplit(changes).path)
    assert shown.status_code == 200 and "<ins>" in shown.text and "15" in shown.text


def _scheduled(stack) -> list[dict]:
    """The tasks the worker holds for later (`celery inspect scheduled`), with their ETA."""
    asked = subprocess.run(
        [sys.executable, "-m", "celery", "-A", "platform_core.celery", "inspect", "scheduled",
         "--json", "--timeout", "5"],
        env=stack.env, cwd=stack.run_dir, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert asked.returncode == 0, asked.stderr[-2000:]
    return [held for worker in json.loads(asked.stdout).values() for held in worker]


def test_a_policy_notice_waits_at_night_for_the_morning(night_stack):
    """At 23:00 in Riyadh a request's receipt (a service message) goes at once; the notice of a
    new version (an awareness message) is planned and held by the worker until 9:00."""
    stack, fake = night_stack
    huda = SignedUp("huda-sms", "جمعية الهدى", "Huda Society", "admin@huda-sms.example")
    api = signed_up_with_api(stack, huda)
    publish_over_api(api, POLICY, meeting="3")
    visitor = stack.http(huda.slug)
    _posted(visitor, "/request/", "/request/", {**REQUEST_FORM, "email": "", "phone": "0551234567"})
    [receipt] = stack.wait_for("the receipt's SMS", lambda: list(fake.sent))
    assert receipt["Recipient"] == "966551234567"

    publish_over_api(api, {**POLICY, "committee_deadline": {"kind": "working", "days": 15}},
                     meeting="4")  # fmt: skip
    planned = stack.wait_for(
        "the notice planned",
        lambda: stack.sql(
            f"SELECT address, handled FROM {huda.schema}.workflow_policynotice"  # noqa: S608
            " WHERE number = 2"
        ),
        timeout=90,
    )
    assert planned == [("+966551234567", False)], planned
    [held] = stack.wait_for(
        "the batch held by the worker",
        lambda: [h for h in _scheduled(stack) if "policy_notice_send" in h["request"]["name"]],
        timeout=60,
    )
    # Its ETA is 9:00 in Riyadh on the platform's clock, 10 hours on (the wall clock's ETA is
    # that less the offset: what the worker waits for).
    offset = _clock_offset(stack)
    eta = datetime.datetime.fromisoformat(held["eta"]) + offset
    assert eta.astimezone(RIYADH).time() == datetime.time(9), eta
    waits = eta - (datetime.datetime.now(RIYADH) + offset)
    assert datetime.timedelta(hours=9) < waits <= datetime.timedelta(hours=10), waits
    assert len(fake.sent) == 1
    shown = visitor.get("/policy/2/changes/")
    assert shown.status_code == 200 and "<ins>" in shown.text and "15" in shown.text


def _signed_in(stack, association: SignedUp):
    """The association's admin, signed in over HTTP as a person does."""
    admin = stack.http(association.slug)
    admin.sign_in(association.email, SIGNUP_PASSWORD)
    return admin


def _posted(session, page: str, path: str, data: dict) -> str:
    """POST a form of `page` as the browser does (its CSRF token); the redirect's target."""
    sent = session.post(path, data={**data, "csrfmiddlewaretoken": session.csrf_token(page)})
    assert sent.status_code == 302, f"POST {path}: {sent.status_code}\n{sent.text[-2000:]}"
    return sent.headers["Location"]


def _step(admin, case: str, action: str, **data) -> None:
    """One step of the case from its page, confirmed where the page asks to (IRREVERSIBLE)."""
    version = re.search(r'name="version" value="(\d+)"', admin.get(case).text).group(1)
    landed = _posted(
        admin, case, f"{case}transitions/", {"action": action, "version": version, **data}
    )
    if landed.endswith("/confirm/"):
        landed = _posted(
            admin, landed, f"{case}transitions/",
            {"action": action, "version": version, "confirm": "1", **data},
        )  # fmt: skip
    assert landed == case, (action, landed)


def test_every_event_reaches_a_beneficiary_without_email_by_sms_once(sms_stack):
    """Through the pages, with the worker sending: a request's referral, its decision, its
    closing with the survey link, a complaint's receipt and answer, and a data-subject
    request's answer each reach the person's mobile, once, in the words of the association."""
    stack, fake = sms_stack
    amal = SignedUp("amal-sms", "جمعية الأمل", "Amal Society", "admin@amal-sms.example")
    api = signed_up_with_api(stack, amal)
    publish_over_api(api, POLICY, meeting="5")
    mobile, complainant = "966551112233", "966551112244"

    def told(number: str, count: int) -> list[str]:
        bodies = stack.wait_for(
            f"{count} messages to {number}",
            lambda: (
                [s["Body"] for s in fake.sent if s["Recipient"] == number][:count]
                if sum(s["Recipient"] == number for s in fake.sent) >= count
                else None
            ),
        )
        return bodies

    visitor = stack.http(amal.slug)
    filed = _posted(
        visitor, "/request/", "/request/", {**REQUEST_FORM, "email": "", "phone": "0551112233"}
    )
    reference = urlsplit(filed).path.split("/")[2]
    told(mobile, 1)

    admin = _signed_in(stack, amal)
    case = re.search(r'href="(/app/cases/\d+/)"', admin.get("/app/cases/").text).group(1)
    _step(admin, case, "refer", role="social_researcher", note="")
    referral = told(mobile, 2)[1]
    _step(admin, case, "answer_referral", note="زارهم الباحث")
    _step(admin, case, "verify")
    _step(admin, case, "declare", signed_by="محمد أحمد")
    _step(admin, case, "submit_to_committee")
    _step(admin, case, "decide", decision="rejected", reason="الدخل أعلى من الحد")
    decision = told(mobile, 3)[2]
    _step(admin, case, "close")
    closed = told(mobile, 4)[3]
    assert referral.startswith(f"جمعية الأمل: أُحيل طلبكم رقم {reference}"), referral
    assert f"عدم قبول طلبكم رقم {reference}" in decision, decision
    assert reference in closed and "/survey/" in closed, closed

    # A complaint: received, then answered from the staff's page.
    _posted(visitor, "/complaints/", "/complaints/", {
        "kind": "complaint", "name": "سارة خالد", "phone": "0551112244",
        "text": "انتظرت ساعتين دون أن يستقبلني أحد.", "consent": "on",
    })  # fmt: skip
    told(complainant, 1)
    complaint = re.search(r'href="(/app/complaints/\d+/)"', admin.get("/app/complaints/").text)
    _posted(
        admin,
        complaint.group(1),
        f"{complaint.group(1)}answer/",
        {"outcome": "نعتذر، وعالجنا الأمر."},
    )
    answered = told(complainant, 2)[1]

    # A data-subject request recorded by staff, refused with its reason: the answer is texted.
    recorded = _posted(admin, "/app/privacy/requests/new/", "/app/privacy/requests/new/", {
        "kind": "copy", "requester_name": REQUEST_FORM["full_name"],
        "requester_national_id": REQUEST_FORM["national_id"], "requester_contact": "0551112233",
        "received_on": _platform_today(stack).isoformat(),
    })  # fmt: skip
    _posted(admin, recorded, f"{recorded}refuse/", {"reason": "لم يحضر للتحقق"})
    dsr = told(mobile, 5)[4]
    assert "لم يحضر للتحقق" in dsr, dsr

    # Each event once: the log says which, and nothing went twice. The worker marks a message
    # sent once the provider's answer is back, just after the fake has it.
    def logged() -> list[tuple] | None:
        rows = stack.sql(
            f"SELECT kind, status FROM {amal.schema}.notifications_smsmessage ORDER BY id"  # noqa: S608
        )
        return rows if all(status != "queued" for _kind, status in rows) else None

    kinds = stack.wait_for("the log's last status", logged)
    assert kinds == [
        ("request_received", "sent"),
        ("request_referral", "sent"),
        ("request_decision", "sent"),
        ("request_closed", "sent"),
        ("complaint_received", "sent"),
        ("complaint_answered", "sent"),
        ("data_request_answer", "sent"),
    ], kinds
    assert answered.startswith("جمعية الأمل: ردّت الجمعية على شكواكم رقم "), answered
    assert len([s for s in fake.sent if s["Recipient"] in (mobile, complainant)]) == 7
