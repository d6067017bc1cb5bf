import html
import re

import pytest
from django_tenants.utils import schema_context

from tests.helpers import client_for


def page(response) -> str:
    """The page's text as a reader sees it: entities decoded, tags gone, spaces squeezed."""
    text = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(text))


def in_schema(tenant):
    return schema_context(tenant.association.schema_name)


@pytest.fixture
def beta_admin(beta):
    return client_for(beta, email=beta.admin_email)


@pytest.fixture
def beta_staff(beta):
    return client_for(beta, email=beta.staff_email)
