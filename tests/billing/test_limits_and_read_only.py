"""Plan limits and the read-only workspace: refused with a clear message, nothing lost."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.models import User
from billing.models import Plan, Subscription
from tests.billing.conftest import detail
from tests.helpers import BENEFICIARY, api_client, client_for
from workflow.models import Case

OPEN = {
    "channel": "interview",
    "beneficiary": BENEFICIARY,
    "summary": "طلب سلة غذائية",
    "consent": True,
}
FORM = {
    "channel": "interview",
    "kind": "request",
    "national_id": BENEFICIARY["national_id"],
    "full_name": BENEFICIARY["full_name"],
    "phone": BENEFICIARY["phone"],
    "summary": "ملخص لا يضيع",
    "consent": "on",
}
PUBLIC_FORM = {
    "kind": "request",
    "national_id": "1000000016",
    "full_name": "سارة علي",
    "phone": "0551234567",
    "summary": "طلب كتبته المستفيدة ولا يضيع",
    "consent": "on",
}


def page(response) -> str:
    return response.content.decode()


def cases(tenant) -> int:
    with schema_context(tenant.association.schema_name):
        return Case.objects.count()


def members(tenant) -> set[str]:
    with schema_context(tenant.association.schema_name):
        return set(User.objects.values_list("email", flat=True))


def _limit_open_cases(limit: int) -> None:
    Plan.objects.filter(code="trial").update(max_open_cases=limit)


def _lapse(tenant, **fields) -> None:
    Subscription.objects.filter(association=tenant.association).update(**fields)


def _ended(tenant) -> None:
    _lapse(tenant, status="canceled", grace_ends_at=timezone.now() - datetime.timedelta(hours=1))


# --- limits ------------------------------------------------------------------------------------


def test_member_limit_refuses_an_invitation_and_keeps_what_was_typed(alpha, mailoutbox):
    Plan.objects.filter(code="trial").update(max_members=3)
    admin = client_for(alpha, email=alpha.admin_email)
    first = admin.post(
        "/app/members/", {"email": "third@alpha.example", "full_name": "ثالث", "role": "staff"}
    )
    assert first.status_code == 302  # 3 of 3 seats
    response = admin.post(
        "/app/members/?lang=en",
        {"email": "fourth@alpha.example", "full_name": "Fourth Member", "role": "committee"},
    )
    text = page(response)
    assert "Your plan (Free trial) allows 3 members" in text
    assert 'value="fourth@alpha.example"' in text and 'value="Fourth Member"' in text
    assert "fourth@alpha.example" not in members(alpha)
    assert [m.to for m in mailoutbox] == [["third@alpha.example"]]


def test_member_limit_of_alpha_does_not_touch_beta(alpha, beta, mailoutbox):
    Plan.objects.filter(code="trial").update(max_members=2)
    assert "allows 2 members" in page(
        client_for(alpha, email=alpha.admin_email).post(
            "/app/members/?lang=en", {"email": "x@alpha.example", "role": "staff"}
        )
    )
    # Beta's plan was moved to basic (10 seats): it still invites.
    Subscription.objects.filter(association=beta.association).update(
        plan=Plan.objects.get(code="basic"), status="active"
    )
    response = client_for(beta, email=beta.admin_email).post(
        "/app/members/", {"email": "x@beta.example", "role": "staff"}
    )
    assert response.status_code == 302
    assert "x@beta.example" in members(beta)


def test_open_case_limit_in_the_workspace_form_keeps_the_input(alpha, alpha_policy):
    _limit_open_cases(1)
    staff = client_for(alpha, email=alpha.staff_email)
    assert staff.post("/app/cases/new/", FORM).status_code == 302
    response = staff.post("/app/cases/new/?lang=en", {**FORM, "national_id": "1000000016"})
    assert response.status_code == 400
    text = page(response)
    assert "allows 1 open case at a time, and it is open" in text
    assert "ملخص لا يضيع" in text and 'value="1000000016"' in text
    assert cases(alpha) == 1


def test_open_case_limit_in_the_api_is_a_400_with_the_message(alpha, alpha_policy):
    _limit_open_cases(1)
    client, auth = api_client(alpha, alpha.staff_email)
    assert (
        client.post("/api/v1/cases/", OPEN, content_type="application/json", **auth).status_code
        == 201
    )
    response = client.post("/api/v1/cases/?lang=en", OPEN, content_type="application/json", **auth)
    assert response.status_code == 400
    assert "allows 1 open case at a time" in " ".join(response.json()["detail"])
    assert cases(alpha) == 1


def test_closed_cases_free_their_place(alpha, alpha_policy, beta):
    _limit_open_cases(1)
    client, auth = api_client(alpha, alpha.staff_email)
    case_id = client.post("/api/v1/cases/", OPEN, content_type="application/json", **auth).json()[
        "id"
    ]
    withdraw = {"action": "withdraw", "reason": "انسحب المستفيد"}
    # Beta's staff cannot free alpha's place: the case is not there for them.
    beta_client, beta_auth = api_client(beta, beta.staff_email)
    path = f"/api/v1/cases/{case_id}/transitions/"
    beta_moved = beta_client.post(path, withdraw, content_type="application/json", **beta_auth)
    assert beta_moved.status_code == 404
    refused = client.post("/api/v1/cases/?lang=en", OPEN, content_type="application/json", **auth)
    assert "allows 1 open case at a time" in " ".join(refused.json()["detail"])

    moved = client.post(path, withdraw, content_type="application/json", **auth)
    assert moved.status_code == 200, moved.content
    response = client.post("/api/v1/cases/", OPEN, content_type="application/json", **auth)
    assert response.status_code == 201
    assert cases(alpha) == 2


def test_the_limit_check_reads_the_counters_not_every_case(alpha, alpha_policy):
    _limit_open_cases(5)
    client, auth = api_client(alpha, alpha.staff_email)
    with CaptureQueriesContext(connection) as opening:
        response = client.post("/api/v1/cases/", OPEN, content_type="application/json", **auth)
    assert response.status_code == 201
    sql = [query["sql"] for query in opening.captured_queries]
    assert not [q for q in sql if "COUNT(" in q and 'FROM "workflow_case"' in q], sql
    [limit_read] = [q for q in sql if 'SUM("workflow_casecount"."n")' in q]
    assert '"workflow_casecount"."key" IN' in limit_read


def test_open_case_limit_on_the_public_form_tells_the_beneficiary_plainly(alpha, alpha_policy):
    _limit_open_cases(0)
    response = client_for(alpha).post("/request/?lang=en", PUBLIC_FORM)
    text = page(response)
    assert "cannot take new requests online right now" in text
    assert "plan" not in text.split("<main", 1)[1].lower().split("</main>")[0]
    assert "طلب كتبته المستفيدة ولا يضيع" in text
    assert cases(alpha) == 0


# --- read-only ---------------------------------------------------------------------------------


def test_read_only_refuses_workspace_writes_with_the_message_and_deletes_nothing(
    alpha, alpha_policy, mailoutbox
):
    staff_api, auth = api_client(alpha, alpha.staff_email)
    assert (
        staff_api.post("/api/v1/cases/", OPEN, content_type="application/json", **auth).status_code
        == 201
    )
    _ended(alpha)
    admin = client_for(alpha, email=alpha.admin_email)

    invite = admin.post("/app/members/?lang=en", {"email": "new@alpha.example", "role": "staff"})
    assert invite.status_code == 403
    assert "This workspace is read-only" in page(invite)
    assert "new@alpha.example" not in members(alpha)
    assert mailoutbox == []

    new_case = client_for(alpha, email=alpha.staff_email).post("/app/cases/new/?lang=en", FORM)
    assert new_case.status_code == 403
    api = staff_api.post("/api/v1/cases/?lang=en", OPEN, content_type="application/json", **auth)
    assert api.status_code == 403
    assert "read-only" in detail(api) and "nothing was deleted" in detail(api)
    assert cases(alpha) == 1

    # Reading still works, for everyone, with the banner saying why.
    listing = client_for(alpha, email=alpha.staff_email).get("/app/cases/?lang=en")
    assert listing.status_code == 200
    assert "This workspace is read-only" in page(listing)
    assert staff_api.get("/api/v1/cases/", **auth).json()["count"] == 1
    # The admin can still reach billing to renew.
    billing = admin.get("/app/billing/?lang=en")
    assert billing.status_code == 200
    assert "read-only" in page(billing)


def test_read_only_public_request_form_is_paused(alpha, alpha_policy):
    _ended(alpha)
    client = client_for(alpha)
    for response in (
        client.get("/request/?lang=en"),
        client.post("/request/?lang=en", PUBLIC_FORM),
    ):
        assert response.status_code == 503
        assert "not taking online requests right now" in page(response)
    assert cases(alpha) == 0
    # The published policy stays up.
    assert client.get("/policy/").status_code == 200


def test_read_only_still_lets_members_sign_in_and_out(alpha):
    _ended(alpha)
    client = client_for(alpha)
    response = client.post(
        "/accounts/login/", {"login": alpha.staff_email, "password": "Correct-horse-2026"}
    )
    assert response.status_code == 302
    assert client.get("/app/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302


def test_an_expired_trial_turns_the_workspace_read_only(alpha, alpha_policy):
    _lapse(alpha, trial_ends_at=timezone.now() - datetime.timedelta(minutes=1))
    staff = client_for(alpha, email=alpha.staff_email)
    assert "This workspace is read-only" in page(staff.get("/app/?lang=en"))
    assert staff.post("/app/cases/new/", FORM).status_code == 403
    text = page(client_for(alpha, email=alpha.admin_email).get("/app/billing/?lang=en"))
    assert "0 days left" in text


def test_a_trial_with_days_left_is_writable(alpha, alpha_policy):
    _lapse(alpha, trial_ends_at=timezone.now() + datetime.timedelta(hours=30))
    staff = client_for(alpha, email=alpha.staff_email)
    assert "read-only" not in page(staff.get("/app/?lang=en"))
    assert staff.post("/app/cases/new/", FORM).status_code == 302
    text = page(client_for(alpha, email=alpha.admin_email).get("/app/billing/?lang=en"))
    assert "2 days left" in text


def test_read_only_alpha_leaves_beta_writable(alpha, beta):
    _ended(alpha)
    response = client_for(beta, email=beta.admin_email).post(
        "/app/members/", {"email": "y@beta.example", "role": "staff"}
    )
    assert response.status_code == 302
    assert "read-only" not in page(client_for(beta, email=beta.staff_email).get("/app/?lang=en"))


@pytest.mark.parametrize("status", ["past_due", "canceled"])
def test_payment_banner_is_for_admins_only_while_writable(alpha, status):
    _lapse(alpha, status=status, grace_ends_at=timezone.now() + datetime.timedelta(days=3))
    admin = page(client_for(alpha, email=alpha.admin_email).get("/app/?lang=en"))
    staff = page(client_for(alpha, email=alpha.staff_email).get("/app/?lang=en"))
    expected = "Payment is past due." if status == "past_due" else "The subscription has ended."
    assert expected in admin and 'href="/app/billing/"' in admin
    assert expected not in staff and "billing-banner" not in staff
    # The public pages never show it.
    assert "billing-banner" not in page(client_for(alpha, email=alpha.admin_email).get("/"))


def test_admins_are_told_a_week_ahead_that_the_trial_ends(alpha):
    _lapse(alpha, trial_ends_at=timezone.now() + datetime.timedelta(days=20))
    admin = client_for(alpha, email=alpha.admin_email)
    assert "trial ends" not in page(admin.get("/app/?lang=en"))
    _lapse(alpha, trial_ends_at=timezone.now() + datetime.timedelta(days=2, hours=1))
    assert "Your free trial ends in 3 days." in page(admin.get("/app/?lang=en"))
    staff = client_for(alpha, email=alpha.staff_email)
    assert "trial ends" not in page(staff.get("/app/?lang=en"))
