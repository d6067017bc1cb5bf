"""Case work at scale: one association with 100,000 cases and 50,000 beneficiaries, in one run.

    .venv/bin/python bench/cases.py [--cases 100000] [--beneficiaries 50000] [--requests 200]
                                    [--rounds 5] [--small 1000] [--explain] [--profile 0] [--keep]

Works in its own database, bench_cases unless DATABASE_URL names another bench_* one, and drops
it at the end (unless --keep). Setup: the public schema migrated; static files collected into a
throwaway STATIC_ROOT (the API docs' bundles left out); one association provisioned
(workspace.provisioning, a full tenant migration), its policy configured, approved and published
(publishing.services), a staff member and a committee member added.

Load: beneficiaries (valid national IDs and iqamas: Luhn check digit), cases in a spread of
states, channels, ages and committee due dates, and one "open" CaseEvent per case, written with
COPY (psycopg) in the association's schema, then ANALYZE. First `--small` cases (with their
share of beneficiaries), measured; then the rest, measured again.

Baseline: GET /healthz on the association's host, in the same rounds. Variants, each
`--requests` times split into `--rounds` rounds (every variant once per round, in rotating
order, so that the load of a shared machine falls on all of them alike), after an unrecorded
warm-up; in-process (django.test.Client, whole middleware stack, one connection, the staff
member logged in):
- GET /app/cases/?status=in_committee   the case list with a filter (50 a page, counted);
- GET /app/cases/?q=<national ID>       search, a different existing beneficiary each time;
- GET /app/                             the dashboard;
- GET /api/v1/cases/                    the authenticated case list API, the staff member's
                                        token (no session): the first page of every case;
- POST /app/cases/<id>/transitions/     "verify" (with the case's version) on a fresh received
                                        case each time; 302 when it is saved.

Figures: p50/p95 ms, queries per request (Django's cursor wrapper, one request after the
warm-up) and the slowest of them, time per request as a ratio to the baseline's in the same
round (median over rounds). Last, a real Celery worker (solo pool) runs the committee reminders
task for the association (overdue and due-soon cases claimed, one e-mail each kind, to files);
its resident memory (VmRSS) is read from /proc before and after. `--explain` adds EXPLAIN
ANALYZE of each variant's slowest query; `--profile N` cProfile's top functions over N requests
of each page.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import io
import itertools
import json
import os
import pstats
import random
import secrets
import subprocess
import sys
import time
from pathlib import Path

import _common

DATABASE = "bench_cases"
SLUG = "bench-cases"
PASSWORD = "Bench-cases-page-2024!"  # noqa: S105 - a throwaway password in a throwaway database
STAFF_EMAIL = f"staff@{SLUG}.example"
COMMITTEE_EMAIL = f"committee@{SLUG}.example"
WARM_UP = 10  # unrecorded requests per variant
SEED = 20240814
REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
# The states' shares among cases (an association a few years in: most cases closed).
STATUS_SHARES = {
    "received": 0.08,
    "referred": 0.02,
    "in_committee": 0.05,
    "accepted": 0.03,
    "rejected": 0.05,
    "registered": 0.03,
    "service_delivered": 0.04,
    "closed": 0.65,
    "withdrawn": 0.05,
}
CHANNEL_SHARES = {"interview": 0.5, "phone": 0.3, "website": 0.2}
FIRST_NAMES = "محمد أحمد عبدالله خالد فهد سعد نورة سارة فاطمة مريم عائشة هند ريم لطيفة".split()
FAMILY_NAMES = "العتيبي القحطاني الشمري الدوسري الغامدي الزهراني المطيري الحربي السبيعي".split()
CITIES = ["الرياض", "جدة", "مكة المكرمة", "المدينة المنورة", "الدمام", "أبها", "تبوك", ""]
WORKER_LINE = "committee reminders on"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--beneficiaries", type=int, default=50_000)
    parser.add_argument("--small", type=int, default=1000, help="cases of the first measurement")
    parser.add_argument("--requests", type=int, default=200, help="recorded requests per variant")
    parser.add_argument("--rounds", type=int, default=5, help="rounds the requests are split into")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE slowest queries")
    parser.add_argument("--profile", type=int, default=0, help="cProfile N requests of each page")
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    args = parser.parse_args()
    args.small = max(1, min(args.small, args.cases))
    args.rounds = max(1, min(args.rounds, args.requests))

    setup_started = time.perf_counter()
    url = _common.environment_set(DATABASE)
    local = Path(os.environ["MUSTAFID_LOCAL_DIR"])
    os.environ["STATIC_ROOT"] = str(local / "static")
    os.environ["CELERY_FILESYSTEM_DIR"] = str(local / "broker")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(40))
    os.environ["ASSOCIATION_PROVISIONING"] = "migrate"
    (local / "broker" / "control").mkdir(parents=True)
    _common.database_prepare(url, fresh=True)
    subprocess.run(
        [_common.PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"]
        + ["--ignore", "drf_spectacular_sidecar", "--ignore", "rest_framework"],
        cwd=_common.ROOT,
        check=True,
    )
    try:
        return run(args, local, setup_started)
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            _common.database_drop(url)


# --- setup ---------------------------------------------------------------------------------------


def provision():
    """One association with its policy published, a staff and a committee member."""
    from django_tenants.utils import schema_context

    from accounts.models import User
    from accounts.services import user_create
    from publishing import services as publishing
    from workspace.provisioning import association_provision

    association, _admin = association_provision(
        slug=SLUG,
        name_ar="جمعية القياس الخيرية",
        name_en="Benchmark Charity",
        admin_email=f"admin@{SLUG}.example",
        admin_password=PASSWORD,
    )
    with schema_context(association.schema_name):
        draft = publishing.policy_draft_update(
            data={
                "channels": list(CHANNEL_SHARES),
                "referral_roles": ["social_researcher", "competent_officer"],
            }
        )
        draft = publishing.policy_draft_approve(
            meeting_number="5",
            approved_on=datetime.date(2024, 8, 14),
            chair_name="د. سعد",
            revision=draft.revision,
        )
        publishing.policy_publish(actor_email=f"admin@{SLUG}.example", revision=draft.revision)
        staff = user_create(
            email=STAFF_EMAIL, password=None, role=User.Role.STAFF, full_name="موظف القياس"
        )
        user_create(
            email=COMMITTEE_EMAIL, password=None, role=User.Role.COMMITTEE, full_name="لجنة"
        )
    return association, staff


def national_id(index: int) -> str:
    """A distinct valid national ID (1…) or iqama (2…, one in five) per index."""
    from stdnum import luhn

    body = f"{'2' if index % 5 == 4 else '1'}{index + 10_000_000:08d}"
    return body + luhn.calc_check_digit(body)


def reference(index: int) -> str:
    """A distinct reference per index, in the service's alphabet (scattered, like random ones)."""
    number = (index * 2_654_435_761 + 12_345) % 32**8  # odd multiplier: a bijection mod 2**40
    chars = []
    for _position in range(8):
        number, digit = divmod(number, 32)
        chars.append(REFERENCE_ALPHABET[digit])
    raw = "".join(chars)
    return f"{raw[:4]}-{raw[4:]}"


