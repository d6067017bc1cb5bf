"""A published privacy notice is never changed or deleted, whatever code tries."""

from django.db import migrations

FORBID = """
CREATE OR REPLACE FUNCTION privacy_privacynoticeversion_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'a published privacy notice cannot be changed or deleted';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER privacy_privacynoticeversion_immutable
    BEFORE UPDATE OR DELETE ON privacy_privacynoticeversion
    FOR EACH ROW EXECUTE FUNCTION privacy_privacynoticeversion_immutable();
"""
ALLOW = """
DROP TRIGGER IF EXISTS privacy_privacynoticeversion_immutable ON privacy_privacynoticeversion;
DROP FUNCTION IF EXISTS privacy_privacynoticeversion_immutable();
"""


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial")]
    operations = [migrations.RunSQL(FORBID, ALLOW)]
