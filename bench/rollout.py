"""Rolling migrations out to 1,000 associations: `migrate_associations` against django-tenants'
`migrate_schemas --tenant` with its standard and multiprocessing executors, in one run.

    .venv/bin/python bench/rollout.py [--stock-seconds 150] [--workers 4] [--light 10000]
                                      [--only a|b|light] [--no-stock] [--before COMMIT]

Uses bench_thousand (1,000 real associations, bench/_common.py). Two situations:
(a) nothing pending: bench_thousand as it is;
(b) one new migration, a column and an index on every association's cases table (the bench-only
    migration of tests/tenants/rollout_probe, run with DJANGO_SETTINGS_MODULE
    tests.tenants.rollout_settings), undone in every schema before each variant and at the end
    (dropping the column and its record takes seconds; copying the 2 GB database took minutes).
Every variant is a real `manage.py` process. django-tenants' runs are stopped after
--stock-seconds and their rate extrapolated (its own progress lines count the schemas done);
ours run to the end. 10,000 is extrapolated linearly from the rates measured here, and said so.
While a variant runs, the database's connections and the resident private memory (RssAnon) of
its backends are sampled from pg_stat_activity and /proc every 0.2 s (the server must run on
this machine). Baseline: django-tenants' standard executor, the deployment's command until now.
--before COMMIT adds `migrate_associations` as it was at COMMIT (its files exported by git
archive, run by the same interpreter) just before ours, for a before/after in one run;
--no-stock leaves django-tenants' commands out (the table's "÷" column then compares with the
first run listed).

--light N times the pass that finds pending migrations at N schemas: a copy of bench_thousand
with association rows and schemas added up to N, each added schema holding only a copy of the
base's django_migrations (the one table that pass reads): populating 10,000 real schemas takes
hours on this machine.
"""

from __future__ import annotations

import argparse
import atexit
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import _common
from db_memory import backend_memory

PROBE_SETTINGS = "tests.tenants.rollout_settings"
PROBE = "9000_rollout_probe"
LIGHT_DATABASE = "bench_rollout_light"
# Run by `manage.py shell` on the light copy: association rows like the first bench one, and
# schemas holding the base's migration records only.
LIGHT_SCHEMAS = """
from django.db import connection, transaction
from tenants.models import Association
model = Association.objects.filter(slug__startswith="bench-").order_by("slug").first()
skip = {{"id", "slug", "schema_name"}}
fields = {{f.attname: getattr(model, f.attname) for f in Association._meta.concrete_fields
          if f.attname not in skip}}
for start in range({present}, {target}, 100):
    names = [f"light-{{i:05d}}" for i in range(start, min(start + 100, {target}))]
    with transaction.atomic():
        Association.objects.bulk_create(
            Association(**fields, slug=name, schema_name="a_" + name.replace("-", "_"))
            for name in names
        )
        with connection.cursor() as cursor:
            cursor.execute(";".join(
                f'CREATE SCHEMA "a_{{n}}"; CREATE TABLE "a_{{n}}".django_migrations AS '
                f"TABLE association_base.django_migrations"
                for n in (name.replace("-", "_") for name in names)
            ))
with connection.cursor() as cursor:
    cursor.execute("VACUUM ANALYZE")
"""


@dataclass
class Run:
    name: str
    seconds: float = 0.0
    schemas_done: int = 0
    stopped: bool = False
    returncode: int = 0
    connections: int = 0
    backend_peak_mib: float = 0.0
    backends_total_peak_mib: float = 0.0
    backends_seen: set[int] = field(default_factory=set)
    lines: list[tuple[float, str]] = field(default_factory=list)  # (seconds from start, line)
    startup: float = 0.0  # until the first schema: Python, Django, the migration graph
    output: str = ""

    def per_schema(self) -> float:
        return (self.seconds - self.startup) / max(self.schemas_done, 1)

    def at(self, count: int) -> float:
        """Seconds for `count` schemas: the start-up, then this run's rate."""
        return self.startup + self.per_schema() * count


def _sample(url: str, run: Run, stop: threading.Event) -> None:
    import psycopg

    name = _common.database_name(url)
    with psycopg.connect(_common.sibling_url(url, "postgres"), autocommit=True) as conn:
        while not stop.is_set():
            pids = [
                row[0]
                for row in conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = %s", [name]
                ).fetchall()
            ]
            run.connections = max(run.connections, len(pids))
            run.backends_seen.update(pids)
            total = 0.0
            for pid in pids:
                try:
                    anon = backend_memory(pid).get("RssAnon", 0.0)
                except OSError:  # the backend left meanwhile
                    continue
                run.backend_peak_mib = max(run.backend_peak_mib, anon)
                total += anon
            run.backends_total_peak_mib = max(run.backends_total_peak_mib, total)
            stop.wait(0.2)


