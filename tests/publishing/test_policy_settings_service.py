"""The policy settings page's rule, at the service: the draft and the holidays are saved
together or not at all."""

import datetime

import pytest
from django_tenants.utils import schema_context

from publishing import services
from publishing.models import Holiday, PolicyDraft

NATIONAL_DAY = (datetime.date(2026, 9, 23), "اليوم الوطني")


def test_draft_and_holidays_are_saved_together(alpha, beta):
    with schema_context(alpha.association.schema_name):
        draft = services.policy_draft_ensure()
        services.policy_settings_save(
            data={"channels": ["phone"]}, revision=draft.revision, holidays=[NATIONAL_DAY]
        )
        assert [channel["code"] for channel in PolicyDraft.objects.get().channels] == ["phone"]
        assert list(Holiday.objects.values_list("day", "name")) == [NATIONAL_DAY]
    with schema_context(beta.association.schema_name):
        assert not Holiday.objects.exists()


def test_a_stale_revision_changes_neither_the_draft_nor_the_holidays(alpha):
    with schema_context(alpha.association.schema_name):
        draft = services.policy_draft_ensure()
        channels = list(draft.channels)
        with pytest.raises(services.PolicyConflict):
            services.policy_settings_save(
                data={"channels": ["phone"]}, revision=draft.revision + 1, holidays=[NATIONAL_DAY]
            )
        assert PolicyDraft.objects.get().channels == channels
        assert not Holiday.objects.exists()


def test_a_failure_saving_the_holidays_leaves_the_draft_as_it_was(alpha, monkeypatch):
    def refused(**_kwargs):
        raise RuntimeError("holidays refused")

    monkeypatch.setattr(services, "holidays_replace", refused)
    with schema_context(alpha.association.schema_name):
        draft = services.policy_draft_ensure()
        channels = list(draft.channels)
        with pytest.raises(RuntimeError):
            services.policy_settings_save(
                data={"channels": ["phone"]}, revision=draft.revision, holidays=[NATIONAL_DAY]
            )
        assert PolicyDraft.objects.get().channels == channels
