"""Complaints and suggestions: their own log, deadline and answer, apart from cases."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from workflow.models import Case, message_language_field


class ComplaintKind(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    SUGGESTION = "suggestion", _("Suggestion")


class ComplaintStatus(models.TextChoices):
    OPEN = "open", _("Awaiting an answer")
    ANSWERED = "answered", _("Answered")


class Complaint(models.Model):
    reference = models.CharField(max_length=12, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=ComplaintKind.choices)
    name = models.CharField(_("name"), max_length=200)
    phone = models.CharField(_("mobile"), max_length=16)
    # Its messages' language: the public form's, or the one staff record it in.
    language = message_language_field()
    text = models.TextField(_("text"))
    # The channel as the published policy named it when the complaint came in.
    channel_code = models.CharField(max_length=60)
    channel_name_ar = models.CharField(max_length=200)
    channel_name_en = models.CharField(max_length=200)
    # A complaint about a case points to it; the case itself never changes because of it.
    case = models.ForeignKey(
        Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="complaints"
    )
    status = models.CharField(
        max_length=10, choices=ComplaintStatus.choices, default=ComplaintStatus.OPEN
    )
    received_on = models.DateField()
    due_on = models.DateField()
    assignee_email = models.CharField(max_length=254, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.CharField(max_length=254, blank=True)
    consent_given_at = models.DateTimeField()
    recorded_by = models.CharField(max_length=254, blank=True)  # blank: filed online
    # sha256 of the private status link's token; the token itself is never stored.
    status_token_hash = models.CharField(max_length=64, blank=True)
    anonymised_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "due_on"]),
            models.Index(fields=["phone"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=ComplaintStatus.values), name="complaint_status_known"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=ComplaintKind.values), name="complaint_kind_known"
            ),
            models.CheckConstraint(
                condition=models.Q(status=ComplaintStatus.OPEN)
                | models.Q(answered_at__isnull=False),
                name="complaint_answered_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status == ComplaintStatus.OPEN


class ComplaintReminder(models.Model):
    """An escalation sent to the admins for an overdue complaint, once."""

    class Kind(models.TextChoices):
        OVERDUE = "overdue", _("Overdue")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    sent_at = models.DateTimeField(auto_now_add=True)
    recipients = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["complaint", "kind"], name="complaint_reminder_once")
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.kind}"


DEFAULT_RESPONSE_DAYS = 10


class ComplaintSettings(models.Model):
    """The association's own rules for complaints: one row, made on first use."""

    response_working_days = models.PositiveSmallIntegerField(
        _("answer within (working days)"), default=DEFAULT_RESPONSE_DAYS
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(response_working_days__gte=1, response_working_days__lte=60),
                name="complaint_response_days_range",
            )
        ]

    def __str__(self) -> str:
        return str(self.response_working_days)
