"""What routing a request to its association costs: queries and throughput, in one run.

    .venv/bin/python bench/request_overhead.py [--rounds 30] [--requests 200,50]

Uses bench_thousand (1,000 associations; made by bench/_common.py if missing) unless
DATABASE_URL names another bench_* database. Requests go in-process through Django's WSGI
handler and the whole middleware stack (request_started/finished included, so persistent
connections behave as under gunicorn), one process, one connection.

Baseline: GET /healthz on the platform host (`localhost`, public schema) with the project's
middleware. Compared in many short rounds (every variant once per round, in rotating order,
so that the load of a shared machine falls on all of them alike):
- the same page on an association host (`bench-00000.localhost`), project middleware;
- the platform host with no tenancy middleware at all (the "plain view");
- both hosts with django-tenants' stock TenantMainMiddleware in its place
  (SHOW_PUBLIC_IF_NO_TENANT_FOUND for the platform host, which has no Domain row).
Then a page that reads the association's schema (GET /api/v1/me/ with an unknown API token:
one query on authtoken_token ⋈ accounts_user, then 401), project vs stock middleware, for one
association host and rotating over all of them (the lookup cache holding every host, or
none). Last, how the host lookup that a cache miss costs is executed (EXPLAIN ANALYZE).

Figures: queries per request (Django's cursor wrapper), throughput as a ratio to the baseline's
in the same round (median and range over rounds), wall clock and this process's CPU time.
"""

from __future__ import annotations

import argparse
import collections
import io
import itertools
import re
import sys
import time

import _common

PLATFORM_HOST = "localhost"
SCHEMA = re.compile(r'"a_[a-z0-9_]+"')


def statement_kind(sql: str) -> str:
    """`SET search_path = "<schema>"`, `SELECT … FROM "table"` and the like."""
    sql = SCHEMA.sub('"<schema>"', sql.strip())
    if " FROM " in sql:
        return sql.split()[0] + " … FROM " + sql.split(" FROM ", 1)[1].split()[0]
    return sql[:60]


def wsgi_environ(host: str, path: str, headers: dict[str, str] | None = None) -> dict:
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SCRIPT_NAME": "",
        "SERVER_NAME": host,
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": host,
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    environ.update(headers or {})
    return environ


def call(handler, host: str, path: str, headers: dict[str, str] | None = None) -> str:
    statuses = []
    body = handler(wsgi_environ(host, path, headers), lambda status, *_: statuses.append(status))
    for _chunk in body:
        pass
    body.close()  # fires request_finished, as a WSGI server does
    return statuses[0]


