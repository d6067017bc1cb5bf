"""Retention: beneficiaries whose cases all ended, and complaints answered, more than the
published retention policy's years ago (without one, the admins' rule) lose their personal
data, by a daily job that runs once per day whatever the number of times it is started."""

from __future__ import annotations

import datetime
import logging
from collections import Counter

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from complaints.services import complaints_retention_apply
from privacy.anonymise import beneficiary_anonymise
from privacy.models import Anonymisation, RetentionRule, RetentionRun
from privacy.selectors import retention_in_force, retention_rule_get
from workflow.models import OPEN_STATUSES, Beneficiary

logger = logging.getLogger(__name__)

MIN_YEARS, MAX_YEARS = 1, 50


def retention_rule_set(*, years, actor_email: str) -> RetentionRule:
    """Set the number of years (1 to 50), or None to switch the rule off."""
    if years in ("", None):
        years = None
    elif (
        isinstance(years, bool)
        or not str(years).isdigit()
        or not (MIN_YEARS <= int(years) <= MAX_YEARS)
    ):
        raise ValidationError(
            {"years": [_("Give a number of years from %(min)s to %(max)s, or leave it empty "
                         "to switch the rule off.") % {"min": MIN_YEARS, "max": MAX_YEARS}]}
        )  # fmt: skip
    else:
        years = int(years)
    with transaction.atomic():
        retention_rule_get()
        rule = RetentionRule.objects.select_for_update().get(pk=1)
        rule.years = years
        rule.updated_by = actor_email
        rule.save(update_fields=["years", "updated_by", "updated_at"])
    return rule


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)


def _cutoff(on: datetime.date, years: int) -> datetime.datetime:
    return timezone.make_aware(
        datetime.datetime.combine(_years_before(on, years), datetime.time.min)
    )


def retention_apply(*, on: datetime.date) -> RetentionRun | None:
    """Apply the published retention policy's periods for day `on` (without one, the admins'
    rule); the day's report (None while neither exists: nothing is erased).

    A beneficiary qualifies when none of their cases is open and every case ended (closed or
    withdrawn; its last change if no closing time was recorded) before `on` minus N years.
    A legal hold, or an open case found by the anonymisation itself, skips them with a reason.
    """
    with transaction.atomic():
        # One run at a time: the rule's row is the lock.
        rule = retention_rule_get()
        RetentionRule.objects.select_for_update().get(pk=rule.pk)
        in_force = retention_in_force()
        if in_force.periods is None:
            return None
        existing = RetentionRun.objects.filter(run_on=on).first()
        if existing is not None:
            return existing  # the day's run happened: nothing more to do
        periods, policy_number = in_force.periods, in_force.policy_number
        cutoff = _cutoff(on, periods["closed_cases"])
        # Spelled out both ways (not negated): a NULL closing time must not hide a recent case.
        ended_before = Q(cases__closed_at__lt=cutoff) | Q(
            cases__closed_at__isnull=True, cases__updated_at__lt=cutoff
        )
        ended_since = Q(cases__closed_at__gte=cutoff) | Q(
            cases__closed_at__isnull=True, cases__updated_at__gte=cutoff
        )
        is_open = Q(cases__status__in=OPEN_STATUSES)
        candidates = (
            Beneficiary.objects.exclude(pk__in=Anonymisation.objects.values("beneficiary_id"))
            .annotate(
                old=Count("cases", filter=~is_open & ended_before),
                recent=Count("cases", filter=~is_open & ended_since),
            )
            .filter(old__gt=0, recent=0)
            .order_by("pk")
        )
        years = periods["closed_cases"]
        reason = (
            ngettext(
                "Retention policy version %(number)s: %(years)s year after the last case ended.",
                "Retention policy version %(number)s: %(years)s years after the last case ended.",
                years,
            )
            % {"number": policy_number, "years": years}
            if policy_number is not None
            else ngettext(
                "Retention rule: %(years)s year after the last case ended.",
                "Retention rule: %(years)s years after the last case ended.",
                years,
            )
            % {"years": years}
        )
        done = 0
        skipped: Counter[str] = Counter()
        for beneficiary in candidates:
            result = beneficiary_anonymise(
                beneficiary=beneficiary,
                actor_email="",
                reason=reason,
                source=Anonymisation.Source.RETENTION,
            )
            if result.done:
                done += 1
            else:
                skipped[result.refusal_code] += 1
        # Complaints answered before the cutoff, whoever sent them (a beneficiary or not).
        complaints = complaints_retention_apply(cutoff=_cutoff(on, periods["complaints"]))
        run = RetentionRun.objects.create(
            run_on=on,
            ran_at=timezone.now(),
            years=periods["closed_cases"],
            complaints_years=periods["complaints"],
            policy_version=policy_number,
            anonymised=done,
            skipped=sum(skipped.values()),
            skipped_reasons=dict(skipped),
        )
    logger.info(
        "retention on %s: %d anonymised, %d skipped, %d complaints erased",
        on, done, run.skipped, complaints,
    )  # fmt: skip
    return run