def copy_rows(cursor, table: str, columns: list[str], rows) -> None:
    """COPY rows (tuples, None for NULL) into `table` of the current schema."""
    names = ", ".join(f'"{column}"' for column in columns)
    with cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)


def load(association, *, beneficiaries: range, cases: range, total_beneficiaries: int) -> float:
    """COPY beneficiaries and cases (with their "open" events) of the given id ranges; seconds."""
    from django.db import connection, transaction
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from publishing.selectors import policy_published
    from workflow.models import Beneficiary, Case, CaseEvent

    started = time.perf_counter()
    rng = random.Random(SEED + cases.start)
    now = timezone.now()
    today = timezone.localdate()
    with schema_context(association.schema_name), transaction.atomic():
        policy = policy_published()
        channels = {item["code"]: item for item in policy.content["channels"]}
        with connection.cursor() as wrapper:
            cursor = wrapper.cursor  # psycopg's own, for COPY
            copy_rows(
                cursor,
                Beneficiary._meta.db_table,
                ["id", "national_id", "full_name", "phone", "email", "city", "household_size"]
                + ["household_notes", "created_at", "updated_at"],
                (
                    (
                        index,
                        national_id(index),
                        f"{rng.choice(FIRST_NAMES)} {rng.choice(FIRST_NAMES)} "
                        f"{rng.choice(FAMILY_NAMES)}",
                        f"+9665{rng.randrange(10**8):08d}",
                        f"person{index}@example.com" if index % 3 == 0 else "",
                        rng.choice(CITIES),
                        rng.randint(1, 12),
                        "",
                        now - datetime.timedelta(days=1100),
                        now - datetime.timedelta(days=1100),
                    )
                    for index in beneficiaries
                ),
            )
            statuses = list(STATUS_SHARES)
            status_weights = list(STATUS_SHARES.values())
            channel_codes = list(CHANNEL_SHARES)
            channel_weights = list(CHANNEL_SHARES.values())
            case_rows, event_rows = [], []
            for index in cases:
                status = rng.choices(statuses, status_weights)[0]
                code = rng.choices(channel_codes, channel_weights)[0]
                row = case_row(index, status, code, channels[code], rng, now, today)
                row[3] = rng.randrange(total_beneficiaries) + 1  # beneficiary_id
                case_rows.append(row)
                event_rows.append(
                    (
                        index,
                        "open",
                        "",
                        "received",
                        STAFF_EMAIL,
                        "",
                        json.dumps({"channel": code, "policy_version": policy.version}),
                        row[CASE_COLUMNS.index("created_at")],
                    )
                )
            copy_rows(cursor, Case._meta.db_table, CASE_COLUMNS, case_rows)
            copy_rows(
                cursor,
                CaseEvent._meta.db_table,
                ["case_id", "action", "from_status", "to_status", "actor_email", "note"]
                + ["data", "at"],
                event_rows,
            )
            for model in (Beneficiary, Case):
                table = model._meta.db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "  # noqa: S608
                    f'(SELECT max(id) FROM "{table}"))'
                )
    with schema_context(association.schema_name), connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return time.perf_counter() - started


