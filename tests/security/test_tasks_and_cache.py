"""Isolation off the request path: Celery tasks sent with the wrong schema, and cache keys."""

from __future__ import annotations

import datetime
import inspect

from django.core import mail
from django.core.cache import cache
from django.utils import timezone

from platform_core.celery import app
from tests.helpers import POLICY, client_for, publish
from tests.security.attack import fingerprint_changes, schema_fingerprint
from tests.security.summary import record

# Each task of ours that works in an association's schema, with alpha's ids for its arguments.
ALPHAS_ARGUMENTS = {
    "accounts.member_welcome_send": lambda w: {"user_id": w.extra["admin_id"]},
    "publishing.policy_documents_render": lambda w: {"number": w.policy_number},
    "workflow.committee_reminders_send": lambda w: {"on": _today()},
    # It carries its text and no id: it can only send what its sender already knew.
    "workflow.beneficiary_email_send": lambda w: {
        "to": "attacker@beta.example",
        "subject": "x",
        "body": "x",
    },
    "privacy.retention_apply": lambda w: {"on": _in_years(20)},
    "privacy.subject_request_reminders_send": lambda w: {"on": _in_years(1)},
    "breaches.breach_reminders_send": lambda w: {"now": timezone.now().isoformat()},
    "complaints.complaint_reminders_send": lambda w: {"on": _in_years(1)},
    "notifications.sms_send": lambda w: {"message_id": w.extra["sms_id"]},
    "workflow.policy_notice_plan": lambda w: {"number": w.policy_number},
    "workflow.policy_notice_send": lambda w: {
        "number": 1,
        "first_id": w.extra["notice_id"],
        "last_id": w.extra["notice_id"],
    },
}
# Tasks that never run in an association's schema: beat's dispatchers (no arguments, they send
# one message per association) and the platform's own work on public tables (Stripe events,
# the console's provisioning and exports), which names its association in its public row.
PLATFORM_TASKS = {
    "workflow.committee_reminders_dispatch": "dispatcher",
    "privacy.daily_dispatch": "dispatcher",
    "breaches.breach_reminders_dispatch": "dispatcher",
    "complaints.complaint_reminders_dispatch": "dispatcher",
    "billing.stripe_events_retry": "dispatcher",
    "console.usage_snapshots_refresh": "dispatcher",
    "billing.stripe_event_process": "public table (billing.StripeEvent)",
    "console.association_provision_run": "public table (console.ProvisioningJob)",
    "tenants.association_export_run": "public table (the console's export of an association)",
    "notifications.sms_routes_prune": "public table (tenants.SmsMessageRoute), no ids",
}


def _today() -> str:
    return timezone.localdate().isoformat()


def _in_years(years: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=365 * years)).isoformat()


def _our_tasks() -> dict:
    app.loader.import_default_modules()
    return {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}


def test_every_task_given_betas_schema_and_alphas_ids_touches_and_tells_nothing_of_alpha(
    world, beta
):
    from accounts.models import User

    with _in(world.schema):
        world.extra["admin_id"] = User.objects.get(email=world.alpha.admin_email).pk
    tasks = _our_tasks()
    unknown = sorted(set(tasks) - set(ALPHAS_ARGUMENTS) - set(PLATFORM_TASKS))
    assert not unknown, (
        f"Tasks with no entry in tests/security/test_tasks_and_cache.py: {unknown}. Add alpha's "
        "arguments to ALPHAS_ARGUMENTS (or, for a task that never runs in an association's "
        "schema, a reason to PLATFORM_TASKS)."
    )
    stale = sorted((set(ALPHAS_ARGUMENTS) | set(PLATFORM_TASKS)) - set(tasks))
    assert not stale, f"entries for tasks that no longer exist: {stale}"
    for name, reason in PLATFORM_TASKS.items():
        if reason == "dispatcher":
            # Nothing to aim at an association: they take no ids at all, at most the day to run
            # for (a date, the same for every association).
            assert set(inspect.signature(tasks[name].run).parameters) <= {"on"}, name

    markers = world.markers()
    before = schema_fingerprint(world.schema)
    mail.outbox.clear()
    outcomes = {}
    for name, arguments in ALPHAS_ARGUMENTS.items():
        result = tasks[name].apply(
            kwargs=arguments(world), headers={"_schema_name": beta.association.schema_name}
        )
        outcomes[name] = result.state
        told = [str(result.result)] + [m.subject + m.body + " ".join(m.to) for m in mail.outbox]
        for marker_name, marker in markers.items():
            assert not any(marker.decode() in text for text in told), (
                f"{name} in beta's schema told alpha's {marker_name}"
            )
    changed = fingerprint_changes(before, schema_fingerprint(world.schema))
    assert not changed, f"tasks sent for beta changed alpha's tables: {changed}"
    # Alpha's things were there to be hit: the same tasks in alpha's schema do act on them.
    hit = app.tasks["privacy.subject_request_reminders_send"].apply(
        kwargs={"on": _in_years(1)}, headers={"_schema_name": world.schema}
    )
    assert hit.state == "SUCCESS", hit.result
    assert fingerprint_changes(before, schema_fingerprint(world.schema)), "alpha not reachable"
    record(
        "tasks",
        f"{len(ALPHAS_ARGUMENTS)} association tasks sent with beta's schema and alpha's ids "
        f"({sum(s == 'SUCCESS' for s in outcomes.values())} ran, the rest refused); "
        f"{len(PLATFORM_TASKS)} platform tasks take no association ids; alpha changed 0, leaks 0",
    )


def _in(schema: str):
    from django_tenants.utils import schema_context

    return schema_context(schema)


def _local_keys() -> list[str]:
    # The tests' cache is Django's local-memory one, whose keys can be listed.
    return list(cache._cache.keys())


def test_every_cache_key_written_for_alpha_carries_alphas_schema(world, beta):
    publish(beta, data=POLICY)  # same version number as alpha's: the page keys would collide
    cache.clear()
    visitor = client_for(world.alpha)
    for path in ("/", "/policy/", f"/policy/{world.policy_number}/", "/policy/?lang=en"):
        assert visitor.get(path).status_code == 200
    visitor.post("/request/", {"summary": "x"})  # the public form's rate limit
    visitor.get(f"/request/{world.reference}/?token=wrong")  # the wrong-link counter
    visitor.post("/accounts/login/", {"login": world.alpha.admin_email, "password": "wrong-pw"})
    keys = _local_keys()
    assert len(keys) >= 5, keys
    strays = [key for key in keys if not key.startswith(f"{world.schema}:")]
    assert not strays, f"cache keys written for alpha without alpha's schema: {strays}"

    page = client_for(beta).get("/policy/")
    assert page.status_code == 200
    assert world.markers()["policy extra text"] not in page.content
    assert all(
        key.startswith((f"{world.schema}:", f"{beta.association.schema_name}:"))
        for key in _local_keys()
    )
    record(
        "cache",
        f"{len(keys)} cache keys written by alpha's pages, form, links and sign-in: all carry "
        "alpha's schema; beta's same-numbered policy page is beta's own",
    )
