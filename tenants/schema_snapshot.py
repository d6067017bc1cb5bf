"""New association schemas made by replaying the migrated base schema's SQL.

Running the migrations costs 2.3–2.8 s per association (the migration graph and model states
are rebuilt each time), cloning with django-tenants' plpgsql function slows as schemas multiply;
replaying a `pg_dump` of the migrated base schema, with its name substituted, costs 0.7–0.9 s
with a thousand associations present (bench/provisioning.py, bench/README.md). The SQL is made
once per process, after the base schema is brought up to date, and re-made if the base's applied
migrations change.
"""

from __future__ import annotations

import hashlib
import logging
import re

from django.conf import settings
from django.db import connection

from platform_core.pg_tools import pg_program, pg_run

logger = logging.getLogger(__name__)

_snapshot: tuple[str, str] | None = None  # (key of the base's migrations, SQL with {schema})


def snapshot_available() -> bool:
    return pg_program("pg_dump") is not None


def snapshot_ready() -> bool:
    """A snapshot was made in this process (it is re-checked against the base when used)."""
    return _snapshot is not None


def _base_migrations_key() -> str:
    base = settings.TENANT_BASE_SCHEMA
    with connection.cursor() as cursor:
        query = f'SELECT app, name FROM "{base}".django_migrations ORDER BY app, name'  # noqa: S608
        cursor.execute(query)  # the name is a setting, not input
        applied = cursor.fetchall()
    return hashlib.sha256(repr(applied).encode()).hexdigest()


def _dump_as_template() -> str:
    base = settings.TENANT_BASE_SCHEMA
    dump = pg_run(
        "pg_dump", ["--schema", base, "--no-owner", "--no-privileges", "--inserts"]
    ).stdout
    statements = [
        line
        for line in dump.splitlines()
        # psql meta-commands (\restrict), comments and session settings: the dump empties
        # search_path, which must not leak into Django's connection; every name is qualified.
        if not line.startswith(("\\", "SET ", "SELECT pg_catalog.set_config", "--"))
    ]
    sql = "\n".join(statements).replace("{", "{{").replace("}", "}}")
    # The base holds no user data (migration records, content types, permissions), so its name
    # appears only as the schema qualifier.
    return re.sub(rf"\b{re.escape(base)}\b", "{schema}", sql)


def snapshot_sql() -> str:
    """The base schema as SQL with `{schema}` for the name; the base must be up to date."""
    global _snapshot
    key = _base_migrations_key()
    if _snapshot is None or _snapshot[0] != key:
        _snapshot = (key, _dump_as_template())
        logger.info("base schema snapshot made (%d bytes)", len(_snapshot[1]))
    return _snapshot[1]


def schema_create_from_snapshot(*, schema_name: str) -> None:
    """Create the schema in the current transaction, as a copy of the migrated base."""
    sql = snapshot_sql().format(schema=schema_name)
    with connection.cursor() as cursor:
        cursor.execute(sql)
