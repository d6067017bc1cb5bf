"""Personal data protection (PDPL): the privacy notice, consent, data-subject requests, legal
holds, anonymisation and retention. Everything here lives in the association's own schema."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PrivacyNoticeDraft(models.Model):
    """The notice being edited; one row (id 1), made from the shipped default text."""

    body_ar = models.TextField()
    body_en = models.TextField()
    # Bumped by every change: a form that read an older revision gets a conflict.
    revision = models.PositiveIntegerField(default=1)
    updated_by = models.CharField(max_length=254, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="notice_draft_one")]

    def __str__(self) -> str:
        return f"privacy notice draft r{self.revision}"


class PrivacyNoticeVersion(models.Model):
    """A published notice. Never changed or deleted (a database trigger refuses it)."""

    number = models.PositiveIntegerField(unique=True)
    published_at = models.DateTimeField()
    published_by = models.CharField(max_length=254)
    # The texts and the association's name and contacts as they were when it was published.
    content = models.JSONField()

    class Meta:
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"privacy notice v{self.number}"


class ConsentRecord(models.Model):
    """What a beneficiary agreed to when a case was opened, and its withdrawal."""

    beneficiary = models.ForeignKey(
        "workflow.Beneficiary", on_delete=models.PROTECT, related_name="consents"
    )
    case = models.ForeignKey("workflow.Case", on_delete=models.PROTECT, related_name="consents")
    purpose = models.TextField()
    channel_code = models.CharField(max_length=60)
    policy_version = models.PositiveIntegerField()
    notice_version = models.PositiveIntegerField(null=True, blank=True)  # none published yet
    given_at = models.DateTimeField()
    recorded_by = models.CharField(max_length=254, blank=True)  # blank: the beneficiary online
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_recorded_by = models.CharField(max_length=254, blank=True)
    withdrawal_channel = models.CharField(max_length=60, blank=True)
    withdrawal_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-given_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["case"], name="consent_one_per_case")]

    def __str__(self) -> str:
        return f"consent of {self.beneficiary_id} for case {self.case_id}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class RequestKind(models.TextChoices):
    ACCESS = "access", _("Access to their data")
    COPY = "copy", _("A copy of their data")
    CORRECTION = "correction", _("Correction")
    DELETION = "deletion", _("Deletion")


class RequestStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    VERIFIED = "verified", _("Identity verified")
    COMPLETED = "completed", _("Completed")
    REFUSED = "refused", _("Refused")


OPEN_REQUEST_STATUSES = [RequestStatus.RECEIVED, RequestStatus.VERIFIED]


class DataSubjectRequest(models.Model):
    """A person's request under the PDPL, answered within 30 days (once extendable by 30)."""

    kind = models.CharField(max_length=12, choices=RequestKind.choices)
    status = models.CharField(
        max_length=10, choices=RequestStatus.choices, default=RequestStatus.RECEIVED
    )
    # As the requester gave them; matched to a beneficiary on verification.
    requester_name = models.CharField(max_length=200)
    requester_national_id = models.CharField(max_length=20)
    requester_contact = models.CharField(max_length=200, blank=True)
    details = models.TextField(blank=True)
    beneficiary = models.ForeignKey(
        "workflow.Beneficiary",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="data_requests",
    )
    received_on = models.DateField()
    due_on = models.DateField()
    extended_at = models.DateTimeField(null=True, blank=True)
    extension_reason = models.TextField(blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.CharField(max_length=254, blank=True)
    verification_note = models.TextField(blank=True)
    outcome_note = models.TextField(blank=True)
    refusal_reason = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.CharField(max_length=254)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["status", "due_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=RequestStatus.values), name="dsr_status_known"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=RequestKind.values), name="dsr_kind_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} request {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REQUEST_STATUSES


class RequestEvent(models.Model):
    """One step on a request: recorded, verified, extended, downloaded, corrected, closed."""

    request = models.ForeignKey(DataSubjectRequest, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=30)
    actor_email = models.CharField(max_length=254, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.request_id} {self.action}"


class RequestReminder(models.Model):
    """A reminder to the admins about a request, sent once per kind and due date."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("Due within seven days")
        OVERDUE = "overdue", _("Overdue")

    request = models.ForeignKey(
        DataSubjectRequest, on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    due_on = models.DateField()  # an extension moves the date: the new one is reminded again
    sent_at = models.DateTimeField(auto_now_add=True)
    recipients = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["request", "kind", "due_on"], name="request_reminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.request_id} {self.kind} {self.due_on}"


class LegalHold(models.Model):
    """A law or a dispute requires keeping a beneficiary's data: no deletion while it holds."""

    beneficiary = models.ForeignKey(
        "workflow.Beneficiary", on_delete=models.PROTECT, related_name="legal_holds"
    )
    reason = models.TextField()
    set_by = models.CharField(max_length=254)
    set_at = models.DateTimeField()
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.CharField(max_length=254, blank=True)

    class Meta:
        ordering = ["-set_at", "-id"]

    def __str__(self) -> str:
        return f"hold on {self.beneficiary_id}"


class Anonymisation(models.Model):
    """The beneficiary's personal data was erased: when, by whom, why. Once per beneficiary."""

    class Source(models.TextChoices):
        REQUEST = "request", _("A deletion request")
        RETENTION = "retention", _("The retention rule")

    beneficiary = models.OneToOneField(
        "workflow.Beneficiary", on_delete=models.PROTECT, related_name="anonymisation"
    )
    source = models.CharField(max_length=10, choices=Source.choices)
    reason = models.TextField()
    actor_email = models.CharField(max_length=254, blank=True)  # blank: the retention job
    at = models.DateTimeField()
    documents_removed = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"anonymised {self.beneficiary_id}"


class RetentionRule(models.Model):
    """How long a beneficiary whose cases are all closed keeps their personal data (id 1)."""

    years = models.PositiveSmallIntegerField(null=True, blank=True)  # null: the rule is off
    updated_by = models.CharField(max_length=254, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="retention_rule_one"),
            models.CheckConstraint(
                condition=models.Q(years__isnull=True) | models.Q(years__gte=1, years__lte=50),
                name="retention_years_range",
            ),
        ]

    def __str__(self) -> str:
        return f"retention {self.years or 'off'}"


class RetentionRun(models.Model):
    """What one day's retention job did; one row per day, so a second run does nothing."""

    run_on = models.DateField(unique=True)
    ran_at = models.DateTimeField()
    years = models.PositiveSmallIntegerField()  # closed cases'
    complaints_years = models.PositiveSmallIntegerField(null=True, blank=True)
    # The retention policy version whose periods applied (None: the admins' rule).
    policy_version = models.PositiveIntegerField(null=True, blank=True)
    anonymised = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    skipped_reasons = models.JSONField(default=dict, blank=True)  # reason code → count

    class Meta:
        ordering = ["-run_on"]

    def __str__(self) -> str:
        return f"retention run {self.run_on}"
