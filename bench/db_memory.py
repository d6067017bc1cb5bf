"""How much a PostgreSQL backend grows with the association schemas it touches, and what
bounding the connection's life does to it.

    .venv/bin/python bench/db_memory.py [--every 100] [--max-age 1]

Uses bench_thousand (1,000 associations; made by bench/_common.py if missing) unless
DATABASE_URL names another bench_* database; the server must run on this machine (the script
reads /proc/<backend pid>/status).

Each association in turn is touched once, in one of two ways:
- request: in-process through Django's WSGI handler and the whole middleware stack,
  GET /api/v1/me/ on `<slug>.localhost` with an unknown API token, i.e. the host lookup,
  SET search_path, and one query on the association's authtoken_token and accounts_user (401);
- tables: schema_context(<schema>) and `SELECT 1 FROM <table> LIMIT 1` on every table of the
  schema, the most a page or task could touch.
with the connection held:
- for the whole loop (DATABASE_CONN_MAX_AGE unbounded);
- closed every --every associations (a lifetime counted in requests);
- (request only) CONN_MAX_AGE = --max-age seconds, closed by Django's own
  request_started/finished handling, as in production.

Baseline: a fresh backend (connected, one SELECT 1 in the public schema), measured in the same
run; figures are its memory's multiple and the MiB above it.
"""

from __future__ import annotations

import argparse
import sys
import time

import _common
from request_overhead import call

CHECKPOINTS = (0, 250, 500, 750, 1000)
FIELDS = ("VmRSS", "RssAnon", "RssShmem")


def backend_memory(pid: int) -> dict[str, float]:
    """MiB of the backend process, from /proc."""
    values = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            name, _, rest = line.partition(":")
            if name in FIELDS:
                values[name] = int(rest.split()[0]) / 1024
    return values


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--every", type=int, default=100, help="requests per connection")
    parser.add_argument("--max-age", type=float, default=1.0, help="CONN_MAX_AGE, seconds")
    args = parser.parse_args()

    url = _common.environment_set(_common.THOUSAND_DATABASE)
    _common.thousand_ensure(url)

    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection
    from django_tenants.utils import schema_context

    from tenants.models import Association

    associations = list(
        Association.objects.filter(slug__startswith="bench-").order_by("slug")[: _common.THOUSAND]
    )
    handler = WSGIHandler()
    token = {"HTTP_AUTHORIZATION": "Token " + "0" * 40}

    samples: list[tuple[int, int, dict[str, float]]] = []  # (schemas touched, pid, memory)
    touched = 0

    def sample() -> None:
        if connection.connection is not None:
            pid = connection.connection.info.backend_pid
            samples.append((touched, pid, backend_memory(pid)))

    # Sample each backend just before it goes, whoever closes it.
    original_close = connection.close

    def close():
        sample()
        original_close()

    connection.close = close

    def fresh_backend() -> dict[str, float]:
        connection.close()
        samples.clear()
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return backend_memory(connection.connection.info.backend_pid)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY 1",
            [settings.TENANT_BASE_SCHEMA],
        )
        tables = [row[0] for row in cursor.fetchall()]

    def request(association: Association) -> str:
        return call(handler, association.primary_host, "/api/v1/me/", token)

    def every_table(association: Association) -> str:
        # What a busier page, or a task, does: read every table of the association's schema.
        with schema_context(association.schema_name), connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f'SELECT 1 FROM "{table}" LIMIT 1')
        return f"{len(tables)} tables read"

    def loop(touch, *, max_age: float | None, every: int | None) -> dict:
        nonlocal touched
        connection.settings_dict["CONN_MAX_AGE"] = max_age
        fresh = fresh_backend()
        touched = 0
        sample()
        started = time.perf_counter()
        statuses = set()
        for index, association in enumerate(associations, start=1):
            statuses.add(touch(association))
            touched = index
            sample()
            if every and index % every == 0:
                connection.close()
        elapsed = time.perf_counter() - started
        sample()
        return {
            "fresh": fresh,
            "samples": list(samples),
            "backends": len({pid for _touched, pid, _memory in samples}),
            "seconds": elapsed,
            "statuses": statuses,
        }

    # What a reconnection costs, for choosing the lifetime: connect, SET search_path, SELECT 1.
    connects = []
    for _index in range(20):
        connection.close()
        started = time.perf_counter()
        fresh_backend()
        connects.append(time.perf_counter() - started)

    print(f"machine: {_common.machine()}")
    print(
        f"database: {_common.database_name(url)}, {len(associations)} associations, each "
        f"touched once; a fresh backend is the baseline\n"
    )
    scenarios = [
        ("request: one connection, whole loop", loop(request, max_age=None, every=None)),
        (f"request: closed every {args.every}", loop(request, max_age=None, every=args.every)),
        (
            f"request: CONN_MAX_AGE={args.max_age:g} s",
            loop(request, max_age=args.max_age, every=None),
        ),
        (f"{len(tables)} tables: one connection", loop(every_table, max_age=None, every=None)),
        (
            f"{len(tables)} tables: closed every {args.every}",
            loop(every_table, max_age=None, every=args.every),
        ),
    ]

    for field in ("RssAnon", "VmRSS"):
        print(
            f"{field} of the backend serving the loop, as a multiple of a fresh backend's "
            "(MiB above it):"
        )
        print(
            f"{'touch, connection':<36} {'fresh MiB':>9} "
            + " ".join(f"{f'{c} touched':>18}" for c in CHECKPOINTS)
            + f" {'peak':>18}"
        )
        for name, result in scenarios:
            base = result["fresh"][field]
            cells = []
            for checkpoint in CHECKPOINTS:
                # The backend in use once `checkpoint` schemas had been touched (last sample).
                memory = [m[field] for t, _pid, m in result["samples"] if t <= checkpoint][-1]
                cells.append(f"{memory / base:.2f}x (+{memory - base:.0f})")
            peak = max(m[field] for _t, _pid, m in result["samples"])
            cells.append(f"{peak / base:.2f}x (+{peak - base:.0f})")
            print(f"{name:<36} {base:>9.1f} " + " ".join(f"{cell:>18}" for cell in cells))
        print()
    print(
        f"a new connection (connect, SET search_path, SELECT 1): "
        f"{_common.median(connects) * 1000:.1f} ms median of {len(connects)}"
    )
    for name, result in scenarios:
        print(
            f"{name}: {result['backends']} backend(s), {result['seconds']:.1f} s, "
            f"{len(associations) / result['seconds']:.0f} per s, "
            f"result {sorted(result['statuses'])}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
