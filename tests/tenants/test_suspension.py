"""A suspended association: no sign-in, no workspace, no API, no requests; its policy stays up
with a notice. Reactivation gives everything back. Beta is never touched."""

from __future__ import annotations

import html

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from django_tenants.utils import schema_context

from console.lifecycle import association_reactivate, association_suspend
from console.models import OperatorAction
from tenants.middleware import association_suspended_message
from tenants.models import Association
from tests.helpers import (
    PASSWORD,
    POLICY,
    REQUEST_FORM,
    Tenant,
    api_client,
    client_for,
    publish,
    throwaway,
)
from tests.publishing.test_policy_kinds import publish_kind
from workflow.models import Case

OPERATOR = "operator@mustafid.example"
SUSPENDED_EN = "This association's account on Mustafid is suspended."
with translation.override("ar"):
    # Whatever the Arabic catalogue says (the English text until it is translated).
    SUSPENDED_AR = association_suspended_message()


@pytest.fixture
def gamma(db) -> Tenant:
    tenant = throwaway("gamma-suspend")
    publish(tenant, data=POLICY)
    return tenant


def suspend(tenant: Tenant, reason: str = "Unpaid for three months") -> Association:
    return association_suspend(
        association=tenant.association, actor_email=OPERATOR, reason=reason, ip_address="10.0.0.9"
    )


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_suspended_association_refuses_sign_in_with_a_clear_message(gamma):
    suspend(gamma)
    english = client_for(gamma)
    response = english.post(
        "/accounts/login/?lang=en", {"login": gamma.admin_email, "password": PASSWORD}
    )
    assert response.status_code == 200
    # The form itself says why (the page's notice says it too).
    assert SUSPENDED_EN in " ".join(response.context["form"].non_field_errors())
    assert not signed_in(english)

    arabic = client_for(gamma)
    response = arabic.post("/accounts/login/", {"login": gamma.staff_email, "password": PASSWORD})
    assert SUSPENDED_AR in " ".join(response.context["form"].non_field_errors())
    assert not signed_in(arabic)
    # A wrong password gets the same refusal: the suspension is checked first.
    response = arabic.post("/accounts/login/", {"login": gamma.staff_email, "password": "x"})
    assert SUSPENDED_AR in " ".join(response.context["form"].non_field_errors())


def test_a_session_from_before_the_suspension_is_refused_in_the_workspace(gamma):
    client = client_for(gamma, email=gamma.admin_email)
    assert "جمعية جاما للتجربة" in text(client.get("/app/"))

    suspend(gamma)
    for path in ("/app/", "/app/cases/", "/app/settings/", "/app/members/"):
        response = client.get(path + "?lang=en")
        assert response.status_code == 403, path
        assert "This association is suspended" in text(response)
        assert SUSPENDED_EN in text(response)
    response = client.post("/app/cases/new/?lang=en", {"summary": "x"})
    assert response.status_code == 403


def test_the_api_refuses_with_json_but_the_policy_stays_readable(gamma):
    client, auth = api_client(gamma, gamma.admin_email)
    assert client.get("/api/v1/cases/", **auth).status_code == 200
    publish_kind(gamma, "fundraising")

    suspend(gamma)
    for method, path in (
        ("get", "/api/v1/cases/"),
        ("get", "/api/v1/me/"),
        ("get", "/api/v1/policy/draft/"),
        ("post", "/api/v1/requests/"),
    ):
        response = getattr(client, method)(path + "?lang=en", **auth)
        assert response.status_code == 403, path
        assert response["Content-Type"] == "application/json"
        assert response.json()["code"] == "association_suspended"
        assert SUSPENDED_EN in response.json()["detail"]

    policy = client.get("/api/v1/policy/")
    assert policy.status_code == 200
    assert policy.json()["version"] == 1
    assert client.get("/api/v1/policy/versions/").json()[0]["version"] == 1
    # The other kinds' published policies too (issue 16).
    assert client.get("/api/v1/policies/fundraising/").json()["version"] == 1
    assert client.get("/api/v1/policies/fundraising/versions/1/").status_code == 200


