"""TRUNCATE skips row triggers: the operators' audit log refuses it too, by a statement trigger calling the
same function as the row trigger of 0003_provisioning_jobs_and_usage."""

from django.db import migrations

FORBID = """
CREATE TRIGGER console_operatoraction_append_only_no_truncate
    BEFORE TRUNCATE ON console_operatoraction
    FOR EACH STATEMENT EXECUTE FUNCTION console_operatoraction_append_only();
"""
ALLOW = "DROP TRIGGER IF EXISTS console_operatoraction_append_only_no_truncate ON console_operatoraction;"


class Migration(migrations.Migration):
    dependencies = [("console", "0003_provisioning_jobs_and_usage")]
    operations = [migrations.RunSQL(FORBID, ALLOW)]
