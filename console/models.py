"""The operators' console (public schema): the audit log, provisioning jobs, usage snapshots."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from common.jobs import BackgroundJob


class OperatorAction(models.Model):
    """One operator action, append-only (a database trigger refuses UPDATE and DELETE).

    The association is kept by slug, not by foreign key: the log outlives a deleted association.
    """

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor_email = models.EmailField()
    action = models.CharField(max_length=60)  # "association.suspended", "template.released", …
    association_slug = models.CharField(max_length=40, blank=True, db_index=True)
    summary = models.CharField(max_length=300, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_email} {self.action}"


class ProvisioningJob(BackgroundJob):
    """An association being created from the console; its page polls the steps.

    The admin's password is never stored: the form keeps only its Django hash, which the new
    admin account receives as is.
    """

    class Step(models.TextChoices):
        QUEUED = "queued", _("Waiting for the worker")
        CHECKING = "checking", _("Checking the details")
        SCHEMA = "schema", _("Creating the association's database and first admin")
        FINISHING = "finishing", _("Finishing")
        DONE = "done", _("Ready")

    updated_at = models.DateTimeField(auto_now=True)
    actor_email = models.EmailField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    slug = models.CharField(max_length=40)
    name_ar = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    admin_name = models.CharField(max_length=200, blank=True)
    admin_email = models.EmailField()
    admin_password_hash = models.CharField(max_length=200)
    step = models.CharField(max_length=12, choices=Step.choices, default=Step.QUEUED)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="provisioning_job_progress_range"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["queued", "running", "done", "failed"]),
                name="provisioning_job_status_known",
            ),
        ]

    def __str__(self) -> str:
        return f"provisioning {self.slug} ({self.status})"


class AssociationUsageSnapshot(models.Model):
    """An association's usage as last counted in its schema, so that the list of a thousand
    associations can show and filter it from the public schema with one query.

    Refreshed when the association's page is opened and by a daily task.
    """

    association = models.OneToOneField(
        "tenants.Association", on_delete=models.CASCADE, related_name="usage_snapshot"
    )
    members = models.PositiveIntegerField(default=0)
    open_cases = models.PositiveIntegerField(default=0)
    total_cases = models.PositiveIntegerField(default=0)
    storage_bytes = models.PositiveBigIntegerField(default=0)
    last_activity_at = models.DateTimeField(null=True, blank=True, db_index=True)
    refreshed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"usage of {self.association_id} at {self.refreshed_at:%Y-%m-%d %H:%M}"
