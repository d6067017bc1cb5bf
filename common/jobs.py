"""The one background-job model: a row the worker moves through its steps while a page polls
its progress (the console's provisioning jobs, an association's exports)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class BackgroundJob(models.Model):
    """Status, step, progress and error of a job the worker runs; each job names its steps."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        abstract = True

    def progress_save(self, **fields) -> None:
        """Set `fields` (step, progress, status…) and save them at once: the page polling the
        job reads them while the worker is still at it."""
        for name, value in fields.items():
            setattr(self, name, value)
        touched = ["updated_at"] if any(f.name == "updated_at" for f in self._meta.fields) else []
        self.save(update_fields=[*fields, *touched])
