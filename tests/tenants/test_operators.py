"""Operators live in the public schema and always need MFA."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.management import CommandError, call_command
from django_tenants.utils import schema_context

from accounts.models import User
from tests.helpers import PASSWORD, client_for, totp_code


@pytest.fixture
def operator(db):
    call_command("create_operator", email="Ops@Mustafid.example", password=PASSWORD)
    return "ops@mustafid.example"


def test_create_operator_makes_a_public_user_unknown_to_associations(operator, alpha):
    with schema_context("public"):
        assert User.objects.get(email=operator).role == User.Role.OPERATOR
    with schema_context(alpha.association.schema_name):
        assert not User.objects.filter(email=operator).exists()


def test_create_operator_refuses_a_weak_password_or_a_duplicate(operator):
    with pytest.raises(CommandError, match="password"):
        call_command("create_operator", email="new@mustafid.example", password="123")
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_operator", email=operator, password=PASSWORD)


def test_operator_without_mfa_is_sent_to_set_it_up(operator):
    client = client_for(None)
    client.post("/accounts/login/", {"login": operator, "password": PASSWORD})
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"


def test_operator_with_mfa_signs_in_with_a_code_and_reaches_the_platform(operator):
    secret = generate_totp_secret()
    with schema_context("public"):
        TOTP.activate(User.objects.get(email=operator), secret)
    client = client_for(None)
    response = client.post("/accounts/login/", {"login": operator, "password": PASSWORD})
    assert response["Location"] == "/accounts/2fa/authenticate/"
    client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert client.get("/").status_code == 200


def test_operator_cannot_sign_in_on_an_association_host(operator, alpha):
    client = client_for(alpha)
    client.post("/accounts/login/", {"login": operator, "password": PASSWORD})
    assert client.get("/app/").status_code == 302


def test_association_member_cannot_sign_in_on_the_platform_host(alpha):
    client = client_for(None)
    response = client.post("/accounts/login/", {"login": alpha.admin_email, "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
