"""seed_demo: fictional associations modelled on the seeds, a member of every role, idempotent."""

from django.core.management import call_command
from django_tenants.utils import schema_context

from tenants.accounts.models import User
from tenants.demo import DEMO_ASSOCIATIONS
from tenants.models import Association


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


def test_demo_data_never_uses_the_seeds_real_contacts():
    text = repr(DEMO_ASSOCIATIONS)
    for real in ("ihsanhousing", "إحسان", "gmail.com", "org.sa", "1520"):
        assert real not in text
