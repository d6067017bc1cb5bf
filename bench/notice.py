"""The notice of a new policy version to 10,000 beneficiaries of one association, dispatched by a
real Celery worker through the fake Unifonic, against one text message sent in the same run.

    .venv/bin/python bench/notice.py [--beneficiaries 10000] [--keep]

Works in its own database, bench_notice unless DATABASE_URL names another bench_* one, and drops
it at the end (unless --keep). Setup: one association provisioned, its policy published, and
`--beneficiaries` beneficiaries each with an open case (COPY, bench/cases.py's rows), each with
its own Saudi mobile; the plan's monthly SMS unlimited; SMS on, through the fake Unifonic
(tests/notifications/fake_unifonic.py) served by this process. Run it between 9:00 and 22:00
Riyadh time: the notice is an awareness message, and its batches wait for those hours.

1. Queries, in this process (each inside a transaction rolled back at the end): one message
   (workflow's kind of call: sms_send_later, then the worker's sms_deliver) against one batch
   of the notice (workflow.policy_notice.policy_notice_send) of 50 and of BATCH people.
2. A real worker (solo pool) started once. One message: logged and enqueued here, the time
   until the worker has handed it to the fake. Then the notice: workflow.policy_notice_plan
   enqueued for the published version (what publishing enqueues), the time until every
   beneficiary's message is handed over. The worker's peak RSS (VmHWM) after each, and its
   RSS idle.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import time
from pathlib import Path

import _common
import cases

DATABASE = "bench_notice"


class _RolledBack(Exception):
    pass


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--beneficiaries", type=int, default=10_000)
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    args = parser.parse_args()

    url = _common.environment_set(DATABASE)
    local = Path(os.environ["MUSTAFID_LOCAL_DIR"])
    os.environ["CELERY_FILESYSTEM_DIR"] = str(local / "broker")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(40))
    os.environ["ASSOCIATION_PROVISIONING"] = "migrate"
    (local / "broker" / "control").mkdir(parents=True)
    # SMS on; the fake's address is known once it runs, after Django has started (below).
    os.environ.update(UNIFONIC_APP_SID="fakeAppSid0123456789", SMS_WEBHOOK_SECRET="bench")
    _common.database_prepare(url, fresh=True)
    try:
        return run(args, local)
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            _common.database_drop(url)


def run(args, local: Path) -> int:
    _common.django_start()
    from django.conf import settings

    from tests.notifications.fake_unifonic import APP_SID, fake_unifonic_running

    with fake_unifonic_running() as fake:
        assert settings.SMS_ENABLED and settings.UNIFONIC_APP_SID == APP_SID
        settings.UNIFONIC_API_BASE = os.environ["UNIFONIC_API_BASE"] = fake.base
        return measure(args, local, fake)


def measure(args, local: Path, fake) -> int:
    from django.db import connection
    from django_tenants.utils import schema_context

    from billing.models import Plan
    from workflow.policy_notice import BATCH

    started = time.perf_counter()
    association, _staff = cases.provision()
    Plan.objects.update(max_sms_segments=None)
    cases.STATUS_SHARES = {"received": 0.6, "in_committee": 0.4}  # every case open
    count = args.beneficiaries
    cases.load(
        association,
        beneficiaries=range(1, count + 1),
        cases=range(1, count + 1),
        total_beneficiaries=count,
    )
    schema = association.schema_name
    with schema_context(schema), connection.cursor() as cursor:
        # One case and one mobile each: every beneficiary is told once.
        cursor.execute("UPDATE workflow_case SET beneficiary_id = id")
        cursor.execute("UPDATE workflow_beneficiary SET phone = '+9665' || lpad(id::text, 8, '0')")
    print(
        f"{_common.machine()}\nsetup: {count:,} beneficiaries with open cases in "
        f"{time.perf_counter() - started:.1f} s"
    )

    with schema_context(schema):
        one = queries_one_message()
        small = queries_batch(50)
        full = queries_batch(BATCH)
    fake.reset()
    print(
        f"\nqueries: one message {one} (log + hand over); one batch of 50 people {small}, "
        f"of {BATCH} people {full} ({full / one:.1f}x one message, {full / BATCH:.3f} a person)"
    )

    worker = worker_run(local, schema, count, fake)
    ratio = worker["notice_seconds"] / worker["one_seconds"]
    print(
        f"\nworker (solo pool), RSS idle {worker['idle']:.0f} MB\n"
        f"one message: {worker['one_seconds'] * 1000:.0f} ms to the provider, "
        f"peak RSS {worker['one_peak']:.0f} MB\n"
        f"notice to {worker['told']:,} people in {worker['batches']} batches: "
        f"{worker['notice_seconds']:.1f} s ({ratio:.0f}x "
        f"one message; {worker['notice_seconds'] / worker['told'] * 1000:.1f} ms a person), "
        f"peak RSS {worker['notice_peak']:.0f} MB "
        f"({worker['notice_peak'] / worker['one_peak']:.2f}x after one message)"
    )
    return 0 if worker["told"] == count else 1


def _counted(work) -> int:
    """Queries `work` makes, in a transaction rolled back after it (nothing it enqueues runs)."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    try:
        with transaction.atomic(), CaptureQueriesContext(connection) as queries:
            work()
            raise _RolledBack
    except _RolledBack:
        pass
    return len(queries)


