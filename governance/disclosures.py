"""Conflict of interest: the yearly disclosure each member and board member signs once the
association's conflict-of-interest policy is published, and the register of what they disclosed.

The year is the Gregorian calendar year in Riyadh: the associations' financial year, which the
board's yearly review and the published statistics (reporting/) follow too. Members sign in the
workspace; board members, who need no workspace account, through a personal link an admin
issues (only its hash is kept). A signature is never edited: a correction is a new signed row."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from catalog.models import PolicyKind
from common import clock
from common.text import text_problem
from governance.models import BoardMember, Disclosure, InterestKind
from publishing.selectors import kind_version_latest
from workflow.tokens import token_hash

KIND = PolicyKind.CONFLICT_OF_INTEREST
# Rows of interests the form offers; a person with more signs a second disclosure.
INTEREST_ROWS = 3
MAX_NAME = 200
MAX_PARTY = 200
MAX_DESCRIPTION = 1000
BOARD_ROLE = "board"


def disclosure_year() -> int:
    """The year disclosures are due for now: the Gregorian year in Riyadh."""
    return timezone.localdate(clock.now()).year


def coi_policy_number() -> int | None:
    """The number of the conflict-of-interest policy's version in force, None unpublished."""
    version = kind_version_latest(KIND)
    return version.number if version else None


def _interests_clean(interests: list[dict]) -> tuple[list[dict], dict[str, list[str]]]:
    """The rows that were filled, cleaned; errors keyed `interest_<row>_<field>` (row from 1)."""
    cleaned, errors = [], {}
    for row, interest in enumerate(interests, start=1):
        kind = interest.get("kind") or ""
        party = interest.get("party") or ""
        description = interest.get("description") or ""
        if not (kind or str(party).strip() or str(description).strip()):
            continue  # a row left empty
        if kind not in InterestKind.values:
            errors[f"interest_{row}_kind"] = [_("Choose what kind of interest it is.")]
        for field, value, limit in (
            ("party", party, MAX_PARTY),
            ("description", description, MAX_DESCRIPTION),
        ):
            problem = text_problem(value, limit=limit, required=True, plain=True)
            if problem:
                errors[f"interest_{row}_{field}"] = [problem]
        cleaned.append(
            {"kind": kind, "party": str(party).strip(), "description": str(description).strip()}
        )
    return cleaned, errors


def disclosure_sign(
    *,
    member: User | None = None,
    board_member: BoardMember | None = None,
    signed_name,
    declared: bool,
    no_conflict: bool,
    interests: list[dict],
) -> Disclosure:
    """Record a member's or a board member's signed disclosure for this year, under the
    conflict-of-interest policy in force: «no conflict» or at least one interest (kind, party,
    description), never both; the full name typed and the declaration ticked. Every problem is
    named at once and nothing is saved."""
    if (member is None) == (board_member is None):
        raise ValueError("a disclosure is signed by one member or one board member")
    number = coi_policy_number()
    if number is None:
        raise ValidationError(
            _("The conflict-of-interest policy is not published yet: there is nothing to sign.")
        )
    cleaned, errors = _interests_clean(interests)
    problem = text_problem(signed_name, limit=MAX_NAME, required=True, plain=True)
    if problem:
        errors["signed_name"] = [problem]
    if declared is not True:
        errors["declared"] = [_("Tick the declaration to sign it.")]
    if no_conflict and cleaned:
        errors["no_conflict"] = [
            _("Either declare that you have no conflict of interest or list your interests.")
        ]
    elif not no_conflict and not cleaned and not any(k.startswith("interest_") for k in errors):
        errors["no_conflict"] = [
            _("Declare that you have no conflict of interest, or list at least one interest.")
        ]
    if errors:
        raise ValidationError(errors)
    return Disclosure.objects.create(
        year=disclosure_year(),
        member_email=member.email if member else "",
        board_member=board_member,
        role=member.role if member else BOARD_ROLE,
        signed_name=str(signed_name).strip(),
        declared=True,
        no_conflict=bool(no_conflict),
        interests=[] if no_conflict else cleaned,
        policy_version=number,
        signed_at=clock.now(),
    )


