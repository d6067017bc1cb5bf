"""`manage.py migrate_associations`, run as a deployment runs it: a real process on a database of
its own (four associations and the base schema), with one migration more than the product
(tests/tenants/rollout_probe: a column and an index on the cases table)."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from tests.live import PYTHON, ROOT, _database_url_named, _parent_database_url

# A minute or more of work: scheduled before the rest (tests/conftest.py).
pytestmark = pytest.mark.heavy

SLUGS = ("ra1", "ra2", "ra3", "ra4")
SCHEMAS = ("association_base", *(f"a_{slug}" for slug in SLUGS))
PROBE = "9000_rollout_probe"
PROBE_SETTINGS = "tests.tenants.rollout_settings"
SETUP = f"""
from workspace.provisioning import association_provision
for slug in {SLUGS!r}:
    association_provision(
        slug=slug, name_ar="جمعية " + slug, name_en=slug, admin_email="admin@" + slug + ".example",
        admin_password="Sabr-wa-Amal-2026",
    )
"""


def _admin(url: str) -> psycopg.Connection:
    return psycopg.connect(_database_url_named(url, "postgres"), autocommit=True)


@dataclass
class RolloutDatabase:
    url: str
    local: Path

    def env(self, settings_module: str = PROBE_SETTINGS, **extra: str) -> dict[str, str]:
        return dict(
            os.environ,
            DATABASE_URL=self.url,
            DJANGO_SETTINGS_MODULE=settings_module,
            MUSTAFID_LOCAL_DIR=str(self.local),
            LOG_LEVEL="WARNING",
            **extra,
        )

    def manage(self, *args: str, settings_module: str = PROBE_SETTINGS, **extra: str):
        return subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=self.env(settings_module, **extra),
            capture_output=True,
            text=True,
            timeout=180,
        )

    def rollout(self, *args: str, workers: int = 1, **extra: str) -> subprocess.CompletedProcess:
        return self.manage("migrate_associations", "--workers", str(workers), *args, **extra)

    def sql(self, query: str, params: tuple = ()) -> list[tuple]:
        with psycopg.connect(self.url, autocommit=True) as conn:
            cursor = conn.execute(query, params)
            return cursor.fetchall() if cursor.description else []

    def probe_applied(self, schema: str) -> bool:
        """The probe's record, column and index: all three, or none (anything else is a half)."""
        record = self.sql(
            f"SELECT count(*) FROM {schema}.django_migrations WHERE name = %s",  # noqa: S608
            (PROBE,),
        )[0][0]
        column = self.sql(
            "SELECT count(*) FROM information_schema.columns WHERE table_schema = %s "
            "AND table_name = 'workflow_case' AND column_name = 'rollout_probe'",
            (schema,),
        )[0][0]
        index = self.sql(
            "SELECT count(*) FROM pg_indexes WHERE schemaname = %s "
            "AND indexname = 'case_rollout_probe_idx'",
            (schema,),
        )[0][0]
        assert record == column == index, f"{schema} half-migrated: {record, column, index}"
        return bool(record)


@pytest.fixture(scope="module")
def rollout_template(tmp_path_factory) -> Iterator[str]:
    """A database with its public schema, the base schema and four associations, migrated as
    the product ships; each test gets a copy."""
    server = _parent_database_url()
    name = f"mustafid_rollout_{secrets.token_hex(4)}"
    url = _database_url_named(server, name)
    with _admin(server) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        made = RolloutDatabase(url, tmp_path_factory.mktemp("rollout-template"))
        settings_module = "platform_core.settings"
        for args in (
            ("migrate_schemas", "--shared", "--noinput", "-v", "0"),
            ("shell", "-c", SETUP),
        ):
            result = made.manage(*args, settings_module=settings_module)
            assert result.returncode == 0, result.stderr
        yield url
    finally:
        with _admin(server) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def rollout_db(rollout_template, tmp_path) -> Iterator[RolloutDatabase]:
    name = f"mustafid_rollout_{secrets.token_hex(4)}"
    template = rollout_template.rsplit("/", 1)[1].split("?")[0]
    with _admin(rollout_template) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield RolloutDatabase(_database_url_named(rollout_template, name), tmp_path)
    finally:
        with _admin(rollout_template) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_nothing_pending_is_found_in_one_pass_and_nothing_is_touched(rollout_db):
    result = rollout_db.rollout(settings_module="platform_core.settings")

    assert result.returncode == 0, result.stderr
    assert "5 schemas: 0 with pending migrations, 5 current" in result.stdout
    assert "0 schemas migrated (0 migrations), 5 already current, 0 failed." in result.stdout
    assert not any(rollout_db.probe_applied(schema) for schema in SCHEMAS)


def test_only_the_schemas_with_pending_migrations_are_migrated(rollout_db):
    # ra1 was migrated by django-tenants' own command before: it is found current and left alone.
    stock = rollout_db.manage("migrate_schemas", "--tenant", "--schema", "a_ra1", "-v", "0")
    assert stock.returncode == 0, stock.stderr
    stock_shape = _shape(rollout_db, "a_ra1")

    result = rollout_db.rollout("--canary", "0.3", workers=2)

    assert result.returncode == 0, result.stderr
    assert "5 schemas: 4 with pending migrations, 1 current" in result.stdout
    assert "  canary: 1/1 schemas" in result.stdout  # 0.3 of ra2, ra3, ra4, rounded up
    assert "  all: 2/2 schemas" in result.stdout
    assert "4 schemas migrated (4 migrations), 1 already current, 0 failed." in result.stdout
    assert all(rollout_db.probe_applied(schema) for schema in SCHEMAS)
    # The same cases table, records and permissions as django-tenants' migrate makes.
    for schema in ("association_base", "a_ra2", "a_ra4"):
        assert _shape(rollout_db, schema) == stock_shape
    assert rollout_db.sql(
        "SELECT count(*) FROM a_ra1.django_migrations WHERE name = %s", (PROBE,)
    ) == [(1,)]


