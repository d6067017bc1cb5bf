"""Telling people of a new policy version: the beneficiaries with open cases and whoever asked,
on the policy page, to be told. An awareness message (its hours, its opt-out link, the plan's
SMS), planned by the worker once the publication commits and sent one batch per task, each
batch in a number of queries that does not grow with it; one notice per version and address.
"""

from __future__ import annotations

import datetime
import secrets

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from common.saudi import normalize_phone
from notifications.models import EmailOptOut, SmsCategory, SmsOptOut
from notifications.services import (
    SmsItem,
    awareness_not_before,
    email_opt_out,
    sms_batch_deliver,
    sms_batch_log,
    sms_fits,
    sms_send_later,
)
from publishing.rendering import version_languages
from publishing.selectors import policy_version_get
from tenants.selectors import association_current, schema_current
from tenants.tasking import enqueue_on_commit
from workflow.models import OPEN_STATUSES, Beneficiary, PolicyNotice, UpdateSubscriber
from workflow.notifications import beneficiary_email_later
from workflow.tokens import token_hash

BATCH = 500
KIND = "policy_notice"
STOP_SALT = "workflow.policy-updates-stop"
# Days to open the confirmation link; unconfirmed subscribers are deleted after them.
CONFIRM_DAYS = 7


def _mobile(phone: str) -> bool:
    return phone.startswith("+9665") and len(phone) == 13


def update_subscribe(*, phone: str, email: str, language: str, consent: bool) -> list[str]:
    """Remember a Saudi mobile, an e-mail address or both to tell of each new version, in
    `language`, once confirmed: each new (or still unconfirmed) address is sent a link to
    confirm, valid CONFIRM_DAYS; the addresses, or a ValidationError naming every bad field.
    A confirmed address asking again only renews the consent (and lifts an e-mail's earlier
    opt-out: it is asked anew)."""
    errors: dict[str, list[str]] = {}
    phone, email = str(phone or "").strip(), str(email or "").strip().lower()
    mobile = ""
    if phone:
        try:
            mobile = normalize_phone(phone, mobile_only=True)
        except ValidationError as error:
            errors["phone"] = error.messages
        if mobile and not _mobile(mobile):
            errors["phone"] = [_("Enter a Saudi mobile number such as 0512345678.")]
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = [_("Enter an e-mail address such as name@example.com.")]
    if not phone and not email:
        errors["phone"] = [_("Enter a Saudi mobile number or an e-mail address.")]
    if consent is not True:
        errors["consent"] = [_("Your consent is needed to tell you of updates.")]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    addresses = []
    with transaction.atomic():
        for field, address in (("phone", mobile), ("email", email)):
            if not address:
                continue
            subscriber, _created = UpdateSubscriber.objects.update_or_create(
                **{field: address}, defaults={"language": language, "consent_at": now}
            )
            if subscriber.confirmed_at is None:
                _confirmation_send(subscriber)
            addresses.append(address)
        if email:
            EmailOptOut.objects.filter(email=email).delete()
    return addresses


def _confirmation_send(subscriber: UpdateSubscriber) -> None:
    """Send the address its confirmation link (a new one: an earlier link stops working), in
    the language asked; a service message, asked for by the person."""
    token = secrets.token_urlsafe(16)
    subscriber.confirm_token_hash = token_hash(token)
    subscriber.save(update_fields=["confirm_token_hash"])
    association = association_current()
    context = {
        "association": association,
        "url": association.url(f"/policy/updates/confirm/{token}/"),
        "days": CONFIRM_DAYS,
        "language": subscriber.language,
    }
    if subscriber.email:
        beneficiary_email_later(
            to=subscriber.email, template="workflow/emails/updates_confirm", context=context
        )
        return
    with translation.override(subscriber.language):
        text = render_to_string("workflow/sms/updates_confirm.txt", context).strip()
        if not sms_fits(text, category=SmsCategory.SERVICE):
            text = render_to_string(
                "workflow/sms/updates_confirm.txt", {**context, "short": True}
            ).strip()
    sms_send_later(
        # One message per request to confirm: the token's hash names it.
        event_key=f"updates:confirm:{subscriber.confirm_token_hash[:32]}",
        kind="updates_confirm",
        phone=subscriber.phone,
        text=text,
        personal=True,  # the link confirms: not kept once sent
    )


