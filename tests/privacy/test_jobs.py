"""The daily privacy jobs: reminders of data-subject requests due within seven days or
overdue (once each), and the retention rule (once a day, with its report); each association's
task touches only its own rows."""

import datetime

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.utils import timezone
from django_tenants.utils import schema_context

from common import clock as platform_clock
from platform_core.celery import app
from privacy import tasks
from privacy.anonymise import PLACEHOLDER_NAME
from privacy.models import (
    Anonymisation,
    DataSubjectRequest,
    LegalHold,
    RequestReminder,
    RetentionRun,
)
from tests.helpers import client_for, open_case, person
from tests.privacy.conftest import in_schema, page
from workflow.models import Beneficiary, CaseStatus


def TODAY() -> datetime.date:
    """The day the daily jobs run for: Riyadh's, by the platform's clock (stopped in tests)."""
    return timezone.localdate(platform_clock.now())


DAY = datetime.timedelta(days=1)


def _request(n: int, *, received_days_ago: int, status: str = "received") -> DataSubjectRequest:
    received = TODAY() - received_days_ago * DAY
    return DataSubjectRequest.objects.create(
        kind="access",
        status=status,
        requester_name=f"صاحب الطلب {n}",
        requester_national_id=person(n)["national_id"],
        received_on=received,
        due_on=received + 30 * DAY,
        recorded_by="staff@example.org",
    )


def _dispatch(monkeypatch) -> list[tuple[str, str, dict]]:
    sent = []
    for task in (tasks.subject_request_reminders_send_task, tasks.retention_apply_task):
        monkeypatch.setattr(
            task,
            "apply_async",
            lambda *, kwargs, headers, task=task: sent.append(
                (task.name, headers["_schema_name"], kwargs)
            ),
        )
    tasks.privacy_daily_dispatch_task.run()
    return sent


def test_admins_are_reminded_once_of_requests_due_soon_and_overdue(
    alpha, beta, monkeypatch, mailoutbox
):
    with in_schema(alpha):
        soon = _request(1, received_days_ago=27)  # due in 3 days
        late = _request(2, received_days_ago=35)  # 5 days late
        _request(3, received_days_ago=10)  # due in 20 days
        _request(4, received_days_ago=40, status="completed")  # answered: no reminder
    with in_schema(beta):
        beta_late = _request(5, received_days_ago=31)
    ours = {alpha.association.schema_name, beta.association.schema_name}

    for _run in range(2):  # beat twice the same day, and each task run twice
        messages = [m for m in _dispatch(monkeypatch) if m[1] in ours]
        assert {(name, schema) for name, schema, _kw in messages} >= {
            ("privacy.subject_request_reminders_send", schema) for schema in ours
        }
        for name, schema, kwargs in messages:
            if name == "privacy.subject_request_reminders_send":
                with schema_context(schema):
                    tasks.subject_request_reminders_send_task.run(**kwargs)

    alpha_mails = [m for m in mailoutbox if m.to == [alpha.admin_email]]
    beta_mails = [m for m in mailoutbox if m.to == [beta.admin_email]]
    assert len(alpha_mails) == 2 and len(beta_mails) == 1
    [due_soon] = [m for m in alpha_mails if "due soon" in m.subject]
    [overdue] = [m for m in alpha_mails if "overdue" in m.subject]
    assert f"/app/privacy/requests/{soon.pk}/" in due_soon.body
    assert f"/app/privacy/requests/{late.pk}/" not in due_soon.body
    assert f"/app/privacy/requests/{late.pk}/" in overdue.body
    assert "alpha.localhost" in overdue.body
    assert "alpha" not in beta_mails[0].body
    assert f"/app/privacy/requests/{beta_late.pk}/" in beta_mails[0].body
    with in_schema(alpha):
        assert sorted(RequestReminder.objects.values_list("request_id", "kind")) == sorted(
            [(soon.pk, "due_soon"), (late.pk, "overdue")]
        )
        assert RequestReminder.objects.get(kind="overdue").recipients == [alpha.admin_email]


def test_beat_runs_the_privacy_dispatcher_every_morning():
    [entry] = [
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "privacy.daily_dispatch"
    ]
    assert entry["task"] in app.tasks
    assert entry["schedule"] == crontab(hour=5, minute=30)


