"""Requests reach exactly one association, chosen by host; nothing crosses."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.tokens import api_token_create
from tests.helpers import PASSWORD, client_for


def test_association_home_shows_its_own_profile_only(alpha, beta):
    page = client_for(alpha).get("/").content.decode()
    assert "جمعية ألفا الخيرية" in page
    assert "جمعية بيتا الأهلية" not in page


def test_unknown_host_is_a_clear_404_not_another_association(db):
    response = client_for(None).get("/", HTTP_HOST="nobody.localhost")
    assert response.status_code == 404
    assert "nobody.localhost" in response.content.decode()


def test_the_unknown_host_page_speaks_the_language_asked_not_the_threads_last_one(alpha):
    # An English page leaves English active in this thread, as a server's thread would keep it.
    assert 'lang="en"' in client_for(alpha).get("/?lang=en").content.decode()
    arabic = client_for(None).get("/", HTTP_HOST="nobody.localhost").content.decode()
    assert 'lang="ar"' in arabic and "لا تستخدم أي جمعية العنوان nobody.localhost" in arabic
    english = client_for(None).get("/?lang=en", HTTP_HOST="nobody.localhost").content.decode()
    assert "No association uses the address nobody.localhost" in english


def test_member_of_one_association_cannot_sign_in_on_another(alpha, beta):
    client = client_for(beta)
    response = client.post("/accounts/login/", {"login": alpha.admin_email, "password": PASSWORD})
    assert response.status_code == 200  # the form again, with an error
    assert "_auth_user_id" not in client.session
    assert client.get("/app/").status_code == 302


def test_member_signs_in_on_own_host_and_sees_workspace(alpha):
    client = client_for(alpha)
    response = client.post("/accounts/login/", {"login": alpha.admin_email, "password": PASSWORD})
    assert response.status_code == 302
    page = client.get("/app/").content.decode()
    assert "Admin of alpha" in page


def test_session_from_one_association_is_worthless_on_another(alpha, beta):
    alpha_client = client_for(alpha, email=alpha.admin_email)
    session_cookie = alpha_client.cookies["sessionid"].value
    thief = client_for(beta)
    thief.cookies["sessionid"] = session_cookie
    response = thief.get("/app/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_api_token_from_one_association_is_worthless_on_another(alpha, beta):
    with schema_context(alpha.association.schema_name):
        token = api_token_create(user=User.objects.get(email=alpha.admin_email), name="t")[1]
    own = client_for(alpha).get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}")
    assert own.json()["email"] == alpha.admin_email
    other = client_for(beta).get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}")
    assert other.status_code == 401
    assert alpha.admin_email not in other.content.decode()


def test_steady_state_tenant_resolution_costs_one_read_of_the_association_status(alpha):
    client = client_for(alpha)
    client.get("/healthz")  # warms the host cache
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/healthz")
    assert response.json() == {"status": "ok"}
    # No domain lookup: only the status, read again so that a suspension or deletion made by
    # another process applies at once (it stands in for the health check's SELECT 1). The test
    # connection sets its search path again before a request's first query.
    reads = [query["sql"] for query in queries if not query["sql"].startswith("SET search_path")]
    assert reads == [
        f"SELECT status FROM public.tenants_association WHERE id = {alpha.association.pk}"
    ]


def test_request_runs_in_its_association_schema(alpha, beta):
    assert client_for(alpha).get("/api/v1/association/").json()["slug"] == "alpha"
    assert client_for(beta).get("/api/v1/association/").json()["slug"] == "beta"
    assert client_for(alpha).get("/api/v1/association/").json()["slug"] == "alpha"
