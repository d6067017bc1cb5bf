"""Published statistics are never changed or deleted, and a satisfaction report's figures never
change, nor anything once its feedback is published: whatever code tries, the database refuses."""

from django.db import migrations

FORBID = """
CREATE OR REPLACE FUNCTION reporting_statisticspublication_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'published statistics cannot be changed or deleted';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER reporting_statisticspublication_immutable
    BEFORE UPDATE OR DELETE ON reporting_statisticspublication
    FOR EACH ROW EXECUTE FUNCTION reporting_statisticspublication_immutable();
CREATE TRIGGER reporting_statisticspublication_no_truncate
    BEFORE TRUNCATE ON reporting_statisticspublication
    FOR EACH STATEMENT EXECUTE FUNCTION reporting_statisticspublication_immutable();

CREATE OR REPLACE FUNCTION reporting_satisfactionreport_immutable() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'UPDATE' THEN
        RAISE EXCEPTION 'a satisfaction report''s figures and published feedback cannot change';
    END IF;
    IF OLD.published_at IS NOT NULL OR NEW.content IS DISTINCT FROM OLD.content
            OR NEW.year <> OLD.year THEN
        RAISE EXCEPTION 'a satisfaction report''s figures and published feedback cannot change';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER reporting_satisfactionreport_immutable
    BEFORE UPDATE OR DELETE ON reporting_satisfactionreport
    FOR EACH ROW EXECUTE FUNCTION reporting_satisfactionreport_immutable();
CREATE TRIGGER reporting_satisfactionreport_no_truncate
    BEFORE TRUNCATE ON reporting_satisfactionreport
    FOR EACH STATEMENT EXECUTE FUNCTION reporting_satisfactionreport_immutable();
"""
ALLOW = """
DROP TRIGGER IF EXISTS reporting_statisticspublication_immutable
    ON reporting_statisticspublication;
DROP TRIGGER IF EXISTS reporting_statisticspublication_no_truncate
    ON reporting_statisticspublication;
DROP FUNCTION IF EXISTS reporting_statisticspublication_immutable();
DROP TRIGGER IF EXISTS reporting_satisfactionreport_immutable ON reporting_satisfactionreport;
DROP TRIGGER IF EXISTS reporting_satisfactionreport_no_truncate ON reporting_satisfactionreport;
DROP FUNCTION IF EXISTS reporting_satisfactionreport_immutable();
"""


class Migration(migrations.Migration):
    dependencies = [("reporting", "0001_statistics_and_satisfaction_report")]
    operations = [migrations.RunSQL(FORBID, ALLOW)]
