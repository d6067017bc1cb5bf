"""Referral holders at work: invited with a role, told by e-mail when a case is referred to it
(after commit, only them, no beneficiary details), answering on the case page and through the
API; a role a newer version drops stays with its holders and their open cases."""

import re
from urllib.parse import urlsplit

import pytest
from django.db import transaction
from django_tenants.utils import schema_context

from accounts.models import User
from tests.helpers import BENEFICIARY, PASSWORD, POLICY, api_client, client_for, publish
from tests.live import SignedUp, signup_over_http
from workflow import services
from workflow.models import Case, CaseStatus

SUMMARY = "SUMMARY-7d2c: دخل الأسرة وحالتها الصحية"
NOTE = "NOTE-3f9a: تحقق من صك الإعالة"


@pytest.fixture
def sent(monkeypatch):
    """E-mails the transitions hand to the worker: (kwargs, headers), and they are then sent."""
    from workflow.tasks import beneficiary_email_send_task

    handed = []
    monkeypatch.setattr(
        beneficiary_email_send_task,
        "apply_async",
        lambda kwargs, headers: (
            handed.append((kwargs, headers)) or beneficiary_email_send_task.apply(kwargs=kwargs)
        ),
    )
    return handed


def _member(tenant, email, role="referral", codes=("social_researcher",), active=True) -> User:
    with schema_context(tenant.association.schema_name):
        return User.objects.create_user(
            email, PASSWORD, role=role, referral_roles=list(codes), is_active=active
        )


def _case(tenant) -> Case:
    with schema_context(tenant.association.schema_name):
        case, _token = services.case_open(
            channel="interview",
            beneficiary=BENEFICIARY,
            summary=SUMMARY,
            consent=True,
            actor=User.objects.get(email=tenant.staff_email),
        )
        return case


def _refer(tenant, case: Case, role="social_researcher"):
    """Staff refer `case` from its page."""
    with schema_context(tenant.association.schema_name):
        version = Case.objects.get(pk=case.pk).version
    return client_for(tenant, email=tenant.staff_email).post(
        f"/app/cases/{case.pk}/transitions/",
        {"action": "refer", "version": version, "role": role, "note": NOTE},
    )


def _status(tenant, case: Case) -> str:
    with schema_context(tenant.association.schema_name):
        return Case.objects.get(pk=case.pk).status


def test_holders_of_the_role_are_told_after_commit_with_the_reference_and_link_only(
    alpha, django_capture_on_commit_callbacks, mailoutbox, sent
):
    publish(alpha, data=POLICY)
    for email, codes, active in (
        ("holder-a@alpha.example", ["social_researcher"], True),
        ("holder-b@alpha.example", ["competent_officer", "social_researcher"], True),
        ("left@alpha.example", ["social_researcher"], False),  # no longer active
        ("other@alpha.example", ["competent_officer"], True),  # another role
    ):
        _member(alpha, email, codes=codes, active=active)
    case = _case(alpha)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert _refer(alpha, case).status_code == 302
        assert mailoutbox == []  # nothing before the commit
    # The two holders, then the beneficiary (told of the referral in their own e-mail).
    assert len(callbacks) == 3
    assert [headers["_schema_name"] for _, headers in sent] == ["a_alpha"] * 3
    assert [m.to for m in mailoutbox] == [
        ["holder-a@alpha.example"], ["holder-b@alpha.example"], [BENEFICIARY["email"]]
    ]  # fmt: skip
    url = alpha.association.url(f"/app/cases/{case.pk}/")
    for message in mailoutbox[:2]:
        text = message.subject + message.body
        assert case.reference in message.subject
        assert url in message.body
        assert "مسؤول البحث الاجتماعي" in message.body
        assert "Social Research Officer" in message.body
        assert alpha.association.name_ar in text
        for private in (
            BENEFICIARY["full_name"],
            BENEFICIARY["national_id"],
            BENEFICIARY["phone"][1:],
            "966512345678",
            BENEFICIARY["email"],
            SUMMARY,
            NOTE,
        ):
            assert private not in text
    # The beneficiary reads whom it went to, as the version names the role; not staff's note.
    to_beneficiary = mailoutbox[2].body
    assert "مسؤول البحث الاجتماعي" in to_beneficiary and NOTE not in to_beneficiary


