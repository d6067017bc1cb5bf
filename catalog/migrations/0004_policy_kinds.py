"""Policy kinds: every template version belongs to a kind (the versions before it, to the
beneficiary policy), and version 1 of each other kind's template is loaded from
catalog/data/policy_kinds.json, texts written for Mustafid."""

import json
from pathlib import Path

import django.db.models.manager
from django.db import migrations, models
from django.utils import timezone


DATA = Path(__file__).resolve().parent.parent / "data"


def load(apps, schema_editor):
    TemplateVersion = apps.get_model("catalog", "TemplateVersion")
    TemplateSection = apps.get_model("catalog", "TemplateSection")
    data = json.loads((DATA / "policy_kinds.json").read_text(encoding="utf-8"))
    for template in data["kinds"]:
        version = TemplateVersion.objects.create(
            kind=template["kind"],
            number=data["version"],
            released_at=timezone.now(),
            notes="Written for Mustafid.",
        )
        TemplateSection.objects.bulk_create(
            TemplateSection(
                version=version,
                key=section["key"],
                position=position,
                optional=section["optional"],
                title_ar=section["title"]["ar"],
                title_en=section["title"]["en"],
                body_ar=section["body"]["ar"],
                body_en=section["body"]["en"],
            )
            for position, section in enumerate(template["sections"])
        )


def unload(apps, schema_editor):
    apps.get_model("catalog", "TemplateVersion").objects.exclude(kind="beneficiary").delete()


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0003_template_steps'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='templateversion',
            options={'base_manager_name': 'of_every_kind', 'ordering': ['-number']},
        ),
        migrations.AlterModelManagers(
            name='templateversion',
            managers=[
                ('objects', django.db.models.manager.Manager()),
                ('of_every_kind', django.db.models.manager.Manager()),
            ],
        ),
        migrations.AddField(
            model_name='templateversion',
            name='kind',
            field=models.CharField(choices=[('beneficiary', 'Beneficiary Relationship Policy'), ('conflict-of-interest', 'Conflict of Interest Policy'), ('whistleblowing', 'Whistleblowing Policy'), ('data-privacy', 'Data Privacy Policy'), ('document-retention', 'Document Retention and Destruction Policy'), ('volunteers', 'Volunteer Management Policy'), ('fundraising', 'Fundraising Policy')], default='beneficiary', max_length=30),
        ),
        migrations.AlterField(
            model_name='templateversion',
            name='number',
            field=models.PositiveIntegerField(),
        ),
        migrations.AddConstraint(
            model_name='templateversion',
            constraint=models.UniqueConstraint(fields=('kind', 'number'), name='template_version_unique'),
        ),
        migrations.RunPython(load, unload),
]
