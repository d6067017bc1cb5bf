from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, no_translations
from django_tenants.utils import schema_context

from accounts.services import api_token_create
from common.validation import format_errors
from tenants.models import Association


class Command(BaseCommand):
    help = "Print the API token of a member of an association (made if it did not exist)."

    def add_arguments(self, parser):
        parser.add_argument("--association", required=True, help="the association's slug")
        parser.add_argument("--email", required=True)

    @no_translations  # operators read command output in English
    def handle(self, *args, **options):
        association = Association.objects.filter(slug=options["association"]).first()
        if association is None:
            raise CommandError(f"No association has the slug {options['association']!r}.")
        with schema_context(association.schema_name):
            try:
                key = api_token_create(email=options["email"])
            except ValidationError as error:
                raise CommandError(format_errors(error)) from error
        self.stdout.write(key)