def test_admins_set_the_retention_rule_within_its_bounds(alpha, admin, staff):
    for bad in ("0", "51", "abc", "-3"):
        response = admin.post("/app/settings/privacy/retention/?lang=en", {"years": bad})
        assert response.status_code == 400, bad
        assert "from 1 to 50" in page(response)
    assert staff.post("/app/settings/privacy/retention/", {"years": "5"}).status_code == 403
    assert admin.post("/app/settings/privacy/retention/", {"years": "5"}).status_code == 302
    assert "more than 5 years ago" in page(admin.get("/app/settings/privacy/?lang=en"))
    assert admin.post("/app/settings/privacy/retention/", {"years": ""}).status_code == 302
    assert "The retention rule is off" in page(admin.get("/app/settings/privacy/?lang=en"))


def _ended(tenant, n: int, years_ago: float, **fields):
    ended_at = platform_clock.now() - datetime.timedelta(days=round(365.25 * years_ago))
    return open_case(tenant, who=person(n), status=CaseStatus.CLOSED, closed_at=ended_at, **fields)


def test_retention_anonymises_once_a_day_and_reports_what_it_skipped(
    alpha, beta, alpha_policy, admin
):
    from tests.helpers import POLICY, publish

    publish(beta, data=POLICY)
    old = _ended(alpha, 100, 3)
    held = _ended(alpha, 101, 3)
    busy = _ended(alpha, 102, 3)
    open_case(alpha, who=person(102))  # and an open case
    recent = _ended(alpha, 103, 1)
    mixed = _ended(alpha, 104, 3)
    _ended(alpha, 104, 0.5)  # a second case of the same person, recent
    no_time = _ended(alpha, 106, 3)
    open_case(alpha, who=person(106), status=CaseStatus.WITHDRAWN)  # recent, no closing time
    with in_schema(alpha):
        hold = LegalHold.objects.create(
            beneficiary_id=held.beneficiary_id, reason="نزاع", set_by="a@x", set_at=timezone.now()
        )
    beta_old = _ended(beta, 105, 3)
    admin.post("/app/settings/privacy/retention/", {"years": "2"})
    client_for(beta, email=beta.admin_email).post(
        "/app/settings/privacy/retention/", {"years": "2"}
    )

    # Beta's task first: it erases beta's own old beneficiary and nothing of alpha's.
    with in_schema(beta):
        beta_run = RetentionRun.objects.get(
            pk=tasks.retention_apply_task.run(on=TODAY().isoformat())
        )
        assert (beta_run.anonymised, beta_run.skipped) == (1, 0)
        assert Beneficiary.objects.get(pk=beta_old.beneficiary_id).full_name == PLACEHOLDER_NAME
    with in_schema(alpha):
        assert not Anonymisation.objects.exists() and not RetentionRun.objects.exists()
        assert Beneficiary.objects.get(pk=old.beneficiary_id).full_name == person(100)["full_name"]

    runs = []
    for _ in range(2):
        with in_schema(alpha):
            runs.append(tasks.retention_apply_task.run(on=TODAY().isoformat()))
            # Released between the two runs: the day's run is done all the same.
            LegalHold.objects.filter(pk=hold.pk).update(released_at=timezone.now())

    assert runs[0] == runs[1]
    with in_schema(alpha):
        run = RetentionRun.objects.get()
        assert (run.run_on, run.years, run.anonymised, run.skipped) == (TODAY(), 2, 1, 2)
        assert run.skipped_reasons == {"legal_hold": 1, "open_case": 1}
        names = dict(Beneficiary.objects.values_list("pk", "full_name"))
        assert names[old.beneficiary_id] == PLACEHOLDER_NAME
        for untouched in (held, busy, recent, mixed, no_time):
            assert names[untouched.beneficiary_id] != PLACEHOLDER_NAME
        assert Anonymisation.objects.get().source == "retention"
    with in_schema(beta):
        assert RetentionRun.objects.get().pk == beta_run.pk  # alpha's run wrote nothing there

    report = page(admin.get("/app/settings/privacy/?lang=en"))
    assert "legal hold: 1" in report and "open case: 1" in report


@pytest.mark.parametrize(
    ("utc", "day"),
    [
        ((2026, 9, 16, 20, 59, 59), "2026-09-16"),  # 23:59:59 on Wednesday in Riyadh
        ((2026, 9, 16, 21, 0, 0), "2026-09-17"),  # midnight in Riyadh, still the 16th in UTC
    ],
)
def test_the_daily_privacy_jobs_run_for_the_day_in_riyadh_across_its_midnight(
    alpha, monkeypatch, clock, utc, day
):
    clock.at = datetime.datetime(*utc, tzinfo=datetime.UTC)
    sent = [(name, kwargs) for name, schema, kwargs in _dispatch(monkeypatch)]
    assert sent.count(("privacy.subject_request_reminders_send", {"on": day})) >= 1
    assert sent.count(("privacy.retention_apply", {"on": day})) >= 1
    assert all(kwargs == {"on": day} for _name, kwargs in sent)
