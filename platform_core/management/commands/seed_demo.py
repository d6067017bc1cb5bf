from django.core.management.base import BaseCommand

from demo.associations import DEMO_PASSWORD, demo_logins, demo_seed


class Command(BaseCommand):
    help = "Create the demo associations (idempotent) and print their addresses and logins."

    def handle(self, *args, **options):
        for association in demo_seed():
            self.stdout.write(f"\n{association.name_ar} — {association.name_en}")
            self.stdout.write(f"  {association.url('/')}")
            for role, email in demo_logins(association.slug):
                self.stdout.write(f"  {role:<10} {email}")
        self.stdout.write(f"\nEvery demo login's password: {DEMO_PASSWORD}")
