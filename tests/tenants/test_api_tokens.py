"""API keys at rest: only a hash is stored, the key is shown once, several named keys per member
with their last use, revocation that works at once, and old plain keys carried over."""

from __future__ import annotations

import datetime
import hashlib
import importlib
import re

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.models import ApiToken, User
from accounts.tokens import api_token_create
from tests.helpers import client_for

ME = "/api/v1/me/"


def _call(tenant, key: str, path: str = ME):
    return client_for(tenant).get(path, HTTP_AUTHORIZATION=f"Token {key}")


def _every_text_value(schema: str) -> str:
    """Every text column of every row in the association's schema, as one string."""
    quote = connection.ops.quote_name
    found = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = %s"
            " AND data_type IN ('character varying', 'text', 'jsonb')",
            [schema],
        )
        for table, column in cursor.fetchall():
            cursor.execute(f"SELECT {quote(column)}::text FROM {quote(schema)}.{quote(table)}")
            found.extend(value for (value,) in cursor.fetchall() if value)
    return "\n".join(found)


def test_the_database_holds_no_key_only_its_hash(alpha):
    with schema_context(alpha.association.schema_name):
        admin = User.objects.get(email=alpha.admin_email)
        token, key = api_token_create(user=admin, name="نظام المحاسبة")
        stored = _every_text_value(alpha.association.schema_name)
    assert len(key) >= 40
    assert key not in stored and key[10:] not in stored
    assert token.digest == hashlib.sha256(key.encode()).hexdigest()
    assert _call(alpha, key).json()["email"] == alpha.admin_email


def test_a_member_has_several_named_keys_each_revoked_alone_and_last_use_is_recorded(alpha):
    with schema_context(alpha.association.schema_name):
        staff = User.objects.get(email=alpha.staff_email)
        first, first_key = api_token_create(user=staff, name="Reports")
        _second, second_key = api_token_create(user=staff, name="SMS gateway")
    assert first.last_used_at is None
    assert _call(alpha, first_key).status_code == 200
    with schema_context(alpha.association.schema_name):
        used = ApiToken.objects.get(pk=first.pk).last_used_at
    assert used is not None and timezone.now() - used < datetime.timedelta(minutes=1)

    admin = client_for(alpha, email=alpha.admin_email)
    page = admin.get("/app/members/api-keys/?lang=en").content.decode()
    assert "Reports" in page and "SMS gateway" in page and first_key[:10] in page
    assert first_key not in page and second_key not in page  # never shown again
    # Asked first, on a page of its own that names the key and what stops working.
    revoke = f"/app/members/api-keys/{first.pk}/revoke/"
    assert f'href="{revoke}"' in page
    asked = admin.get(revoke + "?lang=en").content.decode()
    assert "Reports" in asked and "cannot be restored" in asked and first_key[:10] in asked
    assert 'name="confirm" value="1"' in asked
    # A post without the confirmation (the old one-click form) only leads back to the question.
    response = admin.post(revoke)
    assert response.status_code == 302 and response["Location"] == revoke
    assert _call(alpha, first_key).status_code == 200
    response = admin.post(revoke + "?lang=en", {"confirm": "1"}, follow=True)
    assert "no longer works" in response.content.decode()
    assert _call(alpha, first_key).status_code == 401
    assert admin.get(revoke).status_code == 404  # nothing left to revoke
    assert _call(alpha, second_key).status_code == 200


def test_a_new_key_is_shown_once_on_the_page_that_made_it(alpha):
    admin = client_for(alpha, email=alpha.admin_email)
    with schema_context(alpha.association.schema_name):
        staff_id = User.objects.get(email=alpha.staff_email).pk
    made = admin.post("/app/members/api-keys/?lang=en", {"user": staff_id, "name": "Export"})
    assert made.status_code == 200 and made["Cache-Control"] == "no-store"
    html = made.content.decode()
    [key] = re.findall(r'<code dir="ltr">([A-Za-z0-9_-]{40})</code>', html)
    assert "Copy the key now" in html
    assert _call(alpha, key).json()["email"] == alpha.staff_email
    assert key not in admin.get("/app/members/api-keys/").content.decode()


def test_bad_input_on_the_keys_page_says_what_is_wrong_and_makes_nothing(alpha):
    admin = client_for(alpha, email=alpha.admin_email)
    response = admin.post("/app/members/api-keys/?lang=en", {"user": "999999", "name": ""})
    assert response.status_code == 200
    html = response.content.decode()
    assert "This field is required." in html and "Select a valid choice." in html
    with schema_context(alpha.association.schema_name):
        assert not ApiToken.objects.exists()


@pytest.mark.parametrize(
    "header", ["Token", "Token a b", "Token " + "x" * 40, "Token short", "Token \u00e9" * 3]
)
def test_a_wrong_key_is_a_clear_401(alpha, header):
    response = client_for(alpha).get(ME, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["detail"]


def test_a_key_of_another_association_or_of_a_member_who_left_does_not_work(alpha, beta):
    with schema_context(alpha.association.schema_name):
        staff = User.objects.get(email=alpha.staff_email)
        _token, key = api_token_create(user=staff, name="x")
    assert _call(alpha, key).status_code == 200  # works at home first
    assert _call(beta, key).status_code == 401
    beta_admin = client_for(beta, email=beta.admin_email)
    with schema_context(alpha.association.schema_name):
        token_id = ApiToken.objects.get().pk
    assert beta_admin.get(f"/app/members/api-keys/{token_id}/revoke/").status_code == 404
    revoked = beta_admin.post(f"/app/members/api-keys/{token_id}/revoke/", {"confirm": "1"})
    assert revoked.status_code == 404
    assert _call(alpha, key).status_code == 200  # beta's admin revoked nothing of alpha's
    with schema_context(alpha.association.schema_name):
        User.objects.filter(pk=staff.pk).update(is_active=False)
    assert _call(alpha, key).status_code == 401


def test_old_plain_keys_keep_working_as_hashes_and_the_plain_table_goes(alpha):
    legacy = "0123456789abcdef0123456789abcdef01234567"
    migration = importlib.import_module("accounts.migrations.0003_api_tokens_from_authtoken")
    schema = alpha.association.schema_name
    with schema_context(schema), connection.cursor() as cursor:
        admin = User.objects.get(email=alpha.admin_email)
        # The table as DRF's authtoken made it, with one key in plain text.
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamptz,"
            " user_id bigint)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token VALUES (%s, '2025-05-01T09:00:00+03:00', %s)",
            [legacy, admin.pk],
        )

        class Editor:
            pass

        editor = Editor()
        editor.connection = connection
        migration.hash_legacy_keys(django_apps, editor)
        assert "authtoken_token" not in connection.introspection.table_names(cursor)
        [token] = ApiToken.objects.all()
        assert token.created_at.date() == datetime.date(2025, 5, 1)
    assert legacy not in _every_text_value(schema)
    assert _call(alpha, legacy).json()["email"] == alpha.admin_email


def test_the_api_keys_page_is_arabic_by_default(alpha):
    admin = client_for(alpha, email=alpha.admin_email)
    page = admin.get("/app/members/api-keys/").content.decode()
    assert "مفاتيح الواجهة البرمجية" in page and "إنشاء مفتاح" in page
    assert "لا يملك أي عضو مفتاحًا بعد." in page
    for english in ("API keys", "Make a key", "Begins with", "No member has an API key"):
        assert english not in page, english
