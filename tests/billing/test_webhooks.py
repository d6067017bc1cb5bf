"""Stripe's webhook on the platform host: verified, recorded once by event id, applied in order.

Events are dicts signed by the stripe library's own code and sent through real HTTP (the test
client on the platform host `localhost`); the worker's task runs in-process (`tasks_inline`).
"""

from __future__ import annotations

import datetime
import json
import time

import pytest
from django.utils import timezone

from billing.models import StripeEvent, Subscription
from tenants.models import Association
from tests.billing.conftest import deliver, detail, subscription_of
from tests.billing.fake_stripe import (
    PRICES,
    checkout_object,
    event,
    invoice_object,
    signed,
    subscription_object,
)
from tests.helpers import client_for

pytestmark = pytest.mark.usefixtures("tasks_inline")


def _subscribed(tenant, *, status="active", price=PRICES["basic"], created=None, sub="sub_alpha"):
    """A customer.subscription.updated event for `tenant`'s Stripe subscription."""
    association = tenant.association
    return event(
        "customer.subscription.updated",
        subscription_object(
            subscription_id=sub,
            customer=f"cus_{association.slug}",
            status=status,
            price=price,
            schema=association.schema_name,
            slug=association.slug,
        ),
        created=created,
    )


def _post_raw(body: str, **headers):
    return client_for(None).post(
        "/billing/stripe/webhook/", body, content_type="application/json", **headers
    )


# --- refused deliveries ------------------------------------------------------------------------


def test_forged_missing_or_malformed_deliveries_are_refused_and_nothing_is_recorded(
    alpha, stripe_on
):
    before = subscription_of(alpha)
    payload = _subscribed(alpha, status="canceled")
    forged_body, forged_header = signed(payload, secret="whsec_not_ours")
    forged = _post_raw(forged_body, HTTP_STRIPE_SIGNATURE=forged_header)
    assert forged.status_code == 400
    assert "does not match" in detail(forged)

    missing = _post_raw(json.dumps(payload))
    assert missing.status_code == 400
    assert "Stripe-Signature" in detail(missing)

    # A body changed after signing: the signature no longer matches.
    body, header = signed(payload)
    tampered = _post_raw(body.replace("canceled", "active"), HTTP_STRIPE_SIGNATURE=header)
    assert tampered.status_code == 400

    # Genuinely signed, but not an event at all.
    body, header = signed({"hello": "world"})
    malformed = _post_raw(body, HTTP_STRIPE_SIGNATURE=header)
    assert malformed.status_code == 400
    assert detail(malformed) == "The body is not a Stripe event."

    assert StripeEvent.objects.count() == 0
    after = subscription_of(alpha)
    assert (after.status, after.plan_id) == (before.status, before.plan_id)


def test_webhook_is_off_with_billing_off_and_records_nothing(alpha, settings):
    settings.STRIPE_ENABLED = False
    body, header = signed(_subscribed(alpha))
    response = _post_raw(body, HTTP_STRIPE_SIGNATURE=header)
    assert response.status_code == 404
    assert "Billing is off" in detail(response)
    assert StripeEvent.objects.count() == 0


def test_webhook_answers_only_post(alpha, stripe_on):
    assert client_for(None).get("/billing/stripe/webhook/").status_code == 405


# --- each event that changes the state ---------------------------------------------------------


def test_checkout_completed_puts_the_association_on_the_paid_plan(alpha, stripe_on):
    association = alpha.association
    response = deliver(
        event(
            "checkout.session.completed",
            checkout_object(
                session_id="cs_test_alpha",
                slug=association.slug,
                schema=association.schema_name,
                plan="basic",
                customer="cus_alpha",
                subscription="sub_alpha",
            ),
        )
    )
    assert response.status_code == 200
    assert response.json()["duplicate"] is False
    subscription = subscription_of(alpha)
    assert (subscription.plan.code, subscription.status) == ("basic", "active")
    assert (subscription.stripe_customer_id, subscription.stripe_subscription_id) == (
        "cus_alpha",
        "sub_alpha",
    )
    assert Association.objects.get(pk=association.pk).status == Association.Status.ACTIVE
    recorded = StripeEvent.objects.get()
    assert recorded.processed_at is not None
    assert recorded.outcome == "alpha: basic active"


