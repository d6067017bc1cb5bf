"""The public policy page and its PDF against a static file served by the same server, in one run.

    .venv/bin/python bench/policy_page.py [--requests 400] [--rounds 8] [--threads 4]
                                          [--workers 2] [--profile 0] [--keep] [--reuse]

Works in its own database, bench_policy unless DATABASE_URL names another bench_* one, and drops
it at the end (unless --keep; --reuse starts from what a --keep run left, migrating whatever is
missing, which saves the setup's minutes on a busy machine). Setup: the public schema migrated;
static files collected, hashed and compressed as in production, into a throwaway STATIC_ROOT
(the API docs' bundles left out); one association provisioned (workspace.provisioning) and its
policy configured, approved and published (publishing.services). No Celery worker runs, so the first
GET /policy.pdf renders the PDF (WeasyPrint) and keeps it (PolicyDocument).

Baseline: the hashed stylesheet /static/css/mustafid.<hash>.css, served by WhiteNoise in the same
middleware stack, measured in the same run. Variants, each `--requests` times, split into
`--rounds` rounds (every variant once per round, in rotating order, so that the load of a shared
machine falls on all of them alike), after an unrecorded warm-up:
- GET /healthz on the same host: a view with no query and no template, for reference (what any
  page served through the whole stack could reach at best);
- GET /policy/ on `<slug>.localhost` (the published version, Arabic);
- GET /policy.pdf once the PDF is made (a FileResponse of the kept file);
- GET /api/v1/policy/, the public policy API (its JSON kept per version and language);
- GET /api/v1/cases/ with the admin's API token: the authenticated case list API, one page
  of the 40 cases opened through the service (the trial plan allows 50 open): token lookup, the
  page, its count, the access record's INSERT, serialising 40 cases.

The first render of a long policy (`--long-pages`, 20 by default: the same association's next
version with that many pages' worth of paragraphs) is timed as the worker renders it at
publication (publishing.tasks, both languages, in this process), against the worker's render of
the one-page version timed in the same process just before it.

(a) in-process: django.test.Client, the whole middleware stack, one process, one connection
    (the test client keeps it open: no CONN_HEALTH_CHECKS query per request). The first
    render of the PDF is timed on its own: cold (WeasyPrint imported, fonts loaded) in Arabic,
    then warm in English.
(b) over HTTP on loopback: gunicorn (sync workers, `--workers`) against the same database, and a
    closed loop of `--threads` Python threads in this process (http.client, Host header;
    the sync worker closes the connection after each response, so every request connects).
    The threads share the machine with the workers and PostgreSQL; their cost is the same per
    request for every variant, so the ratio is the figure to read, not the req/s.

Figures: latency p50/p95 per request (ms), throughput (req/s, over the recorded batches) and
throughput as a ratio to the static file's in the same round (median and range over rounds).
`--profile N` adds cProfile's top functions over N in-process requests of /policy/.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import http.client
import io
import os
import pstats
import secrets
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import _common

DATABASE = "bench_policy"
SLUG = "bench-policy"
PASSWORD = "Bench-policy-page-2024!"  # noqa: S105 - a throwaway password in a throwaway database
PREAMBLE_EXTRA = "<p>نلتزم <strong>بالشفافية</strong> مع المستفيدين.</p>"  # sanitised on render
WARM_UP = 30  # unrecorded requests per variant (per thread over HTTP: WARM_UP // threads)
CASES = 40  # opened for the authenticated case list API (the trial plan allows 50 open)
# Extra request headers by path: the case list API's token.
HEADERS: dict[str, dict[str, str]] = {}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400, help="recorded requests per variant")
    parser.add_argument("--rounds", type=int, default=8, help="rounds the requests are split into")
    parser.add_argument("--threads", type=int, default=4, help="client threads over HTTP")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--profile", type=int, default=0, help="profile N requests of /policy/")
    parser.add_argument(
        "--long-pages", type=int, default=20, help="pages of the long policy whose render is timed"
    )
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    parser.add_argument(
        "--reuse", action="store_true", help="use the database a --keep run left (migrated first)"
    )
    args = parser.parse_args()
    args.rounds = max(1, min(args.rounds, args.requests))

    setup_started = time.perf_counter()
    url = _common.environment_set(DATABASE)
    local = Path(os.environ["MUSTAFID_LOCAL_DIR"])
    os.environ["STATIC_ROOT"] = str(local / "static")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(40))
    # The welcome and PDF tasks are queued on publish; nothing consumes them here.
    (local / "broker" / "control").mkdir(parents=True)
    # One full tenant migration, straight into the association's schema (no base schema to
    # migrate and then clone): what is measured here does not depend on how it was made.
    os.environ["ASSOCIATION_PROVISIONING"] = "migrate"
    _common.database_prepare(url, fresh=not args.reuse)
    if args.reuse:  # whatever the migrations added since, in every schema present
        subprocess.run(
            [_common.PYTHON, "manage.py", "migrate_schemas", "--tenant", "--noinput", "-v", "0"],
            cwd=_common.ROOT,
            check=True,
        )
    # Without the API docs' bundles (30 MB, whose Brotli compression takes minutes on a busy
    # machine): WhiteNoise finds a file by its URL in a dict, whatever else it holds.
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


def provision() -> str:
    """One association with its policy published (unless a kept database has them); its host."""
    from django_tenants.utils import schema_context

    from publishing import services as publishing
    from publishing.models import PolicyVersion
    from tenants.models import Association
    from workspace.provisioning import association_provision

    association = Association.objects.filter(slug=SLUG).first()
    if association is None:
        association, _admin = association_provision(
            slug=SLUG,
            name_ar="جمعية القياس الخيرية",
            name_en="Benchmark Charity",
            admin_email=f"admin@{SLUG}.example",
            admin_password=PASSWORD,
        )
    with schema_context(association.schema_name):
        if PolicyVersion.objects.exists():
            return association.primary_host
        draft = publishing.policy_draft_update(
            data={
                "channels": ["interview", "phone", "website"],
                "referral_roles": ["social_researcher", "competent_officer"],
                "sections": [
                    {"key": "preamble", "extra_ar": PREAMBLE_EXTRA, "extra_en": PREAMBLE_EXTRA}
                ],
            }
        )
        draft = publishing.policy_draft_approve(
            meeting_number="5",
            approved_on=datetime.date(2024, 8, 14),
            chair_name="د. سعد",
            revision=draft.revision,
        )
        publishing.policy_publish(actor_email=f"admin@{SLUG}.example", revision=draft.revision)
    return association.primary_host


def cases_open() -> str:
    """CASES cases opened through the service (the first run only); an API token of the admin."""
    from cases import national_id
    from django_tenants.utils import schema_context

    from accounts.models import User
    from accounts.tokens import api_token_create
    from tenants.models import Association
    from workflow.models import Case
    from workflow.services import case_open

    association = Association.objects.get(slug=SLUG)
    with schema_context(association.schema_name):
        admin = User.objects.get(email=f"admin@{SLUG}.example")
        for index in range(Case.objects.count(), CASES):
            case_open(
                channel="interview",
                beneficiary={
                    "national_id": national_id(index + 1),
                    "full_name": f"مستفيد {index}",
                    "phone": f"05{index + 50_000_000:08d}",
                },
                summary="طلب مساعدة",
                consent=True,
                actor=admin,
            )
        return api_token_create(user=admin, name="bench")[1]


def run(args, local: Path, setup_started: float) -> int:
    _common.django_start()
    from django.templatetags.static import static
    from django.test import Client

    host = provision()
    setup = time.perf_counter() - setup_started
    static_path = static("css/mustafid.css")
    variants = {
        "static file (baseline)": static_path,
        "no-query view /healthz": "/healthz",
        "policy page /policy/": "/policy/",
        "policy PDF /policy.pdf": "/policy.pdf",
        "policy API /api/v1/policy/": "/api/v1/policy/",
        "case list API (token)": "/api/v1/cases/",
    }
    HEADERS["/api/v1/cases/"] = {"Authorization": f"Token {cases_open()}"}

    print(f"machine: {_common.machine()}")
    print(
        f"association: {host}; baseline: {static_path}; {args.requests} requests per variant "
        f"in {args.rounds} rounds, after {WARM_UP} unrecorded; setup (migrate, collectstatic, "
        f"provision, publish) {setup:.0f} s"
    )

    # --- the PDF's first render ---------------------------------------------------------------
    client = Client(HTTP_HOST=host)
    first = {}
    for label, language in (("cold process, ar", "ar"), ("warm process, en", "en")):
        # A client of its own: ?lang=en leaves a cookie behind.
        seconds, status, size = fetch(Client(HTTP_HOST=host), f"/policy.pdf?lang={language}")
        first[label] = (seconds, status, size)
    again, _status, _size = fetch(client, "/policy.pdf")

    # --- (a) in-process -----------------------------------------------------------------------
    queries = {name: in_process_queries(client, path) for name, path in variants.items()}
    in_process = rounds_run(
        variants, args.rounds, args.requests, lambda path, count: client_batch(client, path, count)
    )
    print("\n(a) in-process: django.test.Client, whole middleware stack, one connection")
    table(in_process, extra={name: f"{queries[name][0]:.0f}" for name in variants}, head="queries")
    sizes = ", ".join(f"{path} {queries[name][1]:,} B" for name, path in variants.items())
    print(f"response sizes: {sizes}")
    for label, (seconds, status, size) in first.items():
        print(f"PDF first render ({label}): {seconds * 1000:,.0f} ms, {status}, {size:,} B")
    print(f"PDF's first serving once made (one request): {again * 1000:.1f} ms")
    worker_renders(host, args.long_pages)

    if args.profile:
        profile(client, "/policy/", args.profile)

    # --- (b) over HTTP ------------------------------------------------------------------------
    port = free_port()
    log = local / "gunicorn.log"
    with open(log, "wb") as output:
        server = subprocess.Popen(
            [_common.PYTHON, "-m", "gunicorn", "platform_core.wsgi"]
            + ["--bind", f"127.0.0.1:{port}", "--workers", str(args.workers)]
            + ["--no-control-socket"],
            cwd=_common.ROOT,
            env=dict(os.environ),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        if not server_ready(port, host, static_path, server):
            print(log.read_text()[-4000:], file=sys.stderr)
            return 1
        over_http = rounds_run(
            variants,
            args.rounds,
            args.requests,
            lambda path, count: http_batch(port, host, path, count, args.threads),
        )
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    print(
        f"\n(b) over HTTP: gunicorn, {args.workers} sync workers, 127.0.0.1:{port}; "
        f"{args.threads} client threads, closed loop"
    )
    table(over_http)
    print(
        "\np50/p95 = latency per request; req/s = recorded requests over the recorded batches' "
        "wall time; ratio = the variant's throughput over the static file's in the same round "
        "(median, range over rounds). Issue's targets, for reference: page ≥ 0.50x the static "
        "file's throughput, page p95 < 20 ms in-process, PDF < 50 ms once made."
    )
    return 0


# --- in-process ----------------------------------------------------------------------------------


def fetch(client, path: str) -> tuple[float, int, int]:
    """One GET through the test client, body read; (seconds, status, bytes)."""
    started = time.perf_counter()
    response = client.get(path, headers=HEADERS.get(path, {}))
    # Streaming responses (WhiteNoise's file, FileResponse) close themselves once read.
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return time.perf_counter() - started, response.status_code, len(body)


# About 14 of these paragraphs fill an A4 page of this bench's policy (measured: 8 gave 12 of 20).
LONG_PARAGRAPH = (
    "<p>فقرة إضافية رقم {n} تشرح حقوق المستفيد وواجباته بالتفصيل، وكيف يتقدم بطلبه ويتابعه.</p>"
)
PARAGRAPHS_PER_PAGE = 14


def worker_renders(host: str, pages: int) -> None:
    """The worker's task at publication (both languages' PDFs), timed in this process: for the
    one-page version (its kept PDFs removed first) and for a next version `pages` long."""
    from django_tenants.utils import schema_context

    from publishing import services as publishing
    from publishing.models import PolicyDocument, PolicyDraft, PolicyVersion
    from publishing.tasks import policy_documents_render_task
    from tenants.models import Association

    association = Association.objects.get(slug=SLUG)
    with schema_context(association.schema_name):
        short = PolicyVersion.objects.order_by("number").first().number  # provision()'s
        for document in PolicyDocument.objects.filter(version__number=short):
            document.pdf.delete(save=False)
        timed = {"one-page version": timed_task(policy_documents_render_task, short)}
        # Spread over the sections: a section's extra text holds at most 5,000 characters.
        paragraphs = [LONG_PARAGRAPH.format(n=n) for n in range(pages * PARAGRAPHS_PER_PAGE)]
        keys = [s["key"] for s in PolicyDraft.objects.get().sections if s["key"] != "approval"]
        extras = [paragraphs[index :: len(keys)] for index in range(len(keys))]
        assert all(len("".join(extra)) <= 5000 for extra in extras), "too long for the sections"
        draft = publishing.policy_draft_update(
            data={
                "sections": [
                    {"key": key, "extra_ar": "".join(extra), "extra_en": "".join(extra)}
                    for key, extra in zip(keys, extras, strict=True)
                ]
            }
        )
        draft = publishing.policy_draft_approve(
            meeting_number="6",
            approved_on=datetime.date(2024, 9, 14),
            chair_name="د. سعد",
            revision=draft.revision,
        )
        long = publishing.policy_publish(
            actor_email=f"admin@{SLUG}.example", revision=draft.revision
        )
        timed[f"{pages}-page version"] = timed_task(policy_documents_render_task, long.number)
        counts = {
            document.language: pdf_pages(document.pdf.path)
            for document in PolicyDocument.objects.filter(version__number=long.number)
        }
    base = timed["one-page version"]
    print("\nWorker's render at publication (ar + en PDFs, warm process):")
    for label, seconds in timed.items():
        print(f"  {label}: {seconds * 1000:,.0f} ms, {seconds / base:.2f}x the one-page version")
    print(f"  pages of the long version: {counts}")


def timed_task(task, number: int) -> float:
    started = time.perf_counter()
    assert task(number=number) == 2
    return time.perf_counter() - started


def pdf_pages(path: str) -> int:
    info = subprocess.run(["pdfinfo", path], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def client_batch(client, path: str, count: int) -> tuple[list[float], float, set[int]]:
    latencies, statuses = [], set()
    started = time.perf_counter()
    for _index in range(count):
        seconds, status, _size = fetch(client, path)
        latencies.append(seconds)
        statuses.add(status)
    return latencies, time.perf_counter() - started, statuses


def in_process_queries(client, path: str) -> tuple[float, int]:
    """Warm the variant up; queries per request (Django's cursor wrapper) and the body's size."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _index in range(WARM_UP):
        fetch(client, path)
    with CaptureQueriesContext(connection) as captured:
        _seconds, _status, size = fetch(client, path)
    return len(captured), size


def profile(client, path: str, count: int) -> None:
    """cProfile over `count` requests: the top functions by own time, then the project's own
    functions by cumulative time (where in this code the time goes)."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _index in range(count):
        fetch(client, path)
    profiler.disable()
    root = f"{_common.ROOT}/"
    for title, order, restrictions in (
        ("all functions, by own time", "tottime", (20,)),
        ("the project's functions, by cumulative time", "cumulative", (rf"^{root}(?!\.venv/)", 20)),
    ):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(*restrictions)
        lines = out.getvalue().replace(root, "").replace(sys.prefix + "/", "").splitlines()
        start = next(index for index, line in enumerate(lines) if "ncalls" in line)
        print(f"\ncProfile, {count} x GET {path}, {title}:")
        print("\n".join(line for line in lines[start:] if line.strip()))


# --- over HTTP -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def http_get(connection: http.client.HTTPConnection, host: str, path: str) -> int:
    connection.request("GET", path, headers={"Host": host, **HEADERS.get(path, {})})
    response = connection.getresponse()
    response.read()
    if response.will_close:
        connection.close()
    return response.status


def server_ready(port: int, host: str, path: str, server: subprocess.Popen) -> bool:
    """Whether gunicorn answers within 60 s (polled, bounded)."""
    for _attempt in range(600):
        if server.poll() is not None:
            return False
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            if http_get(connection, host, path) == 200:
                return True
        except OSError:
            time.sleep(0.1)
        finally:
            connection.close()
    return False


def http_batch(
    port: int, host: str, path: str, count: int, threads: int
) -> tuple[list[float], float, set[int]]:
    """`count` GETs from `threads` threads in a closed loop (each sends its next on an answer)."""
    shares = [count // threads + (1 if index < count % threads else 0) for index in range(threads)]
    shares = [share for share in shares if share]
    latencies: list[float] = []
    statuses: set[int | str] = set()
    lock = threading.Lock()
    barrier = threading.Barrier(len(shares) + 1)  # all connected and waiting, then the clock

    def worker(share: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, seen = [], set()
        barrier.wait()
        try:
            for _index in range(share):
                started = time.perf_counter()
                try:
                    seen.add(http_get(connection, host, path))
                except (OSError, http.client.HTTPException) as error:
                    seen.add(type(error).__name__)
                    connection.close()
                mine.append(time.perf_counter() - started)
        finally:
            connection.close()
        with lock:
            latencies.extend(mine)
            statuses.update(seen)

    pool = [threading.Thread(target=worker, args=(share,)) for share in shares]
    for thread in pool:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in pool:
        thread.join()
    return latencies, time.perf_counter() - started, statuses


# --- rounds and reporting ------------------------------------------------------------------------


def rounds_run(variants: dict[str, str], rounds: int, requests: int, batch) -> dict[str, dict]:
    """Warm each variant up, then `rounds` rounds of every variant, in rotating order."""
    names = list(variants)
    for name in names:
        batch(variants[name], WARM_UP)
    sizes = [
        requests // rounds + (1 if index < requests % rounds else 0) for index in range(rounds)
    ]
    results = {
        name: {"latencies": [], "walls": [], "counts": [], "statuses": set()} for name in names
    }
    for index, size in enumerate(sizes):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            latencies, wall, statuses = batch(variants[name], size)
            result = results[name]
            result["latencies"] += latencies
            result["walls"].append(wall)
            result["counts"].append(size)
            result["statuses"] |= statuses
    return results


def table(results: dict[str, dict], *, extra: dict[str, str] | None = None, head: str = "") -> None:
    baseline = next(iter(results))
    base = results[baseline]
    extra_head = f" {head:>7}" if extra else ""
    print(
        f"{'variant':<26} {'p50 ms':>7} {'p95 ms':>7} {'req/s':>7} "
        f"{'ratio':>7} {'range':>11}{extra_head}  status"
    )
    for name, result in results.items():
        p = _common.percentile
        ms = [seconds * 1000 for seconds in result["latencies"]]
        # Throughput ratio per round: the baseline's time per request over the variant's.
        ratios = [
            (base_wall / base_count) / (wall / count)
            for wall, count, base_wall, base_count in zip(
                result["walls"], result["counts"], base["walls"], base["counts"], strict=True
            )
        ]
        rate = sum(result["counts"]) / sum(result["walls"])
        extra_cell = f" {extra[name]:>7}" if extra else ""
        print(
            f"{name:<26} {p(ms, 50):>7.2f} {p(ms, 95):>7.2f} {rate:>7.0f} "
            f"{_common.median(ratios):>6.2f}x {min(ratios):>5.2f}–{max(ratios):<5.2f}{extra_cell}"
            f"  {','.join(str(status) for status in sorted(result['statuses'], key=str))}"
        )


if __name__ == "__main__":
    sys.exit(main())
