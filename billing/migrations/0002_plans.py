"""The plans Mustafid starts with. Operators change limits and prices from the console."""

from decimal import Decimal

from django.db import migrations

PLANS = [
    dict(code="trial", name_ar="تجربة مجانية", name_en="Free trial", price_sar=Decimal("0"),
         is_trial=True, trial_days=30, max_members=5, max_open_cases=50, position=0),
    dict(code="basic", name_ar="الأساسية", name_en="Basic", price_sar=Decimal("149"),
         max_members=10, max_open_cases=300, position=1),
    dict(code="pro", name_ar="المتقدمة", name_en="Professional", price_sar=Decimal("399"),
         max_members=None, max_open_cases=None, position=2),
]


def plans_create(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    for plan in PLANS:
        Plan.objects.update_or_create(code=plan["code"], defaults=plan)


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]
    operations = [migrations.RunPython(plans_create, migrations.RunPython.noop)]
