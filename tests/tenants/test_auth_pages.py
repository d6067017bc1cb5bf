"""allauth's pages and messages in the app's look and in good Arabic: an e-mail address inside an
Arabic message is isolated left-to-right; sign-out and password reset are the app's pages."""

import re

import pytest
from django.core import mail
from django.template.loader import render_to_string
from django.utils import translation

from tests.helpers import PASSWORD, client_for


def test_the_signed_in_message_isolates_the_address_left_to_right(alpha):
    client = client_for(alpha)
    response = client.post(
        "/accounts/login/", {"login": alpha.staff_email, "password": PASSWORD}, follow=True
    )
    page = response.content.decode()
    message = re.search(r'<p class="message[^"]*" role="status">(.*?)</p>', page, re.S).group(1)
    assert message == f'لقد سجلت الدخول بنجاح يا <bdi dir="ltr">{alpha.staff_email}</bdi>.'


@pytest.mark.parametrize(
    ("template", "words"),
    [
        ("email_confirmation_sent", "تم إرسال رسالة تأكيد إلى العنوان"),
        ("email_confirmed", "لقد أكدت عنوان البريد الإلكتروني"),
        ("email_deleted", ""),
        ("email_confirmation_failed", ""),
        ("cannot_delete_primary_email", ""),
    ],
)
def test_every_allauth_message_with_an_address_isolates_it_and_escapes_it(template, words):
    with translation.override("ar"):
        text = render_to_string(
            f"account/messages/{template}.txt", {"email": "<i>x</i>@alpha.example"}
        ).strip()
    assert '<bdi dir="ltr">&lt;i&gt;x&lt;/i&gt;@alpha.example</bdi>' in text
    assert "<i>" not in text
    assert words in text


def test_sign_out_is_the_apps_page_and_asks_first(alpha):
    assert (
        '<section class="panel auth-panel"'
        in client_for(alpha).get("/accounts/login/").content.decode()
    )
    client = client_for(alpha, email=alpha.staff_email)
    page = client.get("/accounts/logout/").content.decode()
    assert '<section class="panel auth-panel"' in page
    assert "هل تريد تسجيل الخروج من مستفيد على هذا الجهاز؟" in page
    assert 'class="button secondary" href="/app/"' in page
    assert client.get("/app/").status_code == 200  # still signed in: nothing happened on GET
    client.post("/accounts/logout/")
    assert client.get("/app/").status_code == 302


def test_password_reset_pages_are_the_apps_and_in_arabic(alpha, beta):
    client = client_for(alpha)
    page = client.get("/accounts/password/reset/").content.decode()
    assert "إعادة تعيين كلمة المرور" in page and 'class="form"' in page
    assert 'type="email" name="email"' in page
    response = client.post("/accounts/password/reset/", {"email": alpha.staff_email}, follow=True)
    done = response.content.decode()
    assert "تفقّد بريدك الإلكتروني" in done and 'id="reset-sent"' in done
    [sent] = mail.outbox
    link = re.search(r"http://alpha\.localhost[^\s]*/accounts/password/reset/key/\S+", sent.body)
    assert link, sent.body
    # A key from alpha's e-mail does not work on beta's host: beta's page says the link failed.
    path = link.group(0).split("localhost", 1)[1].split("/", 1)[1]
    failed = client_for(beta).get("/" + path, follow=True).content.decode()
    assert 'id="reset-link-failed"' in failed and "هذا الرابط لم يعد صالحًا" in failed
    chosen = client.get("/" + path, follow=True).content.decode()
    assert "اختر كلمة مرور جديدة" in chosen and 'name="password1"' in chosen
