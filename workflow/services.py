"""Case work: intake, the lifecycle's transitions, surveys. Every rule is the published policy's."""

from __future__ import annotations

import logging
import secrets
from decimal import Decimal, InvalidOperation
from functools import partial
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from billing.services import open_case_limit_check
from common import clock
from common.access_trail import AccessAction, access_record
from common.i18n import current_language
from common.saudi import ascii_digits, normalize_national_id, normalize_phone
from common.text import text_problem
from publishing.selectors import (
    PublishedPolicy,
    holidays,
    policy_published,
    policy_version_published,
)
from workflow import hooks
from workflow.deadlines import committee_due_on
from workflow.models import (
    COUNT_ANSWERED,
    COUNT_DECIDED,
    COUNT_DECIDED_ON_TIME,
    Beneficiary,
    Case,
    CaseCount,
    CaseEvent,
    CaseKind,
    CaseStatus,
    MessageLanguage,
)
from workflow.notifications import (
    beneficiary_notify,
    beneficiary_referral_notify,
    referral_holders_notify,
    request_received_notify,
    status_link_send,
)
from workflow.permissions import (
    SENSITIVE_FIELDS,
    cases_visible_to,
    edits_sensitive,
    opens_cases,
)
from workflow.selectors import case_counts_fresh
from workflow.tokens import token_hash, token_opens
from workflow.transitions import TRANSITIONS, Transition, procedure_transitions, role_may

logger = logging.getLogger(__name__)

REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read over the phone
MAX_SUMMARY = 5000
MAX_MONTHLY_INCOME = Decimal("10000000")


class CaseConflict(Exception):
    """The case changed since the client read it."""


def _reference() -> str:
    while True:
        raw = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
        reference = f"{raw[:4]}-{raw[4:]}"
        if not Case.objects.filter(reference=reference).exists():
            return reference


def beneficiary_data_clean(data) -> dict:
    """The beneficiary's details, normalised, or a ValidationError naming each bad field."""
    if not isinstance(data, dict):
        raise ValidationError({"beneficiary": [_("Give the beneficiary's details.")]})
    errors: dict[str, list[str]] = {}
    clean: dict = {}
    for field, normalise in (
        ("national_id", normalize_national_id),
        ("phone", partial(normalize_phone, mobile_only=True)),
    ):
        try:
            clean[field] = normalise(str(data.get(field) or ""))
        except ValidationError as error:
            errors[f"beneficiary.{field}"] = error.messages
    if field_error := _text(data, "full_name", 200, required=True):
        errors["beneficiary.full_name"] = [field_error]
    clean["full_name"] = str(data.get("full_name") or "").strip()
    email = str(data.get("email") or "").strip().lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["beneficiary.email"] = [_("Enter a valid e-mail address.")]
    clean["email"] = email
    if field_error := _text(data, "city", 100):
        errors["beneficiary.city"] = [field_error]
    clean["city"] = str(data.get("city") or "").strip()
    size = data.get("household_size")
    if size not in (None, ""):
        if isinstance(size, bool) or not str(size).isdigit() or not 1 <= int(size) <= 50:
            errors["beneficiary.household_size"] = [_("A household has 1 to 50 people.")]
        else:
            clean["household_size"] = int(size)
    if field_error := _text(data, "household_notes", 2000):
        errors["beneficiary.household_notes"] = [field_error]
    clean["household_notes"] = str(data.get("household_notes") or "").strip()
    # Left out when not given: a returning person keeps theirs.
    language = data.get("language")
    if language not in (None, ""):
        if language in MessageLanguage.values:
            clean["language"] = language
        else:
            errors["beneficiary.language"] = [_("Choose Arabic (ar) or English (en).")]
    errors.update(_sensitive_clean(data, clean))
    if errors:
        raise ValidationError(errors)
    if "phone" in clean and not clean["phone"].startswith("+9665"):
        raise ValidationError(
            {"beneficiary.phone": [_("Enter a mobile number such as 0512345678.")]}
        )
    return clean


