"""What an association publishes about its work: statistics per period and the yearly
satisfaction report with the board's decisions on it."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class StatisticsPublication(models.Model):
    """The statistics of one quarter or one year as published: never changed or deleted (a
    database trigger refuses it); `content` holds the figures after suppression, never a count
    under the threshold."""

    number = models.PositiveIntegerField(unique=True)
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField(null=True, blank=True)  # None: the whole year
    published_at = models.DateTimeField()
    published_by = models.EmailField()
    content = models.JSONField()

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "quarter"], nulls_distinct=False, name="statistics_period_once"
            ),
            models.CheckConstraint(
                condition=Q(quarter__isnull=True) | Q(quarter__gte=1, quarter__lte=4),
                name="statistics_quarter_known",
            ),
        ]

    def __str__(self) -> str:
        return f"statistics #{self.number}"


class SatisfactionReport(models.Model):
    """The yearly satisfaction report tabled at a board meeting. Its figures never change; once
    the board's decisions are recorded and the feedback published, nothing changes (a trigger)."""

    year = models.PositiveSmallIntegerField(unique=True)
    prepared_at = models.DateTimeField()
    prepared_by = models.EmailField()
    content = models.JSONField()
    board_meeting = models.CharField(max_length=50, blank=True)
    board_date = models.DateField(null=True, blank=True)
    board_decisions = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.EmailField(blank=True)

    class Meta:
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(published_at__isnull=True)
                | (Q(board_date__isnull=False) & ~Q(board_meeting="") & ~Q(board_decisions="")),
                name="satisfaction_report_published_with_decisions",
            )
        ]

    def __str__(self) -> str:
        return f"satisfaction report {self.year}"
