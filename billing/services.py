"""Billing: plans, limits, each association's subscription and Stripe.

Every billing decision goes through this module, so that another payment gateway (a Saudi one)
can be added beside Stripe without touching the workspace.
"""

from __future__ import annotations

import datetime
import logging
import math
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import stripe
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from billing.limits import MEMBERS, OPEN_CASES, limit_usage
from billing.models import Plan, StripeEvent, Subscription
from tenants.models import Association
from tenants.selectors import association_cache_clear, association_current
from tenants.tasking import enqueue_on_commit

logger = logging.getLogger(__name__)

Status = Subscription.Status
# Stripe statuses in which the association no longer pays: read-only once the grace is over.
ENDED = frozenset({Status.CANCELED, Status.UNPAID, Status.INCOMPLETE_EXPIRED, Status.PAUSED})
SESSION_ID = re.compile(r"^cs_[A-Za-z0-9_]{1,200}$")


class PlanLimitReached(ValidationError):
    """A plan's limit would be passed; nothing was created."""


class BillingRefused(ValidationError):
    """A billing request that cannot be carried out (billing off, Stripe refused, wrong session)."""


# --- reading the state ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BillingState:
    association: Association
    plan: Plan
    status: str
    read_only: bool
    past_due: bool
    trial_days_left: int | None
    trial_ends_at: datetime.datetime | None
    grace_ends_at: datetime.datetime | None
    current_period_end: datetime.datetime | None
    has_customer: bool
    pays_online: bool

    @property
    def status_label(self) -> str:
        return Status(self.status).label

    @property
    def members_limit(self) -> int | None:
        return self.plan.max_members

    @property
    def open_cases_limit(self) -> int | None:
        return self.plan.max_open_cases

    # Usage is counted in the association's schema, only when a page asks for it.
    @cached_property
    def members_used(self) -> int:
        return limit_usage(MEMBERS, schema_name=self.association.schema_name)

    @cached_property
    def open_cases_used(self) -> int:
        return limit_usage(OPEN_CASES, schema_name=self.association.schema_name)


def plans_public() -> list[Plan]:
    return list(Plan.objects.filter(is_public=True))


def plan_price_id(plan: Plan) -> str:
    """Stripe's price for a plan: STRIPE_PRICES first, then the one stored on the plan."""
    return settings.STRIPE_PRICES.get(plan.code) or plan.stripe_price_id


def plan_for_price(price_id: str) -> Plan | None:
    if not price_id:
        return None
    for code, known in settings.STRIPE_PRICES.items():
        if known == price_id:
            return Plan.objects.filter(code=code).first()
    return Plan.objects.filter(stripe_price_id=price_id).first()


def subscription_for(association: Association) -> Subscription:
    """The association's subscription; one made before billing existed starts its trial now."""
    subscription = (
        Subscription.objects.select_related("plan").filter(association=association).first()
    )
    return subscription or subscription_start_trial(association=association)


def _pays_online(subscription: Subscription) -> bool:
    return bool(subscription.stripe_subscription_id) and subscription.status not in ENDED


def billing_state(association: Association) -> BillingState:
    subscription = subscription_for(association)
    plan, now = subscription.plan, timezone.now()
    trial_over = (
        plan.is_trial
        and subscription.status == Status.TRIALING
        and subscription.trial_ends_at is not None
        and subscription.trial_ends_at <= now
    )
    ended = subscription.status in ENDED
    grace_over = subscription.grace_ends_at is None or subscription.grace_ends_at <= now
    read_only = trial_over or (ended and grace_over)
    trial_days_left = None
    if plan.is_trial and subscription.trial_ends_at is not None:
        seconds = (subscription.trial_ends_at - now).total_seconds()
        trial_days_left = max(0, math.ceil(seconds / 86400))
    return BillingState(
        association=association,
        plan=plan,
        status=subscription.status,
        read_only=read_only,
        past_due=not read_only and (subscription.status == Status.PAST_DUE or ended),
        trial_days_left=trial_days_left,
        trial_ends_at=subscription.trial_ends_at if plan.is_trial else None,
        grace_ends_at=subscription.grace_ends_at if ended else None,
        current_period_end=subscription.current_period_end,
        has_customer=bool(subscription.stripe_customer_id),
        pays_online=_pays_online(subscription),
    )


