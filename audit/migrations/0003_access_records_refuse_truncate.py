"""TRUNCATE skips row triggers: the access trail refuses it too, by a statement trigger calling the
same function as the row trigger of 0002_access_records_are_append_only."""

from django.db import migrations

FORBID = """
CREATE TRIGGER audit_accessrecord_append_only_no_truncate
    BEFORE TRUNCATE ON audit_accessrecord
    FOR EACH STATEMENT EXECUTE FUNCTION audit_accessrecord_append_only();
"""
ALLOW = "DROP TRIGGER IF EXISTS audit_accessrecord_append_only_no_truncate ON audit_accessrecord;"


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_access_records_are_append_only")]
    operations = [migrations.RunSQL(FORBID, ALLOW)]