def test_the_policy_page_stays_up_with_a_notice(gamma):
    visitor = client_for(gamma)
    before = visitor.get("/policy/?lang=en")
    assert before.status_code == 200
    assert SUSPENDED_EN not in text(before)  # and now it is in the page cache

    suspend(gamma)
    after = visitor.get("/policy/?lang=en")
    assert after.status_code == 200
    assert SUSPENDED_EN in text(after)
    assert "Gamma Trial Society" in text(after)
    assert SUSPENDED_AR in text(visitor.get("/policy/?lang=ar"))


def test_the_public_request_form_takes_no_requests(gamma):
    suspend(gamma)
    visitor = client_for(gamma)
    page = visitor.get("/request/?lang=en")
    assert page.status_code == 403
    assert SUSPENDED_EN in text(page)
    assert "national_id" not in text(page)
    response = visitor.post("/request/", REQUEST_FORM, REMOTE_ADDR="10.3.3.3")
    assert response.status_code == 403
    with schema_context(gamma.association.schema_name):
        assert not Case.objects.exists()


def test_beta_works_as_before_while_another_association_is_suspended(gamma, beta):
    suspend(gamma)
    client = client_for(beta)
    response = client.post("/accounts/login/", {"login": beta.admin_email, "password": PASSWORD})
    assert response.status_code == 302
    workspace = client.get("/app/")
    assert workspace.status_code == 200
    assert SUSPENDED_AR not in text(workspace)
    api, auth = api_client(beta, beta.admin_email)
    assert api.get("/api/v1/me/", **auth).status_code == 200
    # Beta's host never serves the suspended association, nor its notice.
    assert "جمعية جاما" not in text(client_for(beta).get("/"))
    assert Association.objects.get(slug="beta").status == Association.Status.TRIAL


def test_reactivation_gives_back_the_status_sign_in_and_workspace(gamma):
    Association.objects.filter(pk=gamma.association.pk).update(status=Association.Status.ACTIVE)
    gamma.association.refresh_from_db()
    suspend(gamma)
    assert Association.objects.get(pk=gamma.association.pk).suspended_reason

    association = association_reactivate(association=gamma.association, actor_email=OPERATOR)
    assert association.status == Association.Status.ACTIVE
    stored = Association.objects.get(pk=gamma.association.pk)
    assert (stored.status, stored.suspended_reason, stored.suspended_at) == ("active", "", None)

    client = client_for(gamma)
    response = client.post("/accounts/login/", {"login": gamma.admin_email, "password": PASSWORD})
    assert response.status_code == 302
    assert "جمعية جاما للتجربة" in text(client.get("/app/"))
    assert SUSPENDED_AR not in text(client_for(gamma).get("/policy/"))

    actions = list(OperatorAction.objects.filter(association_slug="gamma-suspend").order_by("id"))
    assert [a.action for a in actions] == ["association.suspended", "association.reactivated"]
    assert actions[0].before == {"status": "active"}
    assert actions[0].after == {"status": "suspended", "reason": "Unpaid for three months"}
    assert actions[0].actor_email == OPERATOR and actions[0].ip_address == "10.0.0.9"
    assert actions[1].after == {"status": "active"}


def test_suspending_needs_a_reason_and_twice_changes_nothing(gamma, beta):
    with pytest.raises(ValidationError) as refused:
        suspend(gamma, reason="  ")
    assert "reason" in refused.value.message_dict
    assert Association.objects.get(pk=gamma.association.pk).status == "trial"

    suspend(gamma)
    with pytest.raises(ValidationError):
        suspend(gamma, reason="again")
    assert Association.objects.get(pk=gamma.association.pk).suspended_reason == (
        "Unpaid for three months"
    )
    with pytest.raises(ValidationError):
        association_reactivate(association=beta.association, actor_email=OPERATOR)
    assert OperatorAction.objects.filter(association_slug="gamma-suspend").count() == 1
