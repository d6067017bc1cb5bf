from django.db import migrations, models

# Every counter from a fresh count: one pass over the cases per kind of figure (well under a
# second at 100,000 cases); a key nothing counts yet stays absent, read as 0.
FILL = """
INSERT INTO workflow_casecount (key, n)
SELECT status, count(*) FROM workflow_case GROUP BY status
UNION ALL
SELECT unnest(ARRAY['closed_answered', 'decided', 'decided_on_time']), unnest(ARRAY[
    count(*) FILTER (WHERE status = 'closed' AND answered_at IS NOT NULL),
    count(*) FILTER (WHERE decided_on IS NOT NULL AND committee_due_on IS NOT NULL),
    count(*) FILTER (WHERE decided_on <= committee_due_on)
]) FROM workflow_case
"""


class Migration(migrations.Migration):
    dependencies = [
        ("workflow", "0006_status_awaiting_the_decision"),
    ]

    operations = [
        migrations.CreateModel(
            name="CaseCount",
            fields=[
                ("key", models.CharField(max_length=30, primary_key=True, serialize=False)),
                ("n", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
    ]