def counters_fill(association) -> tuple[float, float]:
    """COPY went round the services: the counters from a fresh count, as the migration fills
    them (its SQL) and as `case_counts_rebuild` does; seconds of each."""
    import importlib

    from django.db import connection
    from django_tenants.utils import schema_context

    from workflow.models import CaseCount
    from workflow.services import case_counts_rebuild

    fill = importlib.import_module("workflow.migrations.0007_casecount").FILL
    with schema_context(association.schema_name):
        CaseCount.objects.all().delete()
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(fill)
        migration = time.perf_counter() - started
        started = time.perf_counter()
        case_counts_rebuild()
        return migration, time.perf_counter() - started


CASE_COLUMNS = [
    "id",
    "reference",
    "kind",
    "beneficiary_id",
    "status",
    "channel_code",
    "channel_name_ar",
    "channel_name_en",
    "summary",
    "policy_version_opened",
    "policy_version_committee",
    "consent_given_at",
    "verified_at",
    "declared_at",
    "declaration_signed_by",
    "referral_role_code",
    "submitted_on",
    "committee_due_on",
    "decided_on",
    "decision_reason",
    "closed_at",
    "status_token_hash",
    "version",
    "created_at",
    "updated_at",
]


def case_row(index, status, code, channel, rng, now, today) -> list:
    """One case's columns, consistent with its state (the facts its transitions would set)."""
    one_day = datetime.timedelta(days=1)
    if status == "received":
        age = rng.randrange(0, 30)
    elif status in ("referred", "in_committee"):
        age = rng.randrange(3, 60)
    else:
        age = rng.randrange(10, 1095)
    created = now - datetime.timedelta(days=age, seconds=rng.randrange(86_400))
    created_on = created.date()
    past_intake = status not in ("received", "referred")
    verified = created + one_day if past_intake else None
    submitted = due = decided = None
    version = 1
    if past_intake and status != "withdrawn":
        version = 4
        submitted = created_on + datetime.timedelta(days=rng.randrange(1, 5))
        if status == "in_committee":
            # Mostly due in the coming weeks; some due within days, some overdue.
            due = today + datetime.timedelta(days=rng.randrange(-6, 21))
        else:
            due = submitted + datetime.timedelta(days=14)
            decided = min(today, submitted + datetime.timedelta(days=rng.randrange(3, 20)))
            version = 5
    closed = created + datetime.timedelta(days=min(age, 40)) if status == "closed" else None
    if status == "withdrawn":
        closed = created + datetime.timedelta(days=min(age, 5))
    return [
        index,
        reference(index),
        "request" if index % 10 else "complaint",
        None,  # beneficiary_id, set by the caller
        status,
        code,
        channel["name_ar"],
        channel["name_en"],
        "طلب مساعدة في سداد الإيجار وفواتير الكهرباء للأسرة.",
        1,
        1 if submitted else None,
        created,
        verified,
        verified,
        "المستفيد" if verified else "",
        "social_researcher" if status == "referred" else "",
        submitted,
        due,
        decided,
        "لا تنطبق الشروط" if status == "rejected" else "",
        closed,
        secrets.token_hex(32),
        version,
        created,
        closed or verified or created,
    ]


