"""An operator with TOTP, signed in through the real login and MFA step, on the platform host."""

from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from django_tenants.utils import schema_context

from accounts.services import operator_create
from tests.helpers import PASSWORD, client_for, totp_code

OPERATOR = "ops@mustafid.example"


@pytest.fixture
def operator_secret(db) -> str:
    """The TOTP secret of a fresh operator (allauth's own activation, as the enrolment page does)."""
    secret = generate_totp_secret()
    with schema_context("public"):
        TOTP.activate(operator_create(email=OPERATOR, password=PASSWORD), secret)
    return secret


def operator_sign_in(client: Client, secret: str) -> Client:
    response = client.post("/accounts/login/", {"login": OPERATOR, "password": PASSWORD})
    assert response["Location"] == "/accounts/2fa/authenticate/"
    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert response.status_code == 302, "the TOTP code was refused"
    return client


@pytest.fixture
def console(operator_secret) -> Client:
    """The operator's client, signed in with password and TOTP code, in English."""
    return operator_sign_in(client_for(None), operator_secret)
