"""Stripe, billing's payment gateway: Checkout, the customer portal, the success return and the
webhooks. Plans, limits and subscriptions are billing.services; a second gateway would be a
module beside this one."""

from __future__ import annotations

import datetime
import logging
import re
from typing import Any

import stripe
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import Plan, StripeEvent, Subscription
from billing.services import (
    ENDED,
    BillingRefused,
    Status,
    association_activate,
    plan_for_price,
    plan_price_id,
    subscription_for,
    subscription_pays_online,
)
from tenants.models import Association
from tenants.tasking import enqueue_on_commit

logger = logging.getLogger(__name__)

SESSION_ID = re.compile(r"^cs_[A-Za-z0-9_]{1,200}$")


# --- Stripe: Checkout, the customer portal, the success return ------------------------------


def _stripe() -> stripe.StripeClient:
    if not settings.STRIPE_ENABLED:
        raise BillingRefused(
            _("Online billing is off. The platform's operators assign plans; contact them."),
            code="billing_off",
        )
    addresses = {"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else None
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY, base_addresses=addresses, max_network_retries=2
    )


def _stripe_unreachable(error: stripe.StripeError) -> BillingRefused:
    logger.warning("Stripe refused a request: %s", error)
    return BillingRefused(
        _("The payment service did not answer; nothing was charged. Please try again shortly."),
        code="stripe_error",
    )


def _metadata(association: Association, plan: Plan) -> dict[str, str]:
    return {
        "association_slug": association.slug,
        "association_schema": association.schema_name,
        "plan": plan.code,
    }


def checkout_session_create(*, association: Association, plan: Plan, user) -> str:
    """A Stripe Checkout session (subscription mode) for `plan`: the address to send the admin."""
    client = _stripe()
    price = plan_price_id(plan)
    if plan.is_trial or not plan.is_public or not price:
        raise BillingRefused(_("This plan cannot be bought online."), code="plan_not_for_sale")
    subscription = subscription_for(association)
    if subscription_pays_online(subscription):
        # A second Checkout would start a second subscription: plans change in the portal.
        raise BillingRefused(
            _("You already pay online. Change the plan or the card with “Manage payment”."),
            code="already_subscribed",
        )
    params: dict[str, Any] = {
        "mode": "subscription",
        "line_items": [{"price": price, "quantity": 1}],
        "client_reference_id": association.slug,
        "metadata": _metadata(association, plan),
        "subscription_data": {"metadata": _metadata(association, plan)},
        "success_url": association.url("/app/billing/success/")
        + "?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": association.url("/app/billing/"),
    }
    if subscription.stripe_customer_id:
        params["customer"] = subscription.stripe_customer_id
    else:
        params["customer_email"] = user.email
    try:
        session = client.v1.checkout.sessions.create(params=params)
    except stripe.StripeError as error:
        raise _stripe_unreachable(error) from error
    return session.url


def checkout_session_complete(*, association: Association, session_id: str) -> Subscription:
    """Apply the Checkout session the admin came back from, if it is this association's and paid."""
    client = _stripe()
    if not SESSION_ID.match(session_id or ""):
        raise BillingRefused(_("This payment session is unknown."), code="session_unknown")
    try:
        session = client.v1.checkout.sessions.retrieve(session_id).to_dict()
    except stripe.InvalidRequestError as error:
        raise BillingRefused(
            _("This payment session is unknown."), code="session_unknown"
        ) from error
    except stripe.StripeError as error:
        raise _stripe_unreachable(error) from error
    metadata = session.get("metadata") or {}
    if (
        session.get("client_reference_id") != association.slug
        or metadata.get("association_schema") != association.schema_name
    ):
        raise BillingRefused(
            _("This payment session belongs to another account."), code="session_foreign"
        )
    if session.get("status") == "expired":
        raise BillingRefused(
            _("This payment session has expired and nothing was charged. Subscribe again."),
            code="session_expired",
        )
    if session.get("status") != "complete" or session.get("payment_status") not in (
        "paid",
        "no_payment_required",
    ):
        raise BillingRefused(
            _("The payment is not finished yet. Complete it, or subscribe again."),
            code="session_open",
        )
    with transaction.atomic():
        return _checkout_apply(session, created=None)


def portal_session_create(*, association: Association, return_url: str) -> str:
    """Stripe's customer portal, where the admin changes the card, the plan or cancels."""
    client = _stripe()
    subscription = subscription_for(association)
    if not subscription.stripe_customer_id:
        raise BillingRefused(
            _("There are no payment details yet: subscribe to a plan first."),
            code="no_customer",
        )
    try:
        session = client.v1.billing_portal.sessions.create(
            params={"customer": subscription.stripe_customer_id, "return_url": return_url}
        )
    except stripe.StripeError as error:
        raise _stripe_unreachable(error) from error
    return session.url


