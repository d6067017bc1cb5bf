"""Members: invitations by the admin, roles, sign-in with MFA, API tokens."""

import re

import pytest
from allauth.mfa.totp.internal.auth import (
    TOTP,
    generate_totp_secret,
)
from django.core.management import CommandError, call_command
from django_tenants.utils import schema_context

from accounts.models import User
from tests.helpers import PASSWORD, client_for, totp_code


def _invite(tenant, mailoutbox, email="sara@alpha.example", role="committee"):
    client = client_for(tenant, email=tenant.admin_email)
    response = client.post("/app/members/", {"email": email, "full_name": "سارة", "role": role})
    assert response.status_code == 302
    link = re.search(r"http://\S+/app/join/\S+/", mailoutbox[-1].body).group(0)
    return link.split(":8000", 1)[1]


def test_admin_invites_a_member_who_joins_with_a_password_and_signs_in(alpha, mailoutbox):
    path = _invite(alpha, mailoutbox)
    assert mailoutbox[-1].to == ["sara@alpha.example"]
    with schema_context(alpha.association.schema_name):
        invited = User.objects.get(email="sara@alpha.example")
        assert invited.role == User.Role.COMMITTEE
        assert not invited.is_active

    joining = client_for(alpha)
    assert "sara@alpha.example" in joining.get(path).content.decode()
    response = joining.post(path, {"password": "Another-strong-2026"})
    assert response["Location"] == "/app/"
    assert "سارة" in joining.get("/app/").content.decode()

    # The link is spent once used.
    assert client_for(alpha).get(path).status_code == 404
    fresh = client_for(alpha)
    fresh.post(
        "/accounts/login/", {"login": "sara@alpha.example", "password": "Another-strong-2026"}
    )
    assert fresh.get("/app/").status_code == 200


def test_invitation_link_is_worthless_on_another_association(alpha, beta, mailoutbox):
    path = _invite(alpha, mailoutbox)
    assert client_for(beta).get(path).status_code == 404
    client_for(beta).post(path, {"password": "Another-strong-2026"})
    with schema_context(alpha.association.schema_name):
        assert not User.objects.get(email="sara@alpha.example").is_active


def test_inviting_an_existing_member_is_refused_and_sends_nothing(alpha, mailoutbox):
    client = client_for(alpha, email=alpha.admin_email)
    response = client.post(
        "/app/members/?lang=en", {"email": alpha.staff_email, "full_name": "", "role": "staff"}
    )
    assert "already exists" in response.content.decode()
    assert mailoutbox == []


def test_weak_password_when_joining_is_refused_and_member_stays_inactive(alpha, mailoutbox):
    path = _invite(alpha, mailoutbox)
    response = client_for(alpha).post(path + "?lang=en", {"password": "password"})
    assert "too common" in response.content.decode()
    with schema_context(alpha.association.schema_name):
        assert not User.objects.get(email="sara@alpha.example").is_active


@pytest.mark.parametrize("role", ["staff", "committee", "referral"])
def test_only_admins_reach_the_members_page(alpha, role):
    with schema_context(alpha.association.schema_name):
        User.objects.create_user(f"{role}2@alpha.example", PASSWORD, role=role)
    client = client_for(alpha, email=f"{role}2@alpha.example")
    assert client.get("/app/members/").status_code == 403
    assert client.get("/app/").status_code == 200


def test_members_page_lists_only_this_associations_members(alpha, beta):
    page = client_for(alpha, email=alpha.admin_email).get("/app/members/").content.decode()
    assert alpha.staff_email in page
    assert beta.staff_email not in page


def test_admin_with_mfa_enabled_must_give_a_code_to_sign_in(alpha):
    secret = generate_totp_secret()
    with schema_context(alpha.association.schema_name):
        TOTP.activate(User.objects.get(email=alpha.admin_email), secret)
    client = client_for(alpha)
    response = client.post("/accounts/login/", {"login": alpha.admin_email, "password": PASSWORD})
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert client.get("/app/").status_code == 302  # not signed in yet
    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200
    assert client.get("/app/").status_code == 302
    client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert client.get("/app/").status_code == 200


def test_create_api_token_command_prints_a_token_that_works_only_on_its_host(alpha, beta, capsys):
    call_command("create_api_token", association="alpha", email=alpha.staff_email)
    token = capsys.readouterr().out.strip()
    me = client_for(alpha).get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}").json()
    assert me["email"] == alpha.staff_email
    assert me["role"] == "staff"
    assert (
        client_for(beta).get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 401
    )


def test_create_api_token_command_refuses_unknown_association_or_member(alpha):
    with pytest.raises(CommandError, match="No association"):
        call_command("create_api_token", association="nowhere", email=alpha.staff_email)
    with pytest.raises(CommandError, match="No member"):
        call_command("create_api_token", association="beta", email=alpha.staff_email)