def measure(
    name: str,
    args: list[str],
    *,
    url: str,
    settings: str,
    limit: float | None,
    root: Path = _common.ROOT,
) -> Run:
    run = Run(name)
    env = dict(os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE=settings, LOG_LEVEL="WARNING")
    stop = threading.Event()
    sampler = threading.Thread(target=_sample, args=(url, run, stop), daemon=True)
    sampler.start()
    started = time.perf_counter()
    process = subprocess.Popen(
        [_common.PYTHON, "manage.py", *args],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    reader = threading.Thread(target=_read, args=(process, run, started), daemon=True)
    reader.start()
    try:
        process.wait(timeout=limit)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        run.stopped = True
    run.seconds = time.perf_counter() - started
    reader.join()
    stop.set()
    sampler.join()
    run.returncode = process.returncode
    run.output = "".join(line for _at, line in run.lines)
    return run


def _read(process: subprocess.Popen, run: Run, started: float) -> None:
    for line in process.stdout:
        run.lines.append((time.perf_counter() - started, line))


STARTING = re.compile(r"\[\d+/\d+ \(\d+%\) \w+:(\w+)\] === Starting")


def stock(run: Run, in_flight: int) -> Run:
    """Schemas django-tenants finished (those it started, less the ones under way when it was
    stopped); its start-up lasts until its first schema."""
    starts = [(at, found[1]) for at, line in run.lines if (found := STARTING.search(line))]
    run.startup = starts[0][0] if starts else run.seconds
    started = len({schema for _at, schema in starts})
    run.schemas_done = max(started - in_flight, 0) if run.stopped else started
    return run


def ours(run: Run, total: int) -> Run:
    """Its own report says how long the roll-out took inside the process; the rest is start-up."""
    if run.returncode != 0:
        raise SystemExit(f"{run.name} failed:\n{run.output[-3000:]}")
    found = re.search(r"Roll-out finished in (?:(\d+):(\d+):(\d+)|([\d.]+) s)", run.output)
    hours, minutes, seconds, short = found.groups()
    inside = float(short) if short else int(hours) * 3600 + int(minutes) * 60 + int(seconds)
    run.startup = run.seconds - inside
    run.schemas_done = total
    return run


def probe_undo(url: str) -> None:
    """Take the bench-only migration out of every schema: its column (and the index with it)
    and its record, 50 schemas a transaction."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        schemas = [
            row[0]
            for row in conn.execute(
                "SELECT n.nspname FROM pg_namespace n JOIN pg_class c ON c.relnamespace = n.oid "
                "WHERE c.relname = 'django_migrations' AND n.nspname <> 'public'"
            ).fetchall()
        ]
        for start in range(0, len(schemas), 50):
            with conn.transaction():
                for schema in schemas[start : start + 50]:
                    conn.execute(
                        f'ALTER TABLE "{schema}".workflow_case DROP COLUMN IF EXISTS rollout_probe'
                    )
                    conn.execute(
                        f'DELETE FROM "{schema}".django_migrations WHERE name = %s', [PROBE]
                    )


def variants(
    url: str,
    *,
    settings: str,
    total: int,
    limit: float,
    workers: int,
    fresh,
    stock_runs: bool = True,
    before: tuple[str, Path] | None = None,
) -> list[Run]:
    """django-tenants' two executors (unless not `stock_runs`), ours at an earlier commit
    (`before`: its name and its exported tree), then ours."""
    runs = []
    for name, args, in_flight in (
        ("migrate_schemas --tenant (standard)", ["migrate_schemas", "--tenant"], 1),
        (
            "migrate_schemas --tenant --executor multiprocessing",
            ["migrate_schemas", "--tenant", "--executor", "multiprocessing"],
            2,  # TENANT_MULTIPROCESSING_MAX_PROCESSES' default
        ),
    ):
        if not stock_runs:
            break
        fresh()
        runs.append(stock(measure(name, args, url=url, settings=settings, limit=limit), in_flight))
    ours_args = ["migrate_associations", "--workers", str(workers)]
    trees = ([(f" at {before[0]}", before[1])] if before else []) + [("", _common.ROOT)]
    for label, root in trees:
        fresh()
        run = measure(
            f"migrate_associations --workers {workers}{label}",
            ours_args,
            url=url,
            settings=settings,
            limit=None,
            root=root,
        )
        runs.append(ours(run, total))
    return runs


def tree_export(commit: str) -> Path:
    """The project's files at `commit` (git archive) in a throwaway directory, run with this
    interpreter: the same packages, the earlier code."""
    folder = Path(tempfile.mkdtemp(prefix="mustafid-rollout-before-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    archive = subprocess.run(
        ["git", "archive", "--format=tar", commit],
        cwd=_common.ROOT,
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def table(title: str, runs: list[Run], total: int) -> None:
    baseline = runs[0].at(10_000)
    print(f"\n{title}")
    print(
        "| command | schemas timed | wall | per schema | 1,000 | 10,000 (extrapolated) "
        "| standard ÷ this at 10,000 | start-up | peak connections | backends "
        "| peak RssAnon one / all |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for run in runs:
        per = run.per_schema()
        thousand = run.at(total)
        mark = " (extrapolated)" if run.stopped else ""
        print(
            f"| {run.name} | {run.schemas_done:,}{' of ' + f'{total:,}' if run.stopped else ''} "
            f"| {run.seconds:.1f} s | {per * 1000:.1f} ms | {thousand:.0f} s{mark} "
            f"| {run.at(10_000) / 60:.1f} min | {baseline / run.at(10_000):.1f}x "
            f"| {run.startup:.1f} s "
            f"| {run.connections} "
            f"| {len(run.backends_seen)} | {run.backend_peak_mib:.0f} / "
            f"{run.backends_total_peak_mib:.0f} MiB |"
        )
    for run in runs:
        if "migrate_associations" in run.name:
            print(f"\n{run.name} said:\n" + "\n".join(run.output.strip().splitlines()[-12:]))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stock-seconds", type=float, default=150.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--only", choices=["a", "b", "light"], default=None)
    parser.add_argument("--light", type=int, default=10_000)
    parser.add_argument(
        "--before", metavar="COMMIT", help="also run migrate_associations as it was at COMMIT"
    )
    parser.add_argument(
        "--no-stock", action="store_true", help="leave django-tenants' commands out"
    )
    args = parser.parse_args()
    before = (args.before, tree_export(args.before)) if args.before else None

    url = _common.environment_set(_common.THOUSAND_DATABASE)
    _common.thousand_ensure(url)
    light_remove(url)  # what an interrupted run may have left
    total = _common.associations_present() + 1  # and the base schema
    print(_common.machine())
    from django.db import connections

    connections.close_all()  # nobody may be connected to a template

    if args.only in (None, "a"):
        runs = variants(
            url,
            settings="platform_core.settings",
            total=total,
            limit=args.stock_seconds,
            workers=args.workers,
            fresh=lambda: None,  # nothing is written when nothing is pending
            stock_runs=not args.no_stock,
            before=before,
        )
        table(f"(a) nothing pending, {total:,} schemas", runs, total)
    if args.only in (None, "b"):

        def fresh() -> None:
            started = time.perf_counter()
            probe_undo(url)
            print(f"  (probe migration undone: {time.perf_counter() - started:.0f} s)")

        try:
            runs = variants(
                url,
                settings=PROBE_SETTINGS,
                total=total,
                limit=args.stock_seconds,
                workers=args.workers,
                fresh=fresh,
                stock_runs=not args.no_stock,
                before=before,
            )
        finally:
            fresh()
        table(
            f"(b) one migration (a column and an index on the cases table), {total:,} schemas",
            runs,
            total,
        )
    if args.only in (None, "light") and args.light > total:
        light(url, present=total - 1, target=args.light, workers=args.workers)
    return 0


def light(url: str, *, present: int, target: int, workers: int) -> None:
    """Time the pass at `target` schemas: light ones added to bench_thousand, removed after."""
    try:
        started = time.perf_counter()
        subprocess.run(
            [_common.PYTHON, "manage.py", "shell", "-c"]
            + [LIGHT_SCHEMAS.format(present=present, target=target)],
            cwd=_common.ROOT,
            env=dict(os.environ, DATABASE_URL=url),
            check=True,
        )
        added = time.perf_counter() - started
        print(f"\n  ({target - present:,} light schemas added in {added:.0f} s)")
        run = ours(
            measure(
                f"migrate_associations --workers {workers}",
                ["migrate_associations", "--workers", str(workers)],
                url=url,
                settings="platform_core.settings",
                limit=None,
            ),
            target + 1,
        )
    finally:
        light_remove(url)
    print(f"\n(a) nothing pending at {target + 1:,} schemas ({present:,} real, the rest light)")
    print(
        f"wall {run.seconds:.1f} s, of which start-up {run.startup:.1f} s; {run.connections} "
        f"connections at most; backend RssAnon peak {run.backend_peak_mib:.0f} MiB"
    )
    print("\n".join(run.output.strip().splitlines()[-3:]))


def light_remove(url: str) -> None:
    """Drop the light schemas and their association rows, if any are left."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        schemas = [
            row[0]
            for row in conn.execute(
                "SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", ["a\\_light\\_%"]
            ).fetchall()
        ]
        for start in range(0, len(schemas), 100):
            with conn.transaction():
                for schema in schemas[start : start + 100]:
                    conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        conn.execute("DELETE FROM tenants_association WHERE slug LIKE %s", ["light-%"])


if __name__ == "__main__":
    sys.exit(main())