# --- Stripe: webhooks -----------------------------------------------------------------------------


class StripeWebhookRefused(Exception):
    """The delivery was not a genuine Stripe event; the message says why."""


def stripe_event_receive(*, payload: bytes, signature: str | None) -> tuple[StripeEvent, bool]:
    """Verify a webhook delivery and record it by event id; (event, True) the first time only.

    The worker applies it (`billing.stripe_event_process`) once the row is committed.
    """
    if not settings.STRIPE_ENABLED:
        raise StripeWebhookRefused("Billing is off: no Stripe keys are configured.")
    try:
        event = stripe.Webhook.construct_event(
            payload, signature, settings.STRIPE_WEBHOOK_SECRET
        ).to_dict()
    except stripe.SignatureVerificationError as error:
        raise StripeWebhookRefused(
            "The Stripe-Signature header is missing or does not match this body."
        ) from error
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise StripeWebhookRefused("The body is not a Stripe event.") from error
    if not (
        isinstance(event.get("id"), str)
        and isinstance(event.get("type"), str)
        and isinstance(event.get("created"), int)
        and isinstance((event.get("data") or {}).get("object"), dict)
    ):
        raise StripeWebhookRefused("The body is not a Stripe event.")
    # Imported here: billing.tasks imports this module for the task's body.
    from billing.tasks import stripe_event_process_task

    with transaction.atomic():
        row, created = StripeEvent.objects.get_or_create(
            event_id=event["id"][:100],
            defaults={"type": event["type"][:100], "created": event["created"], "payload": event},
        )
        if created:
            enqueue_on_commit(stripe_event_process_task, schema_name="public", event_pk=row.pk)
    return row, created


def stripe_event_apply(*, event_pk: int) -> str:
    """Apply a recorded Stripe event to its association's subscription, once; the outcome."""
    with transaction.atomic():
        row = StripeEvent.objects.select_for_update().filter(pk=event_pk).first()
        if row is None or row.processed_at is not None:
            return row.outcome if row else "unknown event"
        obj = row.payload["data"]["object"]
        handler = HANDLERS.get(row.type)
        outcome = handler(obj, created=row.created) if handler else "not a billing event"
        row.processed_at = timezone.now()
        row.outcome = outcome[:200]
        row.save(update_fields=["processed_at", "outcome"])
    logger.info("stripe event %s (%s): %s", row.event_id, row.type, outcome)
    return outcome


def _subscription_locked(
    *, stripe_subscription_id: str = "", metadata: dict | None = None, customer: str = ""
) -> Subscription | None:
    """The subscription an event is about: by Stripe's id, else by the association it names.

    An event whose ids and metadata point at two different associations changes neither.
    """
    queryset = Subscription.objects.select_for_update().select_related("plan", "association")
    found = None
    if stripe_subscription_id:
        found = queryset.filter(stripe_subscription_id=stripe_subscription_id).first()
    schema = (metadata or {}).get("association_schema")
    if found is not None:
        return found if not schema or found.association.schema_name == schema else None
    if schema:
        association = Association.objects.filter(schema_name=schema).first()
        if association is None:
            return None
        subscription_for(association)
        return queryset.get(association=association)
    if customer:
        return queryset.filter(stripe_customer_id=customer).first()
    return None


def _stale(subscription: Subscription, created: int | None) -> bool:
    return (
        created is not None
        and subscription.stripe_event_created is not None
        and created < subscription.stripe_event_created
    )


def _status_set(subscription: Subscription, status: str) -> None:
    if status in ENDED:
        if subscription.status not in ENDED or subscription.grace_ends_at is None:
            subscription.grace_ends_at = timezone.now() + datetime.timedelta(
                days=settings.BILLING_GRACE_DAYS
            )
    else:
        subscription.grace_ends_at = None
    subscription.status = status
    if status == Status.ACTIVE:
        association_activate(subscription.association)


def _save(subscription: Subscription, created: int | None) -> None:
    # `created` None: the state read from Stripe itself, which leaves the event order alone.
    if created is not None:
        subscription.stripe_event_created = max(created, subscription.stripe_event_created or 0)
    subscription.save(
        update_fields=[
            "plan",
            "status",
            "grace_ends_at",
            "current_period_end",
            "stripe_customer_id",
            "stripe_subscription_id",
            "stripe_event_created",
            "updated_at",
        ]
    )


def _timestamp(value) -> datetime.datetime | None:
    if not isinstance(value, int):
        return None
    return datetime.datetime.fromtimestamp(value, tz=datetime.UTC)


def _id(value) -> str:
    # Stripe sends an id, or the object itself when it was expanded.
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else ""