# --- measuring -----------------------------------------------------------------------------------


def run(args, local: Path, setup_started: float) -> int:
    _common.django_start()
    from django.test import Client
    from django_tenants.utils import schema_context

    from accounts.tokens import api_token_create

    association, staff = provision()
    host = association.primary_host
    schema = association.schema_name
    setup = time.perf_counter() - setup_started
    client = Client(HTTP_HOST=host)
    with schema_context(schema):
        client.force_login(staff)
        token = api_token_create(user=staff, name="bench")[1]
    # The API's own client: no session, the token in every request.
    api_client = Client(HTTP_HOST=host, HTTP_AUTHORIZATION=f"Token {token}")

    print(f"machine: {_common.machine()}")
    print(
        f"association: {host}; {args.requests} requests per variant in {args.rounds} rounds, "
        f"after {WARM_UP} unrecorded; setup (migrate, collectstatic, provision, publish) "
        f"{setup:.0f} s"
    )

    small_beneficiaries = max(1, args.beneficiaries * args.small // args.cases)
    loaded = load(
        association,
        beneficiaries=range(1, small_beneficiaries + 1),
        cases=range(1, args.small + 1),
        total_beneficiaries=small_beneficiaries,
    )
    print(f"\nloaded {args.small:,} cases, {small_beneficiaries:,} beneficiaries in {loaded:.1f} s")
    counters_fill(association)
    small = measure(client, api_client, schema, args)
    report(small, f"{args.small:,} cases")

    loaded = load(
        association,
        beneficiaries=range(small_beneficiaries + 1, args.beneficiaries + 1),
        cases=range(args.small + 1, args.cases + 1),
        total_beneficiaries=args.beneficiaries,
    )
    rate = (args.cases - args.small) / loaded
    migration, rebuild = counters_fill(association)
    print(
        f"\nloaded {args.cases - args.small:,} more cases (with their events) and "
        f"{args.beneficiaries - small_beneficiaries:,} beneficiaries in {loaded:.1f} s "
        f"(COPY + ANALYZE, {rate:,.0f} cases/s); counters from a fresh count: the migration's "
        f"fill {migration * 1000:.0f} ms, case_counts_rebuild {rebuild * 1000:.0f} ms"
    )
    full = measure(client, api_client, schema, args)
    report(full, f"{args.cases:,} cases")
    queries_side_by_side(small, full)
    if args.explain:
        explain(full, schema)
    if args.profile:
        profile(client, full["paths"], args.profile)

    worker = worker_memory(local, schema)
    print(
        f"\nCelery worker (solo pool): VmRSS {worker['idle']:.0f} MB idle, "
        f"{worker['after']:.0f} MB after the committee reminders task "
        f"({worker['line'] or 'no log line'}; {worker['seconds']:.1f} s); "
        f"this benchmark's process: {rss_mb(os.getpid()):.0f} MB"
    )
    print(
        "\nratio = time per request over GET /healthz's in the same round (median over rounds). "
        "Issue's targets: list and dashboard p95 < 100 ms, search < 20 ms, transition < 30 ms, "
        "queries bounded, worker RSS < 250 MB."
    )
    return 0


def measure(client, api_client, schema: str, args) -> dict:
    """Every variant, warmed up, queries counted, then in rotating rounds."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django_tenants.utils import schema_context

    from workflow.models import Case

    needed = WARM_UP + args.requests + 2
    with schema_context(schema):
        ids = list(
            Case.objects.order_by("?").values_list("beneficiary__national_id", flat=True)[:needed]
        )
        fresh = list(
            Case.objects.filter(status="received", verified_at__isnull=True)
            .order_by("id")
            .values_list("id", "version")[:needed]
        )
    searches = itertools.cycle(ids)
    received = iter(fresh)
    if len(fresh) < needed:
        print(f"  {len(fresh)} received cases: {max(0, len(fresh) - WARM_UP - 1)} transitions")

    def get(path_of):
        def request():
            return client.get(path_of())

        return request

    def transition():
        case_id, version = next(received, (None, None))
        if case_id is None:  # every received case was verified: nothing left to measure
            return None
        return client.post(
            f"/app/cases/{case_id}/transitions/", {"action": "verify", "version": version}
        )

    variants = {
        "GET /healthz (baseline)": get(lambda: "/healthz"),
        "list ?status=in_committee": get(lambda: "/app/cases/?status=in_committee"),
        "search ?q=<national ID>": get(lambda: f"/app/cases/?q={next(searches)}"),
        "dashboard /app/": get(lambda: "/app/"),
        "API /api/v1/cases/ (token)": lambda: api_client.get("/api/v1/cases/"),
        "transition verify (POST)": transition,
    }
    results = {}
    for name, request in variants.items():
        for _index in range(WARM_UP):
            request()
        with CaptureQueriesContext(connection) as captured:
            response = request()
        slowest = max(captured.captured_queries, key=lambda q: float(q["time"]), default=None)
        results[name] = {
            "latencies": [],
            "walls": [],
            "statuses": {response.status_code},
            "queries": len(captured),
            "slowest": slowest,
            "captured": captured.captured_queries,
            "size": len(response.content),
        }
    sizes = [
        args.requests // args.rounds + (1 if index < args.requests % args.rounds else 0)
        for index in range(args.rounds)
    ]
    names = list(variants)
    for index, size in enumerate(sizes):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            result = results[name]
            done, wall = 0, 0.0
            for _index in range(size):
                began = time.perf_counter()
                response = variants[name]()
                if response is None:
                    break
                seconds = time.perf_counter() - began
                result["latencies"].append(seconds)
                result["statuses"].add(response.status_code)
                done, wall = done + 1, wall + seconds
            result["walls"].append(wall / done if done else None)
    return {
        "results": results,
        "paths": {
            "list ?status=in_committee": "/app/cases/?status=in_committee",
            "search ?q=<national ID>": f"/app/cases/?q={ids[0]}",
            "dashboard /app/": "/app/",
        },
    }


def report(measured: dict, title: str) -> None:
    results = measured["results"]
    base = next(iter(results.values()))
    print(f"\n{title}: in-process, django.test.Client, staff member logged in")
    print(
        f"{'variant':<27} {'p50 ms':>7} {'p95 ms':>7} {'ratio':>8} {'queries':>7} "
        f"{'slowest q':>10}  status"
    )
    for name, result in results.items():
        ms = [seconds * 1000 for seconds in result["latencies"]]
        ratios = [
            wall / base_wall
            for wall, base_wall in zip(result["walls"], base["walls"], strict=True)
            if wall is not None
        ]
        slowest = result["slowest"]
        slowest_ms = f"{float(slowest['time']) * 1000:.1f} ms" if slowest else "—"
        if not ms:
            print(f"{name:<27} (no request made)")
            continue
        print(
            f"{name:<27} {_common.percentile(ms, 50):>7.2f} {_common.percentile(ms, 95):>7.2f} "
            f"{_common.median(ratios):>7.1f}x {result['queries']:>7} {slowest_ms:>10}  "
            f"{','.join(str(status) for status in sorted(result['statuses']))} (n={len(ms)})"
        )


def queries_side_by_side(small: dict, full: dict) -> None:
    counts = ", ".join(
        f"{name.split(' ')[0]} {small['results'][name]['queries']}→{result['queries']}"
        for name, result in full["results"].items()
    )
    print(f"\nqueries per request, small → full: {counts}")


def explain(measured: dict, schema: str, *, over_ms: float = 5.0) -> None:
    """EXPLAIN ANALYZE of each variant's reads that took over `over_ms` (writes are skipped)."""
    from django.db import connection
    from django_tenants.utils import schema_context

    for name, result in measured["results"].items():
        for query in result["captured"]:
            if float(query["time"]) * 1000 < over_ms:
                continue
            if not query["sql"].lstrip().upper().startswith("SELECT"):
                continue
            with schema_context(schema), connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query['sql']}")
                plan = "\n".join(f"    {row[0]}" for row in cursor.fetchall())
            print(
                f"\n{name}: a query of {float(query['time']) * 1000:.0f} ms, EXPLAIN ANALYZE\n"
                f"    {query['sql'][:600]}\n{plan}"
            )


