"""Seal every association's SMS AppSid again under the first of ENCRYPTION_KEYS (a key
rotation: put the new key first, run this, then drop the old key)."""

from django.core.management.base import BaseCommand, CommandError

from common.sealing import SealBroken
from console.services import sms_senders_reseal


class Command(BaseCommand):
    help = "Re-encrypt the associations' SMS credentials under the first ENCRYPTION_KEYS key."

    def handle(self, *args, **options):
        try:
            count = sms_senders_reseal()
        except SealBroken as error:
            raise CommandError(
                f"{error}: keep the old key in ENCRYPTION_KEYS and run again"
            ) from error
        self.stdout.write(f"{count} sealed value(s) re-encrypted under the first key")
