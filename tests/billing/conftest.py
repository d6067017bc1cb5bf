"""Billing fixtures: Stripe switched on against a fake Stripe served locally, and deliveries of
signed webhooks to the platform host."""

from __future__ import annotations

import json

import pytest

from billing.models import Subscription
from tests.billing.fake_stripe import (
    PRICES,
    SECRET_KEY,
    WEBHOOK_SECRET,
    FakeStripe,
    fake_stripe_running,
    signed,
)
from tests.helpers import client_for


@pytest.fixture(scope="session")
def _fake_stripe_server():
    with fake_stripe_running() as fake:
        yield fake


@pytest.fixture
def fake_stripe(_fake_stripe_server) -> FakeStripe:
    _fake_stripe_server.reset()
    return _fake_stripe_server


@pytest.fixture
def stripe_on(settings, fake_stripe) -> FakeStripe:
    """Billing on: keys set, prices known, Stripe's API answered by the fake."""
    settings.STRIPE_ENABLED = True
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_PRICES = dict(PRICES)
    settings.STRIPE_API_BASE = fake_stripe.base
    return fake_stripe


def deliver(payload: dict, *, secret: str = WEBHOOK_SECRET):
    """POST a signed event to the platform host's webhook, as Stripe does."""
    body, header = signed(payload, secret)
    return client_for(None).post(
        "/billing/stripe/webhook/",
        body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=header,
    )


def subscription_of(tenant) -> Subscription:
    return Subscription.objects.select_related("plan", "association").get(
        association=tenant.association
    )


def detail(response) -> str:
    return json.loads(response.content)["detail"]
