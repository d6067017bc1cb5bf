"""Reads of the privacy app: notice versions, consent state, holds, requests, retention."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet

from privacy.models import (
    OPEN_REQUEST_STATUSES,
    Anonymisation,
    ConsentRecord,
    DataSubjectRequest,
    LegalHold,
    PrivacyNoticeVersion,
    RetentionRule,
    RetentionRun,
)
from publishing.selectors import retention_published
from workflow.models import Beneficiary, Case

# What a case may still do once the beneficiary withdrew consent: end it, nothing else.
ACTIONS_AFTER_WITHDRAWAL = frozenset({"close", "withdraw"})


def notice_latest() -> PrivacyNoticeVersion | None:
    return PrivacyNoticeVersion.objects.order_by("-number").first()


def notice_version_get(*, number) -> PrivacyNoticeVersion | None:
    try:
        return PrivacyNoticeVersion.objects.filter(number=int(number)).first()
    except (TypeError, ValueError):
        return None


def notice_versions() -> list[PrivacyNoticeVersion]:
    return list(PrivacyNoticeVersion.objects.order_by("-number").only("number", "published_at"))


# Where consent_withdrawn remembers its answer on the case object, for the rest of the request.
WITHDRAWN_MEMO = "_privacy_consent_withdrawn"


def consent_withdrawn(*, case: Case) -> bool:
    """Whether the consent the case was opened under was withdrawn (remembered on `case`)."""
    if not hasattr(case, WITHDRAWN_MEMO):
        withdrawn = ConsentRecord.objects.filter(case_id=case.pk, withdrawn_at__isnull=False)
        setattr(case, WITHDRAWN_MEMO, withdrawn.exists())
    return getattr(case, WITHDRAWN_MEMO)


def consent_blocks(*, case: Case, action: str) -> bool:
    """Whether a withdrawn consent forbids `action` on `case`."""
    return action not in ACTIONS_AFTER_WITHDRAWAL and consent_withdrawn(case=case)


def consents_of(*, beneficiary_id: int) -> list[ConsentRecord]:
    return list(ConsentRecord.objects.filter(beneficiary_id=beneficiary_id))


def holds_active(*, beneficiary_id: int) -> list[LegalHold]:
    return list(LegalHold.objects.filter(beneficiary_id=beneficiary_id, released_at__isnull=True))


def hold_get(*, hold_id) -> LegalHold:
    try:
        return LegalHold.objects.get(pk=int(hold_id))
    except (TypeError, ValueError) as error:
        raise LegalHold.DoesNotExist from error


def anonymisation_of(*, beneficiary_id: int) -> Anonymisation | None:
    return Anonymisation.objects.filter(beneficiary_id=beneficiary_id).first()


def beneficiary_get(*, beneficiary_id) -> Beneficiary:
    try:
        return Beneficiary.objects.get(pk=int(beneficiary_id))
    except (TypeError, ValueError) as error:
        raise Beneficiary.DoesNotExist from error


def subject_request_get(*, request_id) -> DataSubjectRequest:
    """One request of this association; a missing one and a malformed id are alike (404)."""
    try:
        return DataSubjectRequest.objects.select_related("beneficiary").get(pk=int(request_id))
    except (TypeError, ValueError) as error:
        raise DataSubjectRequest.DoesNotExist from error


def subject_requests(*, open_only: bool = False) -> QuerySet[DataSubjectRequest]:
    requests = DataSubjectRequest.objects.order_by("due_on", "id")
    if open_only:
        requests = requests.filter(status__in=OPEN_REQUEST_STATUSES)
    return requests


def subject_requests_answered(*, limit: int = 50) -> list[DataSubjectRequest]:
    """The latest answered (completed or refused) requests, newest first."""
    return list(
        DataSubjectRequest.objects.exclude(status__in=OPEN_REQUEST_STATUSES).order_by(
            "-closed_at", "-id"
        )[:limit]
    )


@dataclass(frozen=True)
class RequestClock:
    request: DataSubjectRequest
    days_left: int  # negative: overdue by that many days

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def days_late(self) -> int:
        return -self.days_left


def request_clocks(*, today: datetime.date) -> list[RequestClock]:
    """Open requests, soonest due first, with the days left to answer."""
    return [
        RequestClock(request=request, days_left=(request.due_on - today).days)
        for request in subject_requests(open_only=True)
    ]


def retention_rule_get() -> RetentionRule:
    rule, _created = RetentionRule.objects.get_or_create(pk=1)
    return rule


@dataclass(frozen=True)
class RetentionInForce:
    """What the daily retention job applies: the published retention policy's periods, else
    the admins' rule for every class (`periods` None: nothing is erased automatically)."""

    periods: dict[str, int] | None
    policy_number: int | None = None


def retention_in_force() -> RetentionInForce:
    """The one reading of the periods: the job applies it, the notice and settings print it."""
    policy = retention_published()
    if policy is not None:
        return RetentionInForce(periods=policy.periods, policy_number=policy.number)
    years = retention_rule_get().years
    return RetentionInForce(periods={"closed_cases": years, "complaints": years} if years else None)


def retention_runs(*, limit: int = 30) -> list[RetentionRun]:
    return list(RetentionRun.objects.order_by("-run_on")[:limit])
