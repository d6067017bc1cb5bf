import html
import re

import pytest
from django_tenants.utils import schema_context

from tests.conftest import client_for
from tests.workflow.conftest import alpha_policy, members  # noqa: F401 - fixtures used here
from tests.workflow.test_workspace import open_case, person, png_bytes, upload  # noqa: F401


def page(response) -> str:
    """The page's text as a reader sees it: entities decoded, tags gone, spaces squeezed."""
    text = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(text))


def in_schema(tenant):
    return schema_context(tenant.association.schema_name)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def staff(alpha):
    return client_for(alpha, email=alpha.staff_email)


@pytest.fixture
def admin(alpha):
    return client_for(alpha, email=alpha.admin_email)


@pytest.fixture
def beta_admin(beta):
    return client_for(beta, email=beta.admin_email)


@pytest.fixture
def beta_staff(beta):
    return client_for(beta, email=beta.staff_email)
