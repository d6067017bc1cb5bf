"""An association's own sender name and Unifonic application, set by an operator in the console:
kept encrypted (no plaintext in the database nor the operators' log), never shown back in full,
used by the worker for that association's messages only; the platform's for every other. The
platform account's receipts, on the platform's host, routed to the association that sent."""

from __future__ import annotations

import datetime
import html

from cryptography.fernet import Fernet
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from common.sealing import seal, unseal
from console.models import OperatorAction
from console.services import sms_senders_reseal
from notifications.models import SmsMessage
from notifications.services import sms_deliver
from notifications.tasks import sms_routes_prune_task
from tenants.models import SmsMessageRoute, SmsSender
from tests.console.conftest import console, operator_secret  # noqa: F401 - fixtures
from tests.helpers import client_for
from tests.notifications.fake_unifonic import APP_SID, receipt
from tests.notifications.test_sms import basic, send

ALPHA_SID = "AlphaOwnApp0000000000Sid9876"


def _deliver(tenant, message) -> dict:
    with schema_context(tenant.association.schema_name):
        assert sms_deliver(message_id=message.pk, final_attempt=True).status == "sent"


def _set(console, slug: str = "alpha", **fields):  # noqa: F811 - the fixture's client
    response = console.post(f"/console/associations/{slug}/sms/?lang=en", fields, follow=True)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_alpha_sends_with_its_own_sender_and_account_and_beta_never_does(
    console,  # noqa: F811
    alpha,
    beta,
    unifonic,
):
    unifonic.app_sids.add(ALPHA_SID)
    assert 'id="sms-form"' in console.get("/console/associations/alpha/").content.decode()
    page = _set(console, sender_name="AlphaCh", sender_registered="on", app_sid=ALPHA_SID)
    assert "The association's SMS sender was saved." in page
    assert "••••9876" in page and ALPHA_SID not in page
    # No plaintext anywhere in its row, nor in the operators' log.
    with connection.cursor() as cursor:
        cursor.execute("SELECT row_to_json(s)::text FROM tenants_smssender s")
        [(row,)] = cursor.fetchall()
    assert ALPHA_SID not in row and ALPHA_SID[:-4] not in row
    stored = SmsSender.objects.get(association=alpha.association)
    assert unseal(stored.app_sid_sealed) == ALPHA_SID
    logged = OperatorAction.objects.get(action="sms_sender.set")
    assert ALPHA_SID not in f"{logged.summary}{logged.before}{logged.after}"

    _deliver(alpha, send(alpha, key="a"))
    _deliver(beta, send(beta, key="b"))
    alpha_sent, beta_sent = unifonic.sent
    assert (alpha_sent["AppSid"], alpha_sent["SenderID"]) == (ALPHA_SID, "AlphaCh")
    assert (beta_sent["AppSid"], beta_sent["SenderID"]) == (APP_SID, "Mustafid")

    # Blank keeps the AppSid; removing it sends through the platform's account again.
    _set(console, sender_name="AlphaCh", sender_registered="on", app_sid="")
    assert unseal(SmsSender.objects.get(association=alpha.association).app_sid_sealed) == ALPHA_SID
    _set(console, sender_name="AlphaCh", sender_registered="on", remove_app_sid="on")
    _deliver(alpha, send(alpha, key="c"))
    assert (unifonic.sent[-1]["AppSid"], unifonic.sent[-1]["SenderID"]) == (APP_SID, "AlphaCh")


def test_bad_sender_settings_are_refused_with_the_reason_and_nothing_changes(
    console,  # noqa: F811
    alpha,
    unifonic,
):
    arabic = _set(console, sender_name="جمعية ألفا", sender_registered="on")
    assert "A sender name has at most 11 Latin letters or digits" in arabic
    unregistered = _set(console, sender_name="AlphaCh", app_sid=ALPHA_SID)
    assert "sends only with a sender name registered on it" in unregistered
    short = _set(console, sender_name="AlphaCh", sender_registered="on", app_sid="abc")
    assert "An AppSid is 16 to 64 letters and digits" in short
    assert not SmsSender.objects.exists()
    assert not OperatorAction.objects.filter(action="sms_sender.set").exists()
    # Beta's page shows none of it, and alpha's host has no such page.
    assert console.get("/console/associations/beta/").status_code == 200