def test_subscription_created_sets_plan_from_price_and_period_end(alpha, stripe_on):
    period_end = int(time.time()) + 31 * 86400
    payload = event(
        "customer.subscription.created",
        subscription_object(
            subscription_id="sub_alpha",
            customer="cus_alpha",
            status="active",
            price=PRICES["pro"],
            schema=alpha.association.schema_name,
            slug="alpha",
            period_end=period_end,
        ),
    )
    assert deliver(payload).status_code == 200
    subscription = subscription_of(alpha)
    assert (subscription.plan.code, subscription.status) == ("pro", "active")
    assert subscription.current_period_end == datetime.datetime.fromtimestamp(
        period_end, tz=datetime.UTC
    )
    # The pro plan has no limits: the billing page says so.
    page = client_for(alpha, email=alpha.admin_email).get("/app/billing/?lang=en").content.decode()
    assert "Professional" in page
    assert "(no limit)" in page


def test_payment_failed_then_paid_moves_past_due_and_back(alpha, stripe_on):
    deliver(_subscribed(alpha, status="active"))
    failed = invoice_object(subscription_id="sub_alpha", customer="cus_alpha", paid=False)
    deliver(event("invoice.payment_failed", failed))
    assert subscription_of(alpha).status == "past_due"
    admin = client_for(alpha, email=alpha.admin_email)
    assert "Payment is past due." in admin.get("/app/?lang=en").content.decode()

    paid = invoice_object(subscription_id="sub_alpha", customer="cus_alpha", paid=True)
    deliver(event("invoice.paid", paid))
    subscription = subscription_of(alpha)
    assert subscription.status == "active"
    assert subscription.grace_ends_at is None
    assert "past due" not in admin.get("/app/?lang=en").content.decode()


def test_deleted_subscription_gets_a_grace_period_then_turns_read_only(alpha, stripe_on, settings):
    settings.BILLING_GRACE_DAYS = 7
    deliver(_subscribed(alpha, status="active"))
    deleted = _subscribed(alpha, status="active")
    deleted["type"] = "customer.subscription.deleted"
    deliver(deleted)
    subscription = subscription_of(alpha)
    assert subscription.status == "canceled"
    grace = subscription.grace_ends_at - timezone.now()
    assert datetime.timedelta(days=6, hours=23) < grace <= datetime.timedelta(days=7)
    admin = client_for(alpha, email=alpha.admin_email)
    page = admin.get("/app/?lang=en").content.decode()
    assert "The subscription has ended." in page
    assert "read-only on" in page
    # Still writable during the grace period.
    assert admin.post(
        "/app/members/", {"email": "x@alpha.example", "role": "staff"}
    ).status_code in (200, 302)

    Subscription.objects.filter(pk=subscription.pk).update(
        grace_ends_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    page = admin.get("/app/?lang=en").content.decode()
    assert "This workspace is read-only" in page


def test_unpaid_subscription_after_its_grace_is_read_only_and_a_renewal_reopens_it(
    alpha, stripe_on, settings
):
    settings.BILLING_GRACE_DAYS = 0
    deliver(_subscribed(alpha, status="unpaid"))
    staff = client_for(alpha, email=alpha.staff_email)
    assert "This workspace is read-only" in staff.get("/app/?lang=en").content.decode()
    deliver(_subscribed(alpha, status="active"))
    assert "read-only" not in staff.get("/app/?lang=en").content.decode()


# --- replayed, reordered, foreign ---------------------------------------------------------------


def test_the_same_event_delivered_twice_is_applied_once(alpha, stripe_on):
    now = int(time.time())
    deliver(_subscribed(alpha, status="active", created=now))
    failed = event(
        "invoice.payment_failed",
        invoice_object(subscription_id="sub_alpha", customer="cus_alpha", paid=False),
        created=now,
    )
    assert deliver(failed).json() == {"received": failed["id"], "duplicate": False}
    assert subscription_of(alpha).status == "past_due"
    deliver(
        event(
            "invoice.paid",
            invoice_object(subscription_id="sub_alpha", customer="cus_alpha", paid=True),
            created=now,
        )
    )
    assert subscription_of(alpha).status == "active"
    # Stripe retries the failed payment's event: recorded already, nothing happens again.
    again = deliver(failed)
    assert again.status_code == 200
    assert again.json() == {"received": failed["id"], "duplicate": True}
    assert subscription_of(alpha).status == "active"
    assert StripeEvent.objects.filter(event_id=failed["id"]).count() == 1


def test_an_event_older_than_the_last_applied_changes_nothing(alpha, stripe_on):
    now = int(time.time())
    newer = _subscribed(alpha, status="active", price=PRICES["pro"], created=now)
    older = _subscribed(alpha, status="past_due", price=PRICES["basic"], created=now - 60)
    deliver(newer)
    response = deliver(older)
    assert response.status_code == 200
    subscription = subscription_of(alpha)
    assert (subscription.plan.code, subscription.status) == ("pro", "active")
    assert "older than the last event" in StripeEvent.objects.get(event_id=older["id"]).outcome


def test_a_webhook_about_alpha_never_changes_beta(alpha, beta, stripe_on):
    beta_before = subscription_of(beta)
    deliver(_subscribed(alpha, status="active", price=PRICES["pro"]))
    assert subscription_of(alpha).plan.code == "pro"
    # An event naming alpha's Stripe subscription but beta's schema is refused for both.
    forged = _subscribed(alpha, status="canceled")
    forged["data"]["object"]["metadata"]["association_schema"] = beta.association.schema_name
    deliver(forged)
    assert subscription_of(alpha).status == "active"
    beta_after = subscription_of(beta)
    assert (beta_after.plan_id, beta_after.status, beta_after.stripe_subscription_id) == (
        beta_before.plan_id,
        beta_before.status,
        "",
    )
    assert StripeEvent.objects.get(event_id=forged["id"]).outcome == "no association matches"


def test_events_for_no_known_association_are_recorded_and_change_nothing(alpha, stripe_on):
    stray = event(
        "customer.subscription.updated",
        subscription_object(
            subscription_id="sub_other", customer="cus_other", status="canceled", price="price_x"
        ),
    )
    assert deliver(stray).status_code == 200
    assert StripeEvent.objects.get(event_id=stray["id"]).outcome == "no association matches"
    assert subscription_of(alpha).status == "trialing"


def test_an_association_suspended_by_operators_stays_suspended_when_paid(alpha, stripe_on):
    Association.objects.filter(pk=alpha.association.pk).update(status=Association.Status.SUSPENDED)
    deliver(_subscribed(alpha, status="active"))
    assert subscription_of(alpha).status == "active"
    assert Association.objects.get(pk=alpha.association.pk).status == "suspended"


def test_an_event_no_worker_applied_is_applied_by_the_retry_job(alpha, stripe_on, monkeypatch):
    from django.db import transaction

    from billing.tasks import stripe_events_retry_task

    # The broker is away when the delivery commits: the event is recorded, not applied.
    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: None)
    payload = _subscribed(alpha, status="active", price=PRICES["pro"])
    assert deliver(payload).status_code == 200
    recorded = StripeEvent.objects.get(event_id=payload["id"])
    assert recorded.processed_at is None
    assert stripe_events_retry_task() == 0  # too fresh: its own task may still come
    StripeEvent.objects.filter(pk=recorded.pk).update(
        received_at=timezone.now() - datetime.timedelta(minutes=10)
    )
    assert stripe_events_retry_task() == 1
    assert subscription_of(alpha).plan.code == "pro"
    assert StripeEvent.objects.get(pk=recorded.pk).processed_at is not None
    assert stripe_events_retry_task() == 0


