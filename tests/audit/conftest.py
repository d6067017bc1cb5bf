from django_tenants.utils import schema_context

from audit.models import AccessRecord


def records(tenant) -> list[AccessRecord]:
    """The tenant's access records, oldest first."""
    with schema_context(tenant.association.schema_name):
        return list(AccessRecord.objects.order_by("at", "id"))
