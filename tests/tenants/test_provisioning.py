"""Provisioning: sign-up, the command, and failures that leave nothing behind."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django_tenants.utils import schema_context, schema_exists

from tenants import services
from tenants.accounts.models import User
from tenants.models import Association, Domain
from tests.conftest import PASSWORD, client_for

SIGNUP = {
    "name_ar": "جمعية غاما للتنمية",
    "name_en": "Gamma Development",
    "slug": "gamma",
    "admin_name": "Huda",
    "email": "huda@gamma.example",
    "password": PASSWORD,
}


@pytest.mark.parametrize("strategy", ["clone", "migrate"])
def test_provisioned_association_has_every_table_and_its_admin(db, settings, strategy):
    settings.ASSOCIATION_PROVISIONING = strategy
    association, admin = services.association_provision(
        slug="delta-" + strategy,
        name_ar="جمعية دلتا",
        name_en="Delta",
        admin_email="Admin@Delta.example",
        admin_password=PASSWORD,
    )
    assert association.schema_name == f"a_delta_{strategy}"
    assert Domain.objects.get(tenant=association).domain == f"delta-{strategy}.localhost"
    with schema_context(association.schema_name):
        member = User.objects.get()
        assert member.email == "admin@delta.example"
        assert member.role == User.Role.ADMIN
        assert member.check_password(PASSWORD)
        tables = set(connection.introspection.table_names())
    assert {"accounts_user", "django_session", "authtoken_token", "mfa_authenticator"} <= tables
    assert "tenants_association" not in tables  # public data stays in public


def test_signup_lands_the_admin_signed_in_in_the_new_workspace(platform_client):
    response = platform_client.post("/signup/", SIGNUP)
    assert response.status_code == 302
    assert response["Location"].startswith("http://gamma.localhost:8000/accounts/handoff/")
    path = response["Location"].removeprefix("http://gamma.localhost:8000")

    gamma = client_for(None)
    landing = gamma.get(path, HTTP_HOST="gamma.localhost")
    assert landing["Location"] == "/app/"
    workspace = gamma.get("/app/", HTTP_HOST="gamma.localhost").content.decode()
    assert "جمعية غاما للتنمية" in workspace
    assert "Huda" in workspace

    # The handoff link works once.
    again = client_for(None).get(path, HTTP_HOST="gamma.localhost")
    assert again["Location"] == "/accounts/login/"


def test_signup_handoff_link_is_worthless_on_another_association(platform_client, alpha):
    response = platform_client.post("/signup/", SIGNUP)
    path = response["Location"].removeprefix("http://gamma.localhost:8000")
    stolen = client_for(alpha).get(path)
    assert stolen["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client_for(alpha).session


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("alpha", "already taken"),
        ("www", "reserved"),
        ("console", "reserved"),
        ("ab", "3 to 40"),
        ("Has_Caps", "3 to 40"),
        ("-edge", "3 to 40"),
        ("double--hyphen", "3 to 40"),
        ("x" * 41, "40"),
    ],
)
def test_signup_refuses_bad_slug_in_english_and_changes_nothing(platform_client, slug, message):
    before = Association.objects.count()
    response = platform_client.post("/signup/?lang=en", {**SIGNUP, "slug": slug})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Association.objects.count() == before


def test_signup_errors_are_in_arabic_by_default(platform_client):
    response = platform_client.post("/signup/", {**SIGNUP, "slug": "www", "email": "not-an-email"})
    page = response.content.decode()
    assert 'lang="ar"' in page
    assert "محجوز" in page  # reserved
    assert "بريد" in page  # the e-mail error
    assert not Association.objects.filter(slug="www").exists()


def test_signup_refuses_a_weak_password_and_changes_nothing(platform_client):
    response = platform_client.post("/signup/?lang=en", {**SIGNUP, "password": "12345678"})
    assert (
        "too common" in response.content.decode() or "entirely numeric" in response.content.decode()
    )
    assert not Association.objects.filter(slug="gamma").exists()
    assert not schema_exists("a_gamma")


def test_failed_provisioning_leaves_no_schema_and_no_row(db, monkeypatch):
    def fail(**_kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(services, "user_create", fail)
    with pytest.raises(RuntimeError):
        services.association_provision(
            slug="broken",
            name_ar="جمعية",
            name_en="Broken",
            admin_email="a@broken.example",
            admin_password=PASSWORD,
        )
    assert not Association.objects.filter(slug="broken").exists()
    assert not Domain.objects.filter(domain="broken.localhost").exists()
    assert not schema_exists("a_broken")


def test_create_association_command_prints_the_url_and_refuses_a_taken_slug(db, capsys):
    call_command(
        "create_association",
        slug="epsilon",
        name_ar="جمعية إبسلون",
        name_en="Epsilon",
        admin_email="a@epsilon.example",
        admin_password=PASSWORD,
    )
    assert capsys.readouterr().out.strip() == "http://epsilon.localhost:8000/"
    with pytest.raises(CommandError, match="already taken"):
        call_command(
            "create_association",
            slug="epsilon",
            name_ar="x",
            name_en="y",
            admin_email="b@epsilon.example",
            admin_password=PASSWORD,
        )


def test_association_slug_check_names_every_problem(db):
    with pytest.raises(ValidationError) as error:
        services.association_provision(
            slug="api", name_ar="", name_en=" ", admin_email="nope", admin_password=PASSWORD
        )
    assert set(error.value.message_dict) == {"slug", "name_ar", "name_en", "email"}
