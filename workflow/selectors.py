"""Reads of case work: the workspace's list, search and dashboard figures."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import User
from common import clock
from common.access_trail import AccessAction, access_record
from common.saudi import ascii_digits, normalize_phone
from publishing.models import PolicyVersion
from publishing.selectors import holidays
from workflow.deadlines import ONE_DAY, nth_working_day_after
from workflow.models import (
    COUNT_ANSWERED,
    COUNT_DECIDED,
    COUNT_DECIDED_ON_TIME,
    OPEN_STATUSES,
    Beneficiary,
    Case,
    CaseCount,
    CaseDocument,
    CaseEvent,
    CaseStatus,
)
from workflow.permissions import cases_visible_to, sees_every_case
from workflow.reminders import DUE_SOON_WORKING_DAYS
from workflow.surveys import survey_results
from workflow.transitions import TRANSITIONS

_REFERENCE = re.compile(r"^[0-9A-Z]{4}-?[0-9A-Z]{4}$")


# The case list's orders (?sort=): a column, "-" for descending; cases without a due date last.
CASE_SORTS = {
    "received": (F("created_at").asc(), F("id").asc()),
    "-received": (F("created_at").desc(), F("id").desc()),
    "due": (F("committee_due_on").asc(nulls_last=True), F("id").asc()),
    "-due": (F("committee_due_on").desc(nulls_last=True), F("id").desc()),
    "reference": (F("reference").asc(),),
    "-reference": (F("reference").desc(),),
}


def case_list(
    *,
    actor: User,
    status: str | None = None,
    channel: str | None = None,
    due_before: datetime.date | None = None,
    due_after: datetime.date | None = None,
    q: str | None = None,
    sort: str = "-received",
) -> QuerySet[Case]:
    """The cases `actor` may see, with their beneficiary, narrowed by the workspace's filters,
    in the order `sort` names (CASE_SORTS; newest first by default).

    `q` finds a case by its exact reference, the beneficiary's exact national ID or mobile
    (typed in any digits, a mobile as 05… or +966…), or a part of their name.
    """
    cases = (
        Case.objects.select_related("beneficiary")
        .filter(cases_visible_to(actor))
        .order_by(*CASE_SORTS.get(sort, CASE_SORTS["-received"]))
    )
    if status:
        cases = cases.filter(status=status)
    if channel:
        cases = cases.filter(channel_code=channel)
    if due_after:
        cases = cases.filter(committee_due_on__gte=due_after)
    if due_before:
        cases = cases.filter(committee_due_on__lte=due_before)
    if q and (q := q.strip()):
        cases = cases.filter(_search(q))
    return cases


DECISION_QUEUE_LENGTH = 20


def decides_cases(user: User) -> bool:
    """Whether `user` is of the role a procedure's decision step waits for (the committee)."""
    return user.is_active and user.role in TRANSITIONS["decide"].roles


def decision_queue(*, actor: User) -> tuple[list[Case], int]:
    """The cases waiting for `actor`'s decision (those sent to the committee and not yet
    decided), the longest waiting first, at most DECISION_QUEUE_LENGTH of them; and how many
    wait in all."""
    if not decides_cases(actor):
        return [], 0
    waiting = Case.objects.filter(cases_visible_to(actor), status=CaseStatus.IN_COMMITTEE)
    cases = list(
        waiting.select_related("beneficiary").order_by(
            F("submitted_on").asc(nulls_last=True), "created_at", "id"
        )[:DECISION_QUEUE_LENGTH]
    )
    total = len(cases) if len(cases) < DECISION_QUEUE_LENGTH else waiting.count()
    return cases, total


def case_list_count(*, actor: User, **filters) -> int | None:
    """How many cases case_list(actor, **filters) holds, from the counters, where they tell it
    (every case, or one state, for a member who sees every case); else None: count them."""
    narrowed = {name for name, value in filters.items() if value and name != "sort"}
    if not sees_every_case(actor) or not narrowed <= {"status"}:
        return None
    counts = case_counts()
    status = filters.get("status")
    return counts.get(status, 0) if status else sum(counts.get(s, 0) for s in CaseStatus.values)


