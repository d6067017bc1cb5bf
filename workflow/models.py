"""Beneficiaries and their cases, run by the association's published policy."""

from __future__ import annotations

from pathlib import Path

from django.db import models
from django.utils.translation import gettext_lazy as _


class MessageLanguage(models.TextChoices):
    ARABIC = "ar", "العربية"
    ENGLISH = "en", "English"


def message_language_field() -> models.CharField:
    """The language a person's SMS and e-mails are written in: Arabic unless they chose."""
    return models.CharField(
        _("language of messages"),
        max_length=2,
        choices=MessageLanguage.choices,
        default=MessageLanguage.ARABIC,
        db_default=MessageLanguage.ARABIC,
    )


class Beneficiary(models.Model):
    """One person, keyed by national ID or iqama number, whatever cases they bring."""

    national_id = models.CharField(_("national ID / iqama"), max_length=10, unique=True)
    full_name = models.CharField(_("full name"), max_length=200)
    phone = models.CharField(_("mobile"), max_length=16)
    email = models.EmailField(_("e-mail"), blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    household_size = models.PositiveSmallIntegerField(_("household size"), null=True, blank=True)
    household_notes = models.TextField(_("household details"), blank=True)
    # Sensitive under PDPL, like the household details: workflow.permissions says who sees them.
    health_notes = models.TextField(_("health details"), blank=True, default="", db_default="")
    monthly_income = models.DecimalField(
        _("monthly income (SAR)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    # Every SMS and e-mail to them: the online form's language, or as staff set it.
    language = message_language_field()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["full_name"]
        indexes = [models.Index(fields=["phone"]), models.Index(fields=["full_name"])]

    def __str__(self) -> str:
        return self.full_name


class CaseStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    REFERRED = "referred", _("Referred")
    IN_COMMITTEE = "in_committee", _("Awaiting the decision")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    REGISTERED = "registered", _("Registered")
    SERVICE_DELIVERED = "service_delivered", _("Service delivered")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_STATUSES = [
    CaseStatus.RECEIVED,
    CaseStatus.REFERRED,
    CaseStatus.IN_COMMITTEE,
    CaseStatus.ACCEPTED,
    CaseStatus.REJECTED,
    CaseStatus.REGISTERED,
    CaseStatus.SERVICE_DELIVERED,
]


class CaseKind(models.TextChoices):
    REQUEST = "request", _("Support request")
    SUGGESTION = "suggestion", _("Suggestion")
    COMPLAINT = "complaint", _("Complaint")


class Case(models.Model):
    reference = models.CharField(max_length=12, unique=True)
    kind = models.CharField(max_length=12, choices=CaseKind.choices, default=CaseKind.REQUEST)
    beneficiary = models.ForeignKey(Beneficiary, on_delete=models.PROTECT, related_name="cases")
    status = models.CharField(
        max_length=20, choices=CaseStatus.choices, default=CaseStatus.RECEIVED
    )
    # The channel as the published policy named it when the case was opened.
    channel_code = models.CharField(max_length=60)
    channel_name_ar = models.CharField(max_length=200)
    channel_name_en = models.CharField(max_length=200)
    summary = models.TextField()
    # The promise the case is handled under: the policy versions in force at intake and committee.
    policy_version_opened = models.PositiveIntegerField()
    policy_version_committee = models.PositiveIntegerField(null=True, blank=True)
    consent_given_at = models.DateTimeField()
    verified_at = models.DateTimeField(null=True, blank=True)
    declared_at = models.DateTimeField(null=True, blank=True)
    declaration_signed_by = models.CharField(max_length=200, blank=True)
    referral_role_code = models.CharField(max_length=60, blank=True)
    submitted_on = models.DateField(null=True, blank=True)
    committee_due_on = models.DateField(null=True, blank=True)
    decided_on = models.DateField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Set when staff answered an enquiry and closed the case: an enquiry, not a request.
    answered_at = models.DateTimeField(null=True, blank=True)
    # sha256 of the private status link's token; the token itself is never stored.
    status_token_hash = models.CharField(max_length=64, blank=True)
    # Bumped by every transition: a client acting on an older state gets a 409.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "committee_due_on"]),
            models.Index(fields=["channel_code", "created_at"]),
            models.Index(fields=["-created_at"]),
            # The dashboard's on-time rate reads only decided cases.
            models.Index(
                fields=["decided_on", "committee_due_on"],
                condition=models.Q(decided_on__isnull=False),
                name="case_decided_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=CaseStatus.values), name="case_status_known"
            )
        ]

    def __str__(self) -> str:
        return self.reference

    # The enum's labels: Django's generic get_FOO_display builds a dict of every choice on each
    # call, 50 times a page of the case list.
    def get_status_display(self) -> str:
        return str(CaseStatus(self.status).label)

    def get_kind_display(self) -> str:
        return str(CaseKind(self.kind).label)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class CaseCount(models.Model):
    """How many cases stand in each state, and the dashboard's decision figures: kept exact by
    the services that open and move cases, in the same transaction (n = n + 1), so that the
    dashboard and the case list's page count read these few rows instead of counting every case.
    Keys: a CaseStatus value, or one of COUNT_KEYS below."""

    key = models.CharField(max_length=30, primary_key=True)
    n = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key} {self.n}"


# Closed cases that were enquiries answered; decisions with a deadline; those taken by it.
COUNT_ANSWERED = "closed_answered"
COUNT_DECIDED = "decided"
COUNT_DECIDED_ON_TIME = "decided_on_time"


class CaseEvent(models.Model):
    """One step on a case's timeline: who did what, when, from which state to which."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=30)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    actor_email = models.CharField(max_length=254, blank=True)  # blank: the beneficiary online
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action}"


class Survey(models.Model):
    """The satisfaction survey sent when a case closes: one personal link, used once."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="survey")
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    deadline_kept = models.BooleanField(null=True, blank=True)
    staff_courteous = models.BooleanField(null=True, blank=True)
    comment = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=1, score__lte=5),
                name="survey_score_range",
            )
        ]

    def __str__(self) -> str:
        return f"survey of {self.case_id}"


