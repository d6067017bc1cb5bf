"""Policy kinds: every draft and version belongs to a kind; the rows before it are the beneficiary
policy's (the column's default), so no row's meaning changes. Version numbers count per kind.
Adding a column updates no row: the immutability trigger has nothing to refuse."""

import django.db.models.manager
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('publishing', '0005_draft_languages'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='policydraft',
            options={'base_manager_name': 'of_every_kind'},
        ),
        migrations.AlterModelOptions(
            name='policyversion',
            options={'base_manager_name': 'of_every_kind', 'ordering': ['-number']},
        ),
        migrations.AlterModelManagers(
            name='policydraft',
            managers=[
                ('objects', django.db.models.manager.Manager()),
                ('of_every_kind', django.db.models.manager.Manager()),
            ],
        ),
        migrations.AlterModelManagers(
            name='policyversion',
            managers=[
                ('objects', django.db.models.manager.Manager()),
                ('of_every_kind', django.db.models.manager.Manager()),
            ],
        ),
        migrations.AddField(
            model_name='policydraft',
            name='kind',
            field=models.CharField(choices=[('beneficiary', 'Beneficiary Relationship Policy'), ('conflict-of-interest', 'Conflict of Interest Policy'), ('whistleblowing', 'Whistleblowing Policy'), ('data-privacy', 'Data Privacy Policy'), ('document-retention', 'Document Retention and Destruction Policy'), ('volunteers', 'Volunteer Management Policy'), ('fundraising', 'Fundraising Policy')], default='beneficiary', max_length=30),
        ),
        migrations.AddField(
            model_name='policyversion',
            name='kind',
            field=models.CharField(choices=[('beneficiary', 'Beneficiary Relationship Policy'), ('conflict-of-interest', 'Conflict of Interest Policy'), ('whistleblowing', 'Whistleblowing Policy'), ('data-privacy', 'Data Privacy Policy'), ('document-retention', 'Document Retention and Destruction Policy'), ('volunteers', 'Volunteer Management Policy'), ('fundraising', 'Fundraising Policy')], default='beneficiary', max_length=30),
        ),
        migrations.AlterField(
            model_name='policyversion',
            name='number',
            field=models.PositiveIntegerField(),
        ),
        migrations.AddConstraint(
            model_name='policydraft',
            constraint=models.UniqueConstraint(fields=('kind',), name='policy_draft_one_per_kind'),
        ),
        migrations.AddConstraint(
            model_name='policyversion',
            constraint=models.UniqueConstraint(fields=('kind', 'number'), name='policy_version_unique'),
        ),
    ]
