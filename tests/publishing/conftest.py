import datetime

import pytest
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.tokens import api_token_create
from tests.conftest import client_for


def api_client(tenant, email):
    """A client with the API token of `email` in `tenant`."""
    with schema_context(tenant.association.schema_name):
        _token, key = api_token_create(user=User.objects.get(email=email), name="tests")
    return client_for(tenant), {"HTTP_AUTHORIZATION": f"Token {key}"}


@pytest.fixture
def alpha_admin_api(alpha):
    return api_client(alpha, alpha.admin_email)


def publish(tenant, *, data=None, approved_on=datetime.date(2024, 8, 14), meeting="5"):
    """Configure (optionally), approve and publish through the API; the published version."""
    client, auth = api_client(tenant, tenant.admin_email)
    if data:
        response = client.patch(
            "/api/v1/policy/draft/", data, content_type="application/json", **auth
        )
        assert response.status_code == 200, response.json()
    approval = {
        "meeting_number": meeting,
        "approved_on": approved_on.isoformat(),
        "chair_name": "د. سعد",
    }
    response = client.post(
        "/api/v1/policy/draft/approve/", approval, content_type="application/json", **auth
    )
    assert response.status_code == 200, response.json()
    response = client.post(
        "/api/v1/policy/draft/publish/", {}, content_type="application/json", **auth
    )
    assert response.status_code == 201, response.json()
    return response.json()