def test_events_of_a_replaced_subscription_do_not_speak_for_the_current_one(alpha, stripe_on):
    deliver(_subscribed(alpha, status="active", sub="sub_new"))
    old_deleted = _subscribed(alpha, status="canceled", sub="sub_old")
    old_deleted["type"] = "customer.subscription.deleted"
    deliver(old_deleted)
    old_invoice = invoice_object(subscription_id="sub_old", customer="cus_alpha", paid=False)
    old_invoice["parent"]["subscription_details"]["metadata"] = {
        "association_schema": alpha.association.schema_name
    }
    deliver(event("invoice.payment_failed", old_invoice))
    subscription = subscription_of(alpha)
    assert (subscription.stripe_subscription_id, subscription.status) == ("sub_new", "active")
    assert (
        "not its current subscription"
        in StripeEvent.objects.get(event_id=old_deleted["id"]).outcome
    )


def test_a_first_payment_that_never_completes_keeps_the_trial(alpha, stripe_on):
    deliver(_subscribed(alpha, status="incomplete"))
    deliver(_subscribed(alpha, status="incomplete_expired"))
    subscription = subscription_of(alpha)
    assert (subscription.plan.code, subscription.status) == ("trial", "trialing")
    staff = client_for(alpha, email=alpha.staff_email)
    assert "read-only" not in staff.get("/app/?lang=en").content.decode()


def test_a_checkout_awaiting_its_payment_does_not_change_the_plan(alpha, stripe_on):
    session = checkout_object(
        session_id="cs_test_async",
        slug="alpha",
        schema=alpha.association.schema_name,
        plan="pro",
        customer="cus_alpha",
        subscription="sub_alpha",
    )
    session["payment_status"] = "unpaid"
    deliver(event("checkout.session.completed", session))
    subscription = subscription_of(alpha)
    assert (subscription.plan.code, subscription.status) == ("trial", "trialing")
    assert subscription.stripe_customer_id == "cus_alpha"
