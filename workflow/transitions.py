"""The case lifecycle as one table: (action) → allowed states, target state, roles, fields.

CONTRACT.md ("Cases") is the source; adding an action is one row here and one test.
"""

from __future__ import annotations

from dataclasses import dataclass

from accounts.models import User
from workflow.models import OPEN_STATUSES, CaseStatus

STAFF = User.Role.STAFF
COMMITTEE = User.Role.COMMITTEE
REFERRAL = User.Role.REFERRAL


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str | None  # None: the case stays where it is (the action sets a fact)
    roles: frozenset[str]  # admins may always act
    required: tuple[str, ...] = ()


TRANSITIONS: dict[str, Transition] = {
    "verify": Transition(frozenset({CaseStatus.RECEIVED}), None, frozenset({STAFF})),
    "refer": Transition(
        frozenset({CaseStatus.RECEIVED}), CaseStatus.REFERRED, frozenset({STAFF}), ("role",)
    ),
    "answer_referral": Transition(
        frozenset({CaseStatus.REFERRED}), CaseStatus.RECEIVED, frozenset({REFERRAL}), ("note",)
    ),
    "declare": Transition(
        frozenset({CaseStatus.RECEIVED}), None, frozenset({STAFF}), ("signed_by",)
    ),
    "submit_to_committee": Transition(
        frozenset({CaseStatus.RECEIVED}), CaseStatus.IN_COMMITTEE, frozenset({STAFF})
    ),
    # The target is the decision itself: accepted or rejected.
    "decide": Transition(
        frozenset({CaseStatus.IN_COMMITTEE}), None, frozenset({COMMITTEE}), ("decision",)
    ),
    "register": Transition(
        frozenset({CaseStatus.ACCEPTED}), CaseStatus.REGISTERED, frozenset({STAFF})
    ),
    "deliver": Transition(
        frozenset({CaseStatus.REGISTERED}), CaseStatus.SERVICE_DELIVERED, frozenset({STAFF})
    ),
    "close": Transition(
        frozenset({CaseStatus.SERVICE_DELIVERED, CaseStatus.REJECTED}),
        CaseStatus.CLOSED,
        frozenset({STAFF}),
    ),
    "withdraw": Transition(
        frozenset(OPEN_STATUSES), CaseStatus.WITHDRAWN, frozenset({STAFF}), ("reason",)
    ),
}


def role_may(*, user: User, action: str, referral_role_code: str = "") -> bool:
    """Whether `user`'s role allows `action` at all (states aside)."""
    transition = TRANSITIONS.get(action)
    if transition is None or not user.is_active:
        return False
    if user.role == User.Role.ADMIN:
        return True
    if user.role not in transition.roles:
        return False
    # A referral is answered by a holder of the role it was referred to.
    return action != "answer_referral" or referral_role_code in (user.referral_roles or [])
