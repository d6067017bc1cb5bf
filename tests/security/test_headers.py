"""Security headers on every kind of response, and production settings that pass Django's own
deployment check."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet

from tests.helpers import client_for
from tests.live import ROOT

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "img-src": "'self' data:",
}


def _directives(header: str) -> dict[str, str]:
    parts = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return {name: (rest[0] if rest else "") for name, *rest in parts}


@pytest.mark.parametrize(
    "host, path",
    [
        ("alpha", "/"),
        ("alpha", "/policy/"),
        ("alpha", "/accounts/login/"),
        ("alpha", "/app/"),  # a redirect to sign in
        ("alpha", "/api/v1/me/"),  # a JSON 401
        ("alpha", "/no-such-page/"),  # a 404 page
        ("platform", "/"),
        ("platform", "/signup/"),
        ("nowhere", "/"),  # an unknown host
    ],
)
def test_every_response_carries_the_security_headers(alpha, host, path):
    client = client_for(None if host == "platform" else alpha)
    if host == "nowhere":
        client = client_for(None)
        client.defaults["HTTP_HOST"] = "nowhere.localhost"
    response = client.get(path)
    csp = _directives(response["Content-Security-Policy"])
    for name, sources in CSP.items():
        assert csp[name] == sources, f"{path}: {name} is {csp.get(name)!r}"
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    assert csp["form-action"].startswith("'self'")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    if host != "nowhere":  # answered before Django's frame middleware; frame-ancestors holds
        assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]


def test_the_redirects_after_our_forms_are_form_actions_the_browser_may_follow(alpha):
    # Chromium checks a redirect after a form's POST against form-action: without them, sign-up
    # (handed over to the association's host) and "subscribe" (Stripe) would stop at a blank page.
    csp = _directives(client_for(alpha).get("/")["Content-Security-Policy"])
    sources = csp["form-action"].split()
    assert sources[:4] == [
        "'self'",
        "http://*.localhost:8000",
        "https://checkout.stripe.com",
        "https://billing.stripe.com",
    ]
    assert "*" not in sources and "https:" not in sources and "http:" not in sources


# Documents with their own styles that are never served as a page of the site.
NOT_PAGES = {
    "publishing/templates/publishing/policy_pdf.html",  # rendered to PDF by WeasyPrint
    "templates/privacy/export_report.html",  # inside the ZIP handed to the person, opened offline
}


def test_no_template_or_script_of_ours_has_inline_code():
    """What the CSP would block must not be there to begin with."""
    offenders = []
    folders = ["templates", "platform_core", "publishing", "workflow", "tenants"] + [
        name for name in ("privacy", "audit", "breaches") if (ROOT / name).is_dir()
    ]
    for folder in folders:
        for path in (ROOT / folder).rglob("*.html"):
            if str(path.relative_to(ROOT)) in NOT_PAGES:
                continue
            text = path.read_text(encoding="utf-8")
            for needle in ("<script>", "<script ", "style=", "<style", "javascript:"):
                for line in text.splitlines():
                    if needle in line and not ("<script " in line and 'src="' in line):
                        offenders.append(f"{path.relative_to(ROOT)}: {line.strip()}")
            for handler in (" onclick=", " onchange=", " onsubmit=", " onload=", " oninput="):
                if handler in text:
                    offenders.append(f"{path.relative_to(ROOT)}: {handler.strip()}")
    assert not offenders, "inline code the CSP blocks:\n" + "\n".join(sorted(set(offenders)))


def test_the_access_log_keeps_no_token_no_address_and_no_referrer(live_stack):
    """A follow-up link's token (in its query, and repeated by the next page's referrer) and
    the client's address stay out of gunicorn's access log."""
    token, referred = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    path = "/whistleblowing/WLOG-TEST/"
    live_stack.http().get(
        f"{path}?token={token}",
        headers={"Referer": f"{live_stack.base_url}/complaints/C/?token={referred}"},
    )
    [line] = live_stack.wait_for(
        "the access log's line",
        lambda: [line for line in live_stack.log("gunicorn").splitlines() if f"GET {path}" in line],
    )
    assert f'"GET {path} HTTP/1.1" 404' in line, line
    for kept in (token, referred, "127.0.0.1", "python-requests"):
        assert kept not in line, line


def _production_env(**changes) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECURE_", "DEBUG"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "platform_core.settings",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DEBUG": "0",
            "PLATFORM_BASE_URL": "https://mustafid.example",
            "ALLOWED_HOSTS": "mustafid.example,.mustafid.example",
            "TRUST_X_FORWARDED_FOR": "1",
        }
        | changes
    )
    return env


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_production_env())
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output, output


def test_check_deploy_complains_about_a_weak_production_configuration():
    """The check above is not vacuous: plain HTTP and a short key are reported."""
    env = _production_env(PLATFORM_BASE_URL="http://mustafid.example", SECRET_KEY="short")
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W009", "security.W012"):
        assert warning in output, output


def test_production_refuses_the_tests_clock_offset():
    """The live tests' clock seam cannot move a real platform's deadlines and rate limits."""
    env = _production_env(MUSTAFID_CLOCK_OFFSET_SECONDS="3600")
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "MUSTAFID_CLOCK_OFFSET_SECONDS moves the platform's clock for tests" in result.stderr


def test_a_bad_encryption_key_stops_the_start_not_the_first_sms():
    good = Fernet.generate_key().decode()
    assert _manage("check", env=_production_env(ENCRYPTION_KEYS=good)).returncode == 0
    result = _manage("check", env=_production_env(ENCRYPTION_KEYS=f"{good},not-a-key"))
    assert result.returncode != 0
    assert "ENCRYPTION_KEYS: key 2 is not a Fernet key" in result.stderr, result.stderr[-2000:]


PRINT_SETTINGS = (
    "from django.conf import settings as s; print(s.SECURE_HSTS_SECONDS, "
    "s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, "
    "s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE, s.CSRF_COOKIE_SECURE, "
    "s.CSRF_COOKIE_HTTPONLY, s.SECURE_PROXY_SSL_HEADER, s.ALLAUTH_TRUSTED_PROXY_COUNT)"
)


def test_production_turns_on_hsts_https_and_secure_cookies():
    result = _manage("shell", "-c", PRINT_SETTINGS, env=_production_env())
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[-2] == (
        "31536000 True True True True Lax True True ('HTTP_X_FORWARDED_PROTO', 'https') 1"
    )


def test_without_our_proxy_the_forwarded_scheme_and_address_are_not_believed():
    # Anyone can send X-Forwarded-Proto or X-Forwarded-For to a server that is reached directly.
    env = _production_env()
    del env["TRUST_X_FORWARDED_FOR"]
    result = _manage("shell", "-c", PRINT_SETTINGS, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[-2].endswith("True None 0")
