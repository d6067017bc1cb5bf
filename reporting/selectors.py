"""Reads of what the association published about its work."""

from __future__ import annotations

from django.db.models import F
from django.urls import reverse

from reporting.models import SatisfactionReport, StatisticsPublication


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
