from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from tenants.models import Association
from workflow.models import OPEN_STATUSES, CaseStatus
from workflow.services import case_counts_rebuild


class Command(BaseCommand):
    help = (
        "Count the cases afresh into the counters the dashboard and the case list read "
        "(workflow.CaseCount), in every association's schema or in one. The services keep them "
        "exact; this is for cases loaded or changed outside them (an import, a repair by hand, "
        "processes of an older release still serving during a deploy)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--schema", help="only this association's schema")

    def handle(self, *args, schema=None, **options):
        schemas = list(
            Association.objects.exclude(schema_name="public")
            .order_by("schema_name")
            .values_list("schema_name", flat=True)
        )
        if schema is not None:
            if schema not in schemas:
                raise CommandError(f"No association has the schema {schema!r}.")
            schemas = [schema]
        for name in schemas:
            with schema_context(name):
                counts = case_counts_rebuild()
            opened = sum(counts.get(status, 0) for status in OPEN_STATUSES)
            total = sum(counts.get(status, 0) for status in CaseStatus.values)
            self.stdout.write(f"{name}: {total} cases, {opened} open")
