"""The association admin's billing pages and Stripe's webhook."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from billing.models import Plan
from billing.services import BillingRefused, plan_price_id, plans_public
from billing.stripe_gateway import (
    StripeWebhookRefused,
    checkout_session_complete,
    checkout_session_create,
    portal_session_create,
    stripe_event_receive,
)
from tenants.permissions import admin_required


def _page(request, *, status: int = 200, error: str = ""):
    plans = [
        {"plan": plan, "for_sale": not plan.is_trial and bool(plan_price_id(plan))}
        for plan in plans_public()
    ]
    context = {
        # Read once per request by the read-only middleware (the banner uses it too).
        "state": request.billing,
        "plans": plans,
        "stripe_enabled": settings.STRIPE_ENABLED,
        "error": error,
    }
    return render(request, "billing/billing.html", context, status=status)


@admin_required
@require_GET
def billing(request):
    return _page(request)


@admin_required
@require_POST
def billing_subscribe(request):
    plan = Plan.objects.filter(code=request.POST.get("plan", "")[:40], is_public=True).first()
    if plan is None:
        return _page(request, status=400, error=_("Choose one of the plans shown."))
    try:
        url = checkout_session_create(association=request.association, plan=plan, user=request.user)
    except BillingRefused as error:
        return _page(request, status=400, error=" ".join(error.messages))
    return redirect(url)


@admin_required
@require_POST
def billing_portal(request):
    try:
        url = portal_session_create(
            association=request.association,
            return_url=request.association.url("/app/billing/"),
        )
    except BillingRefused as error:
        return _page(request, status=400, error=" ".join(error.messages))
    return redirect(url)


@admin_required
@require_GET
def billing_success(request):
    """Where Stripe Checkout sends the admin back; the webhook would bring the same news later."""
    try:
        subscription = checkout_session_complete(
            association=request.association, session_id=request.GET.get("session_id", "")
        )
    except BillingRefused as error:
        return _page(request, status=400, error=" ".join(error.messages))
    name = (
        subscription.plan.name_ar if get_language().startswith("ar") else subscription.plan.name_en
    )
    messages.success(request, _("Thank you: the %(plan)s plan is now active.") % {"plan": name})
    return redirect("billing")


@csrf_exempt
@require_POST
def stripe_webhook(request):
    if not settings.STRIPE_ENABLED:
        return JsonResponse(
            {"detail": "Billing is off: no Stripe keys are configured on this platform."},
            status=404,
        )
    try:
        event, first = stripe_event_receive(
            payload=request.body, signature=request.headers.get("Stripe-Signature")
        )
    except StripeWebhookRefused as error:
        return JsonResponse({"detail": str(error)}, status=400)
    return JsonResponse({"received": event.event_id, "duplicate": not first})
