"""Loads the catalogue and version 1 of the shared template, written from the five seeds."""

import json
from pathlib import Path

from django.db import migrations
from django.utils import timezone

DATA = Path(__file__).resolve().parent.parent / "data"


def load(apps, schema_editor):
    CatalogItem = apps.get_model("catalog", "CatalogItem")
    TemplateVersion = apps.get_model("catalog", "TemplateVersion")
    TemplateSection = apps.get_model("catalog", "TemplateSection")
    catalogue = json.loads((DATA / "catalogue.json").read_text(encoding="utf-8"))
    kinds = {"channels": "channel", "tools": "tool", "referral_roles": "referral_role"}
    for name, kind in kinds.items():
        for position, item in enumerate(catalogue[name]):
            CatalogItem.objects.create(
                kind=kind,
                code=item["code"],
                name_ar=item["name"]["ar"],
                name_en=item["name"]["en"],
                position=position,
            )
    template = json.loads((DATA / "template_v1.json").read_text(encoding="utf-8"))
    version = TemplateVersion.objects.create(
        number=template["version"], released_at=timezone.now(), notes="Written from the seeds."
    )
    for position, section in enumerate(template["sections"]):
        TemplateSection.objects.create(
            version=version,
            key=section["key"],
            position=position,
            optional=section["optional"],
            title_ar=section["title"]["ar"],
            title_en=section["title"]["en"],
            body_ar=section["body"]["ar"],
            body_en=section["body"]["en"],
        )


def unload(apps, schema_editor):
    apps.get_model("catalog", "TemplateVersion").objects.filter(number=1).delete()
    apps.get_model("catalog", "CatalogItem").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
