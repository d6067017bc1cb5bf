"""Billing: plans, limits and each association's subscription, whatever the payment gateway.

The gateway is a module of its own (billing/stripe_gateway.py: Checkout, the portal, the
webhooks), so that another one (a Saudi gateway) can be added beside Stripe without touching
this module or the workspace.
"""

from __future__ import annotations

import datetime
import logging
import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from billing.limits import MEMBERS, OPEN_CASES, SMS_SEGMENTS, limit_usage, limit_usage_locked
from billing.models import Plan, Subscription
from tenants.models import Association
from tenants.selectors import association_cache_clear, association_current

logger = logging.getLogger(__name__)

Status = Subscription.Status
# Stripe statuses in which the association no longer pays: read-only once the grace is over.
ENDED = frozenset({Status.CANCELED, Status.UNPAID, Status.INCOMPLETE_EXPIRED, Status.PAUSED})


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
        return str(Status(self.status).label)

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


def subscription_pays_online(subscription: Subscription) -> bool:
    """Whether a gateway charges the association now (a subscription that has not ended)."""
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
        pays_online=subscription_pays_online(subscription),
    )


# --- limits --------------------------------------------------------------------------------------


def _plan_name(plan: Plan) -> str:
    return plan.name_ar if (get_language() or "ar").startswith("ar") else plan.name_en


def member_limit_check(*, association: Association | None = None) -> None:
    """Refuse one more member when the plan's seats are all taken (default: this association).
    Called inside the transaction that adds the member, which it makes wait its turn."""
    association = association or association_current()
    plan = subscription_for(association).plan
    if (
        plan.max_members is not None
        and limit_usage_locked(MEMBERS, schema_name=association.schema_name) >= plan.max_members
    ):
        raise PlanLimitReached(
            ngettext(
                "Your plan (%(plan)s) allows %(limit)s member, and the seat is taken. "
                "Remove a pending invitation or choose a larger plan on the billing page.",
                "Your plan (%(plan)s) allows %(limit)s members, and they are all taken. "
                "Remove a pending invitation or choose a larger plan on the billing page.",
                plan.max_members,
            )
            % {"plan": _plan_name(plan), "limit": plan.max_members},
            code="plan_member_limit",
        )


def open_case_limit_check(*, association: Association | None = None, public: bool = False) -> None:
    """Refuse a new case when the plan's open cases are all in use (nothing is lost: close one).

    `public`: the refusal is for a beneficiary applying online, who is not told about plans.
    Called inside the transaction that opens the case, which it makes wait its turn.
    """
    association = association or association_current()
    plan = subscription_for(association).plan
    limit = plan.max_open_cases
    if limit is None or limit_usage_locked(OPEN_CASES, schema_name=association.schema_name) < limit:
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
        ngettext(
            "Your plan (%(plan)s) allows %(limit)s open case at a time, and it is open. "
            "Close finished cases or choose a larger plan on the billing page.",
            "Your plan (%(plan)s) allows %(limit)s open cases at a time, and they are all "
            "open. Close finished cases or choose a larger plan on the billing page.",
            limit,
        )
        % {"plan": _plan_name(plan), "limit": limit},
        code="plan_open_case_limit",
    )


def sms_segments_left(*, association: Association | None = None) -> int | None:
    """The plan's monthly SMS segments still unused (None: no limit), counted under the lock
    `sms_segments_allowed` takes, until the caller's transaction ends."""
    association = association or association_current()
    limit = subscription_for(association).plan.max_sms_segments
    if limit is None:
        return None
    return max(limit - limit_usage_locked(SMS_SEGMENTS, schema_name=association.schema_name), 0)


def sms_segments_allowed(*, segments: int, association: Association | None = None) -> bool:
    """Whether the plan's monthly SMS segments leave room for `segments` more."""
    association = association or association_current()
    limit = subscription_for(association).plan.max_sms_segments
    if limit is None:
        return True
    used = limit_usage_locked(SMS_SEGMENTS, schema_name=association.schema_name)
    return used + segments <= limit


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
            association_activate(association)
    return subscription, before, _snapshot(subscription)


def association_activate(association: Association) -> None:
    # A paying association leaves its trial; a suspension is the operators' and stays.
    updated = Association.objects.filter(pk=association.pk, status=Association.Status.TRIAL).update(
        status=Association.Status.ACTIVE
    )
    if updated:
        association.status = Association.Status.ACTIVE
        association_cache_clear()