def _sensitive_clean(data: dict, clean: dict) -> dict[str, list[str]]:
    """Health notes and monthly income into `clean`; the errors, by field."""
    errors: dict[str, list[str]] = {}
    if field_error := _text(data, "health_notes", 2000):
        errors["beneficiary.health_notes"] = [field_error]
    clean["health_notes"] = str(data.get("health_notes") or "").strip()
    income = data.get("monthly_income")
    if income in (None, ""):
        clean["monthly_income"] = None
        return errors
    try:
        if isinstance(income, bool):
            raise InvalidOperation
        amount = Decimal(ascii_digits(str(income)).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite() or not 0 <= amount <= MAX_MONTHLY_INCOME:
        errors["beneficiary.monthly_income"] = [
            _("Enter the monthly income in riyals, such as 3500 or 3500.50.")
        ]
    elif amount != amount.quantize(Decimal("0.01")):
        errors["beneficiary.monthly_income"] = [_("At most two decimals (halalas).")]
    else:
        clean["monthly_income"] = amount.quantize(Decimal("0.01"))
    return errors


def beneficiary_sensitive_update(*, beneficiary_id: int, actor: User, data: dict) -> Beneficiary:
    """Set the beneficiary's household, health and income details (staff and admins only)."""
    if not edits_sensitive(actor):
        raise PermissionDenied
    clean: dict = {}
    errors: dict[str, list[str]] = {}
    if field_error := _text(data, "household_notes", 2000):
        errors["household_notes"] = [field_error]
    clean["household_notes"] = str(data.get("household_notes") or "").strip()
    for field, messages in _sensitive_clean(data, clean).items():
        errors[field.removeprefix("beneficiary.")] = messages
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        beneficiary = Beneficiary.objects.select_for_update().get(pk=beneficiary_id)
        changed = [
            field for field in SENSITIVE_FIELDS if getattr(beneficiary, field) != clean[field]
        ]
        for field in changed:
            setattr(beneficiary, field, clean[field])
        beneficiary.save(update_fields=[*changed, "updated_at"])
        # The names of the fields changed, never their values: the trail is read by admins.
        access_record(
            actor=actor, action=AccessAction.UPDATE, obj=beneficiary, detail={"fields": changed}
        )
    return beneficiary


def _text(data: dict, field: str, limit: int, *, required: bool = False) -> str | None:
    return text_problem(data.get(field), limit=limit, required=required)


def beneficiary_upsert(*, data: dict, trusted: bool) -> tuple[Beneficiary, dict]:
    """Find the person by national ID (a returning beneficiary) or register them.

    Only staff (`trusted`) update a known person's details. Anyone can type a national ID into
    the online form, so there a difference is returned for staff to verify, never saved.
    """
    beneficiary, created = Beneficiary.objects.get_or_create(
        national_id=data["national_id"],
        defaults={k: v for k, v in data.items() if k != "national_id"},
    )
    if created:
        return beneficiary, {}
    changed = {
        k: v for k, v in data.items() if v not in ("", None) and getattr(beneficiary, k) != v
    }
    if not trusted:
        # The language of an online form is a new person's; staff change a known one's.
        changed.pop("language", None)
    if trusted and changed:
        for field, value in changed.items():
            setattr(beneficiary, field, value)
        beneficiary.save(update_fields=[*changed, "updated_at"])
        return beneficiary, {}
    return beneficiary, changed


def case_open(
    *,
    channel: str,
    beneficiary: dict,
    summary: str,
    consent: bool,
    actor: User | None,
    kind: str = CaseKind.REQUEST,
) -> tuple[Case, str]:
    """Open a case through a channel of the published policy; the case and its status token.

    The token is returned once (for the beneficiary's private status link) and kept only hashed.
    """
    policy = policy_published()
    errors: dict[str, list[str]] = {}
    if policy is None:
        raise ValidationError({"channel": [_("The association has not published its policy yet.")]})
    channels = {item["code"]: item for item in policy.content["channels"]}
    if channel not in channels:
        errors["channel"] = [_("This channel is not in the association's published policy.")]
    if consent is not True:
        errors["consent"] = [
            _("The beneficiary's consent to the processing of their data is required.")
        ]
    if kind not in CaseKind.values:
        errors["kind"] = [_("A request, a suggestion or a complaint.")]
    if summary_error := _text({"summary": summary}, "summary", MAX_SUMMARY, required=True):
        errors["summary"] = [summary_error]
    try:
        person = beneficiary_data_clean(beneficiary)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    if actor is None:
        # Sensitive details are taken by staff, never from an online form.
        person = {k: v for k, v in person.items() if k not in SENSITIVE_FIELDS}
        # Told in the language they wrote in, unless they asked for another (the API).
        person.setdefault("language", current_language())

    token = secrets.token_urlsafe(24)
    now = timezone.now()
    with transaction.atomic():
        # The plan's limit on open cases; a beneficiary applying online is not told about plans.
        open_case_limit_check(public=actor is None)
        person_record, unverified = beneficiary_upsert(data=person, trusted=actor is not None)
        case = Case.objects.create(
            reference=_reference(),
            kind=kind,
            beneficiary=person_record,
            channel_code=channel,
            channel_name_ar=channels[channel]["name_ar"],
            channel_name_en=channels[channel]["name_en"],
            summary=summary.strip(),
            policy_version_opened=policy.version,
            consent_given_at=now,
            status_token_hash=token_hash(token),
        )
        CaseEvent.objects.create(
            case=case,
            action="open",
            to_status=case.status,
            actor_email=actor.email if actor else "",
            data={
                "channel": channel,
                "policy_version": policy.version,
                "consent": True,
                # Details typed online that differ from the registry: staff verify them.
                **({"unverified_details": unverified} if unverified else {}),
            },
        )
        hooks.case_opened(case=case, actor_email=actor.email if actor else "")
        _counts_add(dict.fromkeys(_count_keys(case), 1))
        request_received_notify(case=case, token=token)
        if actor is not None:
            access_record(
                actor=actor, action=AccessAction.CREATE, obj=case, detail={"channel": channel}
            )
    return case, token


def case_get_for(*, actor: User, case_id, record: str | None = AccessAction.VIEW) -> Case:
    """The only way a member reaches a case: one their role may see (workflow.permissions); a
    missing and a forbidden case are alike (404). The access is recorded as `record`; None only
    where the write service called next records what it does."""
    try:
        case = (
            Case.objects.select_related("beneficiary")
            .filter(cases_visible_to(actor))
            .get(pk=int(case_id))
        )
    except (Case.DoesNotExist, TypeError, ValueError) as error:
        raise Case.DoesNotExist from error
    if record:
        access_record(actor=actor, action=record, obj=case)
    return case


def case_status_link_renew(*, case: Case, actor: User, base_url: str) -> tuple[str, bool]:
    """A new private status link for `case`, for a member who opens cases (the beneficiary lost
    theirs): only its hash is kept, so the old link cannot be shown again and stops working.
    It is e-mailed to the beneficiary when they gave an address; the timeline records the
    renewal, never the link. Returns the link and whether it was e-mailed."""
    if not opens_cases(actor):
        raise PermissionDenied
    token = secrets.token_urlsafe(24)
    with transaction.atomic():
        Case.objects.filter(pk=case.pk).update(status_token_hash=token_hash(token))
        url = f"{base_url}/request/{case.reference}/?{urlencode({'token': token})}"
        emailed = status_link_send(case=case, url=url)
        CaseEvent.objects.create(
            case=case,
            action="status_link_renewed",
            from_status=case.status,
            to_status=case.status,
            actor_email=actor.email,
            data={"how": "email" if emailed else "none"},
        )
        access_record(
            actor=actor, action=AccessAction.UPDATE, obj=case, detail={"status_link": True}
        )
    return url, emailed


def case_status_for_token(*, reference: str, token: str) -> Case | None:
    """The case behind a private status link; None for a wrong token or reference alike."""
    case = Case.objects.filter(reference=str(reference)[:12]).first()
    return case if token_opens(case.status_token_hash if case else None, token) else None


def case_for_token(*, token: str) -> Case | None:
    """The case whose private status token is `token` (the short link texted to the person)."""
    if not token:
        return None
    return Case.objects.filter(status_token_hash=token_hash(str(token)[:200])).first()


def case_policy(case: Case) -> PublishedPolicy | None:
    """The policy version `case` runs by: the one in force when it was opened (cached)."""
    return policy_version_published(number=case.policy_version_opened)


def case_actions_for(
    *, case: Case, actor: User, policy: PublishedPolicy | None = None
) -> list[str]:
    """The actions `actor` may take on `case` right now (the case page shows only these): those
    of the steps its policy version publishes."""
    policy = policy or case_policy(case)
    steps = policy.steps if policy else frozenset()
    return [
        action
        for action, transition in procedure_transitions(steps).items()
        if case.status in transition.sources
        and role_may(user=actor, action=action, referral_role_code=case.referral_role_code)
        and not _blocked(case, action, steps)
    ]


def _blocked(case: Case, action: str, steps: frozenset[str]) -> str | None:
    """Why the case's facts forbid `action` now, beyond its state (None if nothing does)."""
    if action == "verify" and case.verified_at:
        return _("The data was verified already.")
    if action == "declare" and case.declared_at:
        return _("The declaration was signed already.")
    # The decision, or delivery where nobody decides, waits for the published checks.
    unchecked = ("verify" in steps and not case.verified_at) or (
        "declare" in steps and not case.declared_at
    )
    if action == "submit_to_committee" and unchecked:
        return _("Verify the data and take the signed declaration before the committee.")
    if action == "deliver" and "decide" not in steps and unchecked:
        return _("Verify the data and take the signed declaration before delivering the service.")
    return hooks.case_action_refusal(case=case, action=action)


def case_transition_check(
    *, case_id: int, actor: User, action: str, data: dict, expected_version: int | None = None
) -> Case:
    """Raise what `case_transition` would refuse, changing nothing: an irreversible step is
    confirmed only once it could be taken. Returns the case as it is."""
    if action not in TRANSITIONS:
        raise ValidationError({"action": [_("Unknown action.")]})
    case = Case.objects.get(pk=case_id)
    _transition_refusal(
        case, actor, action, data if isinstance(data, dict) else {}, expected_version
    )
    return case


def _transition_refusal(
    case: Case, actor: User, action: str, data: dict, expected_version: int | None
) -> tuple[Transition, PublishedPolicy]:
    """The checks of one action on `case`: raises CaseConflict or a ValidationError naming the
    fields; returns the transition and the policy version it runs by."""
    if expected_version is not None and expected_version != case.version:
        raise CaseConflict()
    policy = case_policy(case)
    steps = policy.steps if policy else frozenset()
    transition = procedure_transitions(steps).get(action)
    if transition is None or policy is None:
        raise ValidationError({"action": [_("The procedure has no such step.")]})
    if not role_may(user=actor, action=action, referral_role_code=case.referral_role_code):
        raise ValidationError({"action": [_("Your role does not allow this action.")]})
    if case.status not in transition.sources:
        raise ValidationError(
            {"action": [_("This action is not possible while the case is %(status)s.")
                        % {"status": CaseStatus(case.status).label}]}
        )  # fmt: skip
    if reason := _blocked(case, action, steps):
        raise ValidationError({"action": [reason]})
    missing = [field for field in transition.required if not str(data.get(field) or "").strip()]
    if missing:
        raise ValidationError({field: [_("This field is required.")] for field in missing})
    for field in ("note", "reason", "signed_by"):
        if field in data and (problem := _text(data, field, 2000)):
            raise ValidationError({field: [problem]})
    if action == "refer" and data.get("role") not in policy.referral_role_codes:
        raise ValidationError(
            {"role": [_("Refer only to a role of the association's published policy.")]}
        )
    if action == "decide":
        decision = data.get("decision")
        if decision not in (CaseStatus.ACCEPTED, CaseStatus.REJECTED):
            raise ValidationError({"decision": [_("The decision is accepted or rejected.")]})
        if decision == CaseStatus.REJECTED and not str(data.get("reason") or "").strip():
            raise ValidationError({"reason": [_("A rejection needs its reason.")]})
    return transition, policy


def case_transition(
    *, case_id: int, actor: User, action: str, data: dict, expected_version: int | None = None
) -> Case:
    """Apply one action of the lifecycle table of the case's policy version; record it on the
    timeline. All or nothing."""
    if action not in TRANSITIONS:
        raise ValidationError({"action": [_("Unknown action.")]})
    data = data if isinstance(data, dict) else {}
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_id)
        transition, policy = _transition_refusal(case, actor, action, data, expected_version)

        before, counted = case.status, _count_keys(case)
        fields = _apply(case, action, data, policy)
        if transition.target:
            case.status = transition.target
        case.version += 1
        case.save(update_fields=[*fields, "status", "version", "updated_at"])
        event = CaseEvent.objects.create(
            case=case,
            action=action,
            from_status=before,
            to_status=case.status,
            actor_email=actor.email,
            note=str(data.get("note") or data.get("reason") or "").strip(),
            data=_event_data(case, action, data),
        )
        access_record(
            actor=actor, action=AccessAction.UPDATE, obj=case, detail={"transition": action}
        )
        if action in ("decide", "close", "answer"):
            beneficiary_notify(case=case, event=event)
        if action == "refer":
            referral_holders_notify(case=case)
            beneficiary_referral_notify(case=case, event=event)
        # Last, so that the counters' rows stay locked for as short a time as possible.
        _counts_move(counted, _count_keys(case))
    return case


