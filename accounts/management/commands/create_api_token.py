from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, no_translations
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.tokens import api_token_create
from common.validation import format_errors
from tenants.models import Association


class Command(BaseCommand):
    help = (
        "Make a new API key for a member of an association and print it: it is shown this once "
        "(only its hash is kept); revoke keys on the association's API keys page."
    )

    def add_arguments(self, parser):
        parser.add_argument("--association", required=True, help="the association's slug")
        parser.add_argument("--email", required=True)
        parser.add_argument("--name", default="Command line", help="what the key is for")

    @no_translations  # operators read command output in English
    def handle(self, *args, **options):
        association = Association.objects.filter(slug=options["association"]).first()
        if association is None:
            raise CommandError(f"No association has the slug {options['association']!r}.")
        with schema_context(association.schema_name):
            user = User.objects.filter(email__iexact=options["email"].strip()).first()
            if user is None:
                raise CommandError("No member of this association has this e-mail.")
            try:
                _token, key = api_token_create(user=user, name=options["name"])
            except ValidationError as error:
                raise CommandError(format_errors(error)) from error
        self.stdout.write(key)
