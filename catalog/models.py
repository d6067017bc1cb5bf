"""The shared policy template (versioned) and the catalogue of standard items (public schema).

Associations never point at these rows: their policies copy codes and text into their own
schema, so that a schema is complete on its own (ARCHITECTURE.md, tenancy rules).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CatalogItem(models.Model):
    class Kind(models.TextChoices):
        CHANNEL = "channel", _("Channel")
        TOOL = "tool", _("Tool")
        REFERRAL_ROLE = "referral_role", _("Referral role")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    code = models.SlugField(max_length=60)
    name_ar = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["kind", "position"]
        constraints = [models.UniqueConstraint(fields=["kind", "code"], name="catalog_item_unique")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.code}"


class PolicyKind(models.TextChoices):
    """The policies the regulator's transparency standard asks an association to publish. The
    beneficiary policy came first: its rows are those from before kinds (the default)."""

    BENEFICIARY = "beneficiary", _("Beneficiary Relationship Policy")
    CONFLICT_OF_INTEREST = "conflict-of-interest", _("Conflict of Interest Policy")
    WHISTLEBLOWING = "whistleblowing", _("Whistleblowing Policy")
    DATA_PRIVACY = "data-privacy", _("Data Privacy Policy")
    DOCUMENT_RETENTION = "document-retention", _("Document Retention and Destruction Policy")
    VOLUNTEERS = "volunteers", _("Volunteer Management Policy")
    FUNDRAISING = "fundraising", _("Fundraising Policy")


class BeneficiaryOnly(models.Manager):
    """The beneficiary policy's rows: the code written before kinds reads through `objects`
    unchanged; `of_every_kind` reads them all."""

    def get_queryset(self):
        return super().get_queryset().filter(kind=PolicyKind.BENEFICIARY)


class TemplateVersion(models.Model):
    kind = models.CharField(
        max_length=30, choices=PolicyKind.choices, default=PolicyKind.BENEFICIARY
    )
    number = models.PositiveIntegerField()
    # None while operators are still writing it; associations only ever see released versions.
    released_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True)
    # The step catalogue: each step kind's default wording, {kind: {"ar": ..., "en": ...}}.
    steps = models.JSONField(default=dict)

    objects = BeneficiaryOnly()
    of_every_kind = models.Manager()  # noqa: DJ012 - a manager (ruff only knows "objects")

    class Meta:
        ordering = ["-number"]
        base_manager_name = "of_every_kind"
        constraints = [
            models.UniqueConstraint(fields=["kind", "number"], name="template_version_unique")
        ]

    def __str__(self) -> str:
        return (
            f"v{self.number}"
            if self.kind == PolicyKind.BENEFICIARY
            else f"{self.kind} v{self.number}"
        )


class TemplateSection(models.Model):
    version = models.ForeignKey(TemplateVersion, on_delete=models.CASCADE, related_name="sections")
    key = models.SlugField(max_length=60)
    position = models.PositiveSmallIntegerField()
    optional = models.BooleanField(default=False)
    title_ar = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200)
    body_ar = models.TextField()
    body_en = models.TextField()

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="template_section_unique")
        ]

    def __str__(self) -> str:
        return f"{self.version}:{self.key}"
