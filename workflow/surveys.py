"""The satisfaction survey: the beneficiary's one answer, and the results per channel and month."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Avg, Count, Max, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from common import clock
from common.text import text_problem
from publishing.selectors import policy_published
from workflow.models import CaseEvent, Survey
from workflow.tokens import token_hash

MAX_COMMENT = 2000
MAX_TOKEN = 200


class SurveyClosed(ValidationError):
    """The survey cannot take an answer any more: answered already (code "answered") or expired."""


def survey_for_token(token: str) -> Survey | None:
    """The survey behind a personal link, or None for a token that opens nothing."""
    token = str(token or "")
    if not token or len(token) > MAX_TOKEN:
        return None
    return Survey.objects.select_related("case").filter(token_hash=token_hash(token)).first()


def survey_is_expired(survey: Survey) -> bool:
    return survey.expires_at <= timezone.now()


def _answer_check(*, score, deadline_kept, staff_courteous, comment) -> None:
    errors: dict[str, list[str]] = {}
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        errors["score"] = [_("Choose a score from 1 to 5.")]
    if not isinstance(deadline_kept, bool):
        errors["deadline_kept"] = [_("Answer yes or no.")]
    if not isinstance(staff_courteous, bool):
        errors["staff_courteous"] = [_("Answer yes or no.")]
    if not isinstance(comment, str):
        errors["comment"] = [_("Enter text.")]
    elif problem := text_problem(comment, limit=MAX_COMMENT):
        errors["comment"] = [problem]
    if errors:
        raise ValidationError(errors)


def survey_answer(
    *, survey: Survey, score: int, deadline_kept: bool, staff_courteous: bool, comment: str = ""
) -> Survey:
    """Record the beneficiary's answer once, before the link expires; the case's timeline says so.

    A second answer (even a concurrent one) or an answer after expiry raises SurveyClosed and
    changes nothing.
    """
    _answer_check(
        score=score, deadline_kept=deadline_kept, staff_courteous=staff_courteous, comment=comment
    )
    with transaction.atomic():
        locked = Survey.objects.select_for_update().select_related("case").get(pk=survey.pk)
        if locked.answered_at is not None:
            raise SurveyClosed(_("This survey was answered already."), code="answered")
        if survey_is_expired(locked):
            raise SurveyClosed(_("This survey link has expired."), code="expired")
        locked.answered_at = timezone.now()
        locked.score = score
        locked.deadline_kept = deadline_kept
        locked.staff_courteous = staff_courteous
        locked.comment = comment.strip()
        locked.save(
            update_fields=["answered_at", "score", "deadline_kept", "staff_courteous", "comment"]
        )
        # The answer itself stays in the survey: the timeline, which staff read, records the fact.
        CaseEvent.objects.create(
            case=locked.case,
            action="survey_answered",
            from_status=locked.case.status,
            to_status=locked.case.status,
        )
    return locked


@dataclass(frozen=True)
class SurveyResultRow:
    month: datetime.date  # the first day of the month, Riyadh time
    channel_code: str
    channel_name_ar: str
    channel_name_en: str
    answers: int
    average_score: float
    deadline_kept_percent: float | None  # None when nobody answered that question
    courteous_percent: float | None


def _months_ago_start(months: int) -> datetime.datetime:
    first = timezone.localdate(clock.now()).replace(day=1)
    index = first.year * 12 + first.month - 1 - (months - 1)
    start = datetime.date(index // 12, index % 12 + 1, 1)
    return datetime.datetime.combine(
        start, datetime.time.min, tzinfo=timezone.get_current_timezone()
    )


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def survey_results(*, months: int = 12) -> list[SurveyResultRow]:
    """Answered surveys of the last `months` calendar months (this one included), per month and
    channel, newest month first; a channel is named as the published policy names it today."""
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= 120:
        raise ValueError("months is a whole number from 1 to 120")
    rows = (
        Survey.objects.filter(answered_at__gte=_months_ago_start(months))
        .annotate(month=TruncMonth("answered_at"))
        .values("month", "case__channel_code")
        .annotate(
            answers=Count("id"),
            average_score=Avg("score"),
            kept=Count("id", filter=Q(deadline_kept=True)),
            kept_answered=Count("id", filter=Q(deadline_kept__isnull=False)),
            courteous=Count("id", filter=Q(staff_courteous=True)),
            courteous_answered=Count("id", filter=Q(staff_courteous__isnull=False)),
            name_ar=Max("case__channel_name_ar"),
            name_en=Max("case__channel_name_en"),
        )
        .order_by("-month", "case__channel_code")
    )
    policy = policy_published()
    names = {item["code"]: item for item in policy.content["channels"]} if policy else {}
    results = []
    for row in rows:
        code = row["case__channel_code"]
        named = names.get(code, {})
        results.append(
            SurveyResultRow(
                month=timezone.localtime(row["month"]).date(),
                channel_code=code,
                channel_name_ar=named.get("name_ar") or row["name_ar"],
                channel_name_en=named.get("name_en") or row["name_en"],
                answers=row["answers"],
                average_score=round(float(row["average_score"]), 2),
                deadline_kept_percent=_percent(row["kept"], row["kept_answered"]),
                courteous_percent=_percent(row["courteous"], row["courteous_answered"]),
            )
        )
    return results
