import math
import multiprocessing
import os
import signal
import time
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, no_translations
from django.db import connection

from tenants.rollout import (
    ROLLOUT_LOCK,
    SchemaOutcome,
    association_schemas,
    migration_loader,
    rollout_lock_holder,
    schema_migrate,
    schemas_pending,
)
from tenants.rollout_worker import worker_migrate, worker_start

# Workers default to twice the cores: a worker waits on PostgreSQL about half the time.
DEFAULT_WORKERS = min(8, 2 * (os.cpu_count() or 1))
DEFAULT_CANARY = 0.05
PROGRESS_SECONDS = 1.0


def _duration(seconds: float) -> str:
    if seconds < 100:
        return f"{seconds:.1f} s"
    minutes, seconds = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}"


def _interrupt(_signal, _frame) -> None:
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = (
        "Apply pending migrations to the base schema and every association's schema: only the "
        "schemas that need it, in parallel workers, each schema in one transaction, a canary "
        "share first. Safe to run again after a failure or a kill: it resumes."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--workers",
            type=int,
            default=DEFAULT_WORKERS,
            help=f"worker processes, one database connection each (default {DEFAULT_WORKERS})",
        )
        parser.add_argument(
            "--canary",
            type=float,
            default=DEFAULT_CANARY,
            help="share of the pending associations migrated first; any failure among them "
            f"stops the roll-out (default {DEFAULT_CANARY}, 0 for none)",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="say which schemas have pending migrations, and change nothing",
        )

    @no_translations  # operators read command output in English
    def handle(self, *args, **options):
        workers, share = options["workers"], options["canary"]
        if workers < 1:
            raise CommandError("--workers must be at least 1.")
        if not 0 <= share <= 1:
            raise CommandError("--canary is a share between 0 and 1.")
        self.started = time.perf_counter()
        self.tty = self.stdout.isatty()
        # A SIGTERM (a deployment tool giving up) stops like Ctrl-C: no schema starts after it,
        # the report is printed, and the workers finish the schema they are on and exit.
        signal.signal(signal.SIGTERM, _interrupt)
        lock = self._lock()
        try:
            self._roll_out(workers=workers, share=share, dry_run=options["dry_run"])
        finally:
            lock.close()  # the session's advisory lock goes with it

    def _lock(self):
        """Take the roll-out's session lock on a connection of its own, held to the end."""
        lock = connection.get_new_connection(connection.get_connection_params())
        lock.autocommit = True
        lock.execute("SET application_name = 'migrate_associations'")
        taken = lock.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [ROLLOUT_LOCK])
        if not taken.fetchone()[0]:
            holder = rollout_lock_holder()
            lock.close()
            raise CommandError(
                f"Another roll-out of association migrations is running, held by {holder}. "
                "Nothing was changed. Wait for it to finish (or stop it: a stopped roll-out "
                "resumes when started again)."
            )
        return lock

    def _roll_out(self, *, workers: int, share: float, dry_run: bool) -> None:
        loader = migration_loader()
        conflicts = loader.detect_conflicts()
        if conflicts:
            names = "; ".join(f"{app}: {', '.join(sorted(n))}" for app, n in conflicts.items())
            raise CommandError(f"Conflicting migrations (run makemigrations --merge): {names}")
        schemas = association_schemas()
        survey = schemas_pending(loader=loader, schema_names=schemas)
        # The backend that read every schema's table leaves with the cache it built doing so.
        connection.close()
        self.stdout.write(
            f"{len(schemas):,} schemas: {len(survey.pending):,} with pending migrations, "
            f"{len(survey.current):,} current (found in {survey.seconds:.1f} s, "
            f"{survey.queries} queries)"
        )
        if dry_run:
            for schema, count in survey.pending.items():
                self.stdout.write(f"  {schema}: {count} to apply")
            return
        outcomes: list[SchemaOutcome] = []
        pending = list(survey.pending)
        base = settings.TENANT_BASE_SCHEMA
        if pending and pending[0] == base:
            # New associations are copied from it: first, and alone.
            outcome = schema_migrate(schema_name=base)
            outcomes.append(outcome)
            self._progress("base", [outcome], 1, final=True)
            pending.pop(0)
            if outcome.error:
                self._report(outcomes, survey.current, stopped=len(pending))
                raise CommandError("The base schema failed; nothing else was migrated.")
        if pending:
            canary = pending[: math.ceil(share * len(pending))]
            rest = pending[len(canary) :]
            context = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(
                max_workers=min(workers, len(pending)),
                mp_context=context,
                initializer=worker_start,
            ) as pool:
                try:
                    if canary:
                        done = self._stage(pool, "canary", canary)
                        outcomes += done
                        if any(o.error for o in done):
                            self._report(outcomes, survey.current, stopped=len(rest))
                            raise CommandError(
                                f"A canary failed: the roll-out stopped before the other "
                                f"{len(rest):,} associations. Fix it and run again."
                            )
                    outcomes += self._stage(pool, "all", rest)
                except KeyboardInterrupt:
                    pool.shutdown(wait=False, cancel_futures=True)
                    self._report(outcomes, survey.current, stopped=None)
                    raise CommandError("Interrupted: run again to resume.") from None
        failed = self._report(outcomes, survey.current, stopped=0)
        if failed:
            raise CommandError(f"{failed:,} schemas failed; the others were migrated.")

    def _stage(
        self, pool: ProcessPoolExecutor, name: str, schemas: list[str]
    ) -> list[SchemaOutcome]:
        started = time.perf_counter()
        futures = [pool.submit(worker_migrate, schema) for schema in schemas]
        done: list[SchemaOutcome] = []
        shown = 0.0
        for future in as_completed(futures):
            done.append(future.result())
            now = time.perf_counter()
            if now - shown >= PROGRESS_SECONDS or len(done) == len(schemas):
                self._progress(name, done, len(schemas), started=started)
                shown = now
        if self.tty:
            self.stdout.write("")
        return done

    def _progress(
        self,
        name: str,
        done: list[SchemaOutcome],
        total: int,
        *,
        started: float | None = None,
        final: bool = False,
    ) -> None:
        elapsed = time.perf_counter() - (started or self.started)
        rate = len(done) / elapsed if elapsed else 0.0
        left = (total - len(done)) / rate if rate else 0.0
        failed = sum(1 for outcome in done if outcome.error)
        line = (
            f"  {name}: {len(done):,}/{total:,} schemas · {rate:.1f}/s · "
            f"{_duration(left)} left · {failed:,} failed"
        )
        if self.tty and not final:
            self.stdout.write("\r" + line, ending="")
        else:
            self.stdout.write(line)
        self.stdout.flush()

    def _report(
        self, outcomes: Iterable[SchemaOutcome], current: list[str], *, stopped: int | None
    ) -> int:
        outcomes = list(outcomes)
        migrated = [o for o in outcomes if not o.error and o.applied]
        # Found pending, then current under its lock: another process migrated it meanwhile.
        already = len(current) + sum(1 for o in outcomes if not o.error and not o.applied)
        failed = [o for o in outcomes if o.error]
        applied = sum(o.applied for o in migrated)
        ended = "interrupted" if stopped is None else "stopped" if stopped else "finished"
        self.stdout.write(
            f"Roll-out {ended} in "
            f"{_duration(time.perf_counter() - self.started)}: {len(migrated):,} schemas migrated "
            f"({applied:,} migrations), {already:,} already current, {len(failed):,} failed"
            + (f", {stopped:,} not started" if stopped else "")
            + "."
        )
        for outcome in sorted(failed, key=lambda o: o.schema_name):
            self.stderr.write(f"  FAILED {outcome.schema_name} (left as it was): {outcome.error}")
        return len(failed)
