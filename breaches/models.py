"""The association's register of personal data breaches and whom it told (PDPL: the regulator,
SDAIA, within 72 hours of finding one; the people affected without undue delay)."""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

REGULATOR_HOURS = 72


class Breach(models.Model):
    summary = models.TextField(_("what happened"))
    happened_at = models.DateTimeField(_("when it happened"))
    found_at = models.DateTimeField(_("when it was found"))
    found_by = models.CharField(_("who found it"), max_length=200)
    data_kinds = models.TextField(_("kinds of personal data affected"))
    people_affected = models.PositiveIntegerField(_("people affected"), null=True, blank=True)
    containment = models.TextField(_("containment taken"), blank=True)
    regulator_notified_at = models.DateTimeField(_("regulator told at"), null=True, blank=True)
    regulator_notice = models.CharField(
        _("how the regulator was told, reference"), max_length=300, blank=True
    )
    people_notified_at = models.DateTimeField(_("people affected told at"), null=True, blank=True)
    others_notified = models.TextField(_("who else was told"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    recorded_by = models.CharField(max_length=254)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-found_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(found_at__gte=F("happened_at")), name="breach_found_after_it_happened"
            ),
            models.CheckConstraint(
                condition=Q(regulator_notified_at__isnull=True)
                | Q(regulator_notified_at__gte=F("found_at")),
                name="breach_regulator_told_after_found",
            ),
            models.CheckConstraint(
                condition=Q(people_notified_at__isnull=True)
                | Q(people_notified_at__gte=F("found_at")),
                name="breach_people_told_after_found",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.found_at:%Y-%m-%d} {self.summary[:40]}"

    @property
    def regulator_due_at(self) -> datetime.datetime:
        return self.found_at + datetime.timedelta(hours=REGULATOR_HOURS)

    def hours_left(self, now: datetime.datetime | None = None) -> int:
        """Whole hours until the regulator must be told (negative: overdue by that many)."""
        seconds = (self.regulator_due_at - (now or timezone.now())).total_seconds()
        return int(seconds // 3600)


class BreachReminder(models.Model):
    """A reminder sent to the admins for a breach, once: the unique key makes re-runs harmless."""

    class Kind(models.TextChoices):
        AFTER_24H = "24h", _("24 hours after it was found")
        AFTER_60H = "60h", _("60 hours after it was found")

    breach = models.ForeignKey(Breach, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=4, choices=Kind.choices)
    sent_at = models.DateTimeField(auto_now_add=True)
    recipients = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["breach", "kind"], name="breach_reminder_once")
        ]

    def __str__(self) -> str:
        return f"{self.breach_id} {self.kind}"