def lookup_plans(hosts: list[str], samples: int = 40) -> None:
    """How the host lookup of a cache miss runs: the product's query (tenants.selectors, on
    LOWER(domain), which the unique index domain_unique_ci covers) and, for reference, the
    domain__iexact lookup it replaced. EXPLAIN ANALYZE in the public schema, for hosts spread
    evenly over the associations (a scan's cost depends on where the row lies)."""
    from django.db import connection
    from django.db.models.functions import Lower
    from django_tenants.utils import schema_context

    from tenants.models import Domain

    spread = hosts[:: max(1, len(hosts) // samples)][:samples] + hosts[-1:]
    lookups = {
        "before: domain__iexact (UPPER(domain) = UPPER(host))": lambda host: Domain.objects.filter(
            domain__iexact=host
        ),
        "product: LOWER(domain) = host": lambda host: Domain.objects.alias(
            lowered=Lower("domain")
        ).filter(lowered=host.lower()),
    }
    print(
        f"\nHost lookup on a cache miss, {Domain.objects.count()} domains, {len(spread)} hosts "
        "from first to last (EXPLAIN ANALYZE, execution time):"
    )
    print(f"  {'query':<56} {'median':>8} {'max':>8}  {'rows filtered out, median':>25}  plan")
    medians = []
    with schema_context("public"), connection.cursor() as cursor:
        for name, lookup in lookups.items():
            times, removed, scans = [], [], set()
            for host in spread:
                # What .first() runs: ORDER BY pk, LIMIT 1, with the association joined.
                queryset = lookup(host).select_related("tenant").order_by("pk")[:1]
                sql, params = queryset.query.sql_with_params()
                cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
                plan = cursor.fetchone()[0]
                plan = plan[0] if isinstance(plan, list) else plan
                times.append(plan["Execution Time"])
                nodes = domain_scans(plan["Plan"])
                removed.append(sum(node.get("Rows Removed by Filter", 0) for node in nodes))
                scans |= {scan_name(node) for node in nodes}
            medians.append(_common.median(times))
            print(
                f"  {name:<56} {medians[-1]:>5.3f} ms {max(times):>5.3f} ms  "
                f"{_common.median(removed):>25.0f}  {', '.join(sorted(scans))}"
            )
    print(f"  before / product, median: {medians[0] / medians[1]:.1f}x the execution time")


def scan_name(node: dict) -> str:
    return node["Node Type"] + (f" ({node['Index Name']})" if "Index Name" in node else "")


def domain_scans(node: dict) -> list[dict]:
    nodes = [node] if node.get("Relation Name") == "tenants_domain" else []
    for child in node.get("Plans", []):
        nodes.extend(domain_scans(child))
    return nodes


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument(
        "--requests", default="200,50", help="per variant and round: /healthz, then /api/v1/me/"
    )
    args = parser.parse_args()
    per_round = [int(count) for count in args.requests.split(",")]

    url = _common.environment_set(_common.THOUSAND_DATABASE)
    _common.thousand_ensure(url)

    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings

    from tenants.models import Association

    association_hosts = [
        association.primary_host
        for association in Association.objects.filter(slug__startswith="bench-").order_by("slug")
    ]
    one_host = association_hosts[0]
    ours = list(settings.MIDDLEWARE)
    stock = [
        "django_tenants.middleware.main.TenantMainMiddleware"
        if name == "tenants.routing.AssociationMiddleware"
        else name
        for name in ours
    ]
    plain = [name for name in ours if name != "tenants.routing.AssociationMiddleware"]

    def handler_for(middleware: list[str]) -> WSGIHandler:
        # The middleware chain is loaded when the handler is made; it keeps it afterwards.
        with override_settings(MIDDLEWARE=middleware):
            return WSGIHandler()

    handlers = {"ours": handler_for(ours), "stock": handler_for(stock), "plain": handler_for(plain)}

    health_checks = 0
    original_is_usable = connection.is_usable

    def counting_is_usable():
        # CONN_HEALTH_CHECKS: a SELECT 1 on the first cursor of each request, sent outside
        # Django's cursor wrapper, so CaptureQueriesContext does not see it; counted here.
        nonlocal health_checks
        health_checks += 1
        return original_is_usable()

    connection.is_usable = counting_is_usable

    print(f"machine: {_common.machine()}")
    print(
        f"database: {_common.database_name(url)}, {len(association_hosts)} associations; "
        f"CONN_MAX_AGE={settings.DATABASES['default']['CONN_MAX_AGE']}, "
        f"CONN_HEALTH_CHECKS={settings.DATABASES['default']['CONN_HEALTH_CHECKS']}, "
        f"TENANT_LIMIT_SET_CALLS={settings.TENANT_LIMIT_SET_CALLS}, "
        f"ASSOCIATION_CACHE_SECONDS={settings.ASSOCIATION_CACHE_SECONDS}"
    )

    token = {"HTTP_AUTHORIZATION": "Token " + "0" * 40}
    me = "/api/v1/me/"
    # Rotating over every host: the lookup cache either holds them all (an hour) or none (0 s,
    # i.e. a host seen less often than once per ASSOCIATION_CACHE_SECONDS in this process).
    cached = {"ASSOCIATION_CACHE_SECONDS": 3600}
    uncached = {"ASSOCIATION_CACHE_SECONDS": 0}
    health = [
        ("ours, platform host (baseline)", "ours", [PLATFORM_HOST], "/healthz", None, {}),
        ("ours, association host", "ours", [one_host], "/healthz", None, {}),
        ("no tenancy middleware, platform host", "plain", [PLATFORM_HOST], "/healthz", None, {}),
        ("stock, platform host", "stock", [PLATFORM_HOST], "/healthz", None, {}),
        ("stock, association host", "stock", [one_host], "/healthz", None, {}),
    ]
    tenant_page = [
        ("ours, one association (baseline)", "ours", [one_host], me, token, {}),
        ("stock, one association", "stock", [one_host], me, token, {}),
        ("ours, rotating, lookups cached", "ours", association_hosts, me, token, cached),
        ("ours, rotating, lookups expired", "ours", association_hosts, me, token, uncached),
        ("stock, rotating", "stock", association_hosts, me, token, {}),
    ]

    with override_settings(SHOW_PUBLIC_IF_NO_TENANT_FOUND=True):
        for title, variants, batch in (
            ("GET /healthz (no query in the view)", health, per_round[0]),
            (
                "GET /api/v1/me/ with an unknown token (one query in the association's schema)",
                tenant_page,
                per_round[-1],
            ),
        ):
            print(f"\n{title}: {args.rounds} rounds x {batch} requests per variant")
            counts = {}
            for name, kind, hosts, path, headers, overrides in variants:
                requests = max(100, len(hosts))
                with override_settings(**overrides):
                    # Warm up (every host's lookup cached, connection open), then count.
                    for index in range(requests):
                        call(handlers[kind], hosts[index % len(hosts)], path, headers)
                    health_checks = 0
                    with CaptureQueriesContext(connection) as captured:
                        statuses = {
                            call(handlers[kind], hosts[index % len(hosts)], path, headers)
                            for index in range(requests)
                        }
                statements = collections.Counter(statement_kind(query["sql"]) for query in captured)
                counts[name] = (
                    len(captured) / requests,
                    health_checks / requests,
                    statuses,
                    {statement: seen / requests for statement, seen in statements.items()},
                )
            wall: dict[str, list[float]] = {name: [] for name, *_ in variants}
            cpu: dict[str, list[float]] = {name: [] for name, *_ in variants}
            cycles = {name: itertools.cycle(hosts) for name, _kind, hosts, *_ in variants}
            for round_index in range(args.rounds):
                shift = round_index % len(variants)
                for name, kind, _hosts, path, headers, overrides in (
                    variants[shift:] + variants[:shift]
                ):
                    handler, hosts = handlers[kind], cycles[name]
                    with override_settings(**overrides):
                        started, started_cpu = time.perf_counter(), time.process_time()
                        for _index in range(batch):
                            call(handler, next(hosts), path, headers)
                        wall[name].append(time.perf_counter() - started)
                        cpu[name].append(time.process_time() - started_cpu)
            baseline = variants[0][0]
            print(
                f"{'variant':<38} {'queries':>7} {'+check':>6} {'req/s':>6} "
                f"{'wall ratio':>10} {'wall range':>11} {'CPU ratio':>9} {'CPU range':>11}  status"
            )
            for name, *_ in variants:
                # Throughput ratio: the baseline's time per batch over the variant's.
                walls = [base / mine for mine, base in zip(wall[name], wall[baseline], strict=True)]
                cpus = [base / mine for mine, base in zip(cpu[name], cpu[baseline], strict=True)]
                queries, checks, statuses, _statements = counts[name]
                print(
                    f"{name:<38} {queries:>7.2f} {checks:>6.2f} "
                    f"{batch / _common.median(wall[name]):>6.0f} "
                    f"{_common.median(walls):>9.2f}x {min(walls):>5.2f}–{max(walls):<5.2f} "
                    f"{_common.median(cpus):>8.2f}x {min(cpus):>5.2f}–{max(cpus):<5.2f} "
                    f" {','.join(sorted(statuses))}"
                )
            print("statements per request:")
            for name, *_ in variants:
                described = "; ".join(
                    f"{per:.2f} x {kind}" for kind, per in sorted(counts[name][3].items())
                )
                print(f"  {name}: {described or '(none)'}")
    lookup_plans(association_hosts)
    print(
        "\nqueries = per request, through Django's cursor wrapper; +check = CONN_HEALTH_CHECKS' "
        "SELECT 1 per request, which that wrapper does not see; req/s = median over rounds, wall "
        "clock; ratios = the variant's throughput over the baseline's in the same round (median, "
        "range over rounds), by wall clock and by this process's CPU time (the database "
        "server's work is only in the wall clock)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