def queries_one_message() -> int:
    from notifications.services import sms_deliver, sms_send_later

    def work():
        message = sms_send_later(
            event_key="bench:one", kind="bench", phone="+966599999999", text="رسالة", personal=True
        )
        sms_deliver(message_id=message.pk, final_attempt=True)

    return _counted(work)


def queries_batch(size: int) -> int:
    from workflow.models import PolicyNotice
    from workflow.policy_notice import policy_notice_send

    def work():
        made = PolicyNotice.objects.bulk_create(
            [PolicyNotice(number=999, address=f"+96658{n:07d}") for n in range(size)]
        )
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as inner:
            policy_notice_send(number=999, first_id=made[0].pk, last_id=made[-1].pk)
        counts.append(len(inner))

    counts: list[int] = []
    _counted(work)
    return counts[0]


def _memory(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _wait(what: str, predicate, timeout: float) -> float:
    started = time.perf_counter()
    while not predicate():
        if time.perf_counter() - started > timeout:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.02)
    return time.perf_counter() - started


def worker_run(local: Path, schema: str, count: int, fake) -> dict:
    from django.db import close_old_connections
    from django_tenants.utils import schema_context

    from notifications.models import SmsMessage
    from notifications.services import sms_send_later
    from publishing.selectors import policy_latest_number
    from workflow.policy_notice import BATCH
    from workflow.tasks import policy_notice_plan_task

    for message in (local / "broker").glob("*.msg"):
        message.unlink()  # setup's own messages (welcome e-mail, PDFs) are not measured
    log = local / "worker.log"
    worker = _common.worker_start(log)
    try:
        _wait("the worker", lambda: b"ready" in log.read_bytes() or worker.poll() is not None, 300)
        time.sleep(1)
        idle = _memory(worker.pid, "VmRSS")
        with schema_context(schema):
            started = time.perf_counter()
            sms_send_later(
                event_key="bench:worker-one",
                kind="bench",
                phone="+966599999998",
                text="رسالة واحدة",
                personal=True,
            )
            _wait("one message", lambda: len(fake.sent) == 1, 60)
            one_seconds = time.perf_counter() - started
            one_peak = _memory(worker.pid, "VmHWM")
            number = policy_latest_number()
            started = time.perf_counter()
            policy_notice_plan_task.apply_async(
                kwargs={"number": number}, headers={"_schema_name": schema}
            )
            told = SmsMessage.objects.filter(kind="policy_notice", status="sent")
            # Handed over and recorded: the last batch's statuses are written after its calls.
            _wait("the notice", lambda: told.count() >= count, 1800)
            notice_seconds = time.perf_counter() - started
            notice_peak = _memory(worker.pid, "VmHWM")
            close_old_connections()
            told = told.count()
    except SystemExit:
        print(log.read_text(errors="replace")[-3000:], file=sys.stderr)
        raise
    finally:
        _common.worker_stop(worker)
    return {
        "idle": idle,
        "one_seconds": one_seconds,
        "one_peak": one_peak,
        "notice_seconds": notice_seconds,
        "notice_peak": notice_peak,
        "told": told,
        "batches": -(-count // BATCH),
    }


if __name__ == "__main__":
    sys.exit(main())
