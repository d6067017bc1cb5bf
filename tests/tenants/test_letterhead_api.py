"""PATCH /api/v1/association/: the letterhead as the association writes it, each field checked
with its own message, nothing saved on any error, and only by this association's admin."""

import pytest

from tenants.models import Association
from tests.helpers import api_client, client_for

LETTERHEAD = {
    "name_ar": "جمعية ألفا الخيرية",
    "license_label_ar": "تصريح رقم",
    "license_label_en": "Permit No.",
    "license_number": "٥٠٣١",
    "supervising_authority": "وزارة الموارد البشرية والتنمية الاجتماعية",
    "address": "",
    "postal_code": "47913",
    "phones": ["0555127571", "011 234 5678"],
    "emails": ["info@alpha.example", "alpha@gmail.example"],
    "website": "https://alpha.example",
    "social_handles": {"x": "@alpha_sa", "snapchat": "alpha.snap"},
    "bank_accounts": [
        {"bank_name": "", "iban": "SA78 8000 0430 6080 1066 6626"},
        {"bank_name": "الأهلي", "iban": "SA7810000041900000503101"},
    ],
    "basmala": True,
    "reference_header": True,
    "digits": "arabic",
}


def _patch(client, auth, data):
    return client.patch(
        "/api/v1/association/?lang=en", data, content_type="application/json", **auth
    )


def test_admin_patches_every_letterhead_field_and_reads_it_back(alpha):
    client, auth = api_client(alpha, alpha.admin_email)
    response = _patch(client, auth, LETTERHEAD)
    assert response.status_code == 200, response.json()
    body = client_for(alpha).get("/api/v1/association/").json()
    assert body["license_label_ar"] == "تصريح رقم"
    assert body["license_label_en"] == "Permit No."
    assert body["license_number"] == "5031"
    assert body["postal_code"] == "47913"
    assert body["phones"] == ["+966555127571", "+966112345678"]
    assert body["phone"] == "+966555127571"  # v1 readers: the first of the list
    assert body["emails"] == ["info@alpha.example", "alpha@gmail.example"]
    assert body["email"] == "info@alpha.example"
    assert body["social_handles"] == {"x": "alpha_sa", "snapchat": "alpha.snap"}
    assert body["bank_accounts"] == [
        {"bank_name": "مصرف الراجحي", "iban": "SA7880000430608010666626"},
        {"bank_name": "الأهلي", "iban": "SA7810000041900000503101"},
    ]
    assert (body["basmala"], body["reference_header"], body["digits"]) == (True, True, "arabic")


def test_new_associations_have_the_usual_licence_label(beta):
    body = client_for(beta).get("/api/v1/association/").json()
    assert (body["license_label_ar"], body["license_label_en"]) == ("رقم الترخيص", "Licence No.")
    assert body["basmala"] is False and body["digits"] == "latin"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"bank_accounts": [{"iban": "SA7880000430608010666627"}]},
            "bank_accounts[0]",
            "check digits",
        ),
        (
            {"bank_accounts": [{"iban": "SA78800004306080106666"}]},
            "bank_accounts[0]",
            "24 characters",
        ),
        ({"phones": ["0555127571", "12345"]}, "phones", "Phone 2"),
        ({"phones": "0555127571"}, "phones", "list"),
        ({"emails": ["info@alpha.example", "not-an-address"]}, "emails", "E-mail 2"),
        ({"postal_code": "4791"}, "postal_code", "5 digits"),
        ({"license_label_ar": "ت" * 61}, "license_label_ar", "At most 60 characters"),
        ({"name_en": "x" * 201}, "name_en", "At most 200 characters"),
        ({"address": "<script>alert(1)</script>"}, "address", "plain text"),
        (
            {"supervising_authority": '<img src=x onerror="alert(1)">'},
            "supervising_authority",
            "plain text",
        ),
        ({"social_handles": {"x": "<b>x</b>"}}, "social_handles", "handle"),
        ({"social_handles": {"myspace": "alpha"}}, "social_handles", "Unknown network"),
        ({"basmala": "yes"}, "basmala", "true or false"),
        ({"digits": "roman"}, "digits", "not a valid choice"),
        ({"website": "javascript:alert(1)"}, "website", "valid URL"),
        ({"slug": "other"}, "slug", "cannot be changed"),
    ],
)
def test_each_bad_field_is_a_400_naming_it_and_nothing_is_saved(alpha, data, field, message):
    client, auth = api_client(alpha, alpha.admin_email)
    # A good change beside the bad one: it is not saved either.
    response = _patch(client, auth, {"license_number": "1544", **data})
    assert response.status_code == 400
    errors = response.json()
    assert message in " ".join(errors[field]), errors
    saved = Association.objects.get(pk=alpha.association.pk)
    assert saved.license_number == ""
    assert not saved.bank_accounts.exists()
    assert saved.phones == [] and saved.basmala is False


def test_errors_are_given_in_arabic(alpha):
    client, auth = api_client(alpha, alpha.admin_email)
    response = client.patch(
        "/api/v1/association/",
        {"bank_accounts": [{"iban": "SA7880000430608010666627"}], "address": "<b>x</b>"},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 400
    errors = response.json()
    assert "رقم الآيبان غير صحيح" in " ".join(errors["bank_accounts[0]"]), errors
    assert "نصًا عاديًا" in " ".join(errors["address"]), errors


def test_staff_and_visitors_cannot_change_the_letterhead(alpha):
    client, auth = api_client(alpha, alpha.staff_email)
    assert _patch(client, auth, {"license_number": "1"}).status_code == 403
    assert _patch(client_for(alpha), {}, {"license_number": "1"}).status_code in (401, 403)
    assert Association.objects.get(pk=alpha.association.pk).license_number == ""


def test_another_associations_admin_cannot_change_this_letterhead(alpha, beta):
    # Beta's key on alpha's host is no key at all; on beta's host it changes beta only.
    _client, beta_auth = api_client(beta, beta.admin_email)
    response = _patch(client_for(alpha), beta_auth, {"license_number": "666"})
    assert response.status_code in (401, 403)
    beta_client, _auth = api_client(beta, beta.admin_email)
    assert _patch(beta_client, beta_auth, {"license_number": "777"}).status_code == 200
    assert Association.objects.get(pk=alpha.association.pk).license_number == ""
    assert Association.objects.get(pk=beta.association.pk).license_number == "777"
