"""Rolling new migrations out to every association's schema (`manage.py migrate_associations`).

django-tenants' `migrate_schemas --tenant` runs Django's whole `migrate` command in each schema
in turn: the migration graph is loaded again (its modules reloaded), the project state rendered
again and the post-migrate handlers run, even where nothing is pending: 0.7–0.9 s a schema, over
two hours for 10,000 (bench/README.md). Here the graph is loaded once per process, the schemas
with something pending are found by reading every schema's `django_migrations` in a few
statements, and only those are migrated, each in one transaction, by worker processes that
share one rendered state per distinct set of applied migrations.
"""

from __future__ import annotations

import time
from collections import defaultdict
from contextlib import AbstractContextManager, ExitStack, nullcontext
from dataclasses import dataclass, field
from itertools import groupby

import psycopg
from django.apps import apps as global_apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management.sql import emit_pre_migrate_signal
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.migration import Migration
from django.db.migrations.operations.base import Operation
from django.db.migrations.operations.special import RunPython
from django.db.migrations.recorder import MigrationRecorder
from django.db.migrations.state import ProjectState
from django.db.models.signals import post_migrate

from common.cross_schema import rows_per_schema
from common.pg_tools import transaction_lock
from tenants.models import Association

# Schemas read per statement when looking for pending migrations. A statement locks every table
# it reads until it ends, and the server's lock table holds max_locks_per_transaction (64) ×
# max_connections (100) locks by default: one statement over 10,000 schemas would not fit.
PENDING_CHUNK = 500
# A worker's connection is replaced after this many schemas: a PostgreSQL backend keeps a cache
# entry for every table it touched until it exits (bench/README.md, Database memory).
SCHEMAS_PER_CONNECTION = 200
# The session-level advisory lock that one roll-out at a time holds.
ROLLOUT_LOCK = "mustafid.migrate_associations"
# The base schema's own lock, taken by base_schema_ensure() in every process that provisions.
BASE_SCHEMA_LOCK = "mustafid.base_schema"

Key = tuple[str, str]  # (app label, migration name)


def migration_loader() -> MigrationLoader:
    """The migration graph from disk, without reading any database (loaded once per process)."""
    return MigrationLoader(None, ignore_no_migrations=True)


def migrations_expected(loader: MigrationLoader) -> set[Key]:
    """Every migration of the graph: a migrated schema records each one (those of the public
    schema's apps with no operation run)."""
    return set(loader.graph.nodes)


def migrations_missing(loader: MigrationLoader, applied: set[Key]) -> set[Key]:
    """The graph's migrations a schema with `applied` recorded has not had (a squashed one is had
    when every migration it replaces is)."""
    missing = set()
    for key in migrations_expected(loader) - applied:
        replaces = loader.graph.nodes[key].replaces
        if not (replaces and all(tuple(r) in applied for r in replaces)):
            missing.add(key)
    return missing


def association_schemas() -> list[str]:
    """The schemas to keep migrated: the base schema new associations are copied from, first,
    then every association's that exists, by name."""
    names = set(
        Association.objects.exclude(schema_name="public").values_list("schema_name", flat=True)
    )
    names.add(settings.TENANT_BASE_SCHEMA)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname FROM pg_namespace n JOIN pg_class c ON c.relnamespace = n.oid "
            "WHERE c.relname = 'django_migrations' AND c.relkind = 'r' AND n.nspname = ANY(%s)",
            [sorted(names)],
        )
        present = {row[0] for row in cursor.fetchall()}
    base = settings.TENANT_BASE_SCHEMA
    return [base] * (base in present) + sorted(present - {base})


def _fingerprints(schema_names: list[str]) -> dict[str, str]:
    """Each schema's set of recorded migrations as one digest, PENDING_CHUNK schemas a query."""
    rows = rows_per_schema(
        schema_names,
        "SELECT %s, md5(string_agg(app || '.' || name, ',' ORDER BY app, name)) "
        "FROM {schema}.django_migrations",
        chunk=PENDING_CHUNK,
    )
    return dict(rows)


def _applied(schema_name: str) -> set[Key]:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT app, name FROM {quote(schema_name)}.django_migrations")  # noqa: S608
        return {(app, name) for app, name in cursor.fetchall()}


@dataclass
class PendingSurvey:
    """Which schemas have migrations to apply, found in one pass."""

    pending: dict[str, int] = field(default_factory=dict)  # schema → migrations to apply
    current: list[str] = field(default_factory=list)
    seconds: float = 0.0
    queries: int = 0