def test_keys_rotate_the_new_first_then_the_old_dropped(settings, alpha):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.ENCRYPTION_KEYS = [old]
    SmsSender.objects.create(association=alpha.association, app_sid_sealed=seal(ALPHA_SID))
    settings.ENCRYPTION_KEYS = [new, old]
    assert sms_senders_reseal() == 1
    settings.ENCRYPTION_KEYS = [new]
    assert unseal(SmsSender.objects.get().app_sid_sealed) == ALPHA_SID


def _status(tenant, message) -> str:
    with schema_context(tenant.association.schema_name):
        return SmsMessage.objects.get(pk=message.pk).status


def _one_sent_by_each(*tenants) -> dict[str, SmsMessage]:
    """A message handed over for each association, on the platform's account, by its slug."""
    sent = {}
    for tenant in tenants:
        message = send(tenant, key=tenant.association.slug)
        _deliver(tenant, message)
        with schema_context(tenant.association.schema_name):
            sent[tenant.association.slug] = SmsMessage.objects.get(pk=message.pk)
    return sent


def test_the_shared_accounts_receipts_reach_the_association_whose_message_it_is(
    alpha, beta, unifonic
):
    sent = _one_sent_by_each(alpha, beta)
    alphas, betas = sent["alpha"], sent["beta"]
    platform = client_for(None)
    delivered = receipt(alphas.provider_message_id)
    assert platform.post("/sms/receipts/", delivered).status_code == 401  # forged
    assert platform.post("/sms/receipts/", delivered, **basic("guessed")).status_code == 401
    assert _status(alpha, alphas) == "sent"
    assert platform.post("/sms/receipts/", delivered, **basic()).status_code == 200
    assert (_status(alpha, alphas), _status(beta, betas)) == ("delivered", "sent")
    assert platform.post("/sms/receipts/", delivered, **basic()).status_code == 409  # replayed
    # A receipt naming beta's message touches beta's only, and on alpha's host nothing at all.
    betas_receipt = receipt(betas.provider_message_id, dlr="Undeliverable", at="2026-09-17 13:00")
    assert client_for(alpha).post("/sms/receipts/", betas_receipt, **basic()).status_code == 409
    assert (_status(alpha, alphas), _status(beta, betas)) == ("delivered", "sent")
    assert platform.post("/sms/receipts/", betas_receipt, **basic()).status_code == 200
    assert (_status(alpha, alphas), _status(beta, betas)) == ("delivered", "undeliverable")
    assert platform.post("/sms/receipts/", receipt("999"), **basic()).status_code == 409
    assert SmsMessageRoute.objects.filter(association=alpha.association).count() == 1


def test_receipt_routes_older_than_their_receipts_are_forgotten_and_change_nothing_after(
    alpha, beta, unifonic, clock
):
    numbered = _one_sent_by_each(alpha, beta)
    # Routes are written at the wall clock's time; the job reads the platform's.
    clock.at = timezone.now() + datetime.timedelta(days=30, minutes=1)
    SmsMessageRoute.objects.filter(association=beta.association).update(
        created_at=timezone.now() + datetime.timedelta(days=2)
    )
    assert sms_routes_prune_task() == 1
    assert list(SmsMessageRoute.objects.values_list("association__slug", flat=True)) == ["beta"]
    late = receipt(numbered["alpha"].provider_message_id)
    assert client_for(None).post("/sms/receipts/", late, **basic()).status_code == 409
    assert _status(alpha, numbered["alpha"]) == "sent"
    betas = receipt(numbered["beta"].provider_message_id)
    assert client_for(None).post("/sms/receipts/", betas, **basic()).status_code == 200
    assert _status(beta, numbered["beta"]) == "delivered"