def document_path(document: CaseDocument, filename: str) -> str:
    # The tenant-aware storage puts this under the association's own folder.
    suffix = Path(filename).suffix.lower()[:8]
    return f"cases/{document.case_id}/{document.kind}-{document.uploaded_at:%Y%m%d%H%M%S}{suffix}"


class CaseDocument(models.Model):
    class Kind(models.TextChoices):
        ID_COPY = "id_copy", _("ID copy")
        REPORT = "report", _("Report")
        OTHER = "other", _("Other document")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    file = models.FileField(upload_to=document_path)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.CharField(max_length=254)
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class Reminder(models.Model):
    """A reminder or escalation sent for a case, once: the unique key makes re-runs harmless."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("Due within two working days")
        OVERDUE = "overdue", _("Overdue")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    sent_at = models.DateTimeField(auto_now_add=True)
    recipients = models.JSONField(default=list)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "kind"], name="reminder_once")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class UpdateSubscriber(models.Model):
    """Someone who asked, on the policy page, to be told when a new version is published: by
    text message to a Saudi mobile or by e-mail, in the page's language. Told nothing until
    they open the confirmation link sent to that address (double opt-in); unconfirmed, they
    are deleted after CONFIRM_DAYS."""

    phone = models.CharField(max_length=16, blank=True)
    email = models.EmailField(blank=True)
    language = models.CharField(max_length=2, default="ar")
    consent_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The confirmation link's token, hashed (workflow.tokens); empty once confirmed.
    confirm_token_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(phone="") & ~models.Q(email=""))
                | (~models.Q(phone="") & models.Q(email="")),
                name="update_subscriber_one_address",
            ),
            models.UniqueConstraint(
                fields=["phone"], condition=~models.Q(phone=""), name="update_subscriber_phone"
            ),
            models.UniqueConstraint(
                fields=["email"], condition=~models.Q(email=""), name="update_subscriber_email"
            ),
        ]

    def __str__(self) -> str:
        return self.phone or self.email


class PolicyNotice(models.Model):
    """One person to tell of version `number`: written once per version and address, so a
    notice is never sent twice, and marked when its batch handled it."""

    number = models.PositiveIntegerField()
    address = models.CharField(max_length=254)  # +9665… or an e-mail address
    language = models.CharField(max_length=2, default="ar")
    handled = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["number", "address"], name="policy_notice_once")
        ]

    def __str__(self) -> str:
        return f"{self.number}:{self.address}"
