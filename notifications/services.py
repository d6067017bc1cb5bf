"""Sending SMS: each event told once, by the worker after the commit that caused it, within the
plan's monthly segments and the sending hours of its class; what is not sent is logged with
the reason, never silently dropped."""

from __future__ import annotations

import datetime
import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from billing.services import sms_segments_allowed, sms_segments_left
from common import clock
from notifications.models import EmailOptOut, SmsCategory, SmsMessage, SmsOptOut, SmsStatus
from notifications.providers import ProviderRefused, ProviderUnavailable, SmsRoute, sms_route
from notifications.segments import sms_segments
from tenants.models import SmsMessageRoute
from tenants.selectors import association_current, schema_current
from tenants.tasking import enqueue_on_commit

# A message longer than this is a template's mistake, refused before anything is logged.
MAX_SEGMENTS = 3
# Awareness messages only between 9:00 and 22:00, Riyadh time (LOCALE.md).
AWARENESS_HOURS = (9, 22)
# Receipts come within days of a message (Unifonic retries for 72 hours); routes are kept 30.
ROUTE_DAYS = 30
# An opt-out link's path at its longest: what an awareness message is measured with.
LONGEST_STOP_PATH = "/sms/stop/9999999999-0123456789/"


class MessageTooLong(ValueError):
    """A template made a message of more than MAX_SEGMENTS segments."""


def sms_text_check(text: str) -> tuple[str, int]:
    """The encoding and segments of `text`; MessageTooLong past MAX_SEGMENTS (a template is
    shortened, a message is never cut mid-word)."""
    encoding, segments = sms_segments(text)
    if segments > MAX_SEGMENTS:
        raise MessageTooLong(f"{segments} segments ({encoding}); at most {MAX_SEGMENTS}")
    return encoding, segments


def sms_fits(text: str, *, category: str) -> bool:
    """Whether `text` makes a message of at most MAX_SEGMENTS, with the opt-out link an
    awareness message carries."""
    if category == SmsCategory.AWARENESS:
        text = f"{text}\n{association_current().url(LONGEST_STOP_PATH)}"
    return sms_segments(text)[1] <= MAX_SEGMENTS


def _not_before(category: str, now: datetime.datetime) -> datetime.datetime | None:
    """The next moment an awareness message may go out (None: now)."""
    if category != SmsCategory.AWARENESS:
        return None
    local = timezone.localtime(now)
    start, end = AWARENESS_HOURS
    if start <= local.hour < end:
        return None
    day = local.date() if local.hour < start else local.date() + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(start)))


def awareness_not_before() -> datetime.datetime | None:
    """The next moment an awareness message may go out (None: now)."""
    return _not_before(SmsCategory.AWARENESS, clock.now())


def email_opt_out(*, email: str) -> None:
    """No more notices to `email`."""
    EmailOptOut.objects.get_or_create(email=email.lower())


