"""A signed disclosure never changes, whatever code tries: the database refuses UPDATE, DELETE
and TRUNCATE of governance_disclosure (a correction is a new signed row).

Run per association: the function and triggers live in each association's own schema.
"""

from django.db import migrations

FORBID = """
CREATE OR REPLACE FUNCTION governance_disclosure_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'a signed disclosure cannot be changed or deleted';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER governance_disclosure_append_only
    BEFORE UPDATE OR DELETE ON governance_disclosure
    FOR EACH ROW EXECUTE FUNCTION governance_disclosure_append_only();
CREATE TRIGGER governance_disclosure_no_truncate
    BEFORE TRUNCATE ON governance_disclosure
    FOR EACH STATEMENT EXECUTE FUNCTION governance_disclosure_append_only();
"""
ALLOW = """
DROP TRIGGER IF EXISTS governance_disclosure_no_truncate ON governance_disclosure;
DROP TRIGGER IF EXISTS governance_disclosure_append_only ON governance_disclosure;
DROP FUNCTION IF EXISTS governance_disclosure_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("governance", "0002_disclosures_and_whistleblowing")]
    operations = [migrations.RunSQL(FORBID, ALLOW)]
