"""What the benchmarks share: their environment, their bench_* databases, and associations.

Run directly to manage the shared database of 1,000 associations:

    .venv/bin/python bench/_common.py populate   # create bench_thousand if needed, fill to 1,000
    .venv/bin/python bench/_common.py drop       # drop bench_thousand
"""

from __future__ import annotations

import atexit
import datetime
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
THOUSAND_DATABASE = "bench_thousand"
THOUSAND = 1000
SLUG_PREFIX = "bench"
BATCH = 10  # schemas per transaction when populating: ~70 relation locks each


def environment_set(default_database: str) -> str:
    """Point this process at a bench_* database and a throwaway local dir; return DATABASE_URL.

    DATABASE_URL from the environment wins, but only a database named bench_* is accepted: the
    benchmarks create and drop their databases.
    """
    url = os.environ.get("DATABASE_URL") or (
        f"postgres://postgres@127.0.0.1:5432/{default_database}"
    )
    name = database_name(url)
    if not name.startswith("bench_"):
        raise SystemExit(f"refusing to use database {name!r}: benchmarks only use bench_* ones")
    local = tempfile.mkdtemp(prefix="mustafid-bench-")
    atexit.register(shutil.rmtree, local, ignore_errors=True)
    Path(local, "static").mkdir()  # WhiteNoise warns about a missing STATIC_ROOT
    os.environ["DATABASE_URL"] = url
    os.environ["MUSTAFID_LOCAL_DIR"] = local
    os.environ["DJANGO_SETTINGS_MODULE"] = "platform_core.settings"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    return url


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def _maintenance_url(url: str) -> str:
    return sibling_url(url, "postgres")


