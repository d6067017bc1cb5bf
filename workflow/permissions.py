"""Who among an association's members reaches which cases and which beneficiary details.

PDPL asks that health, income and family details reach the fewest staff who need them:
these are the only rules for that, used by the pages, the API and the CSV export alike.
"""

from __future__ import annotations

from django.db.models import Q

from accounts.models import User
from workflow.models import CaseStatus

# Health, income and family details: sensitive under PDPL.
SENSITIVE_FIELDS = ("household_notes", "health_notes", "monthly_income")
# The researcher who gathers them (staff), the committee who decides on them, the admins.
SENSITIVE_READERS = frozenset({User.Role.ADMIN, User.Role.STAFF, User.Role.COMMITTEE})
SENSITIVE_WRITERS = frozenset({User.Role.ADMIN, User.Role.STAFF})
# Beneficiary relations: who opens cases (pages and API alike).
OPENERS = frozenset({User.Role.STAFF, User.Role.ADMIN})
# States a case reaches only through the committee; a case withdrawn after it went there
# keeps its submission date.
COMMITTEE_STAGE = (
    CaseStatus.IN_COMMITTEE,
    CaseStatus.ACCEPTED,
    CaseStatus.REJECTED,
    CaseStatus.REGISTERED,
    CaseStatus.SERVICE_DELIVERED,
    CaseStatus.CLOSED,
)


def sees_sensitive(user: User) -> bool:
    return user.is_active and user.role in SENSITIVE_READERS


def edits_sensitive(user: User) -> bool:
    return user.is_active and user.role in SENSITIVE_WRITERS


def sees_every_case(user: User) -> bool:
    return user.is_active and user.role in (User.Role.ADMIN, User.Role.STAFF)


def cases_visible_to(user: User) -> Q:
    """The cases `user` may reach, as a filter on Case: admins and staff every case, committee
    members those that reached the committee, referral holders those referred to their role now.
    """
    if sees_every_case(user):
        return Q()
    if not user.is_active:
        return Q(pk__in=[])
    if user.role == User.Role.COMMITTEE:
        return Q(status__in=COMMITTEE_STAGE) | Q(submitted_on__isnull=False)
    if user.role == User.Role.REFERRAL:
        return Q(status=CaseStatus.REFERRED, referral_role_code__in=user.referral_roles or [])
    return Q(pk__in=[])


def opens_cases(user: User) -> bool:
    return user.role in OPENERS


def uploads_to(user: User, case) -> bool:
    """Staff and admins; a referral holder while the case is referred to their role (reports)."""
    if user.role in OPENERS:
        return True
    return user.role == User.Role.REFERRAL and case.referral_role_code in (
        user.referral_roles or []
    )
