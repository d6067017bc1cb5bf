"""The SMS pages: the provider's delivery receipts, the opt-out link, the admins' log."""

from __future__ import annotations

import base64
import binascii
import datetime
import hmac
import json

from django.conf import settings
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from common.private_links import link_opens, links_refused_bare
from notifications import selectors, services
from tenants.permissions import admin_required

WEBHOOK_USER = "unifonic"


def _authorised(request) -> bool:
    """HTTP Basic with the secret set in the provider's webhook settings."""
    secret = settings.SMS_WEBHOOK_SECRET
    scheme, _sep, value = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if not secret or scheme.lower() != "basic":
        return False
    try:
        user, _sep, password = base64.b64decode(value, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return hmac.compare_digest(f"{user}:{password}", f"{WEBHOOK_USER}:{secret}")


def _fields(request) -> dict:
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
    return request.POST.dict()


def _receipt(request, apply) -> HttpResponse:
    """Unifonic's delivery receipt: MessageID, DLR (Delivered / Undeliverable), DLRTimestamp,
    recorded by `apply`. A call without the secret is refused (401); an unknown message,
    status or time, or a receipt already recorded (a replay), changes nothing (409)."""
    if not _authorised(request):
        response = HttpResponse("unauthorised", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Basic realm="sms"'
        return response
    # The secret is asked first: without it no method tells anything about the route.
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    data = _fields(request)
    try:
        at = datetime.datetime.fromisoformat(str(data.get("DLRTimestamp", "")).strip())
    except ValueError:
        return HttpResponse("bad timestamp", status=400, content_type="text/plain")
    if timezone.is_naive(at):
        at = timezone.make_aware(at)  # Unifonic writes the account's time zone (Riyadh)
    applied = apply(
        provider_message_id=str(data.get("MessageID", ""))[:100], dlr=data.get("DLR", ""), at=at
    )
    return HttpResponse(
        "ok" if applied else "nothing changed",
        status=200 if applied else 409,
        content_type="text/plain",
    )


@csrf_exempt
def sms_receipt(request):
    """An association's own account's receipts, on its host: its messages only."""
    return _receipt(request, services.sms_receipt_apply)


@csrf_exempt
def sms_receipt_platform(request):
    """The platform's account's receipts, on the platform's host: each routed to the association
    whose message the provider numbered (recorded when it was sent)."""
    return _receipt(request, services.sms_receipt_route_apply)


@never_cache
@require_http_methods(["GET", "POST"])
def sms_stop(request, token: str):
    """The opt-out link in a message: one button, and no more messages to that number. Wrong
    links count against the address like every private link (common.ratelimit)."""
    message = link_opens(
        request, lambda: services.sms_for_opt_out_token(token), refused=links_refused_bare
    )
    if isinstance(message, HttpResponse):
        return message
    if request.method == "POST":
        services.sms_opt_out(phone=message.recipient, source="link")
        return redirect(request.path)  # a reload asks nothing again
    done = selectors.sms_opted_out(phone=message.recipient)
    return render(request, "notifications/stop.html", {"message": message, "done": done})


@admin_required
@require_GET
def sms_log(request):
    return render(
        request,
        "notifications/log.html",
        {
            "messages_sent": selectors.sms_log()[:200],
            "used": selectors.sms_segments_this_month(),
            "held": selectors.sms_held_count(),
        },
    )
