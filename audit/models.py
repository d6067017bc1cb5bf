"""Who read or changed a beneficiary's record, case or document: when, what, and from where."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from common.access_trail import AccessAction

__all__ = ["AccessAction", "AccessRecord"]


class AccessRecord(models.Model):
    """One access by a member, append-only: no code path changes or deletes a row, and a
    database trigger refuses UPDATE and DELETE whatever tries.

    Objects are kept by id and reference, not by foreign key: the trail outlives what it records.
    """

    Action = AccessAction

    at = models.DateTimeField(default=timezone.now)
    actor_email = models.CharField(max_length=254)
    actor_role = models.CharField(max_length=12)
    action = models.CharField(max_length=10, choices=AccessAction.choices)
    object_type = models.CharField(max_length=30)  # beneficiary, case, document, access_record
    object_id = models.CharField(max_length=40, blank=True)
    beneficiary_id = models.BigIntegerField(null=True, blank=True)
    case_reference = models.CharField(max_length=12, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    path = models.CharField(max_length=500, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["-at", "-id"], name="access_at_idx"),
            models.Index(fields=["actor_email", "-at"], name="access_actor_idx"),
            models.Index(fields=["beneficiary_id", "-at"], name="access_beneficiary_idx"),
            models.Index(fields=["case_reference", "-at"], name="access_case_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action__in=AccessAction.values), name="access_action_known"
            )
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_email} {self.action} {self.object_type}"
