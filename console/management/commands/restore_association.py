from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, no_translations

from common.validation import format_errors
from console.archive import association_restore


class Command(BaseCommand):
    help = "Restore an association export (.tar.gz) as a new association at a new web address."

    def add_arguments(self, parser):
        parser.add_argument("--archive", required=True, help="the export's .tar.gz file")
        parser.add_argument("--slug", required=True, help="the new association's web address")
        parser.add_argument("--name-ar", help="a new Arabic name (default: the exported one)")
        parser.add_argument("--name-en", help="a new English name (default: the exported one)")
        parser.add_argument("--actor-email", default="", help="who restores, for the audit log")

    @no_translations  # operators read command output in English
    def handle(self, *args, **options):
        archive = Path(options["archive"])
        if not archive.is_file():
            raise CommandError(f"archive: no file at {archive}")
        try:
            association = association_restore(
                archive=archive,
                slug=options["slug"],
                name_ar=options["name_ar"],
                name_en=options["name_en"],
                actor_email=options["actor_email"],
            )
        except ValidationError as error:
            raise CommandError(format_errors(error)) from error
        self.stdout.write(association.url("/"))