def profile(client, paths: dict[str, str], count: int) -> None:
    root = f"{_common.ROOT}/"
    for name, path in paths.items():
        profiler = cProfile.Profile()
        profiler.enable()
        for _index in range(count):
            client.get(path)
        profiler.disable()
        for title, order, restrictions in (
            ("all functions by own time", "tottime", (12,)),
            ("project functions by cumulative time", "cumulative", (rf"^{root}(?!\.venv/)", 12)),
        ):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(*restrictions)
            lines = out.getvalue().replace(root, "").replace(sys.prefix + "/", "").splitlines()
            start = next((index for index, line in enumerate(lines) if "ncalls" in line), 0)
            print(f"\ncProfile, {count} x GET {path} ({name}), {title}:")
            print("\n".join(line for line in lines[start:] if line.strip()))


# --- the worker ----------------------------------------------------------------------------------


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def worker_memory(local: Path, schema: str) -> dict:
    """Start a Celery worker, let it run the reminders task for `schema`; its VmRSS in MB."""
    from django.utils import timezone

    from workflow.tasks import committee_reminders_send_task

    broker = local / "broker"
    # The messages setup queued (welcome e-mail, policy PDF) are not what is measured.
    for message in broker.glob("*.msg"):
        message.unlink()
    log = local / "worker.log"
    worker = _common.worker_start(log)
    try:
        idle = float("nan")
        for _attempt in range(600):  # at most 60 s to start
            if worker.poll() is not None:
                break
            if b"ready" in log.read_bytes():
                idle = rss_mb(worker.pid)
                break
            time.sleep(0.1)
        started = time.perf_counter()
        committee_reminders_send_task.apply_async(
            kwargs={"on": timezone.localdate().isoformat()}, headers={"_schema_name": schema}
        )
        line = ""
        for _attempt in range(1200):  # at most 120 s for the task
            if worker.poll() is not None:
                break
            text = log.read_text(errors="replace")
            if WORKER_LINE in text:
                line = next(row for row in text.splitlines() if WORKER_LINE in row)
                line = line[line.index(WORKER_LINE) :].split('"')[0]
                break
            time.sleep(0.1)
        seconds = time.perf_counter() - started
        after = rss_mb(worker.pid) if worker.poll() is None else float("nan")
        if not line:
            print(log.read_text(errors="replace")[-3000:], file=sys.stderr)
    finally:
        _common.worker_stop(worker)
    return {"idle": idle, "after": after, "line": line, "seconds": seconds}


if __name__ == "__main__":
    sys.exit(main())
