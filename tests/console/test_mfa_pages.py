"""The two-step sign-in pages in the app's look and in plain Arabic: enrolment straight after
signing in (no second password), a code field a phone fills, the key wrapped and left-to-right,
recovery codes, and a way on to the console; the code asked at sign-in on an association."""

import re

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.services import operator_create
from tests.console.conftest import OPERATOR
from tests.helpers import PASSWORD, client_for, totp_code

SECRET = re.compile(r'<code id="authenticator_secret" dir="ltr">([A-Z2-7]+)</code>')


def test_an_operator_enrols_right_after_signing_in_and_is_led_on_to_the_console(db, tasks_inline):
    with schema_context("public"):
        operator_create(email=OPERATOR, password=PASSWORD)
    client = client_for(None)
    client.post("/accounts/login/", {"login": OPERATOR, "password": PASSWORD})
    response = client.get("/accounts/2fa/totp/activate/")
    assert response.status_code == 200  # not the password again
    page = response.content.decode()
    assert "إعداد رمز التحقق" in page
    assert 'inputmode="numeric" autocomplete="one-time-code"' in page
    assert '<img src="data:image/svg+xml' in page  # the QR code
    assert "كود المصدق" not in page
    secret = SECRET.search(page).group(1)

    wrong = client.post("/accounts/2fa/totp/activate/", {"code": "000000"}).content.decode()
    assert "الرمز غير صحيح" in wrong
    done = client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
    assert done["Location"] == "/accounts/2fa/recovery-codes/"
    codes = client.get(done["Location"]).content.decode()
    assert "رموز الاسترداد" in codes
    assert len(re.findall(r"<li><code>[0-9a-f]{8}</code></li>", codes)) == 10
    assert 'href="/console/"' in codes and "المتابعة إلى لوحة التشغيل" in codes
    assert client.get("/console/").status_code == 200


def test_a_member_with_mfa_gives_the_code_on_a_page_of_the_app(alpha):
    secret = generate_totp_secret()
    with schema_context(alpha.association.schema_name):
        TOTP.activate(User.objects.get(email=alpha.admin_email), secret)
    client = client_for(alpha)
    client.post("/accounts/login/", {"login": alpha.admin_email, "password": PASSWORD})
    page = client.get("/accounts/2fa/authenticate/").content.decode()
    assert 'autocomplete="one-time-code"' in page
    assert "رمز التحقق" in page and "كود المصدق" not in page
    assert 'action="/accounts/logout/"' in page  # a way out, apart from the code's button
    client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert client.get("/app/").status_code == 200