def update_subscriber_for_confirm_token(token: str) -> UpdateSubscriber | None:
    """The unconfirmed subscriber whose link this is, within CONFIRM_DAYS of asking."""
    if not token:
        return None
    return UpdateSubscriber.objects.filter(
        confirm_token_hash=token_hash(str(token)),
        confirmed_at__isnull=True,
        consent_at__gte=timezone.now() - datetime.timedelta(days=CONFIRM_DAYS),
    ).first()


def update_confirm(*, subscriber: UpdateSubscriber) -> None:
    """The address is confirmed: it is told of the next versions."""
    subscriber.confirmed_at, subscriber.confirm_token_hash = timezone.now(), ""
    subscriber.save(update_fields=["confirmed_at", "confirm_token_hash"])


def update_subscribers_expire() -> int:
    """Delete the subscribers who did not confirm within CONFIRM_DAYS (the daily retention
    run); how many."""
    cutoff = timezone.now() - datetime.timedelta(days=CONFIRM_DAYS)
    expired = UpdateSubscriber.objects.filter(confirmed_at__isnull=True, consent_at__lt=cutoff)
    return expired.delete()[0]


def update_subscriptions_of(*, phone: str, email: str) -> list[UpdateSubscriber]:
    """A person's subscriptions, by their mobile or address (their copy, their erasure)."""
    mine = Q(pk__in=[])
    if phone:
        mine |= Q(phone=phone)
    if email:
        mine |= Q(email=email.lower())
    return list(UpdateSubscriber.objects.filter(mine).order_by("id"))


def update_subscriptions_erase(*, phone: str, email: str) -> int:
    """Erase a person's subscriptions and the addresses of the notices sent them; how many
    subscriptions."""
    addresses = [address for address in (phone, email.lower()) if address]
    PolicyNotice.objects.filter(address__in=addresses).delete()
    return UpdateSubscriber.objects.filter(
        pk__in=[subscriber.pk for subscriber in update_subscriptions_of(phone=phone, email=email)]
    ).delete()[0]


def email_stop_token(email: str) -> str:
    """The stop link's key: the address, signed for this association alone."""
    return signing.dumps(email, salt=f"{STOP_SALT}:{schema_current()}", compress=True)


def email_for_stop_token(token: str) -> str | None:
    try:
        return str(signing.loads(token, salt=f"{STOP_SALT}:{schema_current()}"))
    except signing.BadSignature:
        return None


def update_unsubscribe(*, email: str) -> None:
    """No more notices to `email`, whether it asked for them or is a beneficiary's."""
    UpdateSubscriber.objects.filter(email=email).delete()
    email_opt_out(email=email)


def policy_notice_enqueue(*, version) -> None:
    """Publishing's hook: once the version is committed, the worker plans its notice (the
    publish request only enqueues)."""
    from workflow.tasks import policy_notice_plan_task  # tasks imports this module

    enqueue_on_commit(policy_notice_plan_task, schema_name=schema_current(), number=version.number)


def policy_notice_plan(*, number: int) -> int:
    """Write the notices of version `number`: each beneficiary with an open case (their Saudi
    mobile unless it opted out, else their e-mail) and each subscriber, an address once
    whatever its sources and however often this runs; then one task per batch of those not
    yet handled, held to the hours of awareness messages. Only confirmed subscribers are
    told. The number of batches."""
    version = policy_version_get(number=number)
    if version is None:
        return 0
    published = version_languages(version.content)
    addresses: dict[str, str] = {}
    # Open when it was published: a case opened after it runs by it from the start.
    people = (
        Beneficiary.objects.filter(
            cases__status__in=OPEN_STATUSES, cases__created_at__lte=version.published_at
        )
        .values_list("phone", "email", "language")
        .distinct()
    )
    # A mobile that asked for no more texts is told by e-mail where there is one.
    stopped = set(SmsOptOut.objects.values_list("phone", flat=True))
    for phone, email, language in people.iterator(chunk_size=2000):
        address = phone if _mobile(phone) and phone not in stopped else email.lower()
        if address:
            addresses.setdefault(address, language if language in published else "ar")
    # A mobile that stopped the texts is no subscriber any more: its row goes.
    UpdateSubscriber.objects.filter(phone__in=stopped).delete()
    for phone, email, language in UpdateSubscriber.objects.filter(
        confirmed_at__isnull=False
    ).values_list("phone", "email", "language"):
        addresses[phone or email] = language if language in published else "ar"
    PolicyNotice.objects.bulk_create(
        [
            PolicyNotice(number=number, address=address, language=language)
            for address, language in addresses.items()
        ],
        ignore_conflicts=True,
        batch_size=2000,
    )
    ids = list(
        PolicyNotice.objects.filter(number=number, handled=False)
        .order_by("id")
        .values_list("id", flat=True)
    )
    batches = [ids[start : start + BATCH] for start in range(0, len(ids), BATCH)]
    for batch in batches:
        policy_notice_batch_enqueue(number=number, first_id=batch[0], last_id=batch[-1])
    return len(batches)


