"""The case lifecycle as one table: (action) → allowed states, target state, roles, fields.

CONTRACT.md ("Cases") is the source; adding an action is one row here and one test. A case
offers only the actions of the steps its policy version publishes (`procedure_transitions`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache

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
    # An enquiry answered: the case closes.
    "answer": Transition(
        frozenset({CaseStatus.RECEIVED}), CaseStatus.CLOSED, frozenset({STAFF}), ("note",)
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


# Steps that cannot be taken back (a decision told, a registration, a delivery, a case ended):
# the case page asks to confirm each, naming what cannot be undone. The API acts at once.
IRREVERSIBLE = frozenset({"answer", "decide", "register", "deliver", "close", "withdraw"})


# The published step each action belongs to; the others (close, withdraw) belong to every case.
STEP_OF = {
    "verify": "verify",
    "refer": "refer",
    "answer_referral": "refer",
    "answer": "answer",
    "declare": "declare",
    "submit_to_committee": "decide",
    "decide": "decide",
    "register": "register",
    "deliver": "deliver",
}


@cache
def procedure_transitions(steps: frozenset[str]) -> dict[str, Transition]:
    """The table of a procedure publishing `steps`: only their actions. Delivery follows the
    last step before it (registration, else the decision's acceptance, else receipt); a case
    closes once the last step of a request is done, or when it was rejected."""
    table = {
        action: transition
        for action, transition in TRANSITIONS.items()
        if action not in STEP_OF or STEP_OF[action] in steps
    }
    decided = CaseStatus.ACCEPTED if "decide" in steps else None
    registered = CaseStatus.REGISTERED if "register" in steps else decided
    if "deliver" in table:
        table["deliver"] = replace(
            table["deliver"], sources=frozenset({registered or CaseStatus.RECEIVED})
        )
    done = CaseStatus.SERVICE_DELIVERED if "deliver" in steps else registered
    closes_from = frozenset({done, CaseStatus.REJECTED if decided else None} - {None})
    if closes_from:
        table["close"] = replace(table["close"], sources=closes_from)
    else:
        del table["close"]  # nothing to see through: an answered enquiry closes itself
    return table


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