def test_nobody_is_told_of_a_referral_that_rolls_back_or_is_refused(
    alpha, django_capture_on_commit_callbacks, mailoutbox, sent
):
    publish(alpha, data=POLICY)
    _member(alpha, "holder-a@alpha.example")
    case = _case(alpha)
    with (
        schema_context(alpha.association.schema_name),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        staff = User.objects.get(email=alpha.staff_email)
        with pytest.raises(RuntimeError), transaction.atomic():
            services.case_transition(
                case_id=case.pk,
                actor=staff,
                action="refer",
                data={"role": "social_researcher", "note": NOTE},
            )
            raise RuntimeError("what came after the referral failed")
        assert Case.objects.get(pk=case.pk).status == CaseStatus.RECEIVED
    assert callbacks == []
    assert sent == [] and mailoutbox == []
    # Referred to a role the policy does not publish: refused, and nobody hears of it.
    with django_capture_on_commit_callbacks(execute=True):
        response = _refer(alpha, case, role="public_relations_officer")
    assert response["Location"].endswith("#action-refer")  # refused, back on the case page
    assert _status(alpha, case) == CaseStatus.RECEIVED
    assert mailoutbox == []


def test_an_invited_holder_is_told_opens_the_link_and_answers_on_the_case_page(
    alpha, beta, django_capture_on_commit_callbacks, mailoutbox, sent
):
    publish(alpha, data=POLICY)
    admin = client_for(alpha, email=alpha.admin_email)
    invited = admin.post(
        "/app/members/",
        {
            "email": "huda@alpha.example",
            "role": "referral",
            "referral_roles": ["social_researcher"],
        },
    )
    assert invited.status_code == 302
    join = re.search(r"http://\S+(/app/join/\S+/)", mailoutbox[-1].body).group(1)
    holder = client_for(alpha)
    assert holder.post(join, {"password": "Another-strong-2026"})["Location"] == "/app/"

    case = _case(alpha)
    # Before the referral the holder does not reach the case.
    assert holder.get(f"/app/cases/{case.pk}/").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        _refer(alpha, case)
    told = [mail for mail in mailoutbox if mail.to == ["huda@alpha.example"]][-1]
    link = re.search(r"http://\S+(/app/cases/\d+/)", told.body).group(1)

    page = holder.get(link + "?lang=en").content.decode()
    assert case.reference in page
    assert 'value="answer_referral"' in page
    assert holder.get("/app/cases/").content.decode().count(case.reference) >= 1
    with schema_context(alpha.association.schema_name):
        version = Case.objects.get(pk=case.pk).version
    answered = holder.post(
        f"{link}transitions/",
        {"action": "answer_referral", "version": version, "note": "الأسرة مستحقة"},
    )
    assert answered.status_code == 302
    assert _status(alpha, case) == CaseStatus.RECEIVED
    with schema_context(alpha.association.schema_name):
        event = Case.objects.get(pk=case.pk).events.get(action="answer_referral")
        assert (event.actor_email, event.note) == ("huda@alpha.example", "الأسرة مستحقة")
    # Answered, the case is no longer theirs to see; beta's host does not know the link at all.
    assert holder.get(link).status_code == 404
    assert client_for(beta).get(link).status_code in (302, 404)


def test_a_holder_answers_a_referral_through_the_api(alpha, mailoutbox, sent):
    publish(alpha, data=POLICY)
    _member(alpha, "holder-a@alpha.example", codes=["competent_officer"])
    mine, other = _case(alpha), _case(alpha)
    _refer(alpha, mine, role="competent_officer")
    _refer(alpha, other, role="social_researcher")
    client, auth = api_client(alpha, "holder-a@alpha.example")
    listed = client.get("/api/v1/cases/", **auth).json()
    assert [c["reference"] for c in listed["results"]] == [mine.reference]
    detail = client.get(f"/api/v1/cases/{mine.pk}/", **auth).json()
    assert (detail["status"], detail["referral_role"]) == ("referred", "competent_officer")
    assert client.get(f"/api/v1/cases/{other.pk}/", **auth).status_code == 404
    refused = client.post(
        f"/api/v1/cases/{other.pk}/transitions/",
        {"action": "answer_referral", "note": "x"},
        content_type="application/json",
        **auth,
    )
    assert refused.status_code == 404
    assert _status(alpha, other) == CaseStatus.REFERRED
    response = client.post(
        f"/api/v1/cases/{mine.pk}/transitions/",
        {"action": "answer_referral", "note": "تم التحقق"},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "received"


def test_a_role_a_newer_version_drops_stays_with_its_holders_and_their_open_cases(
    alpha, mailoutbox, sent
):
    publish(alpha, data=POLICY)
    holder = _member(alpha, "holder-a@alpha.example", codes=["competent_officer"])
    newcomer = _member(alpha, "new@alpha.example", codes=["social_researcher"])
    case = _case(alpha)
    assert _refer(alpha, case, "competent_officer").status_code == 302
    # Version 2 refers to the social researcher only.
    publish(alpha, data={"referral_roles": ["social_researcher"]})

    admin = client_for(alpha, email=alpha.admin_email)
    page = admin.get("/app/members/?lang=en").content.decode()
    # The holder's dropped role is shown ticked, named, and marked; nobody else is offered it.
    assert "Officer in Charge (no longer in the policy)" in page
    assert page.count('value="competent_officer"') == 1
    prefix = f"member-{holder.pk}"
    kept = admin.post(
        f"/app/members/{holder.pk}/roles/",
        {f"{prefix}-role": "referral", f"{prefix}-referral_roles": ["competent_officer"]},
    )
    assert kept.status_code == 302
    api_admin, auth = api_client(alpha, alpha.admin_email)
    both = api_admin.patch(
        f"/api/v1/members/{holder.pk}/",
        {"referral_roles": ["competent_officer", "social_researcher"]},
        content_type="application/json",
        **auth,
    )
    assert both.json()["referral_roles"] == ["competent_officer", "social_researcher"]
    # The dropped role cannot be given anew.
    refused = api_admin.patch(
        f"/api/v1/members/{newcomer.pk}/?lang=en",
        {"referral_roles": ["social_researcher", "competent_officer"]},
        content_type="application/json",
        **auth,
    )
    assert refused.status_code == 400
    assert "competent_officer" in refused.json()["referral_roles"][0]

    # The case referred under version 1 is still the holder's to answer.
    holder_page = client_for(alpha, email="holder-a@alpha.example")
    assert 'value="answer_referral"' in holder_page.get(f"/app/cases/{case.pk}/").content.decode()
    with schema_context(alpha.association.schema_name):
        version = Case.objects.get(pk=case.pk).version
    answered = holder_page.post(
        f"/app/cases/{case.pk}/transitions/",
        {"action": "answer_referral", "version": version, "note": "أُجيب"},
    )
    assert answered.status_code == 302
    assert _status(alpha, case) == CaseStatus.RECEIVED
    with schema_context(alpha.association.schema_name):
        assert User.objects.get(pk=holder.pk).referral_roles == [
            "competent_officer",
            "social_researcher",
        ]


def test_the_worker_tells_the_holder_once_the_referral_committed(live_stack):
    """The live stack: gunicorn refers the case, the Celery worker sends the e-mail."""
    rawda = SignedUp("rawda-referral", "جمعية الروضة", "Rawda Society", "amal@rawda.example")
    holder_email = "huda@rawda.example"
    signup_over_http(live_stack, rawda)
    made = live_stack.manage(
        "create_api_token", "--association", rawda.slug, "--email", rawda.email
    )
    api = live_stack.http(rawda.slug)
    api.headers["Authorization"] = f"Token {made.stdout.strip().splitlines()[-1]}"

    def call(method: str, path: str, body: dict) -> dict:
        response = api.request(method, path, json=body)
        assert response.status_code in (200, 201), f"{method} {path}: {response.text[:2000]}"
        return response.json()

    call("patch", "/api/v1/policy/draft/", POLICY)
    approval = {"meeting_number": "3", "approved_on": "2025-04-24", "chair_name": "أ. نورة"}
    call("post", "/api/v1/policy/draft/approve/", approval)
    call("post", "/api/v1/policy/draft/publish/", {})
    invited = {"email": holder_email, "role": "referral", "referral_roles": ["social_researcher"]}
    call("post", "/api/v1/members/", invited)
    [invitation] = live_stack.mails_to(holder_email)
    join = re.search(r"(/app/join/\S+/)", invitation.get_content()).group(1)
    holder = live_stack.http(rawda.slug)
    joined = holder.post(
        join, data={"csrfmiddlewaretoken": holder.csrf_token(join), "password": PASSWORD + "!"}
    )
    assert joined.status_code == 302, joined.text[:2000]

    opened = {"channel": "interview", "beneficiary": BENEFICIARY, "summary": SUMMARY}
    case = call("post", "/api/v1/cases/", {**opened, "consent": True})
    with live_stack.worker_paused():
        referral = {"action": "refer", "role": "social_researcher", "note": NOTE}
        assert call("post", f"/api/v1/cases/{case['id']}/transitions/", referral)["status"] == (
            "referred"
        )
        # Committed and answered, but not sent by the web process: the worker sends it.
        assert len(live_stack.mails_to(holder_email)) == 1
    # The mail folder holds one file per sending process: its order is not the sending order.
    told = live_stack.wait_for(
        "the referral e-mail to the holder",
        lambda: [
            mail
            for mail in live_stack.mails_to(holder_email)
            if mail["Message-ID"] != invitation["Message-ID"]
        ],
    )
    assert len(told) == 1
    body = told[0].get_content()
    link = live_stack.url(f"/app/cases/{case['id']}/", slug=rawda.slug)
    assert case["reference"] in str(told[0]["Subject"]) and link in body
    for private in (BENEFICIARY["full_name"], BENEFICIARY["national_id"], SUMMARY, NOTE):
        assert private not in str(told[0]["Subject"]) + body
    page = holder.get(urlsplit(link).path)
    assert page.status_code == 200 and case["reference"] in page.text
    assert 'value="answer_referral"' in page.text
