"""DRF's authtoken kept keys in plain text. Each key becomes a hashed ApiToken (the member keeps
using the same key), then the plain table goes. Run per schema; a schema made after DRF's app
left the settings never had the table."""

import hashlib

from django.db import migrations

# A legacy key's first characters: as many as accounts.tokens.PREFIX_LENGTH.
PREFIX_LENGTH = 10


def hash_legacy_keys(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if "authtoken_token" not in connection.introspection.table_names(cursor):
            return
        cursor.execute("SELECT key, user_id, created FROM authtoken_token")
        legacy = cursor.fetchall()
        ApiToken = apps.get_model("accounts", "ApiToken")
        for key, user_id, created in legacy:
            token = ApiToken.objects.create(
                user_id=user_id,
                name="API",
                prefix=key[:PREFIX_LENGTH],
                digest=hashlib.sha256(key.encode()).hexdigest(),
            )
            ApiToken.objects.filter(pk=token.pk).update(created_at=created)
        cursor.execute("DROP TABLE authtoken_token")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_api_tokens_hashed")]
    operations = [migrations.RunPython(hash_legacy_keys, migrations.RunPython.noop)]
