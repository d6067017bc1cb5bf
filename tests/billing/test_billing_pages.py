"""The association admin's billing pages: plan, usage, Checkout, the return, the portal.

Stripe's API is the fake in fake_stripe.py, reached by the real `stripe` library over HTTP.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from billing.models import Plan, Subscription
from console.models import OperatorAction
from console.services import plan_assign
from tenants.models import Association
from tests.billing.conftest import subscription_of
from tests.billing.fake_stripe import PRICES, SECRET_KEY
from tests.helpers import client_for


def page(response) -> str:
    return response.content.decode()


def _subscribe(client, plan: str = "basic"):
    return client.post("/app/billing/subscribe/?lang=en", {"plan": plan})


# --- the trial every association starts with ------------------------------------------------------


def test_a_new_association_starts_on_the_trial_plan(alpha):
    subscription = subscription_of(alpha)
    trial = Plan.objects.get(code="trial")
    assert (subscription.plan, subscription.status) == (trial, "trialing")
    expected = alpha.association.created_at + datetime.timedelta(days=trial.trial_days)
    assert abs(subscription.trial_ends_at - expected) < datetime.timedelta(minutes=5)


def test_an_association_without_a_subscription_gets_its_trial_when_first_seen(alpha):
    Subscription.objects.filter(association=alpha.association).delete()
    response = client_for(alpha, email=alpha.admin_email).get("/app/billing/?lang=en")
    assert response.status_code == 200
    assert "Free trial" in page(response)
    assert "30 days left" in page(response)
    assert subscription_of(alpha).status == "trialing"


# --- who sees the page -------------------------------------------------------------------------


def test_admin_sees_plan_trial_days_usage_and_prices_with_vat(alpha, settings):
    settings.STRIPE_ENABLED = False
    response = client_for(alpha, email=alpha.admin_email).get("/app/billing/?lang=en")
    assert response.status_code == 200
    text = page(response)
    assert re.search(r'class="plan-name">Free trial<', text)
    assert re.search(r"(29|30) days left", text)
    assert re.search(r'class="usage-members">2 of 5<', text)  # the admin and the staff member
    assert re.search(r'class="usage-cases">0 of 50<', text)
    # Basic: 149 SAR + 22.35 VAT = 171.35; Professional: 399 + 59.85 = 458.85.
    assert "171.35 SAR a month" in text and "149.00 SAR + 22.35 SAR VAT (15%)" in text
    assert "458.85 SAR a month" in text
    assert "Online billing is off" in text
    assert "Subscribe" not in text


def test_billing_page_is_arabic_by_default(alpha):
    text = page(client_for(alpha, email=alpha.admin_email).get("/app/billing/"))
    assert '<html lang="ar" dir="rtl">' in text
    assert re.search(r'class="plan-name">تجربة مجانية<', text)
    assert "الأساسية" in text and "المتقدمة" in text


@pytest.mark.parametrize("who", ["staff", "anonymous"])
def test_only_admins_reach_the_billing_pages(alpha, who):
    client = client_for(alpha, email=alpha.staff_email if who == "staff" else None)
    for method, path in [
        ("get", "/app/billing/"),
        ("post", "/app/billing/subscribe/"),
        ("post", "/app/billing/portal/"),
        ("get", "/app/billing/success/?session_id=cs_test_x"),
    ]:
        response = getattr(client, method)(path, {"plan": "basic"} if method == "post" else None)
        if who == "staff":
            assert response.status_code == 403, path
        else:
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_workspace_links_admins_to_billing(alpha):
    admin = page(client_for(alpha, email=alpha.admin_email).get("/app/?lang=en"))
    staff = page(client_for(alpha, email=alpha.staff_email).get("/app/?lang=en"))
    assert 'href="/app/billing/"' in admin
    assert 'href="/app/billing/"' not in staff


def test_beta_admin_cannot_see_or_act_on_alpha_billing(alpha, beta, stripe_on):
    beta_admin = client_for(beta, email=beta.admin_email)
    # Beta's session is worthless on alpha's host: not signed in there.
    for path in ("/app/billing/", "/app/billing/success/?session_id=cs_test_x"):
        response = beta_admin.get(path, HTTP_HOST=alpha.host)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    response = beta_admin.post("/app/billing/subscribe/", {"plan": "pro"}, HTTP_HOST=alpha.host)
    assert response.status_code in (302, 403)
    assert stripe_on.created_sessions() == []
    # Alpha's paid Checkout session brought back to beta's host is refused there.
    alpha_session = _subscribe(client_for(alpha, email=alpha.admin_email))["Location"]
    session_id = alpha_session.rsplit("/", 1)[1]
    stripe_on.pay(session_id)
    beta_admin = client_for(beta, email=beta.admin_email)
    response = beta_admin.get(f"/app/billing/success/?session_id={session_id}&lang=en")
    assert response.status_code == 400
    assert "belongs to another account" in page(response)
    assert subscription_of(beta).status == "trialing"
    assert subscription_of(alpha).status == "trialing"


# --- Checkout ----------------------------------------------------------------------------------


def test_subscribe_sends_the_admin_to_checkout_for_this_association(alpha, stripe_on):
    response = _subscribe(client_for(alpha, email=alpha.admin_email), "basic")
    assert response.status_code == 302
    assert response["Location"].startswith(f"{stripe_on.base}/pay/cs_test")
    [params] = stripe_on.created_sessions()
    assert params["mode"] == "subscription"
    assert params["line_items"] == {"0": {"price": PRICES["basic"], "quantity": "1"}}
    assert params["client_reference_id"] == "alpha"
    assert params["metadata"] == {
        "association_slug": "alpha",
        "association_schema": alpha.association.schema_name,
        "plan": "basic",
    }
    assert params["subscription_data"]["metadata"]["association_schema"] == "a_alpha"
    assert params["customer_email"] == alpha.admin_email
    assert params["success_url"] == (
        "http://alpha.localhost:8000/app/billing/success/?session_id={CHECKOUT_SESSION_ID}"
    )
    assert params["cancel_url"] == "http://alpha.localhost:8000/app/billing/"
    assert stripe_on.requests[0]["method"] == "POST"


def test_a_known_customer_is_reused_at_checkout(alpha, stripe_on):
    Subscription.objects.filter(association=alpha.association).update(stripe_customer_id="cus_9")
    _subscribe(client_for(alpha, email=alpha.admin_email), "pro")
    [params] = stripe_on.created_sessions()
    assert params["customer"] == "cus_9"
    assert "customer_email" not in params


def test_the_trial_and_unknown_plans_cannot_be_bought(alpha, stripe_on):
    admin = client_for(alpha, email=alpha.admin_email)
    trial = _subscribe(admin, "trial")
    assert trial.status_code == 400
    assert "This plan cannot be bought online." in page(trial)
    unknown = _subscribe(admin, "gold")
    assert unknown.status_code == 400
    assert "Choose one of the plans shown." in page(unknown)
    assert stripe_on.created_sessions() == []


def test_stripe_unreachable_is_a_clear_refusal(alpha, stripe_on, settings):
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens on the discard port
    response = _subscribe(client_for(alpha, email=alpha.admin_email))
    assert response.status_code == 400
    assert "did not answer; nothing was charged" in page(response)
    assert subscription_of(alpha).status == "trialing"


def test_coming_back_from_a_paid_checkout_activates_the_plan(alpha, stripe_on):
    admin = client_for(alpha, email=alpha.admin_email)
    session_id = _subscribe(admin, "basic")["Location"].rsplit("/", 1)[1]
    stripe_on.pay(session_id)
    response = admin.get(f"/app/billing/success/?session_id={session_id}&lang=en", follow=True)
    text = page(response)
    assert "Thank you: the Basic plan is now active." in text
    assert re.search(r'class="plan-name">Basic<', text)
    subscription = subscription_of(alpha)
    assert (subscription.plan.code, subscription.status) == ("basic", "active")
    assert subscription.stripe_customer_id.startswith("cus_")
    assert Association.objects.get(pk=alpha.association.pk).status == "active"
    # Now the admin can open Stripe's portal for this customer.
    portal = admin.post("/app/billing/portal/")
    assert portal.status_code == 302
    assert portal["Location"].startswith(f"{stripe_on.base}/portal/")
    portal_request = stripe_on.requests[-1]
    assert portal_request["params"] == {
        "customer": subscription.stripe_customer_id,
        "return_url": "http://alpha.localhost:8000/app/billing/",
    }
    # Paying online, a second Checkout (a second subscription) is not offered nor accepted.
    assert "Subscribe" not in page(admin.get("/app/billing/?lang=en"))
    again = _subscribe(admin, "pro")
    assert again.status_code == 400
    assert "You already pay online" in page(again)
    assert len(stripe_on.created_sessions()) == 1


@pytest.mark.parametrize(
    ("session", "message"),
    [
        ("expired", "This payment session has expired and nothing was charged."),
        ("open", "The payment is not finished yet."),
        ("cs_test_unknown999", "This payment session is unknown."),
        ("not-a-session", "This payment session is unknown."),
    ],
)
def test_an_expired_unpaid_or_unknown_checkout_session_is_refused(
    alpha, stripe_on, session, message
):
    admin = client_for(alpha, email=alpha.admin_email)
    if session in ("expired", "open"):
        session_id = _subscribe(admin)["Location"].rsplit("/", 1)[1]
        if session == "expired":
            stripe_on.expire(session_id)
    else:
        session_id = session
    response = admin.get(f"/app/billing/success/?session_id={session_id}&lang=en")
    assert response.status_code == 400
    assert message in page(response)
    subscription = subscription_of(alpha)
    assert (subscription.plan.code, subscription.status, subscription.stripe_customer_id) == (
        "trial",
        "trialing",
        "",
    )


def test_portal_without_payment_details_says_subscribe_first(alpha, stripe_on):
    response = client_for(alpha, email=alpha.admin_email).post("/app/billing/portal/?lang=en")
    assert response.status_code == 400
    assert "subscribe to a plan first" in page(response)


def test_with_billing_off_the_pages_say_so_and_nothing_reaches_stripe(alpha, settings, fake_stripe):
    settings.STRIPE_ENABLED = False
    settings.STRIPE_API_BASE = fake_stripe.base
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    admin = client_for(alpha, email=alpha.admin_email)
    response = _subscribe(admin)
    assert response.status_code == 400
    assert "Online billing is off" in page(response)
    assert "operators assign plans" in page(response)
    assert fake_stripe.requests == []


# --- operators assign plans by hand ------------------------------------------------------------


def test_an_operator_assigns_a_plan_and_the_audit_log_says_so(alpha):
    basic = Plan.objects.get(code="basic")
    plan_assign(
        association=alpha.association,
        plan=basic,
        actor_email="ops@mustafid.example",
        ip_address="192.0.2.1",
    )
    subscription = subscription_of(alpha)
    assert (subscription.plan, subscription.status) == (basic, "active")
    assert Association.objects.get(pk=alpha.association.pk).status == "active"
    action = OperatorAction.objects.get(action="plan.assigned")
    assert (action.actor_email, action.association_slug) == ("ops@mustafid.example", "alpha")
    assert action.before["plan"] == "trial" and action.after["plan"] == "basic"
    assert action.after["status"] == "active"
    text = page(client_for(alpha, email=alpha.admin_email).get("/app/billing/?lang=en"))
    assert re.search(r'class="usage-members">2 of 10<', text)


def test_assigning_the_trial_again_restarts_its_days(alpha):
    Subscription.objects.filter(association=alpha.association).update(
        trial_ends_at=timezone.now() - datetime.timedelta(days=1)
    )
    plan_assign(
        association=alpha.association,
        plan=Plan.objects.get(code="trial"),
        actor_email="ops@mustafid.example",
    )
    assert subscription_of(alpha).trial_ends_at > timezone.now() + datetime.timedelta(days=29)


# --- the platform's home page --------------------------------------------------------------------


def test_platform_home_says_what_mustafid_does_and_shows_the_plans(platform_client):
    english = page(platform_client.get("/?lang=en"))
    for promise in (
        "Configured from a shared template",
        "Approved by your board",
        "A public policy page",
        "One policy, one workflow",
        "Your data stays yours",
        "Arabic first",
    ):
        assert promise in english
    assert "Free for 30 days" in english and "Up to 5 members" in english
    assert "171.35 SAR a month" in english and "Up to 300 open cases" in english
    assert "458.85 SAR a month" in english and "Unlimited open cases" in english
    assert 'href="/signup/"' in english
    arabic = page(platform_client.get("/?lang=ar"))
    assert "تجربة مجانية" in arabic and "الأساسية" in arabic and "المتقدمة" in arabic


def test_signing_up_starts_a_trial(platform_client):
    response = platform_client.post(
        "/signup/",
        {
            "name_ar": "جمعية الندى",
            "name_en": "Al-Nada",
            "slug": "nada-trial",
            "admin_name": "مدير",
            "email": "admin@nada.example",
            "password": "Correct-horse-2026",
        },
    )
    assert response.status_code == 302, page(response)
    subscription = Subscription.objects.get(association__slug="nada-trial")
    assert (subscription.plan.code, subscription.status) == ("trial", "trialing")
    assert subscription.trial_ends_at > timezone.now() + datetime.timedelta(days=29)
