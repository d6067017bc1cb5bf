"""An association admin subscribes through Checkout, in Chromium, on a live stack with billing on.

Stripe is faked at its HTTP edge (tests/billing/fake_stripe.py): the stack's `stripe` library
calls a local server (STRIPE_API_BASE) whose Checkout page "pays" and sends the browser back
to the success URL. Stripe's webhooks are then delivered signed, over HTTP, and applied by the
real Celery worker. The screenshot is kept under test-output/e2e/billing-active.png.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.billing.fake_stripe import (
    PRICES,
    SECRET_KEY,
    WEBHOOK_SECRET,
    FakeStripe,
    checkout_object,
    event,
    fake_stripe_running,
    signed,
    subscription_object,
)
from tests.e2e.chromium import SCREENSHOTS
from tests.live import LiveStack, live_stack_running

pytestmark = pytest.mark.e2e

SLUG = "raha-billing"
ADMIN = "admin@raha.example"
PASSWORD = "Qahwa-Saudia-2026"
PERIOD_END = 1_893_456_000  # 2030-01-01, shown on the billing page once the worker applied it


@pytest.fixture(scope="module")
def fake_stripe() -> Iterator[FakeStripe]:
    with fake_stripe_running() as fake:
        yield fake


@pytest.fixture(scope="module")
def billing_stack(tmp_path_factory, fake_stripe: FakeStripe) -> Iterator[LiveStack]:
    """A live stack of its own: billing is on only here, against the fake Stripe."""
    prices = ",".join(f"{plan}:{price}" for plan, price in PRICES.items())
    with live_stack_running(
        tmp_path_factory.mktemp("live-billing"),
        extra_env={
            "STRIPE_SECRET_KEY": SECRET_KEY,
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "STRIPE_PRICES": prices,
            "STRIPE_API_BASE": fake_stripe.base,
        },
    ) as stack:
        stack.manage(
            "create_association",
            "--slug",
            SLUG,
            "--name-ar",
            "جمعية راحة",
            "--name-en",
            "Raha Society",
            "--admin-email",
            ADMIN,
            "--admin-password",
            PASSWORD,
        )
        yield stack


def _deliver(stack: LiveStack, payload: dict) -> None:
    body, header = signed(payload)
    response = stack.http().post(
        "/billing/stripe/webhook/",
        data=body.encode(),
        headers={"Stripe-Signature": header, "Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text


def test_admin_subscribes_through_checkout_and_sees_the_plan_active(
    billing_stack: LiveStack, fake_stripe: FakeStripe, browser: Browser
):
    stack = billing_stack
    context = browser.new_context(viewport={"width": 390, "height": 844})  # a phone
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto(stack.url("/accounts/login/", slug=SLUG))
        page.fill("input[name=login]", ADMIN)
        page.fill("input[name=password]", PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(stack.url("/app/", slug=SLUG))

        page.locator("#app-menu summary").click()  # a phone: the app shell's menu
        page.locator("#nav-phone-billing").click()
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        expect(page.locator(".plan-name")).to_have_text("تجربة مجانية")
        expect(page.locator(".usage-members")).to_contain_text("1")

        # Subscribe → the fake Checkout pays → back on the success URL → the billing page.
        with page.expect_response(lambda response: "/app/billing/success/" in response.url):
            page.locator('article[data-plan="basic"] button[type=submit]').click()
        page.wait_for_url(stack.url("/app/billing/", slug=SLUG))
        expect(page.locator(".plan-name")).to_have_text("الأساسية")
        expect(page.locator('article[data-plan="basic"]')).to_have_class("plan-card current")
        [session] = fake_stripe.sessions.values()
        assert session["status"] == "complete"
        assert session["client_reference_id"] == SLUG
        assert session["success_url"].startswith(stack.url("/app/billing/success/", slug=SLUG))
        schema = session["metadata"]["association_schema"]
        assert stack.sql(
            "SELECT p.code, s.status, s.stripe_customer_id FROM billing_subscription s"
            " JOIN billing_plan p ON p.id = s.plan_id JOIN tenants_association a"
            " ON a.id = s.association_id WHERE a.slug = %s",
            (SLUG,),
        ) == [("basic", "active", session["customer"])]

        # Stripe's webhooks follow; the worker applies them (the period end arrives with them).
        _deliver(
            stack,
            event(
                "checkout.session.completed",
                checkout_object(
                    session_id=session["id"],
                    slug=SLUG,
                    schema=schema,
                    plan="basic",
                    customer=session["customer"],
                    subscription=session["subscription"],
                ),
            ),
        )
        _deliver(
            stack,
            event(
                "customer.subscription.created",
                subscription_object(
                    subscription_id=session["subscription"],
                    customer=session["customer"],
                    status="active",
                    price=PRICES["basic"],
                    schema=schema,
                    slug=SLUG,
                    period_end=PERIOD_END,
                ),
            ),
        )
        stack.wait_for(
            "both Stripe events applied by the worker",
            lambda: (
                stack.sql("SELECT count(*) FROM billing_stripeevent WHERE processed_at IS NOT NULL")
                == [(2,)]
            ),
        )
        page.goto(stack.url("/app/billing/?lang=en", slug=SLUG))
        expect(page.locator(".plan-name")).to_have_text("Basic")
        expect(page.locator(".plan-status")).to_have_text("Active")
        expect(page.locator(".billing-current")).to_contain_text("Paid until")
        expect(page.locator(".billing-current")).to_contain_text("2030")
        expect(page.locator("button", has_text="Manage payment")).to_be_visible()
        assert stack.sql("SELECT status FROM tenants_association WHERE slug = %s", (SLUG,)) == [
            ("active",)
        ]
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / "billing-active.png", full_page=True)
    finally:
        context.close()
