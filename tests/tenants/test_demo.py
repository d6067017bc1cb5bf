"""seed_demo: fictional associations modelled on the seeds, a member of every role, idempotent."""

from django.core.management import call_command
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.models import User
from demo.associations import DEMO_ASSOCIATIONS
from tenants.models import Association
from workflow.models import Case, CaseStatus, Survey


def test_seed_demo_creates_associations_with_every_role_and_is_idempotent(db, capsys):
    call_command("seed_demo")
    call_command("seed_demo")
    output = capsys.readouterr().out
    assert "http://hidaya.localhost:8000/" in output
    assert "admin@maawa.example" in output
    slugs = [spec["slug"] for spec in DEMO_ASSOCIATIONS]
    assert Association.objects.filter(slug__in=slugs).count() == len(slugs) >= 2
    for association in Association.objects.filter(slug__in=slugs):
        assert association.bank_accounts.exists()
        with schema_context(association.schema_name):
            roles = set(User.objects.values_list("role", flat=True))
            assert roles == {"admin", "staff", "committee", "referral"}
            assert User.objects.count() == 4
            statuses = set(Case.objects.values_list("status", flat=True))
            assert statuses == set(CaseStatus.values)
            assert (
                Case.objects.filter(
                    status=CaseStatus.IN_COMMITTEE, committee_due_on__lt=timezone.localdate()
                ).exists()
                or association.slug == "maharat"
            )  # maharat answers "as soon as possible"
            assert Survey.objects.filter(answered_at__isnull=False).exists()


def test_demo_policies_are_configured_like_seeds_000_001_and_003(db):
    from tests.helpers import client_for

    call_command("seed_demo")
    hidaya, maawa, maharat = (
        client_for(None).get("/api/v1/policy/", HTTP_HOST=f"{slug}.localhost").json()
        for slug in ("hidaya", "maawa", "maharat")
    )
    assert len(hidaya["channels"]) == 5
    assert [r["code"] for r in hidaya["referral_roles"]] == ["public_relations_officer"]
    keys = [s["key"] for s in hidaya["sections"]]
    assert "tools" not in keys and "responsibilities" in keys
    assert hidaya["approval"]["approved_on_hijri"] == "1444-08-28"

    assert len(maawa["channels"]) == 8 and len(maawa["tools"]) == 4
    assert [r["code"] for r in maawa["referral_roles"]] == ["social_researcher"]
    assert (maawa["committee_deadline"]["days"], maawa["committee_deadline"]["kind"]) == (
        10,
        "working",
    )
    assert (maawa["approval"]["meeting_number"], maawa["approval"]["approved_on"]) == (
        "5",
        "2024-08-14",
    )

    assert [r["code"] for r in maharat["referral_roles"]] == ["competent_officer"]
    assert maharat["committee_deadline"]["kind"] == "asap"
    assert maharat["committee_deadline"]["days"] is None
    assert maharat["approval"]["meeting_number"] == "25/02"
    assert maharat["approval"]["approved_on_hijri"] == "1446-10-26"


def test_demo_data_never_uses_the_seeds_real_contacts():
    text = repr(DEMO_ASSOCIATIONS)
    for real in ("ihsanhousing", "إحسان", "gmail.com", "org.sa", "1520"):
        assert real not in text
