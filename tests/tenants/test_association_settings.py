"""The admin edits the association's profile and bank accounts in /app/settings/."""

import io
import re

import pytest
from PIL import Image

from tenants.models import Association
from tests.helpers import SETTINGS_FORM, client_for


def test_admin_saves_profile_and_bank_account_and_public_page_shows_them(alpha):
    client = client_for(alpha, email=alpha.admin_email)
    response = client.post("/app/settings/", SETTINGS_FORM)
    assert response.status_code == 302
    association = Association.objects.get(slug="alpha")
    assert association.phone == "+966126654321"
    assert association.phones == ["+966126654321", "+966551234567"]
    assert association.emails == ["info@alpha.example", "alpha@gmail.example"]
    assert association.license_label_ar == "تصريح رقم"
    assert association.website == "https://alpha.example"
    assert association.social_handles == {"x": "alpha_sa"}
    account = association.bank_accounts.get()
    assert account.iban == "SA3210000000000000123456"
    assert account.bank_name == "البنك الأهلي السعودي"

    page = client_for(alpha).get("/").content.decode()
    assert "1520" in page
    assert "SA32 1000 0000 0000 0012 3456" in page
    assert "تصريح رقم" in page
    assert '<bdi dir="ltr">012 665 4321</bdi>' in page
    assert '<bdi dir="ltr">055 123 4567</bdi>' in page


@pytest.mark.parametrize(
    ("iban", "message"),
    [
        ("SA32 1000 0000 0000 0012 3457", "check digits"),
        ("SA3210000000000000123", "24 characters"),
        ("not an iban", "check digits"),
    ],
)
def test_invalid_iban_is_refused_with_a_clear_message_and_nothing_changes(alpha, iban, message):
    client = client_for(alpha, email=alpha.admin_email)
    response = client.post("/app/settings/?lang=en", {**SETTINGS_FORM, "bank-0-iban": iban})
    assert response.status_code == 200
    assert message in response.content.decode()
    association = Association.objects.get(slug="alpha")
    assert association.license_number == ""
    assert not association.bank_accounts.exists()


def test_invalid_phone_and_postal_code_are_refused_in_arabic(alpha):
    client = client_for(alpha, email=alpha.admin_email)
    response = client.post(
        "/app/settings/", {**SETTINGS_FORM, "phones": "12345", "postal_code": "12"}
    )
    page = response.content.decode()
    assert "رقم الهاتف غير صحيح" in page
    assert "5 أرقام" in page
    assert Association.objects.get(slug="alpha").phone == ""


def test_staff_cannot_edit_the_profile(alpha):
    response = client_for(alpha, email=alpha.staff_email).post("/app/settings/", SETTINGS_FORM)
    assert response.status_code == 403
    assert Association.objects.get(slug="alpha").license_number == ""


def test_admin_of_another_association_cannot_edit_alpha(alpha, beta):
    client = client_for(beta, email=beta.admin_email)
    client.post("/app/settings/", {**SETTINGS_FORM, "license_number": "666"})
    assert Association.objects.get(slug="alpha").license_number == ""
    assert Association.objects.get(slug="beta").license_number == "666"


def _png() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), "green").save(buffer, format="PNG")
    buffer.seek(0)
    buffer.name = "logo.png"
    return buffer


def test_logo_is_stored_under_the_association_and_served_only_on_its_host(
    alpha, beta, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    client = client_for(alpha, email=alpha.admin_email)
    response = client.post("/app/settings/", {**SETTINGS_FORM, "logo": _png()})
    assert response.status_code == 302
    logo = Association.objects.get(slug="alpha").logo
    assert logo.name == "a_alpha/logo/logo.png"
    assert (tmp_path / "a_alpha" / "logo" / "logo.png").is_file()

    url = "/media/a_alpha/logo/logo.png"
    assert url in client_for(alpha).get("/").content.decode()
    served = client_for(alpha).get(url)
    assert served["Content-Type"] == "image/png"
    assert client_for(beta).get(url).status_code == 404
    assert client_for(beta).get("/media/a_beta/logo/../../a_alpha/logo/logo.png").status_code == 404


def test_a_refused_field_keeps_everything_typed_and_saves_nothing(alpha):
    client = client_for(alpha, email=alpha.admin_email)
    typed = {
        **SETTINGS_FORM,
        "address": "<b>حي الروضة</b>",
        "basmala": "on",
        "reference_header": "on",
    }
    response = client.post("/app/settings/?lang=en", typed)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Write plain text, without &lt; or &gt;." in page
    assert 'value="تصريح رقم"' in page and 'value="Permit No."' in page
    assert "٠١٢ ٦٦٥ ٤٣٢١\n0551234567</textarea>" in page
    assert 'value="sa32 1000 0000 0000 0012 3456"' in page
    assert re.search(r'name="basmala"[^>]*checked', page)
    saved = Association.objects.get(slug="alpha")
    assert (saved.license_number, saved.phones, saved.basmala) == ("", [], False)
    assert not saved.bank_accounts.exists()


def test_a_refused_form_asks_for_the_chosen_logo_again_beside_it(alpha, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    client = client_for(alpha, email=alpha.admin_email)
    logo = _png()
    logo.name = "<b>شعار.png"
    response = client.post("/app/settings/", {**SETTINGS_FORM, "phones": "12345", "logo": logo})
    assert response.status_code == 200
    page = response.content.decode()
    field = re.search(
        r'<div class="field[^"]*">(?:(?!<div class="field).)*name="logo".*?</div>\s*</div>',
        page,
        re.S,
    )
    assert field, "the logo field is missing"
    assert "لم يُحفظ الشعار الذي اخترته (&lt;b&gt;شعار.png)" in field.group(0)
    assert "اختر الشعار مرة أخرى" in field.group(0)
    assert "رقم الهاتف غير صحيح" in page
    assert not Association.objects.get(slug="alpha").logo
    assert not (tmp_path / "a_alpha").exists()
