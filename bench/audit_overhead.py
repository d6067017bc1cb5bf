"""What the access trail costs the case page: the same request with recording on and off.

    .venv/bin/python bench/audit_overhead.py [--requests 400] [--rounds 10]

Works in its own database, bench_audit unless DATABASE_URL names another bench_* one, and drops
it at the end. Setup: static files collected into a throwaway STATIC_ROOT; the association of
bench/cases.py (provisioned by migrations, its policy published, a staff member), one case opened
through workflow.services.case_open.

Variants, in-process (django.test.Client, whole middleware stack, one connection, the staff
member logged in), `--requests` each split into `--rounds` rounds, every variant once per round
in alternating order, after an unrecorded warm-up:
- GET /app/cases/<id>/ with recording on (one INSERT into audit_accessrecord);
- the same with recording switched off in this process (AccessRecord.objects.create patched to
  do nothing): the baseline.

Figures: queries per request (one request, Django's cursor wrapper), p50/p95 ms, and the ratio
of time per request on ÷ off in the same round (median over rounds).
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import time
from pathlib import Path
from unittest import mock

import _common
import cases

DATABASE = "bench_audit"
WARM_UP = 20


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400, help="recorded requests per variant")
    parser.add_argument("--rounds", type=int, default=10, help="rounds the requests are split into")
    args = parser.parse_args()
    args.rounds = max(1, min(args.rounds, args.requests))

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
        return run(args)
    finally:
        from django.db import connections

        connections.close_all()
        _common.database_drop(url)


def run(args) -> int:
    _common.django_start()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_tenants.utils import schema_context

    from audit.models import AccessRecord
    from workflow.services import case_open

    association, staff = cases.provision()
    with schema_context(association.schema_name):
        case, _token = case_open(
            channel="interview",
            beneficiary={
                "national_id": cases.national_id(1),
                "full_name": "م",
                "phone": "0550000001",
            },
            summary="طلب",
            consent=True,
            actor=staff,
        )
    client = Client(HTTP_HOST=association.primary_host)
    with schema_context(association.schema_name):
        client.force_login(staff)
    path = f"/app/cases/{case.pk}/"

    def get() -> float:
        started = time.perf_counter()
        response = client.get(path)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.status_code
        return elapsed

    def off():
        return mock.patch.object(AccessRecord.objects, "create", lambda **_fields: None)

    for _ in range(WARM_UP):
        get()
        with off():
            get()
    queries = {}
    with CaptureQueriesContext(connection) as on_queries:
        get()
    queries["on"] = len(on_queries)
    with off(), CaptureQueriesContext(connection) as off_queries:
        get()
    queries["off"] = len(off_queries)
    inserts = [q["sql"] for q in on_queries if "audit_accessrecord" in q["sql"]]
    per_round = args.requests // args.rounds
    times: dict[str, list[float]] = {"on": [], "off": []}
    ratios = []
    for number in range(args.rounds):
        totals = {}
        for variant in ("on", "off") if number % 2 == 0 else ("off", "on"):
            if variant == "off":
                with off():
                    measured = [get() for _ in range(per_round)]
            else:
                measured = [get() for _ in range(per_round)]
            times[variant] += measured
            totals[variant] = sum(measured)
        ratios.append(totals["on"] / totals["off"])
    with schema_context(association.schema_name):
        recorded = AccessRecord.objects.count()

    print(f"machine: {_common.machine()}")
    print(f"GET {path}: {per_round * args.rounds} requests per variant in {args.rounds} rounds")
    print(f"{'variant':<14} {'queries':>7} {'p50 ms':>8} {'p95 ms':>8}")
    for variant in ("off", "on"):
        ms = [t * 1000 for t in times[variant]]
        print(
            f"{'recording ' + variant:<14} {queries[variant]:>7} "
            f"{_common.percentile(ms, 50):>8.2f} {_common.percentile(ms, 95):>8.2f}"
        )
    print(
        f"time per request on ÷ off: {_common.median(ratios):.3f}x "
        f"(rounds {min(ratios):.3f}–{max(ratios):.3f}); "
        f"queries added: {queries['on'] - queries['off']} ({len(inserts)} INSERT); "
        f"access records written: {recorded:,}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