# --- limits --------------------------------------------------------------------------------------


def _plan_name(plan: Plan) -> str:
    return plan.name_ar if (get_language() or "ar").startswith("ar") else plan.name_en


def member_limit_check(*, association: Association | None = None) -> None:
    """Refuse one more member when the plan's seats are all taken (default: this association)."""
    association = association or association_current()
    plan = subscription_for(association).plan
    if (
        plan.max_members is not None
        and limit_usage(MEMBERS, schema_name=association.schema_name) >= plan.max_members
    ):
        raise PlanLimitReached(
            _(
                "Your plan (%(plan)s) allows %(limit)s members, and they are all taken. "
                "Remove a pending invitation or choose a larger plan on the billing page."
            )
            % {"plan": _plan_name(plan), "limit": plan.max_members},
            code="plan_member_limit",
        )


def open_case_limit_check(*, association: Association | None = None, public: bool = False) -> None:
    """Refuse a new case when the plan's open cases are all in use (nothing is lost: close one).

    `public`: the refusal is for a beneficiary applying online, who is not told about plans.
    """
    association = association or association_current()
    plan = subscription_for(association).plan
    limit = plan.max_open_cases
    if limit is None or limit_usage(OPEN_CASES, schema_name=association.schema_name) < limit:
        return
    if public:
        raise PlanLimitReached(
            _(
                "The association cannot take new requests online right now. Please contact it "
                "directly; what you typed is still below."
            ),
            code="plan_open_case_limit",
        )
    raise PlanLimitReached(
        _(
            "Your plan (%(plan)s) allows %(limit)s open cases at a time, and they are all "
            "open. Close finished cases or choose a larger plan on the billing page."
        )
        % {"plan": _plan_name(plan), "limit": limit},
        code="plan_open_case_limit",
    )


# --- plans set by the platform --------------------------------------------------------------


def subscription_start_trial(*, association: Association) -> Subscription:
    """A new association starts on the trial plan, for the plan's number of days."""
    plan = Plan.objects.get(is_trial=True, code="trial")
    subscription, _created = Subscription.objects.select_related("plan").get_or_create(
        association=association,
        defaults={
            "plan": plan,
            "status": Status.TRIALING,
            "trial_ends_at": timezone.now() + datetime.timedelta(days=plan.trial_days),
        },
    )
    return subscription


def _snapshot(subscription: Subscription) -> dict[str, Any]:
    return {
        "plan": subscription.plan.code,
        "status": subscription.status,
        "trial_ends_at": subscription.trial_ends_at,
        "grace_ends_at": subscription.grace_ends_at,
    }


def subscription_plan_set(
    *, association: Association, plan: Plan
) -> tuple[Subscription, dict[str, Any], dict[str, Any]]:
    """Put the association on `plan` by hand: a paid plan is active at once. Returns the
    subscription and its state before and after, for the operator's record."""
    with transaction.atomic():
        subscription_for(association)
        subscription = (
            Subscription.objects.select_for_update()
            .select_related("plan")
            .get(association=association)
        )
        before = _snapshot(subscription)
        subscription.plan = plan
        if plan.is_trial:
            subscription.status = Status.TRIALING
            subscription.trial_ends_at = timezone.now() + datetime.timedelta(days=plan.trial_days)
        else:
            subscription.status = Status.ACTIVE
        subscription.grace_ends_at = None
        subscription.save(
            update_fields=["plan", "status", "trial_ends_at", "grace_ends_at", "updated_at"]
        )
        if not plan.is_trial:
            _association_activate(association)
    return subscription, before, _snapshot(subscription)


def _association_activate(association: Association) -> None:
    # A paying association leaves its trial; a suspension is the operators' and stays.
    updated = Association.objects.filter(pk=association.pk, status=Association.Status.TRIAL).update(
        status=Association.Status.ACTIVE
    )
    if updated:
        association.status = Association.Status.ACTIVE
        association_cache_clear()


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
    if _pays_online(subscription):
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
        _association_activate(subscription.association)


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
