"""Faults injected into the live stack (gunicorn, a Celery worker, PostgreSQL): a worker killed
mid-task, and every database connection cut during traffic.

The task used is the committee's daily reminders, made to stop mid-task: another transaction
holds the claim row the task must insert, so the task waits inside its transaction, before
sending anything, until the test kills it. What happens next depends on what was killed:

- the pool process running the task (an out-of-memory kill): with `acks_late` and
  `task_reject_on_worker_lost` the worker gives the message back, with any broker, the default
  folder included, and a new pool process runs it;
- the whole worker (the machine lost): kombu's folder broker deleted the message when the worker
  took it, so it is lost; the next daily dispatch runs the idempotent task again and the
  reminders go out exactly once. With Redis as the broker the message itself comes back after
  the visibility timeout (`test_redis_gives_a_killed_workers_task_back`, run where Redis
  answers).

The Stripe webhook replayed and reordered is proven by tests/billing/test_webhooks.py.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

from tests.live import PYTHON, LiveStack, live_stack_running, require_service
from tests.security.summary import record
from tests.workflow.live_reminders import (
    LIVE_DAY,
    dispatch_reminders,
    live_setup,
    reminder_mails,
    wait_logged,
    worker_reminder_runs,
)

# A Redis database of its own: a worker of another test on the same Redis would take this
# test's message.
REDIS_URL = urlunsplit(
    urlsplit(os.environ.get("MUSTAFID_SERVICES_REDIS_URL", "redis://127.0.0.1:6379/15"))._replace(
        path="/13"
    )
)
FAULTS: dict[str, int] = {}
# What the assertions after the faults checked, counted as they pass.
CHECKED = {"reminder e-mails": 0, "requests after a cut": 0}


def _count(fault: str) -> None:
    FAULTS[fault] = FAULTS.get(fault, 0) + 1


def _record() -> None:
    """The summary line, written only after a test's assertions passed: what was measured."""
    injected = ", ".join(f"{k}: {v}" for k, v in sorted(FAULTS.items()))
    record(
        "faults",
        f"{sum(FAULTS.values())} faults injected ({injected}); then "
        f"{CHECKED['reminder e-mails']} reminder e-mails checked, each received exactly once, "
        f"and {CHECKED['requests after a cut']} requests after a cut, every one answered",
    )


@contextmanager
def _claim_held(stack: LiveStack, schema: str, case_id: int) -> Iterator[psycopg.Connection]:
    """Another run's uncommitted claim on the due-soon reminder of `case_id`: a reminders task in
    `schema` waits on it. Rolled back on leaving, unless the block commits it."""
    with psycopg.connect(stack.database_url) as other_run:
        other_run.execute(
            sql.SQL(
                "INSERT INTO {}.workflow_reminder (case_id, kind, sent_at, recipients)"
                " VALUES (%s, 'due_soon', now(), '[]')"
            ).format(sql.Identifier(schema)),
            [case_id],
        )
        yield other_run
        other_run.rollback()


def _waiting(stack: LiveStack) -> set[int]:
    """The database backends of reminders tasks waiting on the held claim."""
    return {
        pid
        for (pid,) in stack.sql(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND query LIKE %s",
            ["INSERT INTO%workflow_reminder%"],
        )
    }


def _task_waiting(stack: LiveStack) -> bool:
    return bool(_waiting(stack))


def _send_reminders(stack: LiveStack, schema: str) -> None:
    stack.manage(
        "shell",
        "-c",
        "from workflow.tasks import committee_reminders_send_task as task; "
        f"task.apply_async(kwargs={{'on': {LIVE_DAY.isoformat()!r}}}, "
        f"headers={{'_schema_name': {schema!r}}})",
    )


