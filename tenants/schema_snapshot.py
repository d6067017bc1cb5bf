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
import io
import logging
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import connection

from common.pg_tools import pg_program
from tenants.schema_sql import schema_dump, schema_load

logger = logging.getLogger(__name__)

_snapshot: tuple[str, str] | None = None  # (key of the base's migrations, its pg_dump)


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


def _base_dump() -> str:
    with tempfile.TemporaryDirectory() as scratch:
        target = Path(scratch) / "base.sql"
        schema_dump(schema_name=settings.TENANT_BASE_SCHEMA, target=target)
        return target.read_text(encoding="utf-8")


def snapshot_sql() -> str:
    """The base schema's pg_dump, made again if its migrations changed; the base must be up to
    date and committed (pg_dump reads it on its own connection)."""
    global _snapshot
    key = _base_migrations_key()
    if _snapshot is None or _snapshot[0] != key:
        _snapshot = (key, _base_dump())
        logger.info("base schema snapshot made (%d bytes)", len(_snapshot[1]))
    return _snapshot[1]


def schema_create_from_snapshot(*, schema_name: str) -> None:
    """Create the schema in the current transaction, as a copy of the migrated base."""
    schema_load(io.StringIO(snapshot_sql()), old=settings.TENANT_BASE_SCHEMA, new=schema_name)