def _shape(db: RolloutDatabase, schema: str) -> dict[str, list]:
    return {
        "columns": db.sql(
            "SELECT column_name, data_type, is_nullable, column_default "
            "FROM information_schema.columns WHERE table_schema = %s AND table_name = 'workflow_case' "
            "ORDER BY column_name",
            (schema,),
        ),
        "indexes": db.sql(
            "SELECT indexname, replace(indexdef, %s, 'S') FROM pg_indexes "
            "WHERE schemaname = %s AND tablename = 'workflow_case' ORDER BY indexname",
            (schema, schema),
        ),
        "migrations": db.sql(
            f"SELECT app, name FROM {schema}.django_migrations ORDER BY app, name"
        ),  # noqa: S608
        "permissions": db.sql(f"SELECT codename FROM {schema}.auth_permission ORDER BY codename"),  # noqa: S608
    }


def test_a_failing_canary_stops_the_rollout_then_a_failing_schema_is_left_as_it_was(rollout_db):
    # Someone added the column by hand in ra1: the migration's ALTER TABLE fails there.
    rollout_db.sql("ALTER TABLE a_ra1.workflow_case ADD COLUMN rollout_probe integer")

    canary = rollout_db.rollout("--canary", "0.25")  # one of four: ra1, the first by name

    assert canary.returncode == 1
    assert "Roll-out stopped" in canary.stdout and "3 not started" in canary.stdout
    assert "A canary failed: the roll-out stopped before the other 3 associations" in canary.stderr
    assert rollout_db.probe_applied("association_base")  # the base goes first, alone
    assert not any(rollout_db.probe_applied(f"a_{slug}") for slug in ("ra2", "ra3", "ra4"))

    without_canary = rollout_db.rollout("--canary", "0")

    assert without_canary.returncode == 1
    assert "3 schemas migrated (3 migrations), 1 already current, 1 failed." in (
        without_canary.stdout
    )
    assert (
        'FAILED a_ra1 (left as it was): ProgrammingError: column "rollout_probe" of relation '
        '"workflow_case" already exists' in without_canary.stderr
    )
    assert "1 schemas failed; the others were migrated." in without_canary.stderr
    assert all(rollout_db.probe_applied(schema) for schema in SCHEMAS if schema != "a_ra1")
    # ra1 exactly as it was: its own column untouched, no index, no record.
    assert rollout_db.sql(
        "SELECT data_type FROM information_schema.columns WHERE table_schema = 'a_ra1' "
        "AND column_name = 'rollout_probe'"
    ) == [("integer",)]
    assert rollout_db.sql(
        "SELECT count(*) FROM a_ra1.django_migrations WHERE name = %s", (PROBE,)
    ) == [(0,)]
    assert (
        rollout_db.sql(
            "SELECT indexname FROM pg_indexes WHERE indexname = 'case_rollout_probe_idx' "
            "AND schemaname = 'a_ra1'"
        )
        == []
    )


def test_a_killed_rollout_leaves_no_half_schema_and_resumes_and_a_second_one_refuses(rollout_db):
    # One worker, pausing in ra3 between the probe's column and its index.
    first = subprocess.Popen(
        [PYTHON, "manage.py", "migrate_associations", "--workers", "1", "--canary", "0"],
        cwd=ROOT,
        env=rollout_db.env(ROLLOUT_PROBE_PAUSE="a_ra3:60"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        _wait_for(lambda: _locked_by_migration(rollout_db, "a_ra3"), first)

        second = rollout_db.rollout()
        assert second.returncode == 1
        assert (
            "Another roll-out of association migrations is running, held by PostgreSQL "
            in second.stderr
        )
        assert "(migrate_associations)" in second.stderr and "Nothing was changed." in second.stderr
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.communicate()
    _wait_for(lambda: not _locked_by_migration(rollout_db, "a_ra3"))

    done = {schema: rollout_db.probe_applied(schema) for schema in SCHEMAS}
    assert done == {
        "association_base": True,
        "a_ra1": True,
        "a_ra2": True,
        "a_ra3": False,
        "a_ra4": False,
    }

    resumed = rollout_db.rollout()

    assert resumed.returncode == 0, resumed.stderr
    assert "5 schemas: 2 with pending migrations, 3 current" in resumed.stdout
    assert all(rollout_db.probe_applied(schema) for schema in SCHEMAS)


def _locked_by_migration(db: RolloutDatabase, schema: str) -> bool:
    """A transaction holds the schema's cases table exclusively: its ALTER TABLE ran."""
    return bool(
        db.sql(
            "SELECT 1 FROM pg_locks WHERE relation = to_regclass(%s) "
            "AND mode = 'AccessExclusiveLock' AND granted",
            (f"{schema}.workflow_case",),
        )
    )


def _wait_for(predicate, process: subprocess.Popen | None = None, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the roll-out ended first:\n{process.communicate()}")
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)
