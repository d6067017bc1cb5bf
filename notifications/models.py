"""The association's SMS log: one row per event told to a person, whatever became of it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SmsStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to be sent")
    HELD = "held", _("Held: the plan's monthly SMS are used up")
    SENT = "sent", _("Given to the provider")
    DELIVERED = "delivered", _("Delivered to the phone")
    UNDELIVERABLE = "undeliverable", _("Not delivered to the phone")
    FAILED = "failed", _("Failed to send")
    NOT_SENT = "not_sent", _("Not sent")


class SmsCategory(models.TextChoices):
    # CST's classes (LOCALE.md): service messages at any hour, awareness ones 9:00 to 22:00.
    SERVICE = "service", _("Service message")
    AWARENESS = "awareness", _("Awareness message")


class SmsMessage(models.Model):
    # What the message tells of, once: "case:12:received", "complaint:4:answered".
    event_key = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=40)
    category = models.CharField(max_length=10, choices=SmsCategory.choices)
    recipient = models.CharField(max_length=16)
    # Kept until the message is handled; then only if it says nothing personal (a decision's
    # text is erased once sent or failed).
    text = models.TextField(blank=True)
    personal = models.BooleanField(default=True)
    encoding = models.CharField(max_length=4)
    segments = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=14, choices=SmsStatus.choices)
    reason = models.CharField(max_length=300, blank=True)
    not_before = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    provider_message_id = models.CharField(max_length=100, blank=True)
    cost = models.DecimalField(max_digits=9, decimal_places=4, null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    receipt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["provider_message_id"]),
            models.Index(fields=["status", "created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=SmsStatus.values), name="sms_status_known"
            )
        ]

    def __str__(self) -> str:
        return self.event_key

    @property
    def recipient_masked(self) -> str:
        """+9665•••••678: enough for staff to tell numbers apart, not to read one off."""
        return f"{self.recipient[:5]}{'•' * max(len(self.recipient) - 8, 0)}{self.recipient[-3:]}"


class SmsOptOut(models.Model):
    """A mobile that asked for no more messages (by the link in one, or told to staff)."""

    phone = models.CharField(max_length=16, unique=True)
    source = models.CharField(max_length=10)  # "link" or "staff"
    at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.phone


class EmailOptOut(models.Model):
    """An e-mail address that asked for no more notices (by the link in one)."""

    email = models.EmailField(unique=True)
    at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.email