def _worker(stack: LiveStack, *pool: str) -> subprocess.Popen:
    """Another worker on the stack's broker and database, logging to the worker's log."""
    log = stack.logs["worker"].open("a")
    return subprocess.Popen(
        [PYTHON, "-m", "celery", "-A", "platform_core.celery", "worker", *pool]
        + ["--loglevel", "INFO", "--without-mingle", "--without-gossip"],
        cwd=stack.run_dir,
        env=stack.env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _queue_drained(stack: LiveStack) -> None:
    """Wait until a no-op task sent now has run: the worker took what was queued before it."""
    sent = stack.manage(
        "shell",
        "-c",
        "from platform_core.celery import app; "
        "print(app.send_task('celery.accumulate', args=(1,)).id)",
    )
    task_id = sent.stdout.strip().splitlines()[-1]
    wait_logged(
        stack,
        f"the worker to run the no-op task {task_id}",
        lambda: [m for m in stack.log_messages("worker") if f"[{task_id}] succeeded" in m],
    )


def _readies(stack: LiveStack) -> int:
    return sum(bool(re.search(r"@\S+ ready\.", m)) for m in stack.log_messages("worker"))


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def _told_once(stack: LiveStack, association: dict) -> None:
    """Each committee member got one due-soon e-mail, each admin one overdue e-mail."""
    for kind, people in (("due_soon", "committee"), ("overdue", "admins")):
        for address in association[people]:
            mails = reminder_mails(stack, address, kind)
            assert len(mails) == 1, f"{address} got {len(mails)} {kind} e-mails, not one"
    rows = stack.sql(
        sql.SQL(
            "SELECT kind, count(*) FROM {}.workflow_reminder GROUP BY kind ORDER BY kind"
        ).format(sql.Identifier(association["schema"]))
    )
    assert rows == [("due_soon", 1), ("overdue", 1)], rows
    CHECKED["reminder e-mails"] += len(association["committee"]) + len(association["admins"])
    _record()


def test_a_killed_pool_process_gives_its_task_back_and_it_runs_once(live_stack: LiveStack):
    association = live_setup(live_stack, "fault-pool", "جمعية الثبات", "Al-Thabat Society")
    schema = association["schema"]
    readies = _readies(live_stack)
    worker = _worker(live_stack, "--pool", "prefork", "--concurrency", "1")
    try:
        with live_stack.worker_paused():  # the stack's own worker takes nothing meanwhile
            wait_logged(live_stack, "the prefork worker", lambda: _readies(live_stack) > readies)
            with _claim_held(live_stack, schema, association["cases"]["due_soon"][0]):
                _send_reminders(live_stack, schema)
                wait_logged(
                    live_stack, "the task to wait mid-run", lambda: _task_waiting(live_stack)
                )
                first = _waiting(live_stack)
                [child] = _children(worker.pid)
                os.kill(child, signal.SIGKILL)
                _count("pool process killed mid-task")
                wait_logged(
                    live_stack, "the pool to replace it", lambda: child not in _children(worker.pid)
                )
                assert not reminder_mails(live_stack, association["committee"][0], "due_soon")
                # The message came back: the task waits on the claim again, in a new process
                # (the killed one's database backend waits on, unaware, until the claim goes).
                wait_logged(
                    live_stack, "the task to run again", lambda: _waiting(live_stack) - first
                )
            # The other run gave up its claim: the redelivered task claims, sends, commits.
            wait_logged(
                live_stack, "the reminders run", lambda: worker_reminder_runs(live_stack, schema)
            )
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    assert "WorkerLostError" in live_stack.log("worker")
    _told_once(live_stack, association)


def test_a_killed_worker_loses_its_task_and_the_next_dispatch_sends_it_once(
    live_stack: LiveStack,
):
    association = live_setup(live_stack, "fault-host", "جمعية الوفاق", "Al-Wifaq Society")
    schema = association["schema"]
    with _claim_held(live_stack, schema, association["cases"]["due_soon"][0]):
        _send_reminders(live_stack, schema)
        wait_logged(live_stack, "the task to wait mid-run", lambda: _task_waiting(live_stack))
        killed = live_stack.processes["worker"]
        killed.kill()  # SIGKILL: no goodbye, no message given back
        killed.wait()
        _count("worker killed mid-task")
    readies = _readies(live_stack)
    live_stack.processes["worker"] = _worker(live_stack, "--pool", "solo")
    wait_logged(live_stack, "a new worker", lambda: _readies(live_stack) > readies)
    # The folder broker had deleted the message: nothing runs, nothing was sent. The new worker
    # takes the queue oldest first, so once a task sent now has run, the lost one would have.
    _queue_drained(live_stack)
    assert not worker_reminder_runs(live_stack, schema)
    assert not reminder_mails(live_stack, association["committee"][0], "due_soon")
    # The next day's dispatch (run now) sends the reminders, once.
    dispatch_reminders(live_stack)
    wait_logged(live_stack, "the reminders run", lambda: worker_reminder_runs(live_stack, schema))
    dispatch_reminders(live_stack)  # and a repeated dispatch changes nothing
    wait_logged(
        live_stack, "the second run", lambda: len(worker_reminder_runs(live_stack, schema)) >= 2
    )
    _told_once(live_stack, association)


@pytest.mark.integration
def test_redis_gives_a_killed_workers_task_back(tmp_path):
    require_service(REDIS_URL)
    env = {"CELERY_BROKER_URL": REDIS_URL, "CELERY_VISIBILITY_TIMEOUT": "5"}
    with live_stack_running(tmp_path, extra_env=env) as stack:
        association = live_setup(stack, "fault-redis", "جمعية الصمود", "Al-Sumud Society")
        schema = association["schema"]
        with _claim_held(stack, schema, association["cases"]["due_soon"][0]):
            _send_reminders(stack, schema)
            wait_logged(stack, "the task to wait mid-run", lambda: _task_waiting(stack))
            stack.processes["worker"].kill()
            stack.processes["worker"].wait()
            _count("worker killed mid-task (Redis)")
        readies = _readies(stack)
        stack.processes["worker"] = _worker(stack, "--pool", "solo")
        wait_logged(stack, "a new worker", lambda: _readies(stack) > readies)
        # No dispatch: the unacknowledged message itself comes back after the timeout.
        wait_logged(
            stack, "the redelivered task", lambda: worker_reminder_runs(stack, schema), timeout=60
        )
        _told_once(stack, association)


def test_the_site_recovers_from_every_database_connection_cut_without_a_restart(
    live_stack: LiveStack,
):
    http = live_stack.http()
    statuses: list[int] = []
    answers = [0, 0, 0, 0]  # per client: a request in flight at a cut may answer late
    stop = threading.Event()

    def traffic(client: int) -> None:
        # Several clients at once, so that every gunicorn thread holds a connection.
        session = live_stack.http()
        while not stop.is_set():
            try:
                statuses.append(session.get("/readyz").status_code)
            except OSError:
                statuses.append(0)
            answers[client] += 1

    threads = [threading.Thread(target=traffic, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()

    def answered(more: int) -> None:
        """Wait for `more` answers beyond those counted now: traffic, not a fixed time."""
        target = len(statuses) + more
        wait_logged(live_stack, f"{more} more answers", lambda: len(statuses) >= target)

    def each_sent_after_the_cut() -> None:
        """Wait until every client has had two more answers: the request it had in flight at
        the cut (which may fail, and on a busy machine may answer late) and one sent after."""
        targets = [count + 2 for count in answers]
        wait_logged(
            live_stack,
            "two more answers per client",
            lambda: all(done >= target for done, target in zip(answers, targets, strict=True)),
        )

    try:
        answered(20)
        assert set(statuses) == {200}, statuses
        for _round in range(3):
            cut = live_stack.sql(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )[0][0]
            assert cut >= 1
            _count("database connections cut")
            answered(8)  # every client's next requests meet the cut connections
            each_sent_after_the_cut()
        during = len(statuses)
        answered(40)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    after = statuses[during:]
    assert after and set(after) == {200}, f"failed after recovery: {sorted(set(after))}"
    # Each connection is checked before a request reuses it: even right after a cut, pages work,
    # and the worker's next task finds a new connection too.
    assert all(http.get(path).status_code == 200 for path in ("/", "/healthz", "/readyz"))
    dispatch_reminders(live_stack)
    failed_during = sum(status != 200 for status in statuses[:during])
    # Only the requests in flight at a cut may fail: at most one per client per cut.
    assert failed_during <= 4 * 3, f"{failed_during} requests failed during the cuts"
    CHECKED["requests after a cut"] += len(after)
    _record()
    record(
        "faults: database",
        f"3 cuts of every database connection under 4 concurrent clients: {len(statuses)} "
        f"requests, {failed_during} failed while the cut happened (at most 12 allowed), "
        f"{len(after)} after it, 0 failed",
    )
