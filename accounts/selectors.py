"""Reads of an association's members: the one place where "members" is counted."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db.models import Q

from accounts.models import User


def member_seats_count() -> int:
    """Seats a plan's member limit counts: active members and invitations not yet accepted
    (an invitation takes a seat)."""
    invited = Q(is_active=False, password__startswith=UNUSABLE_PASSWORD_PREFIX)  # User.is_invited
    return User.objects.filter(Q(is_active=True) | invited).count()


def members_active_count() -> int:
    """Active members, as the operators' console shows them (pending invitations left out)."""
    return User.objects.filter(is_active=True).count()


def active_member_emails(*, role: str, referral_role: str = "") -> list[str]:
    """The e-mail addresses of the active members holding `role` (and, if given, answering
    for the referral role `referral_role`), in order: who a reminder or a referral goes to."""
    members = User.objects.filter(role=role, is_active=True)
    if referral_role:
        members = members.filter(referral_roles__contains=[referral_role])
    return list(members.order_by("email").values_list("email", flat=True))


def member_names(*, emails: Iterable[str]) -> dict[str, str]:
    """The names of the members behind `emails` (those who gave one): timelines show people,
    not addresses; an address no member has any more stays as it is."""
    members = User.objects.filter(email__in=set(emails)).exclude(full_name="")
    return dict(members.values_list("email", "full_name"))
