import publishing.models
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("publishing", "0004_approval_as_boards_write_it")]

    operations = [
        migrations.AddField(
            model_name="policydraft",
            name="languages",
            field=models.JSONField(default=publishing.models.both_languages),
        ),
    ]
