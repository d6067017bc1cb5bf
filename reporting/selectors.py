"""Reads of what the association published about its work."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from reporting.models import SatisfactionReport, StatisticsPublication
from reporting.statistics import Period, quarter_start
from workflow.models import Case, Survey


def statistics_publications() -> list[StatisticsPublication]:
    return list(StatisticsPublication.objects.order_by("-number"))


def statistics_publication_get(*, number: int) -> StatisticsPublication | None:
    return StatisticsPublication.objects.filter(number=number).first()


def satisfaction_reports() -> list[SatisfactionReport]:
    return list(SatisfactionReport.objects.order_by("-year"))


def satisfaction_report_get(*, year: int, published: bool = False) -> SatisfactionReport | None:
    """The report of `year`; with `published`, only once its feedback is published."""
    reports = SatisfactionReport.objects.filter(year=year)
    if published:
        reports = reports.filter(published_at__isnull=False)
    return reports.first()


def governance_reports() -> dict:
    """For the governance page: the latest published statistics and satisfaction report (None
    when there is none yet) with the addresses of their public pages."""
    statistics = (
        # The period that ended last: a year before its own fourth quarter.
        StatisticsPublication.objects.order_by("-year", F("quarter").desc(nulls_first=True)).first()
    )
    report = SatisfactionReport.objects.filter(published_at__isnull=False).order_by("-year").first()
    return {
        "statistics": statistics,
        "statistics_url": reverse("statistics_public", args=[statistics.number])
        if statistics
        else None,
        "satisfaction_report": report,
        "satisfaction_report_url": reverse("satisfaction_public", args=[report.year])
        if report
        else None,
    }


@dataclass(frozen=True)
class WorkPublished:
    """What the association has to publish about its work on `today` and what it published:
    the transparency self-score's statistics and satisfaction practices read it."""

    statistics_due: bool  # a case received before this quarter
    statistics_latest: StatisticsPublication | None  # the period that ended last
    satisfaction_due: bool  # a survey answered before this year
    satisfaction_published: SatisfactionReport | None  # the latest with its feedback out
    satisfaction_prepared: SatisfactionReport | None  # the latest prepared, published or not

    @property
    def statistics_latest_end(self) -> datetime.date | None:
        latest = self.statistics_latest
        return Period(latest.year, latest.quarter).last_day if latest else None


def _local_start(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_current_timezone())


def work_published(today: datetime.date) -> WorkPublished:
    quarter = quarter_start(today)
    reports = SatisfactionReport.objects.order_by("-year")
    return WorkPublished(
        statistics_due=Case.objects.filter(created_at__lt=_local_start(quarter)).exists(),
        statistics_latest=StatisticsPublication.objects.order_by(
            "-year", F("quarter").desc(nulls_first=True)
        ).first(),
        satisfaction_due=Survey.objects.filter(
            answered_at__lt=_local_start(datetime.date(today.year, 1, 1))
        ).exists(),
        satisfaction_published=reports.filter(published_at__isnull=False).first(),
        satisfaction_prepared=reports.first(),
    )
