"""The step catalogue of the procedure: each step kind's default wording, in template version 1;
its procedure section then lists the association's steps through {procedure}."""

import json
from pathlib import Path

from django.db import migrations, models

DATA = Path(__file__).resolve().parent.parent / "data"


def load(apps, schema_editor):
    TemplateVersion = apps.get_model("catalog", "TemplateVersion")
    TemplateSection = apps.get_model("catalog", "TemplateSection")
    template = json.loads((DATA / "template_v1.json").read_text(encoding="utf-8"))
    steps = {step["kind"]: step["text"] for step in template["steps"]}
    body = next(s["body"] for s in template["sections"] if s["key"] == "procedure")
    old = TemplateSection.objects.filter(version__number=1, key="procedure").first()
    TemplateVersion.objects.all().update(steps=steps)
    if old is not None:
        # Every released version that kept v1's numbered steps lists the association's instead.
        TemplateSection.objects.filter(
            key="procedure", body_ar=old.body_ar, body_en=old.body_en
        ).update(body_ar=body["ar"], body_en=body["en"])


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_template_v1")]
    operations = [
        migrations.AddField(
            model_name="templateversion", name="steps", field=models.JSONField(default=dict)
        ),
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