def opt_out_token(message: SmsMessage) -> str:
    """The opt-out link's key: the message and a short signature of its number."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"{message.pk}:{message.recipient}".encode(), hashlib.sha256
    ).hexdigest()[:10]
    return f"{message.pk}-{digest}"


def sms_for_opt_out_token(token: str) -> SmsMessage | None:
    pk, _sep, _digest = str(token).partition("-")
    message = SmsMessage.objects.filter(pk=int(pk)).first() if pk.isdigit() else None
    if message is None or not hmac.compare_digest(opt_out_token(message), str(token)):
        return None
    return message


def sms_opt_out(*, phone: str, source: str) -> None:
    """No more messages to `phone`, whatever they would tell."""
    SmsOptOut.objects.get_or_create(phone=phone, defaults={"source": source})


def _opt_out_link(message: SmsMessage, association=None) -> str:
    return (association or association_current()).url(f"/sms/stop/{opt_out_token(message)}/")


def sms_send_later(
    *,
    event_key: str,
    kind: str,
    phone: str,
    text: str,
    personal: bool,
    category: str = SmsCategory.SERVICE,
) -> SmsMessage | None:
    """Log one message about an event and have the worker send it once the caller's transaction
    commits. The same event again returns the first message (never told twice). Logged and not
    sent: a number that is not a Saudi mobile, one that opted out; held: the plan's monthly
    segments are used up. None while SMS is off. An awareness message carries an opt-out link
    and waits for its hours. `personal`: its text is erased once it is handled."""
    if not settings.SMS_ENABLED:
        return None  # no provider: nothing is sent, nothing to log
    existing = SmsMessage.objects.filter(event_key=event_key).first()
    if existing is not None:
        return existing
    awareness = category == SmsCategory.AWARENESS
    # Measured with the longest opt-out link it may carry.
    longest = association_current().url(LONGEST_STOP_PATH)
    encoding, segments = sms_text_check(f"{text}\n{longest}" if awareness else text)
    status = SmsStatus.QUEUED
    reason = _refusal(phone, opted_out=SmsOptOut.objects.filter(phone=phone).exists())
    if reason:
        status = SmsStatus.NOT_SENT
    elif not sms_segments_allowed(segments=segments):
        status, reason = SmsStatus.HELD, "monthly SMS of the plan used up"
    message = SmsMessage.objects.create(
        event_key=event_key,
        kind=kind,
        category=category,
        recipient=phone,
        text=text if status in (SmsStatus.QUEUED, SmsStatus.HELD) or not personal else "",
        personal=personal,
        encoding=encoding,
        segments=segments,
        status=status,
        reason=reason,
        not_before=_not_before(category, clock.now()),
    )
    if awareness:
        message.text = f"{message.text}\n{_opt_out_link(message)}" if message.text else ""
        message.encoding, message.segments = sms_segments(message.text or text)
        message.save(update_fields=["text", "encoding", "segments"])
    if status == SmsStatus.QUEUED:
        _queue(message)
    return message


def _queue(message: SmsMessage) -> None:
    from notifications.tasks import sms_send_task  # the tasks module imports this one

    enqueue_on_commit(
        sms_send_task, schema_name=schema_current(), eta=message.not_before, message_id=message.pk
    )


def _hand_over(message: SmsMessage, route: SmsRoute | None, *, final_attempt: bool) -> list[str]:
    """Give `message` to the account and sender of `route` (None: SMS is off) and note the
    outcome on it; the fields changed. It stays queued when the provider is away and this is
    not the final attempt."""
    message.attempts += 1
    fields = ["attempts", "status", "reason"]
    if route is None:
        message.status, message.reason = SmsStatus.NOT_SENT, "SMS is not configured"
    else:
        try:
            sent = route.provider.send(
                sender=route.sender,
                recipient=message.recipient,
                body=message.text,
                correlation_id=f"{schema_current()}:{message.event_key}"[:100],
            )
        except ProviderRefused as error:
            message.status, message.reason = SmsStatus.FAILED, str(error)[:300]
        except ProviderUnavailable as error:
            message.reason = str(error)[:300]
            if final_attempt:
                message.status = SmsStatus.FAILED
        else:
            message.status, message.reason = SmsStatus.SENT, ""
            message.provider_message_id = sent.message_id
            message.sent_at = timezone.now()
            message.segments = sent.segments or message.segments
            message.cost = sent.cost
            fields += ["provider_message_id", "sent_at", "segments", "cost"]
    if message.personal and message.status != SmsStatus.QUEUED:
        message.text = ""
        fields.append("text")
    return fields


def sms_deliver(*, message_id: int, final_attempt: bool) -> SmsMessage:
    """Hand a queued message to the provider, once: a message already handled is left alone.
    A provider away is retried by the worker (ProviderUnavailable), then marked failed with
    the reason; a refusal is failed at once."""
    with transaction.atomic():
        message = SmsMessage.objects.select_for_update().get(pk=message_id)
        if message.status != SmsStatus.QUEUED:
            return message
        association = association_current()
        fields = _hand_over(message, sms_route(association), final_attempt=final_attempt)
        message.save(update_fields=fields)
        _receipt_routes_record([message], association)
    if message.status == SmsStatus.QUEUED:
        raise ProviderUnavailable(message.reason)
    return message


@dataclass(frozen=True)
class SmsItem:
    event_key: str
    kind: str
    phone: str
    text: str


def sms_batch_log(*, items: list[SmsItem], category: str, personal: bool) -> list[int]:
    """Log many messages as `sms_send_later` logs one (once per event, a Saudi mobile that did
    not opt out, within the plan's segments, an awareness message with its opt-out link), in a
    number of queries that does not grow with the batch; the ids of those queued, for
    `sms_batch_deliver` once the caller's transaction commits."""
    if not settings.SMS_ENABLED or not items:
        return []
    existing = set(
        SmsMessage.objects.filter(event_key__in=[item.event_key for item in items]).values_list(
            "event_key", flat=True
        )
    )
    opted_out = set(
        SmsOptOut.objects.filter(phone__in=[item.phone for item in items]).values_list(
            "phone", flat=True
        )
    )
    left = sms_segments_left()
    awareness = category == SmsCategory.AWARENESS
    association = association_current()
    longest = association.url(LONGEST_STOP_PATH)
    not_before = _not_before(category, clock.now())
    messages = []
    for item in items:
        if item.event_key in existing:
            continue
        existing.add(item.event_key)
        encoding, segments = sms_text_check(f"{item.text}\n{longest}" if awareness else item.text)
        status, reason = SmsStatus.QUEUED, _refusal(item.phone, opted_out=item.phone in opted_out)
        if reason:
            status = SmsStatus.NOT_SENT
        elif left is not None and segments > left:
            status, reason = SmsStatus.HELD, "monthly SMS of the plan used up"
        elif left is not None:
            left -= segments
        kept = status in (SmsStatus.QUEUED, SmsStatus.HELD) or not personal
        messages.append(
            SmsMessage(
                event_key=item.event_key,
                kind=item.kind,
                category=category,
                recipient=item.phone,
                text=item.text if kept else "",
                personal=personal,
                encoding=encoding,
                segments=segments,
                status=status,
                reason=reason,
                not_before=not_before,
            )
        )
    SmsMessage.objects.bulk_create(messages)  # PostgreSQL gives the ids back
    if awareness:
        for message in messages:
            if message.text:
                message.text = f"{message.text}\n{_opt_out_link(message, association)}"
                message.encoding, message.segments = sms_segments(message.text)
        SmsMessage.objects.bulk_update(messages, ["text", "encoding", "segments"])
    return [message.pk for message in messages if message.status == SmsStatus.QUEUED]


def _refusal(phone: str, *, opted_out: bool) -> str:
    """Why nothing is sent to `phone` ("" : it may be)."""
    if not phone.startswith("+9665") or len(phone) != 13:
        return "not a Saudi mobile"
    return "opted out" if opted_out else ""


def sms_batch_deliver(*, message_ids: list[int]) -> int:
    """Hand the queued messages among `message_ids` to the provider, one call each and four
    queries in all (the messages, the association's sender, the update, the receipts' routes);
    one the provider could not take now goes to the retrying task. How many were handed over."""
    messages = list(SmsMessage.objects.filter(pk__in=message_ids, status=SmsStatus.QUEUED))
    if not messages:
        return 0
    association = association_current()
    route = sms_route(association)
    fields: set[str] = set()
    for message in messages:
        fields.update(_hand_over(message, route, final_attempt=False))
    SmsMessage.objects.bulk_update(messages, sorted(fields))
    _receipt_routes_record(messages, association)
    for message in messages:
        if message.status == SmsStatus.QUEUED:
            _queue(message)
    return sum(message.status == SmsStatus.SENT for message in messages)


def _receipt_routes_record(messages: list[SmsMessage], association) -> None:
    """Note in the public table whose messages the provider numbered, in one query: the shared
    account's receipts arrive on the platform's host and are routed by it."""
    SmsMessageRoute.objects.bulk_create(
        [
            SmsMessageRoute(
                provider_message_id=message.provider_message_id, association=association
            )
            for message in messages
            if message.status == SmsStatus.SENT and message.provider_message_id
        ],
        ignore_conflicts=True,
    )


def sms_routes_prune() -> int:
    """Forget whose messages the provider numbered more than ROUTE_DAYS ago, so the public
    table does not grow with every message ever sent; how many. A receipt later than that
    changes nothing, as one for a number nobody sent."""
    deleted, _by_model = SmsMessageRoute.objects.filter(
        created_at__lt=clock.now() - datetime.timedelta(days=ROUTE_DAYS)
    ).delete()
    return deleted


# Unifonic's DLR values: a positive or a negative receipt from the network.
RECEIPTS = {"delivered": SmsStatus.DELIVERED, "undeliverable": SmsStatus.UNDELIVERABLE}


def sms_receipt_apply(*, provider_message_id: str, dlr: str, at: datetime.datetime) -> bool:
    """Record a delivery receipt. False, nothing changed, for an unknown message or status, or
    one not newer than the receipt already recorded (a replay)."""
    status = RECEIPTS.get(str(dlr).strip().lower())
    if status is None or not provider_message_id:
        return False
    with transaction.atomic():
        message = (
            SmsMessage.objects.select_for_update()
            .filter(provider_message_id=provider_message_id)
            .first()
        )
        if message is None or (message.receipt_at is not None and at <= message.receipt_at):
            return False
        message.status, message.receipt_at = status, at
        message.save(update_fields=["status", "receipt_at"])
    return True


def sms_receipt_route_apply(*, provider_message_id: str, dlr: str, at: datetime.datetime) -> bool:
    """A receipt of the platform's account, arrived on the platform's host: recorded in the
    schema of the association whose message the provider numbered (as `sms_receipt_apply`);
    False, nothing changed, for a number no association sent."""
    route = (
        SmsMessageRoute.objects.select_related("association")
        .filter(provider_message_id=provider_message_id)
        .first()
        if provider_message_id
        else None
    )
    if route is None:
        return False
    with schema_context(route.association.schema_name):
        return sms_receipt_apply(provider_message_id=provider_message_id, dlr=dlr, at=at)


def sms_recipient_erase(*, phone: str) -> int:
    """Mask `phone` in the log (a person's erasure): the log keeps its counts and costs, and
    the opt-outs stay, to be honoured; how many messages."""
    if not phone:
        return 0
    masked = SmsMessage(recipient=phone).recipient_masked
    return SmsMessage.objects.filter(recipient=phone).update(recipient=masked, text="")


def sms_held_release() -> int:
    """Queue the held messages again, oldest first, as far as the plan's segments allow (a
    larger plan, or a new month); how many."""
    released = 0
    for message in SmsMessage.objects.filter(status=SmsStatus.HELD).order_by("created_at", "id"):
        if not sms_segments_allowed(segments=message.segments):
            break
        with transaction.atomic():
            message.status, message.reason = SmsStatus.QUEUED, ""
            message.save(update_fields=["status", "reason"])
            _queue(message)
        released += 1
    return released
