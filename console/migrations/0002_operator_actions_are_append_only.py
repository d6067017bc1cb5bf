"""The operators' audit log is append-only, whatever code tries: the database refuses changes."""

from django.db import migrations

FORBID = """
CREATE OR REPLACE FUNCTION console_operatoraction_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the operators'' audit log cannot be changed or deleted';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER console_operatoraction_append_only
    BEFORE UPDATE OR DELETE ON console_operatoraction
    FOR EACH ROW EXECUTE FUNCTION console_operatoraction_append_only();
"""
ALLOW = """
DROP TRIGGER IF EXISTS console_operatoraction_append_only ON console_operatoraction;
DROP FUNCTION IF EXISTS console_operatoraction_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("console", "0001_initial")]
    operations = [migrations.RunSQL(FORBID, ALLOW)]