def _checkout_apply(session: dict, *, created: int | None) -> Subscription:
    subscription = _subscription_locked(metadata=session.get("metadata") or {})
    if subscription is None:
        raise BillingRefused(
            _("This payment session belongs to another account."), code="session_foreign"
        )
    if _stale(subscription, created):
        return subscription
    subscription.stripe_customer_id = _id(session.get("customer"))[:100]
    subscription.stripe_subscription_id = _id(session.get("subscription"))[:100]
    plan = Plan.objects.filter(code=(session.get("metadata") or {}).get("plan")).first()
    # A payment still on its way (a bank transfer) changes the plan when it arrives.
    if session.get("payment_status") in ("paid", "no_payment_required"):
        if plan is not None and not plan.is_trial:
            subscription.plan = plan
        _status_set(subscription, Status.ACTIVE)
    _save(subscription, created)
    return subscription


def _on_checkout_completed(session: dict, *, created: int) -> str:
    if session.get("mode") != "subscription":
        return "not a subscription checkout"
    try:
        with transaction.atomic():
            subscription = _checkout_apply(session, created=created)
    except BillingRefused:
        return "no association matches"
    return f"{subscription.association.slug}: {subscription.plan.code} {subscription.status}"


def _on_subscription(obj: dict, *, created: int, deleted: bool = False) -> str:
    subscription = _subscription_locked(
        stripe_subscription_id=_id(obj.get("id")),
        metadata=obj.get("metadata") or {},
        customer=_id(obj.get("customer")),
    )
    if subscription is None:
        return "no association matches"
    if _stale(subscription, created):
        return f"{subscription.association.slug}: older than the last event applied, ignored"
    status = Status.CANCELED if deleted else obj.get("status")
    if status not in Status.values:
        return f"unknown status {status!r}"
    stripe_id = _id(obj.get("id"))[:100]
    if (
        subscription.stripe_subscription_id
        and subscription.stripe_subscription_id != stripe_id
        and subscription.status not in ENDED
    ):
        # An older subscription of this association (replaced since) does not speak for it.
        return f"{subscription.association.slug}: not its current subscription, ignored"
    if status in (Status.INCOMPLETE, Status.INCOMPLETE_EXPIRED) and subscription.plan.is_trial:
        # A first payment that never went through leaves the trial as it was.
        return f"{subscription.association.slug}: first payment incomplete, trial kept"
    items = (obj.get("items") or {}).get("data") or [{}]
    plan = plan_for_price(_id((items[0] or {}).get("price")))
    if plan is not None:
        subscription.plan = plan
    # Newer API versions give the period on the item, older ones on the subscription.
    period_end = _timestamp(
        obj.get("current_period_end") or (items[0] or {}).get("current_period_end")
    )
    if period_end is not None:
        subscription.current_period_end = period_end
    subscription.stripe_subscription_id = stripe_id
    if customer := _id(obj.get("customer")):
        subscription.stripe_customer_id = customer[:100]
    _status_set(subscription, status)
    _save(subscription, created)
    return f"{subscription.association.slug}: {subscription.plan.code} {subscription.status}"


def _invoice_subscription_id(invoice: dict) -> str:
    # API versions from 2025 move the subscription under parent.subscription_details.
    details = ((invoice.get("parent") or {}).get("subscription_details")) or {}
    return _id(invoice.get("subscription")) or _id(details.get("subscription"))


def _on_invoice(invoice: dict, *, created: int, paid: bool) -> str:
    subscription_id = _invoice_subscription_id(invoice)
    if not subscription_id:
        return "not a subscription invoice"
    subscription = _subscription_locked(
        stripe_subscription_id=subscription_id,
        metadata=((invoice.get("parent") or {}).get("subscription_details") or {}).get("metadata"),
    )
    if subscription is None:
        return "no association matches"
    if subscription.stripe_subscription_id != subscription_id:
        return f"{subscription.association.slug}: not its current subscription, ignored"
    if _stale(subscription, created):
        return f"{subscription.association.slug}: older than the last event applied, ignored"
    if paid:
        _status_set(subscription, Status.ACTIVE)
    elif subscription.status in (Status.ACTIVE, Status.TRIALING):
        _status_set(subscription, Status.PAST_DUE)
    _save(subscription, created)
    return f"{subscription.association.slug}: {subscription.plan.code} {subscription.status}"


HANDLERS = {
    "checkout.session.completed": _on_checkout_completed,
    "customer.subscription.created": _on_subscription,
    "customer.subscription.updated": _on_subscription,
    "customer.subscription.deleted": lambda obj, created: _on_subscription(
        obj, created=created, deleted=True
    ),
    "invoice.paid": lambda obj, created: _on_invoice(obj, created=created, paid=True),
    "invoice.payment_failed": lambda obj, created: _on_invoice(obj, created=created, paid=False),
}