def _count_keys(case: Case) -> set[str]:
    """The counters (CaseCount) `case` counts in as it stands."""
    keys = {case.status}
    if case.status == CaseStatus.CLOSED and case.answered_at is not None:
        keys.add(COUNT_ANSWERED)
    if case.decided_on is not None and case.committee_due_on is not None:
        keys.add(COUNT_DECIDED)
        if case.decided_on <= case.committee_due_on:
            keys.add(COUNT_DECIDED_ON_TIME)
    return keys


def _counts_move(before: set[str], after: set[str]) -> None:
    _counts_add({**dict.fromkeys(before - after, -1), **dict.fromkeys(after - before, 1)})


def _counts_add(deltas: dict[str, int]) -> None:
    """Add to the counters in one statement, n = n + delta, so that concurrent transactions
    stay exact; in key order, so that two of them lock the rows in the same order (no deadlock).
    A key not counted yet starts from its delta."""
    rows = sorted((key, delta) for key, delta in deltas.items() if delta)
    if not rows:
        return
    table = CaseCount._meta.db_table
    values = ", ".join(["(%s, %s)"] * len(rows))
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{table}" AS counted (key, n) VALUES {values} '  # noqa: S608 - ours
            "ON CONFLICT (key) DO UPDATE SET n = counted.n + EXCLUDED.n",
            [value for row in rows for value in row],
        )


