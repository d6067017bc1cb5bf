"""TRUNCATE skips row triggers: a published privacy notice refuses it too, by a statement trigger calling the
same function as the row trigger of 0002_published_notices_are_immutable."""

from django.db import migrations

FORBID = """
CREATE TRIGGER privacy_privacynoticeversion_immutable_no_truncate
    BEFORE TRUNCATE ON privacy_privacynoticeversion
    FOR EACH STATEMENT EXECUTE FUNCTION privacy_privacynoticeversion_immutable();
"""
ALLOW = "DROP TRIGGER IF EXISTS privacy_privacynoticeversion_immutable_no_truncate ON privacy_privacynoticeversion;"


class Migration(migrations.Migration):
    dependencies = [("privacy", "0002_published_notices_are_immutable")]
    operations = [migrations.RunSQL(FORBID, ALLOW)]
