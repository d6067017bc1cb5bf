"""seed_demo: fictional associations configured as seeds 000, 001 and 003, a member of every
role, cases in every state their procedure reaches, idempotent."""

import json

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.models import User
from demo.associations import DEMO_ASSOCIATIONS
from tenants.models import PROFILE_FIELDS, Association
from tests.helpers import client_for
from workflow.models import Case, CaseStatus, Survey

# The states each demo procedure reaches: seed 000 answers enquiries (no committee, no
# registration), seed 003 has no registration step.
REACHED = {
    "hidaya": {"received", "referred", "closed", "withdrawn"},
    "maawa": set(CaseStatus.values),
    "maharat": set(CaseStatus.values) - {"registered"},
}
REFERRAL_ROLES = {
    "hidaya": ["public_relations_officer"],
    "maawa": ["social_researcher"],
    "maharat": ["competent_officer"],
}


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """seed_demo run once for the module, in a transaction each test runs inside (its own
    rolled-back savepoint) and that is rolled back after the last one: three associations
    provisioned once instead of once per test."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo")
        yield
        transaction.set_rollback(True)


def test_seed_demo_creates_associations_with_every_role_and_is_idempotent(seeded, db, capsys):
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
            assert statuses == REACHED[association.slug]
            holder = User.objects.get(role="referral")
            assert holder.referral_roles == REFERRAL_ROLES[association.slug]
            # Late only where the committee has a deadline in days: hidaya has no committee,
            # maharat's answers "as soon as possible".
            late = Case.objects.filter(
                status=CaseStatus.IN_COMMITTEE, committee_due_on__lt=timezone.localdate()
            )
            assert late.count() == (2 if association.slug == "maawa" else 0)
            assert Survey.objects.filter(answered_at__isnull=False).exists()


def test_demo_policies_are_configured_like_seeds_000_001_and_003(seeded, db):
    hidaya, maawa, maharat = (
        client_for(None).get("/api/v1/policy/", HTTP_HOST=f"{slug}.localhost").json()
        for slug in ("hidaya", "maawa", "maharat")
    )
    # Seed 000: five channels under its own names, no tools, an enquiry answered, no committee.
    assert [c["name_ar"] for c in hidaya["channels"]] == [
        "المقابلة",
        "الاتصالات الهاتفية",
        "وسائل التواصل الاجتماعي",
        "الخطابات",
        "الموقع الإلكتروني للجمعية",
    ]
    assert [r["code"] for r in hidaya["referral_roles"]] == ["public_relations_officer"]
    assert [s["step"] for s in hidaya["procedure"]] == ["receive", "text", "answer", "refer"]
    keys = [s["key"] for s in hidaya["sections"]]
    assert "tools" not in keys and "responsibilities" in keys
    assert hidaya["approval"]["approved_on_hijri"] == "1444-08-28"

    # Seed 001: eight channels (the website seventh), four tools, all seven steps.
    assert [c["code"] for c in maawa["channels"]] == [
        "interview",
        "phone",
        "social_media",
        "letters",
        "assistance_request",
        "volunteering",
        "website",
        "branch_representatives",
    ]
    assert maawa["tools"][3]["name_ar"] == "طلب دعم مستفيد"
    assert [r["name_ar"] for r in maawa["referral_roles"]] == ["مسئول البحث الاجتماعي"]
    assert [s["step"] for s in maawa["procedure"]] == [
        "receive", "verify", "refer", "declare", "decide", "register", "deliver",
    ]  # fmt: skip
    assert maawa["decision_body"]["name_ar"] == "لجنة البحث"
    assert maawa["committee_deadline"]["days"] == 10
    assert maawa["committee_deadline"]["kind"] == "working"
    assert maawa["committee_deadline"]["wording_ar"] == "خلال مدة لا تقل عن أسبوعين"
    assert (maawa["approval"]["meeting_number"], maawa["approval"]["approved_on"]) == (
        "5",
        "2024-08-14",
    )

    # Seed 003: the competent department, as soon as possible, no registration.
    assert [r["code"] for r in maharat["referral_roles"]] == ["competent_officer"]
    assert [s["step"] for s in maharat["procedure"]] == [
        "receive", "verify", "refer", "declare", "decide", "deliver",
    ]  # fmt: skip
    assert maharat["decision_body"]["name_ar"] == "الإدارة المختصة"
    assert maharat["committee_deadline"]["kind"] == "asap"
    assert maharat["committee_deadline"]["wording_ar"] == "بأسرع وقت ممكن"
    assert maharat["approval"]["meeting_number"] == "25/02"
    assert maharat["approval"]["approved_on_hijri"] == "1446-10-26"


def test_demo_data_never_uses_the_seeds_real_contacts(seeded, db):
    """The seeds' facts files hold their real letterheads; the demo takes none of it."""
    from tenants.models import BankAccount

    published = [
        json.dumps(
            client_for(None).get("/api/v1/policy/", HTTP_HOST=f"{slug}.localhost").json(),
            ensure_ascii=False,
        )
        for slug in ("hidaya", "maawa", "maharat")
    ]
    text = " ".join(
        [
            repr(DEMO_ASSOCIATIONS),
            *published,
            *(
                repr([getattr(a, f) for f in (*PROFILE_FIELDS, "social_handles")])
                for a in Association.objects.all()
            ),
            *(account.iban for account in BankAccount.objects.all()),
        ]
    )
    for real in (
        "ihsanhousing", "إحسان", "gmail.com", "org.sa", "1520", "5031", "1000742200",
        "وقت الحوار", "دربة", "0555127571", "الصريبطي", "SA7880000430608010666626",
    ):  # fmt: skip
        assert real not in text