def case_counts() -> dict[str, int]:
    """The counters (CaseCount) of the current schema: key → n; a key never counted is absent."""
    return dict(CaseCount.objects.values_list("key", "n"))


def case_counts_fresh() -> dict[str, int]:
    """What the counters should hold, counted from the cases in one pass."""
    rows = (
        Case.objects.order_by()
        .values("status")
        .annotate(
            n=Count("id"),
            answered=Count("id", filter=Q(status=CaseStatus.CLOSED, answered_at__isnull=False)),
            decided=Count("id", filter=Q(decided_on__isnull=False, committee_due_on__isnull=False)),
            on_time=Count("id", filter=Q(decided_on__lte=F("committee_due_on"))),
        )
    )
    counts = {COUNT_ANSWERED: 0, COUNT_DECIDED: 0, COUNT_DECIDED_ON_TIME: 0}
    for row in rows:
        counts[row["status"]] = row["n"]
        counts[COUNT_ANSWERED] += row["answered"]
        counts[COUNT_DECIDED] += row["decided"]
        counts[COUNT_DECIDED_ON_TIME] += row["on_time"]
    return counts


def _search(q: str) -> Q:
    """One kind of match, chosen by what was typed, so that each uses its own index (an OR of
    all kinds made PostgreSQL scan every beneficiary)."""
    digits = ascii_digits(q).replace(" ", "")
    if len(digits) == 10 and digits.isdigit() and digits[0] in "12":
        return Q(beneficiary__national_id=digits)
    if _REFERENCE.match(digits.upper()):
        compact = digits.upper().replace("-", "")
        return Q(reference=f"{compact[:4]}-{compact[4:]}") | Q(beneficiary__full_name__icontains=q)
    try:
        return Q(beneficiary__phone=normalize_phone(digits))
    except ValidationError:
        return Q(beneficiary__full_name__icontains=q)


def case_channels() -> list[tuple[str, str, str]]:
    """(code, Arabic name, English name) of every channel any published version listed: cases
    only come through those, and the versions are a handful of rows where cases are many."""
    channels = {
        item["code"]: (item["code"], item["name_ar"], item["name_en"])
        for content in PolicyVersion.objects.order_by("number").values_list("content", flat=True)
        for item in content["channels"]
    }
    return sorted(channels.values())


def case_timeline(*, case: Case) -> list[CaseEvent]:
    return list(case.events.all())


def case_documents(*, case: Case) -> list[CaseDocument]:
    return list(case.documents.all())


def case_document_get(*, actor: User, case: Case, document_id) -> CaseDocument:
    """A document of `case` only (another case's document is missing here, 404); its download
    by `actor` is recorded."""
    try:
        document = case.documents.get(pk=int(document_id))
    except (TypeError, ValueError) as error:
        raise CaseDocument.DoesNotExist from error
    access_record(actor=actor, action=AccessAction.DOWNLOAD, obj=document)
    return document


def beneficiary_get_for(
    *, actor: User, beneficiary_id, record: str | None = AccessAction.VIEW
) -> Beneficiary:
    """The beneficiary, for a member who may see at least one of their cases (admins and staff:
    anyone); missing and forbidden are alike. The access is recorded as `record`."""
    beneficiaries = Beneficiary.objects.all()
    if not sees_every_case(actor):
        visible = Case.objects.filter(cases_visible_to(actor))
        beneficiaries = beneficiaries.filter(pk__in=visible.values("beneficiary_id"))
    try:
        beneficiary = beneficiaries.get(pk=int(beneficiary_id))
    except (TypeError, ValueError) as error:
        raise Beneficiary.DoesNotExist from error
    if record:
        access_record(actor=actor, action=record, obj=beneficiary)
    return beneficiary


def beneficiary_cases(*, actor: User, beneficiary: Beneficiary) -> list[Case]:
    return list(
        Case.objects.filter(cases_visible_to(actor), beneficiary=beneficiary)
        .select_related("beneficiary")
        .order_by("-created_at", "-id")
    )


