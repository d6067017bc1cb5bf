import pytest
from django_tenants.utils import schema_context

from audit.models import AccessRecord
from tests.workflow.conftest import alpha_policy, members  # noqa: F401 - fixtures used here


def records(tenant) -> list[AccessRecord]:
    """The tenant's access records, oldest first."""
    with schema_context(tenant.association.schema_name):
        return list(AccessRecord.objects.order_by("at", "id"))


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path
