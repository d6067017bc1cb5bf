"""Plans, each association's subscription, and the Stripe events received (public schema).

Billing state sits beside the association row, not in its schema: operators read it for every
association at once, and a webhook does not need to know which schema to enter.
"""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

# Saudi VAT, added to every plan's price.
VAT_RATE = Decimal("0.15")


class Plan(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name_ar = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100)
    # Monthly price in SAR before VAT (15 %); 0 for the trial.
    price_sar = models.DecimalField(max_digits=9, decimal_places=2, default=0)
    # Stripe's price for this plan; empty for plans that are not sold through Stripe.
    stripe_price_id = models.CharField(max_length=100, blank=True)
    is_trial = models.BooleanField(default=False)
    trial_days = models.PositiveSmallIntegerField(default=0)
    # None means no limit.
    max_members = models.PositiveIntegerField(null=True, blank=True)
    max_open_cases = models.PositiveIntegerField(null=True, blank=True)
    # SMS segments a month (networks bill per segment); None: no limit.
    max_sms_segments = models.PositiveIntegerField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    is_public = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.code

    @property
    def vat_sar(self) -> Decimal:
        return (self.price_sar * VAT_RATE).quantize(Decimal("0.01"))

    @property
    def price_with_vat_sar(self) -> Decimal:
        return self.price_sar + self.vat_sar


class Subscription(models.Model):
    """What an association has: its plan and where its payment stands."""

    class Status(models.TextChoices):
        # Stripe's own subscription statuses, so that a webhook maps one to one.
        TRIALING = "trialing", _("Trial")
        ACTIVE = "active", _("Active")
        PAST_DUE = "past_due", _("Payment past due")
        UNPAID = "unpaid", _("Unpaid")
        CANCELED = "canceled", _("Cancelled")
        INCOMPLETE = "incomplete", _("Incomplete")
        INCOMPLETE_EXPIRED = "incomplete_expired", _("Incomplete (expired)")
        PAUSED = "paused", _("Paused")

    association = models.OneToOneField(
        "tenants.Association", on_delete=models.CASCADE, related_name="subscription"
    )
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.TRIALING)
    trial_ends_at = models.DateTimeField(null=True, blank=True)
    current_period_end = models.DateTimeField(null=True, blank=True)
    # Set when the subscription stops being paid for; the workspace turns read-only after it.
    grace_ends_at = models.DateTimeField(null=True, blank=True)
    stripe_customer_id = models.CharField(max_length=100, blank=True, db_index=True)
    stripe_subscription_id = models.CharField(max_length=100, blank=True, db_index=True)
    # Stripe's `created` of the last event applied: an older event arriving late changes nothing.
    stripe_event_created = models.BigIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.association_id}:{self.plan_id}:{self.status}"


class StripeEvent(models.Model):
    """Every webhook delivery accepted, by Stripe's event id: a second delivery does nothing."""

    event_id = models.CharField(max_length=100, unique=True)
    type = models.CharField(max_length=100)
    created = models.BigIntegerField()  # Stripe's timestamp of the event (seconds)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return self.event_id