def schemas_pending(*, loader: MigrationLoader, schema_names: list[str]) -> PendingSurvey:
    """Read every schema's recorded migrations as a digest (a UNION ALL per PENDING_CHUNK
    schemas), then the full list of one schema per distinct digest: schemas with the same
    digest have the same migrations to apply. Nothing is written."""
    started = time.perf_counter()
    digests = _fingerprints(schema_names)
    by_digest: dict[str, list[str]] = defaultdict(list)
    for schema in schema_names:
        by_digest[digests[schema]].append(schema)
    survey = PendingSurvey(queries=-(-len(schema_names) // PENDING_CHUNK) + len(by_digest))
    for schemas in by_digest.values():
        missing = len(migrations_missing(loader, _applied(schemas[0])))
        for schema in schemas:
            if missing:
                survey.pending[schema] = missing
            else:
                survey.current.append(schema)
    survey.pending = {
        schema: survey.pending[schema] for schema in schema_names if schema in survey.pending
    }
    survey.seconds = time.perf_counter() - started
    return survey


# --- migrating one schema ------------------------------------------------------------------------


class SharedLoaderExecutor(MigrationExecutor):
    """Django's executor on a graph loaded once: building it per schema reloads every migration
    module. The applied migrations are read per schema."""

    def __init__(self, loader: MigrationLoader) -> None:
        self.connection = connection
        self.loader = loader
        self.recorder = MigrationRecorder(connection)
        self.progress_callback = None


Step = tuple[Operation, ProjectState, ProjectState]  # an operation, the states before and after


class SchemaMigrator:
    """Migrates schemas one after the other on this process's connection.

    What Django's executor does per migration, split in two: the project states each operation
    goes from and to are computed once for all the schemas at the same point (rendering them
    is most of a migration's cost in Python), and each schema only runs the operations'
    database_forwards with them, as Migration.apply does.
    """

    def __init__(self) -> None:
        self.loader = migration_loader()
        self.executor = SharedLoaderExecutor(self.loader)
        # The steps of the newest plan, by applied set: schemas come grouped.
        self._steps: tuple[frozenset[Key], list[tuple[Migration, list[Step]]]] | None = None
        # Migrations the pre-migrate handlers have seen: contenttypes' inserts an operation
        # after each RenameModel into the (shared) migration object, once.
        self._prepared: set[Key] = set()
        self._since_connect = 0

    def _plan_steps(
        self, applied: frozenset[Key], plan: list[tuple[Migration, bool]]
    ) -> list[tuple[Migration, list[Step]]]:
        if self._steps is not None and self._steps[0] == applied:
            return self._steps[1]
        # The executor's own builder of the state before a plan (not in the stubs).
        state = self.executor._create_project_state(with_applied_migrations=True)  # type: ignore[attr-defined]
        state.apps  # noqa: B018 - rendered once; each operation's after-state is a clone of it
        steps = []
        for migration, _backwards in plan:
            operations = []
            for operation in migration.operations:
                if isinstance(operation, RunPython) and state.is_delayed:
                    # RunPython renders every model of a state whose reload was delayed (after
                    # an AddField, say) before each run: two thirds of a schema's time. Rendered
                    # whole here, once; the same models then serve every schema.
                    state.clear_delayed_apps_cache()
                    state.apps  # noqa: B018
                    state.is_delayed = False
                after = state.clone()
                operation.state_forwards(migration.app_label, after)
                operations.append((operation, state, after))
                state = after
            steps.append((migration, operations))
        self._steps = (applied, steps)
        return steps

    def _apply(self, migration: Migration, steps: list[Step]) -> None:
        """Migration.apply's database half, then the record, inside the schema's transaction,
        which already holds the whole schema: no savepoint of the migration's own. The
        statements of consecutive operations other than Python code go in one pipeline: sent
        together, with one wait for their answers, where each waited for its own (a dozen
        milliseconds a statement on a loaded server). Python code runs outside a pipeline."""
        with connection.schema_editor(atomic=False) as editor:
            for python, group in groupby(steps, key=lambda step: isinstance(step[0], RunPython)):
                with _pipeline(not python):
                    for operation, before, after in group:
                        operation.database_forwards(migration.app_label, editor, before, after)
        self.executor.record_migration(migration)  # type: ignore[arg-type,call-arg]  # older stubs

    def migrate(self, schema_name: str) -> int:
        """Apply the schema's pending migrations in one transaction and run the post-migrate
        handlers (content types, permissions) of their apps there; return how many were applied
        (0: it was current). An error rolls the whole schema back and is raised."""
        if self._since_connect >= SCHEMAS_PER_CONNECTION:
            connection.close()
            self._since_connect = 0
        self._since_connect += 1
        try:
            with transaction.atomic():
                connection.set_schema(schema_name)  # type: ignore[attr-defined]
                # One migrator per schema at a time, whoever it is (another roll-out's stray
                # worker, a provisioning process bringing the base up to date); then the records
                # are read again, under the lock.
                if schema_name == settings.TENANT_BASE_SCHEMA:
                    transaction_lock(BASE_SCHEMA_LOCK)
                else:
                    transaction_lock(f"{ROLLOUT_LOCK}:{schema_name}")
                applied = self.executor.recorder.applied_migrations()
                self.loader.applied_migrations = applied  # type: ignore[assignment]  # records
                plan = self.executor.migration_plan(self.loader.graph.leaf_nodes())
                if not plan:
                    return 0
                fresh = [
                    (m, back) for m, back in plan if (m.app_label, m.name) not in self._prepared
                ]
                if fresh:
                    emit_pre_migrate_signal(
                        0, False, connection.alias, apps=global_apps, plan=fresh
                    )
                    self._prepared.update((m.app_label, m.name) for m, _back in fresh)
                known = frozenset(key for key in applied if key in self.loader.graph.nodes)
                for migration, steps in self._plan_steps(known, plan):
                    self._apply(migration, steps)
                if self.loader.replacements:
                    self.executor.check_replacements()
                _post_migrate(plan)
                return len(plan)
        finally:
            connection.set_schema_to_public()  # type: ignore[attr-defined]


def _pipeline(wanted: bool) -> AbstractContextManager:
    """psycopg's pipeline mode on this process's connection: statements are sent without
    waiting for each answer; an error is raised on leaving (the schema's transaction then rolls
    back), as Django's own error, like any other statement's."""
    if not wanted or not psycopg.Pipeline.is_supported():
        return nullcontext()
    connection.ensure_connection()
    stack = ExitStack()
    stack.enter_context(connection.wrap_database_errors)
    stack.enter_context(connection.connection.pipeline())
    return stack


def _post_migrate(plan: list[tuple[Migration, bool]]) -> None:
    """The post-migrate handlers of the apps the plan migrated: content types and permissions
    follow each app's own models, so the other apps' have nothing to add (Django's migrate
    runs every app's, some sixty queries a schema)."""
    labels = {migration.app_label for migration, _backwards in plan}
    # Content types are cached per process, not per schema.
    ContentType.objects.clear_cache()
    for app_config in global_apps.get_app_configs():
        if app_config.models_module is None or app_config.label not in labels:
            continue
        post_migrate.send(
            sender=app_config,
            app_config=app_config,
            verbosity=0,
            interactive=False,
            using=connection.alias,
            apps=global_apps,
            plan=plan,
        )
    ContentType.objects.clear_cache()


@dataclass(frozen=True)
class SchemaOutcome:
    schema_name: str
    applied: int  # migrations applied; 0 when the schema was already current
    error: str  # empty unless it failed (then nothing of it was changed)
    seconds: float


_migrator: SchemaMigrator | None = None


def schema_migrate(*, schema_name: str) -> SchemaOutcome:
    """Migrate one schema in its own transaction; a failure is returned, not raised: the schema
    is left exactly as it was and the roll-out goes on with the others."""
    global _migrator
    if _migrator is None:
        _migrator = SchemaMigrator()
    started = time.perf_counter()
    try:
        applied = _migrator.migrate(schema_name)
    except Exception as error:  # noqa: BLE001 - reported per schema; the roll-out goes on
        connection.close()  # a broken connection is not reused for the next schema
        message = f"{type(error).__name__}: {error}".strip()
        return SchemaOutcome(schema_name, 0, message, time.perf_counter() - started)
    return SchemaOutcome(schema_name, applied, "", time.perf_counter() - started)


def rollout_lock_holder() -> str:
    """Who holds the roll-out lock, as an operator reads it (from pg_stat_activity)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.pid, a.backend_start, a.client_addr, a.application_name FROM pg_locks l "
            "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' "
            "AND l.granted AND l.objsubid = 1 "
            "AND l.objid = (hashtext(%s)::bigint & 4294967295)::oid",
            [ROLLOUT_LOCK],
        )
        row = cursor.fetchone()
    if row is None:
        return "a process that has just finished"
    pid, started, address, application = row
    where = f" from {address}" if address else ""
    return (
        f"PostgreSQL backend {pid}{where} ({application or 'no name'}), "
        f"connected {started:%Y-%m-%d %H:%M:%S %Z}"
    )