def policy_notice_batch_enqueue(*, number: int, first_id: int, last_id: int) -> None:
    """Send one batch's task, to run when awareness messages may go out."""
    from workflow.tasks import policy_notice_send_task  # tasks imports this module

    enqueue_on_commit(
        policy_notice_send_task,
        schema_name=schema_current(),
        eta=awareness_not_before(),
        number=number,
        first_id=first_id,
        last_id=last_id,
    )


def _texts(number: int, languages: set[str]) -> dict[str, dict[str, str]]:
    """The SMS and e-mail of the notice in each language asked for."""
    association = association_current()
    context = {
        "association": association,
        "number": number,
        "url": association.url(f"/policy/{number}/changes/"),
    }
    texts = {}
    for language in languages:
        with translation.override(language):
            sms = render_to_string("workflow/sms/policy_notice.txt", context).strip()
            if not sms_fits(sms, category=SmsCategory.AWARENESS):
                # A long name on a long host: the sender name already says who writes.
                sms = render_to_string("workflow/sms/policy_notice_short.txt", context).strip()
            texts[language] = {
                "sms": sms,
                "subject": render_to_string(
                    "workflow/emails/policy_notice_subject.txt", context
                ).strip(),
                "body": render_to_string("workflow/emails/policy_notice.txt", context),
            }
    return texts


def policy_notice_send(*, number: int, first_id: int, last_id: int) -> int:
    """Tell one batch of version `number`'s notices (ids `first_id`…`last_id`) not yet handled:
    each marked handled in the transaction that logs its SMS, so a batch run twice or at once
    by two workers tells nobody twice. How many were told (SMS handed over, e-mails sent)."""
    association = association_current()
    with transaction.atomic():
        notices = list(
            PolicyNotice.objects.select_for_update(skip_locked=True).filter(
                number=number, id__gte=first_id, id__lte=last_id, handled=False
            )
        )
        if not notices:
            return 0
        texts = _texts(number, {notice.language for notice in notices})
        texted = [notice for notice in notices if notice.address.startswith("+")]
        message_ids = sms_batch_log(
            items=[
                SmsItem(
                    event_key=f"policy:{number}:{notice.address}",
                    kind=KIND,
                    phone=notice.address,
                    text=texts[notice.language]["sms"],
                )
                for notice in texted
            ],
            category=SmsCategory.AWARENESS,
            personal=False,
        )
        mailed = [notice for notice in notices if not notice.address.startswith("+")]
        stopped = set(
            EmailOptOut.objects.filter(email__in=[notice.address for notice in mailed]).values_list(
                "email", flat=True
            )
        )
        emails = [
            EmailMessage(
                subject=texts[notice.language]["subject"],
                body=texts[notice.language]["body"]
                + "\n"
                + association.url(f"/policy/updates/stop/{email_stop_token(notice.address)}/")
                + "\n",
                to=[notice.address],
            )
            for notice in mailed
            if notice.address not in stopped
        ]
        PolicyNotice.objects.filter(pk__in=[notice.pk for notice in notices]).update(handled=True)
    told = sms_batch_deliver(message_ids=message_ids)
    if emails:
        # One connection for the batch; a notice is never sent twice, so a failure is not
        # retried (the log keeps it).
        told += get_connection().send_messages(emails) or 0
    return told