def database_prepare(url: str, *, fresh: bool) -> None:
    """Create the database (dropped first if `fresh`) and migrate its public schema."""
    import psycopg

    name = database_name(url)
    with psycopg.connect(_maintenance_url(url), autocommit=True) as conn:
        if fresh:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    subprocess.run(
        [PYTHON, "manage.py", "migrate_schemas", "--shared", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=dict(os.environ, DATABASE_URL=url),
        check=True,
    )


def database_copy(url: str, *, template: str) -> None:
    """(Re)create the database as a copy of `template`, which nobody may be connected to."""
    import psycopg

    name = database_name(url)
    with psycopg.connect(_maintenance_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')


def sibling_url(url: str, name: str) -> str:
    """The URL of database `name` on the same server."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def thousand_ensure_elsewhere(url: str) -> None:
    """Create or fill the shared 1,000-association database from another process."""
    subprocess.run(
        [PYTHON, str(Path(__file__)), "populate"],
        cwd=ROOT,
        env=dict(os.environ, DATABASE_URL=url),
        check=True,
    )


def database_drop(url: str) -> None:
    import psycopg

    name = database_name(url)
    if not name.startswith("bench_"):
        raise SystemExit(f"refusing to drop {name!r}")
    with psycopg.connect(_maintenance_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def django_start() -> None:
    import logging

    import django

    django.setup()
    logging.getLogger().setLevel(logging.WARNING)
    # The filesystem broker has no host; kombu says so once per process.
    logging.getLogger("kombu").setLevel(logging.ERROR)
    # 4xx responses are what some benchmarks ask for; one log line each would be the bottleneck.
    logging.getLogger("django.request").setLevel(logging.ERROR)


def worker_start(log: Path) -> subprocess.Popen:
    """A Celery worker (solo pool, INFO log into `log`) on this process's environment."""
    with open(log, "wb") as output:
        return subprocess.Popen(
            [PYTHON, "-m", "celery", "-A", "platform_core.celery", "worker"]
            + ["--pool", "solo", "--concurrency", "1", "--without-heartbeat", "--without-gossip"]
            + ["--without-mingle", "--loglevel", "INFO"],
            cwd=ROOT,
            env=dict(os.environ, LOG_LEVEL="INFO"),
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def worker_stop(worker: subprocess.Popen) -> None:
    worker.terminate()
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


# --- associations -------------------------------------------------------------------------------


def associations_present() -> int:
    from tenants.models import Association

    return Association.objects.exclude(schema_name="public").count()


def bench_slugs(count: int) -> list[str]:
    return [f"{SLUG_PREFIX}-{index:05d}" for index in range(count)]


_template: str | None = None


def schema_sql_template() -> str:
    """The migrated base schema as SQL (pg_dump: tables, indexes, constraints and rows), with
    the schema's name replaced by {schema}. Replaying it is what populating costs per schema."""
    global _template
    if _template is not None:
        return _template
    from django.conf import settings

    base = settings.TENANT_BASE_SCHEMA
    dump = subprocess.run(
        ["pg_dump", "--schema", base, "--no-owner", "--no-privileges", "--inserts"]
        + ["--dbname", os.environ["DATABASE_URL"]],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    statements = []
    for line in dump.splitlines():
        # psql meta-commands (\restrict) and session settings (the dump empties search_path,
        # which must not leak into Django's connection); every name in the dump is qualified.
        if line.startswith(("\\", "SET ", "SELECT pg_catalog.set_config", "--")):
            continue
        statements.append(line)
    sql = "\n".join(statements).replace("{", "{{").replace("}", "}}")
    _template = re.sub(rf"\b{re.escape(base)}\b", "{schema}", sql)
    return _template


def schema_create_from_template(schema_name: str) -> None:
    """Create `schema_name` as a copy of the base schema by replaying its SQL (current
    transaction, Django's connection)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(schema_sql_template().format(schema=schema_name))


def associations_populate(target: int, *, say=print) -> float:
    """Bring the number of bench associations up to `target`; return the seconds it took.

    Each is a real association: its Association and Domain rows, and a schema with every table,
    index, constraint and row of the migrated base schema (the same result as a clone).
    Without pg_dump on the PATH, django-tenants' clone function does the copying, more slowly.
    """
    from django.db import connection, transaction
    from django_tenants.clone import CloneSchema

    from tenants.models import Association, Domain
    from tenants.services import base_schema_ensure, schema_name_for

    started = time.perf_counter()
    base_schema_ensure()
    use_dump = shutil.which("pg_dump") is not None
    existing = set(Association.objects.values_list("slug", flat=True))
    missing = [slug for slug in bench_slugs(target) if slug not in existing]
    missing = missing[: max(0, target - associations_present())]
    for offset in range(0, len(missing), BATCH):
        with transaction.atomic():
            associations = Association.objects.bulk_create(
                Association(
                    schema_name=schema_name_for(slug),
                    slug=slug,
                    name_ar=f"جمعية {slug}",
                    name_en=f"Association {slug}",
                    email=f"admin@{slug}.example",
                )
                for slug in missing[offset : offset + BATCH]
            )
            Domain.objects.bulk_create(
                Domain(domain=association.primary_host, tenant=association, is_primary=True)
                for association in associations
            )
            for association in associations:
                if use_dump:
                    schema_create_from_template(association.schema_name)
                else:
                    CloneSchema().clone_schema(
                        "association_base", association.schema_name, "DATA", set_connection=False
                    )
        done = offset + BATCH
        if done % 200 == 0:
            say(f"  populated {done}/{len(missing)}")
    connection.set_schema_to_public()
    if missing:
        # Settle the catalogs, as autovacuum has long done on a production database: fresh
        # statistics for pg_class & co., else catalog queries plan for the empty database.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


def associations_remove(slugs: list[str]) -> None:
    """Delete associations and drop their schemas."""
    from django.db import connection, transaction

    from tenants.models import Association

    for association in Association.objects.filter(slug__in=slugs):
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f'DROP SCHEMA IF EXISTS "{association.schema_name}" CASCADE')
            association.delete()


def thousand_ensure(url: str, *, say=print) -> None:
    """Create the shared 1,000-association database if it is missing, short or stale."""
    database_prepare(url, fresh=False)
    django_start()
    if associations_present() and associations_stale():
        from django.db import connections

        import tenants.services

        say(f"{database_name(url)}: migrations changed since it was filled; rebuilding it")
        connections.close_all()
        database_prepare(url, fresh=True)
        tenants.services._base_schema_current = False
    present = associations_present()
    if present < THOUSAND:
        say(f"populating {database_name(url)}: {present} → {THOUSAND} associations")
        seconds = associations_populate(THOUSAND, say=say)
        say(f"  done in {seconds:.0f} s")


def associations_stale() -> bool:
    """Whether the first bench association's schema lacks a migration the base schema has."""
    from django.conf import settings
    from django.db import connection
    from django_tenants.utils import schema_exists

    from tenants.services import base_schema_ensure, schema_name_for

    base_schema_ensure()
    first = schema_name_for(bench_slugs(1)[0])
    if not schema_exists(first):
        return True
    names = {}
    with connection.cursor() as cursor:
        for schema in (settings.TENANT_BASE_SCHEMA, first):
            cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations')
            names[schema] = set(cursor.fetchall())
    base, first = names.values()
    return base != first


# --- reporting ----------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(values: list[float]) -> float:
    return percentile(values, 50)


def machine() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        cursor.execute("SHOW jit")
        jit = cursor.fetchone()[0]
        cursor.execute("SHOW autovacuum")
        autovacuum = cursor.fetchone()[0]
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    commit = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return (
        f"{datetime.datetime.now():%Y-%m-%d %H:%M}, nproc {os.cpu_count()}, load {load}, "
        f"PostgreSQL {version} (jit {jit}, autovacuum {autovacuum}), "
        f"Python {platform.python_version()}, tree {commit or 'unknown'}"
    )


def main() -> int:
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    url = environment_set(THOUSAND_DATABASE)
    if command == "populate":
        thousand_ensure(url)
        print(f"{database_name(url)}: {associations_present()} associations")
        return 0
    if command == "drop":
        database_drop(url)
        print(f"dropped {database_name(url)}")
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
