"""A published version is never changed or deleted, whatever code tries: the database refuses."""

from django.db import migrations

FORBID = """
CREATE OR REPLACE FUNCTION publishing_policyversion_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'a published policy version cannot be changed or deleted';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER publishing_policyversion_immutable
    BEFORE UPDATE OR DELETE ON publishing_policyversion
    FOR EACH ROW EXECUTE FUNCTION publishing_policyversion_immutable();
"""
ALLOW = """
DROP TRIGGER IF EXISTS publishing_policyversion_immutable ON publishing_policyversion;
DROP FUNCTION IF EXISTS publishing_policyversion_immutable();
"""


class Migration(migrations.Migration):
    dependencies = [("publishing", "0001_initial")]
    operations = [migrations.RunSQL(FORBID, ALLOW)]
