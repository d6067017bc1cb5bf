"""A new migration as a deployment brings one: a column and an index on the cases table.

ROLLOUT_PROBE_PAUSE="<schema>:<seconds>" makes it pause between the two in that schema (the
tests kill a roll-out there).
"""

import os
import pkgutil
import time

from django.db import migrations, models

import workflow.migrations


def _pause(apps, schema_editor):
    schema, _colon, seconds = os.environ.get("ROLLOUT_PROBE_PAUSE", "").partition(":")
    if schema == schema_editor.connection.schema_name:
        time.sleep(float(seconds))


def _latest_workflow_migration() -> str:
    return max(
        name
        for _finder, name, is_package in pkgutil.iter_modules(workflow.migrations.__path__)
        if not is_package
    )


class Migration(migrations.Migration):
    dependencies = [("workflow", _latest_workflow_migration())]

    operations = [
        migrations.AddField(
            model_name="case",
            name="rollout_probe",
            field=models.CharField(max_length=20, blank=True, default=""),
        ),
        migrations.RunPython(_pause, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["rollout_probe"], name="case_rollout_probe_idx"),
        ),
    ]
