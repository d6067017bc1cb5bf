"""Reads that bring the apps together for the workspace: a new association's setup checklist."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.selectors import member_seats_count
from publishing.models import PolicyDraft
from publishing.selectors import policy_latest_number
from tenants.models import Association


@dataclass(frozen=True)
class SetupStep:
    key: str
    title: str | Promise
    hint: str | Promise
    url: str
    done: bool


@dataclass(frozen=True)
class SetupChecklist:
    steps: list[SetupStep]

    @property
    def done_count(self) -> int:
        return sum(step.done for step in self.steps)

    @property
    def complete(self) -> bool:
        return self.done_count == len(self.steps)

    @property
    def next_step(self) -> SetupStep | None:
        return next((step for step in self.steps if not step.done), None)


def setup_checklist(*, association: Association) -> SetupChecklist:
    """What a new association still has to do before beneficiaries can reach it, in order:
    its profile (a licence number and a way to reach it), the policy configured (the draft saved
    once), the board's approval recorded, the policy published, a colleague invited. Each step
    is read from the state itself, so a step done another way (the API) counts too."""
    published = policy_latest_number() is not None
    draft = PolicyDraft.objects.only("revision", "approved_at").first()
    policy_url = reverse("policy_settings")
    steps = [
        SetupStep(
            key="profile",
            title=_("Complete the association's profile"),
            hint=_(
                "Licence number and a phone or e-mail: they head the policy and the public page."
            ),
            url=reverse("association_settings"),
            done=bool(association.license_number and (association.phones or association.emails)),
        ),
        SetupStep(
            key="policy",
            title=_("Configure the policy"),
            hint=_("Choose your channels, referral roles and the committee's deadline."),
            url=policy_url,
            done=published or (draft is not None and draft.revision > 1),
        ),
        SetupStep(
            key="approval",
            title=_("Record the board's approval"),
            hint=_("The meeting, its date and the chair who approved the policy."),
            url=policy_url + "?part=approval",
            done=published or (draft is not None and draft.approved_at is not None),
        ),
        SetupStep(
            key="publish",
            title=_("Publish the policy"),
            hint=_("Beneficiaries can then read it and, if you publish the website, apply online."),
            url=policy_url + "?part=publication",
            done=published,
        ),
        SetupStep(
            key="invite",
            title=_("Invite your colleagues"),
            hint=_("Staff who record cases and the committee that decides them."),
            url=reverse("members"),
            done=member_seats_count() > 1,
        ),
    ]
    return SetupChecklist(steps=steps)