def case_counts_rebuild() -> dict[str, int]:
    """Every counter of the current schema from a fresh count (after cases were loaded or
    changed outside the services); returns the counts. Transitions wait meanwhile: one that
    moved a case before the count commits first and is counted; one after adds to the new
    figures."""
    table = CaseCount._meta.db_table
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f'LOCK TABLE "{table}" IN EXCLUSIVE MODE')
        counts = case_counts_fresh()
        CaseCount.objects.all().delete()
        CaseCount.objects.bulk_create(CaseCount(key=key, n=n) for key, n in counts.items())
    return counts


def _apply(case: Case, action: str, data: dict, policy: PublishedPolicy) -> list[str]:
    # The day in Riyadh, on the platform's clock: its weekday sets a deadline in working days.
    today = timezone.localdate(clock.now())
    if action == "verify":
        case.verified_at = timezone.now()
        return ["verified_at"]
    if action == "refer":
        case.referral_role_code = data["role"]
        return ["referral_role_code"]
    if action == "answer_referral":
        case.referral_role_code = ""
        return ["referral_role_code"]
    if action == "declare":
        case.declared_at = timezone.now()
        case.declaration_signed_by = str(data["signed_by"]).strip()[:200]
        return ["declared_at", "declaration_signed_by"]
    if action == "submit_to_committee":
        # The deadline the case was promised when it was opened.
        case.submitted_on = today
        case.committee_due_on = committee_due_on(
            submitted_on=today,
            kind=policy.deadline_kind,
            days=policy.deadline_days,
            holidays=[holiday.day for holiday in holidays()],
        )
        case.policy_version_committee = policy.version
        return ["submitted_on", "committee_due_on", "policy_version_committee"]
    if action == "decide":
        case.status = data["decision"]
        case.decided_on = today
        case.decision_reason = str(data.get("reason") or "").strip()
        return ["decided_on", "decision_reason"]
    if action == "answer":
        case.closed_at = case.answered_at = timezone.now()
        return ["closed_at", "answered_at"]
    if action in ("close", "withdraw"):
        case.closed_at = timezone.now()
        return ["closed_at"]
    return []


def _event_data(case: Case, action: str, data: dict) -> dict:
    if action == "refer":
        return {"role": case.referral_role_code}
    if action == "submit_to_committee":
        due = case.committee_due_on.isoformat() if case.committee_due_on else None
        return {"committee_due_on": due, "policy_version": case.policy_version_committee}
    if action == "decide":
        return {"decision": case.status}
    if action == "declare":
        return {"signed_by": case.declaration_signed_by}
    return {}