SATISFACTION_MONTHS = 12


@dataclass(frozen=True)
class ChannelSatisfaction:
    channel_code: str
    channel_name_ar: str
    channel_name_en: str
    answers: int
    average_score: float  # 1 to 5


@dataclass(frozen=True)
class DashboardFigures:
    today: datetime.date
    open_by_status: list[tuple[str, int]]  # (status, count) in the lifecycle's order
    open_total: int
    due_soon: int  # with the committee, due today or within two working days
    due_soon_until: datetime.date
    overdue: int  # with the committee, due date passed
    decided: int  # decisions with a deadline (asap cases have none)
    decided_on_time: int
    satisfaction: list[ChannelSatisfaction]  # answered surveys of the last twelve months
    enquiries_answered: int  # closed by answering an enquiry
    requests_closed: int  # every other closed case

    @property
    def on_time_rate(self) -> float | None:
        """The share of committee decisions taken by their due date; None before any."""
        return self.decided_on_time / self.decided if self.decided else None


def due_soon_until(*, today: datetime.date, days_off) -> datetime.date:
    """The last day d with at most two working days between today and d (weekends included)."""
    return nth_working_day_after(today, DUE_SOON_WORKING_DAYS + 1, days_off) - ONE_DAY


def dashboard_figures(*, actor: User, today: datetime.date | None = None) -> DashboardFigures:
    """The workspace's figures over the cases `actor` may see, in a few queries whatever the
    number of cases: holidays, the cases with the committee, the counters (for a member who sees
    only part of the cases, two counts over that part), the survey results."""
    today = today or timezone.localdate(clock.now())
    soon_until = due_soon_until(today=today, days_off=[h.day for h in holidays()])
    visible = Case.objects.filter(cases_visible_to(actor))
    soon = Q(committee_due_on__gte=today, committee_due_on__lte=soon_until)
    # Narrow: the cases with the committee now, on their own index.
    figures = visible.filter(status=CaseStatus.IN_COMMITTEE).aggregate(
        overdue=Count("id", filter=Q(committee_due_on__lt=today)),
        due_soon=Count("id", filter=soon),
    )
    if sees_every_case(actor):
        # The counters, a few rows whatever the number of cases (kept by the services).
        counted = case_counts()
        counts = {status: counted.get(status, 0) for status in OPEN_STATUSES}
        closed = {
            "n": counted.get(CaseStatus.CLOSED, 0),
            "answered": counted.get(COUNT_ANSWERED, 0),
        }
        figures |= {
            "decided": counted.get(COUNT_DECIDED, 0),
            "decided_on_time": counted.get(COUNT_DECIDED_ON_TIME, 0),
        }
    else:
        counts, closed, decided = _visible_counts(visible)
        figures |= decided
    return DashboardFigures(
        today=today,
        open_by_status=[(status, counts.get(status, 0)) for status in OPEN_STATUSES],
        open_total=sum(counts.values()),
        due_soon=figures["due_soon"],
        due_soon_until=soon_until,
        overdue=figures["overdue"],
        decided=figures["decided"],
        decided_on_time=figures["decided_on_time"],
        satisfaction=satisfaction_by_channel(months=SATISFACTION_MONTHS),
        enquiries_answered=closed["answered"],
        requests_closed=closed["n"] - closed["answered"],
    )


def _visible_counts(visible: QuerySet[Case]) -> tuple[dict, dict, dict]:
    """The counters' figures counted over the part of the cases a member sees (the committee,
    a referral holder): open cases by state, closed ones, and the decisions with a deadline."""
    by_status = {
        row["status"]: row
        for row in visible.filter(status__in=[*OPEN_STATUSES, CaseStatus.CLOSED])
        .order_by()
        .values("status")
        .annotate(n=Count("id"), answered=Count("id", filter=Q(answered_at__isnull=False)))
    }
    counts = {str(s): by_status[s]["n"] for s in OPEN_STATUSES if s in by_status}
    # Closed cases: enquiries answered (the answer step) apart from requests seen through.
    closed = dict(by_status.get(CaseStatus.CLOSED, {"n": 0, "answered": 0}))
    decided = visible.filter(decided_on__isnull=False, committee_due_on__isnull=False).aggregate(
        decided=Count("id"),
        decided_on_time=Count("id", filter=Q(decided_on__lte=F("committee_due_on"))),
    )
    return counts, closed, decided


