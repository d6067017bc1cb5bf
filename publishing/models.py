"""The association's policy: one draft, its board approval, and immutable published versions."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from catalog.models import BeneficiaryOnly, PolicyKind


class DeadlineKind(models.TextChoices):
    WORKING = "working", _("Working days")
    CALENDAR = "calendar", _("Calendar days")
    ASAP = "asap", _("As soon as possible")


class ApprovalPosition(models.TextChoices):
    END = "end", _("At the end of the policy")
    TITLE = "title", _("Under the title")


def both_languages() -> list[str]:
    """A policy's languages unless it says otherwise: Arabic and English."""
    return ["ar", "en"]


class PolicyDraft(models.Model):
    """The policy being configured. One per association and kind; the beneficiary policy's is
    made from the template at provisioning, the other kinds' when first opened.

    Lists hold {code, name_ar, name_en}: catalogue items are copied, not referenced, so the
    association's schema is complete on its own. `sections` maps a section key to its template
    text (copied from `template_version`), whether it is shown, and the association's extra text.
    """

    kind = models.CharField(
        max_length=30, choices=PolicyKind.choices, default=PolicyKind.BENEFICIARY
    )
    template_version = models.PositiveIntegerField()
    # ["ar"] or ["ar", "en"]: an Arabic-only policy is asked for no English anywhere.
    languages = models.JSONField(default=both_languages)
    channels = models.JSONField(default=list)
    tools = models.JSONField(default=list)
    referral_roles = models.JSONField(default=list)
    deadline_kind = models.CharField(
        max_length=10, choices=DeadlineKind.choices, default=DeadlineKind.WORKING
    )
    deadline_days = models.PositiveSmallIntegerField(null=True, blank=True)
    # How the page words the deadline, as the board did; the due date still comes from the above.
    deadline_wording_ar = models.CharField(max_length=200, blank=True)
    deadline_wording_en = models.CharField(max_length=200, blank=True)
    # The ordered steps of the procedure, {step, text_ar, text_en} (publishing.procedure).
    procedure = models.JSONField(default=list)
    decision_body_ar = models.CharField(max_length=200, blank=True)
    decision_body_en = models.CharField(max_length=200, blank=True)
    sections = models.JSONField(default=list)
    # The document retention policy's periods, {class: years} (publishing.retention).
    retention = models.JSONField(default=dict, blank=True)
    # The board's approval of exactly this draft; any change to the draft clears it.
    # The facts are as the board writes them: «25/02», «الرابعة», «الأولى».
    approval_meeting_number = models.CharField(max_length=50, blank=True)
    approval_session = models.CharField(max_length=100, blank=True)
    approval_term = models.CharField(max_length=100, blank=True)
    approval_date = models.DateField(null=True, blank=True)
    approval_chair_name = models.CharField(max_length=200, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    # How the approval reads and where it stands: kept across changes, unlike the facts.
    approval_statement_ar = models.TextField(blank=True)
    approval_statement_en = models.TextField(blank=True)
    approval_effect_ar = models.CharField(max_length=500, blank=True)
    approval_effect_en = models.CharField(max_length=500, blank=True)
    approval_position = models.CharField(
        max_length=5, choices=ApprovalPosition.choices, default=ApprovalPosition.END
    )
    # Bumped by every change: a form or API client that read an older revision gets a conflict.
    revision = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    objects = BeneficiaryOnly()
    of_every_kind = models.Manager()  # noqa: DJ012 - a manager (ruff only knows "objects")

    class Meta:
        base_manager_name = "of_every_kind"
        constraints = [
            models.UniqueConstraint(fields=["kind"], name="policy_draft_one_per_kind"),
            models.CheckConstraint(
                condition=models.Q(deadline_days__isnull=True)
                | models.Q(deadline_days__gte=1, deadline_days__lte=90),
                name="policy_draft_deadline_days_range",
            ),
            models.CheckConstraint(
                condition=models.Q(approval_position__in=["end", "title"]),
                name="policy_draft_approval_position_known",
            ),
        ]

    def __str__(self) -> str:
        return f"policy draft (template v{self.template_version})"

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None


class Holiday(models.Model):
    """A day the association does not work; committee deadlines in working days skip it."""

    day = models.DateField(unique=True)
    name = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day} {self.name}"


class PolicyVersion(models.Model):
    """A published policy. Never changed or deleted (a database trigger refuses it)."""

    kind = models.CharField(
        max_length=30, choices=PolicyKind.choices, default=PolicyKind.BENEFICIARY
    )
    number = models.PositiveIntegerField()
    published_at = models.DateTimeField()
    published_by = models.EmailField()
    template_version = models.PositiveIntegerField()
    # Everything the page, the PDF, the API and the case workflow read: the configuration, the
    # section texts and the letterhead, as they were when it was published.
    content = models.JSONField()

    objects = BeneficiaryOnly()
    of_every_kind = models.Manager()  # noqa: DJ012 - a manager (ruff only knows "objects")

    class Meta:
        ordering = ["-number"]
        base_manager_name = "of_every_kind"
        constraints = [
            models.UniqueConstraint(fields=["kind", "number"], name="policy_version_unique")
        ]

    def __str__(self) -> str:
        return (
            f"policy v{self.number}"
            if self.kind == PolicyKind.BENEFICIARY
            else f"{self.kind} policy v{self.number}"
        )


class PolicyDocument(models.Model):
    """The PDF of a published version in one language, rendered once and kept."""

    version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="documents")
    language = models.CharField(max_length=2)
    pdf = models.FileField(upload_to="policy/")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "language"], name="policy_document_unique")
        ]

    def __str__(self) -> str:
        return f"{self.version} ({self.language}) PDF"
