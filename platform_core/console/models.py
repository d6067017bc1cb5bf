"""The operators' audit log (public schema): who did what to which association, and when."""

from django.db import models


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
