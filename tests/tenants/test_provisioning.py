"""Provisioning: sign-up, the command, and failures that leave nothing behind."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django_tenants.utils import schema_context, schema_exists

from accounts.models import User
from tenants.models import Association, Domain
from tests.helpers import PASSWORD, client_for
from workspace import provisioning as services

SIGNUP = {
    "name_ar": "جمعية غاما للتنمية",
    "name_en": "Gamma Development",
    "slug": "gamma",
    "admin_name": "Huda",
    "email": "huda@gamma.example",
    "password": PASSWORD,
}


@pytest.mark.parametrize("strategy", ["clone", "migrate", "snapshot"])
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
    assert {"accounts_user", "django_session", "accounts_apitoken", "mfa_authenticator"} <= tables
    assert "tenants_association" not in tables  # public data stays in public


def _schema_shape(schema: str) -> dict[str, list]:
    """Columns, constraints, indexes, triggers and migration records of a schema, by name."""
    queries = {
        "columns": """SELECT table_name, column_name, data_type, is_nullable,
                             regexp_replace(coalesce(column_default, ''), %(schema)s, 'S', 'g')
                      FROM information_schema.columns WHERE table_schema = %(schema)s""",
        "constraints": """SELECT conrelid::regclass::text ~ '.', conname,
                                 regexp_replace(pg_get_constraintdef(c.oid), %(schema)s, 'S', 'g')
                          FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
                          WHERE n.nspname = %(schema)s""",
        "indexes": """SELECT tablename, indexname,
                             regexp_replace(indexdef, %(schema)s, 'S', 'g')
                      FROM pg_indexes WHERE schemaname = %(schema)s""",
        "triggers": """SELECT event_object_table, trigger_name, event_manipulation
                       FROM information_schema.triggers WHERE trigger_schema = %(schema)s""",
        "migrations": "SELECT app, name FROM {schema}.django_migrations",
    }
    shape = {}
    with connection.cursor() as cursor:
        for name, query in queries.items():
            cursor.execute(query.replace("{schema}", f'"{schema}"'), {"schema": schema})
            shape[name] = sorted(tuple(map(_normalized, row)) for row in cursor.fetchall())
    return shape


def _normalized(value):
    # PostgreSQL prints a CHECK read back from a dump with its casts placed differently:
    # ARRAY[('a'::character varying)::text] and (ARRAY['a'::character varying])::text[] agree.
    if not isinstance(value, str):
        return value
    return re.sub(r"::[a-z ]+(\[\])?|[()\s]", "", value)


def test_a_snapshot_schema_is_the_same_as_a_migrated_one(db, settings):
    made = {}
    for strategy in ("migrate", "snapshot"):
        settings.ASSOCIATION_PROVISIONING = strategy
        association, _admin = services.association_provision(
            slug=f"shape-{strategy}",
            name_ar="جمعية الشكل",
            name_en="Shape",
            admin_email=f"admin@shape-{strategy}.example",
            admin_password=PASSWORD,
        )
        made[strategy] = _schema_shape(association.schema_name)
    for part in ("columns", "constraints", "indexes", "triggers", "migrations"):
        assert made["snapshot"][part] == made["migrate"][part], part
    assert len(made["snapshot"]["triggers"]) >= 2  # the immutable policy versions, at least
    assert len(made["snapshot"]["migrations"]) > 20


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