def board_member_add(*, full_name, email, actor: User) -> tuple[BoardMember, str]:
    """Add a board member and issue their personal disclosure link's token (returned once)."""
    errors = {}
    problem = text_problem(full_name, limit=MAX_NAME, required=True, plain=True)
    if problem:
        errors["full_name"] = [problem]
    email = str(email or "").strip().lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = [_("Enter a valid e-mail address.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        board_member = BoardMember.objects.create(
            full_name=str(full_name).strip(),
            email=email,
            added_at=clock.now(),
            added_by=actor.email,
        )
        _board_member, token = board_member_link_issue(board_member_id=board_member.pk)
    return board_member, token


def _board_member_locked(board_member_id) -> BoardMember:
    try:
        return BoardMember.objects.select_for_update().get(pk=int(board_member_id), active=True)
    except (TypeError, ValueError) as error:
        raise BoardMember.DoesNotExist from error


def board_member_link_issue(*, board_member_id) -> tuple[BoardMember, str]:
    """A new personal disclosure link for an active board member (the token, returned once);
    the old one stops working."""
    with transaction.atomic():
        board_member = _board_member_locked(board_member_id)
        token = secrets.token_urlsafe(24)
        board_member.link_token_hash = token_hash(token)
        board_member.link_issued_at = clock.now()
        board_member.save(update_fields=["link_token_hash", "link_issued_at"])
    return board_member, token


def board_member_remove(*, board_member_id) -> BoardMember:
    """A board member who left: no longer asked to disclose, their link stops working; what
    they signed stays in the register."""
    with transaction.atomic():
        board_member = _board_member_locked(board_member_id)
        board_member.active = False
        board_member.link_token_hash = ""
        board_member.save(update_fields=["active", "link_token_hash"])
    return board_member


def board_member_for_token(token: str) -> BoardMember | None:
    """The active board member whose personal link this is; None for any wrong link."""
    token = str(token or "")[:200]
    if not token:
        return None
    return BoardMember.objects.filter(active=True, link_token_hash=token_hash(token)).first()


# --- reads -------------------------------------------------------------------------------


def board_members_active() -> list[BoardMember]:
    return list(BoardMember.objects.filter(active=True))


def disclosures_of_member(email: str) -> list[Disclosure]:
    return list(Disclosure.objects.filter(member_email=email))


def disclosures_of_board_member(board_member: BoardMember) -> list[Disclosure]:
    return list(Disclosure.objects.filter(board_member=board_member))


@dataclass(frozen=True)
class RegisterRow:
    name: str
    email: str
    role: str  # a member's role, or "board"
    current: Disclosure | None  # the newest signed this year
    entries: int  # signed this year, corrections included

    @property
    def role_label(self) -> str:
        if self.role == BOARD_ROLE:
            return str(_("Board member"))
        return str(User.Role(self.role).label) if self.role in User.Role.values else self.role


def _concerned_members() -> list[User]:
    """Who discloses from the workspace: every member who joined and is active."""
    return list(User.objects.filter(is_active=True).exclude(role=User.Role.OPERATOR))


def disclosure_register(*, year: int) -> list[RegisterRow]:
    """Every person concerned (active members and board members) and anyone who disclosed in
    `year`, with their disclosure in force that year; those who have not disclosed first."""
    signed = list(Disclosure.objects.filter(year=year).order_by("signed_at", "pk"))
    by_member: dict[str, list[Disclosure]] = {}
    by_board: dict[int, list[Disclosure]] = {}
    for disclosure in signed:
        if disclosure.board_member_id:
            by_board.setdefault(disclosure.board_member_id, []).append(disclosure)
        else:
            by_member.setdefault(disclosure.member_email, []).append(disclosure)
    rows = []
    members = {member.email: member for member in _concerned_members()}
    for email in sorted(set(members) | set(by_member)):
        entries = by_member.get(email, [])
        member = members.get(email)
        rows.append(
            RegisterRow(
                name=(member.full_name if member else "")
                or (entries[-1].signed_name if entries else email),
                email=email,
                role=member.role if member else entries[-1].role,
                current=entries[-1] if entries else None,
                entries=len(entries),
            )
        )
    board = BoardMember.objects.filter(active=True) | BoardMember.objects.filter(pk__in=by_board)
    for board_member in board.distinct().order_by("full_name", "pk"):
        entries = by_board.get(board_member.pk, [])
        rows.append(
            RegisterRow(
                name=board_member.full_name,
                email=board_member.email,
                role=BOARD_ROLE,
                current=entries[-1] if entries else None,
                entries=len(entries),
            )
        )
    return sorted(rows, key=lambda row: row.current is not None)


def disclosures_missing(*, year: int) -> int:
    """How many people concerned have not disclosed for `year`."""
    return sum(row.current is None for row in disclosure_register(year=year))


def disclosures_of_year(*, year: int) -> list[Disclosure]:
    """Every disclosure signed in `year`, corrections included, oldest first (the CSV)."""
    return list(
        Disclosure.objects.filter(year=year)
        .select_related("board_member")
        .order_by("signed_at", "pk")
    )


def disclosure_years() -> list[int]:
    years = set(Disclosure.objects.values_list("year", flat=True).distinct())
    years.add(disclosure_year())
    return sorted(years, reverse=True)
