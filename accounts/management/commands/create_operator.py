from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, no_translations

from accounts.services import operator_create
from common.validation import format_errors


class Command(BaseCommand):
    help = "Create a platform operator (public schema). MFA is set up at the first sign-in."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--password", required=True)

    @no_translations  # operators read command output in English
    def handle(self, *args, **options):
        try:
            operator = operator_create(email=options["email"], password=options["password"])
        except ValidationError as error:
            raise CommandError(format_errors(error)) from error
        self.stdout.write(f"operator {operator.email} created")
