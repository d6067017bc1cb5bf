"""The letterhead's rules, at the service: handles cleaned, profile and bank accounts saved all
or nothing, every problem named by its field."""

import pytest
from django.core.exceptions import ValidationError

from tenants.models import Association
from tenants.services import association_profile_update


def test_handles_are_kept_bare_and_empty_ones_left_out(alpha):
    typed = {"x": "  @alpha_sa ", "instagram": "", "snapchat": "   ", "tiktok": "@alpha.tk"}
    saved = association_profile_update(
        association=alpha.association, data={"social_handles": typed}
    )
    assert saved.social_handles == {"x": "alpha_sa", "tiktok": "alpha.tk"}


def test_profile_handles_and_bank_accounts_are_saved_together(alpha):
    association_profile_update(
        association=alpha.association,
        data={
            "website": "https://alpha.example",
            "social_handles": {"x": "@alpha_sa"},
            "bank_accounts": [
                {"iban": "sa32 1000 0000 0000 0012 3456", "holder_name": "جمعية ألفا"}
            ],
        },
    )
    saved = Association.objects.get(pk=alpha.association.pk)
    assert saved.website == "https://alpha.example"
    assert saved.social_handles == {"x": "alpha_sa"}
    account = saved.bank_accounts.get()
    assert account.iban == "SA3210000000000000123456"
    assert account.bank_name == "البنك الأهلي السعودي"  # named from the IBAN's bank code


def test_a_v1_phone_becomes_the_first_of_the_phones(alpha):
    association_profile_update(
        association=alpha.association, data={"phones": ["0112345678", "0551234567"]}
    )
    saved = association_profile_update(association=alpha.association, data={"phone": "0126654321"})
    assert saved.phones == ["+966126654321", "+966551234567"]
    assert saved.phone == "+966126654321"


def test_a_refused_iban_leaves_the_profile_and_accounts_as_they_were(alpha, beta):
    before = Association.objects.get(pk=alpha.association.pk)
    with pytest.raises(ValidationError) as refused:
        association_profile_update(
            association=alpha.association,
            data={
                "website": "https://changed.example",
                "social_handles": {"x": "changed"},
                "bank_accounts": [{"iban": "not an iban"}],
            },
        )
    assert "bank_accounts[0]" in refused.value.message_dict
    after = Association.objects.get(pk=alpha.association.pk)
    assert (after.website, after.social_handles) == (before.website, before.social_handles)
    assert list(after.bank_accounts.all()) == list(before.bank_accounts.all())
    # The second association is untouched either way.
    assert Association.objects.get(pk=beta.association.pk).social_handles == (
        beta.association.social_handles
    )
