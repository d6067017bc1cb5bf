"""The settings page's rules, at the service: handles cleaned, profile and bank accounts saved
all or nothing."""

import pytest
from django.core.exceptions import ValidationError

from tenants.models import Association
from tenants.services import association_settings_save, social_handles_clean


def test_handles_are_kept_bare_and_empty_ones_left_out():
    typed = {"x": "  @alpha_sa ", "instagram": "", "snapchat": "   ", "tiktok": "@not_listed"}
    assert social_handles_clean(typed) == {"x": "alpha_sa"}


def test_profile_handles_and_bank_accounts_are_saved_together(alpha):
    association_settings_save(
        association=alpha.association,
        profile={"website": "https://alpha.example"},
        social_handles={"x": "@alpha_sa"},
        bank_accounts=[{"iban": "sa32 1000 0000 0000 0012 3456", "holder_name": "جمعية ألفا"}],
    )
    saved = Association.objects.get(pk=alpha.association.pk)
    assert saved.website == "https://alpha.example"
    assert saved.social_handles == {"x": "alpha_sa"}
    assert [account.iban for account in saved.bank_accounts.all()] == ["SA3210000000000000123456"]


def test_a_refused_iban_leaves_the_profile_and_accounts_as_they_were(alpha, beta):
    before = Association.objects.get(pk=alpha.association.pk)
    with pytest.raises(ValidationError) as refused:
        association_settings_save(
            association=alpha.association,
            profile={"website": "https://changed.example"},
            social_handles={"x": "changed"},
            bank_accounts=[{"iban": "not an iban"}],
        )
    assert "bank_accounts[0]" in refused.value.message_dict
    after = Association.objects.get(pk=alpha.association.pk)
    assert (after.website, after.social_handles) == (before.website, before.social_handles)
    assert list(after.bank_accounts.all()) == list(before.bank_accounts.all())
    # The second association is untouched either way.
    assert Association.objects.get(pk=beta.association.pk).social_handles == (
        beta.association.social_handles
    )