def satisfaction_by_channel(*, months: int) -> list[ChannelSatisfaction]:
    """The survey results of the last `months` months per channel, best scored first."""
    totals: dict[str, dict] = {}
    for row in survey_results(months=months):
        total = totals.setdefault(
            row.channel_code,
            {"row": row, "answers": 0, "score_sum": 0.0},
        )
        total["answers"] += row.answers
        total["score_sum"] += row.average_score * row.answers
    channels = [
        ChannelSatisfaction(
            channel_code=code,
            channel_name_ar=total["row"].channel_name_ar,
            channel_name_en=total["row"].channel_name_en,
            answers=total["answers"],
            average_score=round(total["score_sum"] / total["answers"], 2),
        )
        for code, total in totals.items()
        if total["answers"]
    ]
    return sorted(channels, key=lambda item: (-item.average_score, item.channel_code))


def open_cases_count() -> int:
    """Cases still open, all of them: what a plan's open-case limit counts, checked on every
    case opened. Summed from the open states' counters: a primary-key read of a few rows,
    whatever the number of cases."""
    return CaseCount.objects.filter(key__in=OPEN_STATUSES).aggregate(n=Sum("n"))["n"] or 0


def cases_open_and_total() -> tuple[int, int]:
    """How many cases are open, and how many there are in all, from the counters."""
    counts = case_counts()
    return (
        sum(counts.get(status, 0) for status in OPEN_STATUSES),
        sum(counts.get(status, 0) for status in CaseStatus.values),
    )


# The milestones a case's stepper shows, in the order its version's procedure lists them; a
# referral is a detour and an enquiry's answer closes the case, so neither is one.
STEPPER_KINDS = ("receive", "verify", "declare", "decide", "register", "deliver")


@dataclass(frozen=True)
class Stage:
    kind: str
    state: str  # done, now, next, or skipped (after a rejection or a withdrawal)


@dataclass(frozen=True)
class Stepper:
    stages: list[Stage]
    missing: list[str]  # the steps still needed before the case can go for a decision


def case_stepper(*, case: Case, procedure_kinds: list[str]) -> Stepper:
    """Where `case` stands in its own version's procedure: the milestones done, the one it is
    at now, those to come; and, while it waits to go for a decision, which of verification and
    the signed declaration (where the procedure has them) it still lacks."""
    actions = set(case.events.values_list("action", flat=True))
    done = {
        "receive": True,
        "verify": case.verified_at is not None,
        "declare": case.declared_at is not None,
        "decide": case.decided_on is not None,
        "register": "register" in actions,
        "deliver": "deliver" in actions,
        "close": case.status in (CaseStatus.CLOSED, CaseStatus.WITHDRAWN),
    }
    kinds = [kind for kind in procedure_kinds if kind in STEPPER_KINDS]
    kinds = list(dict.fromkeys(kinds)) + ["close"]
    stopped = case.status in (CaseStatus.REJECTED, CaseStatus.WITHDRAWN) or (
        case.status == CaseStatus.CLOSED and "decide" in kinds and not done["deliver"]
    )
    stages, current = [], None
    for kind in kinds:
        if done[kind]:
            state = "done"
        elif stopped and kind != "close":
            state = "skipped"
        elif current is None:
            state, current = "now", kind
        else:
            state = "next"
        stages.append(Stage(kind=kind, state=state))
    waiting = case.status == CaseStatus.RECEIVED and "decide" in kinds
    missing: list[str] = [
        kind for kind in ("verify", "declare") if waiting and kind in kinds and not done[kind]
    ]
    return Stepper(stages=stages, missing=missing)
