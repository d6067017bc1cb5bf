"""The SMS provider behind a small interface, and Unifonic's REST API behind it.

Unifonic (el.cloud.unifonic.com): `POST /rest/SMS/messages`, form-encoded `AppSid`, `SenderID`,
`Recipient` (international, without + or 00), `Body`, `CorrelationID`, `responseType=JSON`;
the answer is `{"success": …, "errorCode": …, "message": …, "data": {"MessageID", "Status",
"NumberOfUnits", "Cost", …}}`. Delivery receipts come back to a webhook (notifications.views).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Protocol

import requests
from django.conf import settings

from common.sealing import SealBroken, unseal
from tenants.models import SmsSender

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10


class ProviderUnavailable(Exception):
    """The provider did not answer, or answered 5xx: worth trying again later."""


class ProviderRefused(Exception):
    """The provider refused this message (a number, a sender, a balance): trying again would
    get the same answer. The provider's reason is the message."""


@dataclass(frozen=True)
class Sent:
    message_id: str
    segments: int | None
    cost: Decimal | None


class SmsProvider(Protocol):
    def send(self, *, sender: str, recipient: str, body: str, correlation_id: str) -> Sent: ...


@dataclass(frozen=True)
class Unifonic:
    base_url: str
    app_sid: str

    def send(self, *, sender: str, recipient: str, body: str, correlation_id: str) -> Sent:
        try:
            response = requests.post(
                f"{self.base_url.rstrip('/')}/rest/SMS/messages",
                data={
                    "AppSid": self.app_sid,
                    "SenderID": sender,
                    "Recipient": recipient.removeprefix("+"),
                    "Body": body,
                    "CorrelationID": correlation_id,
                    "responseType": "JSON",
                },
                headers={"Accept": "application/json"},
                timeout=TIMEOUT_SECONDS,
            )
        except requests.RequestException as error:
            raise ProviderUnavailable(f"Unifonic unreachable: {type(error).__name__}") from error
        if response.status_code >= 500:
            raise ProviderUnavailable(f"Unifonic answered {response.status_code}")
        try:
            answer = response.json()
        except ValueError as error:
            raise ProviderUnavailable("Unifonic answered something other than JSON") from error
        if not answer.get("success"):
            code = answer.get("errorCode") or response.status_code
            raise ProviderRefused(f"{code}: {answer.get('message') or 'refused'}"[:300])
        data = answer.get("data") or {}
        return Sent(
            message_id=str(data.get("MessageID") or ""),
            segments=_number(data.get("NumberOfUnits"), int),
            cost=_number(data.get("Cost"), Decimal),
        )


def _number(value, kind):
    try:
        return kind(str(value)) if value not in (None, "") else None
    except (ValueError, InvalidOperation):
        return None


@dataclass(frozen=True)
class SmsRoute:
    """Who sends an association's messages: the account (provider) and the sender name."""

    provider: SmsProvider
    sender: str


def sms_route(association) -> SmsRoute | None:
    """The association's own Unifonic application and registered sender name where an operator
    set them, else the platform's (None: SMS is off, messages are logged as not sent). A
    sealed AppSid no key opens falls back to the platform's account and sender, logged."""
    if not settings.SMS_ENABLED:
        return None
    platform = Unifonic(base_url=settings.UNIFONIC_API_BASE, app_sid=settings.UNIFONIC_APP_SID)
    own = SmsSender.objects.filter(association_id=association.pk).first() if association else None
    if own is None:
        return SmsRoute(provider=platform, sender=settings.SMS_SENDER_NAME)
    sender = own.sender_name if own.sender_registered and own.sender_name else ""
    if not own.app_sid_sealed:
        return SmsRoute(provider=platform, sender=sender or settings.SMS_SENDER_NAME)
    try:
        app_sid = unseal(own.app_sid_sealed)
    except SealBroken:
        logger.error("the SMS AppSid of association %s cannot be opened", association.pk)
        return SmsRoute(provider=platform, sender=settings.SMS_SENDER_NAME)
    return SmsRoute(
        provider=Unifonic(base_url=settings.UNIFONIC_API_BASE, app_sid=app_sid),
        sender=sender or settings.SMS_SENDER_NAME,
    )
