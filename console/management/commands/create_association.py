from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, no_translations

from common.validation import format_errors
from workspace.provisioning import association_provision


class Command(BaseCommand):
    help = "Provision an association: its schema, its domain and its first admin."

    def add_arguments(self, parser):
        parser.add_argument("--slug", required=True)
        parser.add_argument("--name-ar", required=True)
        parser.add_argument("--name-en", required=True)
        parser.add_argument("--admin-email", required=True)
        parser.add_argument("--admin-password", required=True)

    @no_translations  # operators read command output in English
    def handle(self, *args, **options):
        try:
            association, _admin = association_provision(
                slug=options["slug"],
                name_ar=options["name_ar"],
                name_en=options["name_en"],
                admin_email=options["admin_email"],
                admin_password=options["admin_password"],
            )
        except ValidationError as error:
            raise CommandError(format_errors(error)) from error
        self.stdout.write(association.url("/"))
