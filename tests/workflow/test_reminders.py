"""Committee reminders and escalations: who hears of which request, once, in their association;
then the daily job on a real Celery worker, run twice."""

from __future__ import annotations

import datetime
import json
import smtplib
import subprocess

import psycopg
import pytest
from celery.schedules import crontab
from django.conf import settings
from django_tenants.utils import schema_context
from psycopg import sql

from accounts.models import User
from common import reminders as common_reminders
from common.hijri import hijri_with_gregorian
from platform_core.celery import app
from publishing.models import Holiday
from tenants.models import Association
from tests import live
from tests.live import PYTHON, ROOT
from tests.workflow.live_reminders import (
    LIVE_DAY,
    THU,
    case_due,
    dispatch_reminders,
    live_setup,
    reminder_mails,
    wait_logged,
    worker_reminder_runs,
)
from workflow import reminders, tasks
from workflow.models import CaseStatus, Reminder

SAT, SUN, MON, TUE = (THU + datetime.timedelta(days=n) for n in (2, 3, 4, 5))
WED_BEFORE = THU - datetime.timedelta(days=1)

# The live stack of tests/live.py (a fresh database, gunicorn and a real Celery worker), shared
# with the other live tests of the session.
live_stack = live.live_stack


@pytest.fixture
def people(alpha, beta):
    """Alpha: two active committee members, an inactive one, two admins (with the provisioned
    one), a staff member. Beta: its admin and one committee member."""
    with schema_context(alpha.association.schema_name):
        User.objects.create_user("committee@alpha.example", None, role="committee")
        User.objects.create_user("committee2@alpha.example", None, role="committee")
        User.objects.create_user("gone@alpha.example", None, role="committee", is_active=False)
        User.objects.create_user("admin2@alpha.example", None, role="admin")
    with schema_context(beta.association.schema_name):
        User.objects.create_user("committee@beta.example", None, role="committee")
    return {
        "alpha_committee": ["committee2@alpha.example", "committee@alpha.example"],
        "alpha_admins": ["admin2@alpha.example", "admin@alpha.example"],
        "beta_committee": ["committee@beta.example"],
        "beta_admins": ["admin@beta.example"],
    }


def _send(tenant, on: datetime.date) -> dict:
    with schema_context(tenant.association.schema_name):
        return reminders.committee_reminders_send(on=on)


# --- who is told of what --------------------------------------------------------------------------


def test_committee_is_told_of_requests_due_within_two_working_days(alpha, people, mailoutbox):
    with schema_context(alpha.association.schema_name):
        today = case_due(THU)
        sunday = case_due(SUN)  # one working day away, across the weekend
        monday = case_due(MON)  # two working days away
        saturday = case_due(SAT)  # a calendar deadline on the weekend: no working day away
        tuesday = case_due(TUE)  # three working days away: not yet
        decided = case_due(SUN, status=CaseStatus.ACCEPTED)
        undated = case_due(None)  # "as soon as possible": no due date to remind of
    # Plain-text e-mail: a name is written as typed, not HTML-escaped.
    Association.objects.filter(pk=alpha.association.pk).update(name_en="Alpha & Sons' Charity")

    assert _send(alpha, THU) == {"due_soon": 4, "overdue": 0}

    [mail] = mailoutbox
    assert sorted(mail.to) == people["alpha_committee"]
    for case in (today, saturday, sunday, monday):
        assert case.reference in mail.body
        assert alpha.association.url(f"/app/cases/{case.pk}/") in mail.body
    for case in (tuesday, decided, undated):
        assert case.reference not in mail.body
    assert hijri_with_gregorian(SUN, "ar") in mail.body
    assert hijri_with_gregorian(SUN, "en") in mail.body
    assert alpha.association.name_ar in mail.subject
    # Arabic first, English second; the soonest first.
    assert mail.body.index("السلام عليكم") < mail.body.index("To the committee members")
    assert mail.body.index(today.reference) < mail.body.index(sunday.reference)
    assert "To the committee members of Alpha & Sons' Charity," in mail.body
    with schema_context(alpha.association.schema_name):
        assert set(Reminder.objects.values_list("case__reference", "kind")) == {
            (case.reference, "due_soon") for case in (today, saturday, sunday, monday)
        }


def test_overdue_requests_are_escalated_to_the_admins_only(alpha, people, mailoutbox):
    with schema_context(alpha.association.schema_name):
        yesterday = case_due(WED_BEFORE)
        last_week = case_due(THU - datetime.timedelta(days=7))
        not_overdue = case_due(THU)

    assert _send(alpha, SUN) == {"due_soon": 0, "overdue": 3}
    [mail] = mailoutbox
    assert sorted(mail.to) == people["alpha_admins"]
    for case in (yesterday, last_week, not_overdue):
        assert case.reference in mail.body
        assert alpha.association.url(f"/app/cases/{case.pk}/") in mail.body
    assert hijri_with_gregorian(WED_BEFORE, "ar") in mail.body
    # Wednesday's deadline, told on Sunday: Thursday and Sunday are the working days past it.
    assert "2 working days ago" in mail.body
    assert mail.body.index("السلام عليكم") < mail.body.index("To the administrators")


def test_association_holidays_are_days_off(alpha, people, mailoutbox):
    with schema_context(alpha.association.schema_name):
        tuesday = case_due(TUE)
    assert _send(alpha, THU) == {"due_soon": 0, "overdue": 0}

    with schema_context(alpha.association.schema_name):
        Holiday.objects.create(day=SUN, name="إجازة")
    # Sunday off: Monday and Tuesday are the two working days left.
    assert _send(alpha, THU) == {"due_soon": 1, "overdue": 0}
    [mail] = mailoutbox
    assert tuesday.reference in mail.body


# --- once ---------------------------------------------------------------------------------------


def test_running_twice_sends_nothing_twice(alpha, people, mailoutbox):
    with schema_context(alpha.association.schema_name):
        soon, late = case_due(MON), case_due(WED_BEFORE)

    assert _send(alpha, THU) == {"due_soon": 1, "overdue": 1}
    assert _send(alpha, THU) == {"due_soon": 0, "overdue": 0}

    assert len(mailoutbox) == 2
    with schema_context(alpha.association.schema_name):
        rows = {(r.case_id, r.kind): sorted(r.recipients) for r in Reminder.objects.all()}
    assert rows == {
        (soon.pk, "due_soon"): people["alpha_committee"],
        (late.pk, "overdue"): people["alpha_admins"],
    }


def test_each_case_is_reminded_once_and_escalated_once_as_the_days_pass(alpha, people, mailoutbox):
    with schema_context(alpha.association.schema_name):
        sunday, tuesday = case_due(SUN), case_due(TUE)

    assert _send(alpha, THU) == {"due_soon": 1, "overdue": 0}  # Sunday's
    assert _send(alpha, SUN) == {"due_soon": 1, "overdue": 0}  # Tuesday's; Sunday's was told
    assert _send(alpha, MON) == {"due_soon": 0, "overdue": 1}  # Sunday's is late
    assert _send(alpha, TUE + datetime.timedelta(days=7)) == {"due_soon": 0, "overdue": 1}
    assert _send(alpha, TUE + datetime.timedelta(days=8)) == {"due_soon": 0, "overdue": 0}

    bodies = [(sorted(m.to), m.body) for m in mailoutbox]
    assert [(to, sunday.reference in b, tuesday.reference in b) for to, b in bodies] == [
        (people["alpha_committee"], True, False),
        (people["alpha_committee"], False, True),
        (people["alpha_admins"], True, False),
        (people["alpha_admins"], False, True),
    ]


def test_a_failed_send_records_nothing_and_the_next_run_sends(
    alpha, people, mailoutbox, monkeypatch
):
    with schema_context(alpha.association.schema_name):
        case = case_due(MON)

    def mail_server_down(**_kwargs):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr(common_reminders, "send_mail", mail_server_down)
    with pytest.raises(smtplib.SMTPException):
        _send(alpha, THU)
    with schema_context(alpha.association.schema_name):
        assert not Reminder.objects.exists()

    monkeypatch.undo()
    assert _send(alpha, THU) == {"due_soon": 1, "overdue": 0}
    [mail] = mailoutbox
    assert case.reference in mail.body


def test_with_no_active_committee_member_the_reminder_waits_for_one(alpha, people, mailoutbox):
    with schema_context(alpha.association.schema_name):
        case_due(MON)
        User.objects.filter(role="committee").update(is_active=False)
    assert _send(alpha, THU) == {"due_soon": 0, "overdue": 0}
    assert mailoutbox == []

    with schema_context(alpha.association.schema_name):
        User.objects.filter(email="committee@alpha.example").update(is_active=True)
    assert _send(alpha, THU) == {"due_soon": 1, "overdue": 0}
    assert [m.to for m in mailoutbox] == [["committee@alpha.example"]]


# --- each association its own -----------------------------------------------------------------


def test_beta_members_never_receive_alphas_reminders(alpha, beta, people, mailoutbox):
    with schema_context(alpha.association.schema_name):
        alpha_soon, alpha_late = case_due(MON), case_due(WED_BEFORE)
    with schema_context(beta.association.schema_name):
        beta_soon = case_due(SUN)

    assert _send(alpha, THU) == {"due_soon": 1, "overdue": 1}
    assert _send(beta, THU) == {"due_soon": 1, "overdue": 0}

    alpha_mails = [m for m in mailoutbox if alpha_soon.reference in m.body]
    beta_mails = [m for m in mailoutbox if beta_soon.reference in m.body]
    assert len(alpha_mails) == 1 and len(beta_mails) == 1 and len(mailoutbox) == 3
    [beta_mail] = beta_mails
    assert beta_mail.to == people["beta_committee"]
    assert beta.association.name_ar in beta_mail.subject
    assert alpha.association.name_ar not in beta_mail.subject + beta_mail.body
    assert beta.association.url(f"/app/cases/{beta_soon.pk}/") in beta_mail.body
    beta_people = set(people["beta_committee"] + people["beta_admins"])
    for mail in mailoutbox:
        if mail is not beta_mail:
            assert not beta_people & set(mail.to), mail.to
            assert beta_soon.reference not in mail.body
    assert any(alpha_late.reference in m.body for m in mailoutbox if m.to == people["alpha_admins"])


def test_dispatcher_sends_each_working_association_its_own_message(
    alpha, beta, people, mailoutbox, monkeypatch, clock
):
    with schema_context(alpha.association.schema_name):
        alpha_case = case_due(MON)
    with schema_context(beta.association.schema_name):
        beta_case = case_due(MON)
    sent = []
    monkeypatch.setattr(
        tasks.committee_reminders_send_task,
        "apply_async",
        lambda *, kwargs, headers: sent.append((headers["_schema_name"], kwargs)),
    )
    clock.at = datetime.datetime(2026, 9, 17, 9, 0, tzinfo=datetime.UTC)  # THU, noon in Riyadh
    ours = {alpha.association.schema_name, beta.association.schema_name}

    Association.objects.filter(pk=beta.association.pk).update(status="suspended")
    tasks.committee_reminders_dispatch_task.run()
    assert [s for s in sent if s[0] in ours] == [
        (alpha.association.schema_name, {"on": "2026-09-17"})
    ]

    sent.clear()
    Association.objects.filter(pk=beta.association.pk).update(status="active")
    assert set(tasks.committee_reminders_dispatch_task.run()) >= ours
    mine = [s for s in sent if s[0] in ours]
    assert sorted(s[0] for s in mine) == sorted(ours)

    # What the worker does with each message: the task, in the schema its header names.
    for schema_name, kwargs in mine:
        with schema_context(schema_name):
            assert tasks.committee_reminders_send_task.run(**kwargs) == {
                "due_soon": 1,
                "overdue": 0,
            }
    by_reference = {m.body: sorted(m.to) for m in mailoutbox}
    assert len(mailoutbox) == 2
    for case, to in (
        (alpha_case, people["alpha_committee"]),
        (beta_case, people["beta_committee"]),
    ):
        [recipients] = [r for body, r in by_reference.items() if case.reference in body]
        assert recipients == to


@pytest.mark.parametrize(
    ("utc", "day"),
    [
        ((2026, 9, 16, 20, 59, 59), "2026-09-16"),  # 23:59:59 on Wednesday in Riyadh
        ((2026, 9, 16, 21, 0, 0), "2026-09-17"),  # midnight in Riyadh, still the 16th in UTC
        ((2026, 9, 17, 20, 59, 59), "2026-09-17"),
    ],
)
def test_the_dispatcher_reminds_for_the_day_in_riyadh_across_its_midnight(
    alpha, monkeypatch, clock, utc, day
):
    sent = []
    monkeypatch.setattr(
        tasks.committee_reminders_send_task,
        "apply_async",
        lambda *, kwargs, headers: sent.append((headers["_schema_name"], kwargs)),
    )
    clock.at = datetime.datetime(*utc, tzinfo=datetime.UTC)
    tasks.committee_reminders_dispatch_task.run()
    assert (alpha.association.schema_name, {"on": day}) in sent
    # A day the beat missed is dispatched by naming it, whatever the clock says.
    sent.clear()
    tasks.committee_reminders_dispatch_task.run(on="2026-09-14")
    assert (alpha.association.schema_name, {"on": "2026-09-14"}) in sent


def test_beat_runs_the_dispatcher_every_morning_in_riyadh():
    [entry] = [
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "workflow.committee_reminders_dispatch"
    ]
    assert entry["task"] in app.tasks
    assert entry["schedule"] == crontab(hour=6, minute=0)
    assert app.conf.timezone == "Asia/Riyadh"


# --- a real worker ------------------------------------------------------------------------------


def test_real_worker_reminds_once_when_the_daily_job_runs_twice(live_stack):
    sabr = live_setup(live_stack, "rem-sabr", "جمعية الصبر الخيرية", "Al-Sabr Charity")
    wafa = live_setup(live_stack, "rem-wafa", "جمعية الوفاء الأهلية", "Al-Wafa Society")

    for run in (1, 2):
        dispatch_reminders(live_stack)
        for association in (sabr, wafa):
            wait_logged(
                live_stack,
                f"reminder run {run} in {association['schema']}",
                lambda association=association, run=run: (
                    len(worker_reminder_runs(live_stack, association["schema"])) >= run
                ),
            )

    for association, other in ((sabr, wafa), (wafa, sabr)):
        schema = association["schema"]
        assert worker_reminder_runs(live_stack, schema) == [
            f"committee reminders on {LIVE_DAY.isoformat()}: 1 due soon, 1 overdue",
            f"committee reminders on {LIVE_DAY.isoformat()}: 0 due soon, 0 overdue",
        ], f"the worker's reminder runs in {schema}"
        for kind, people in (("due_soon", "committee"), ("overdue", "admins")):
            case_id, reference = association["cases"][kind]
            for address in association[people]:
                mails = reminder_mails(live_stack, address, kind)
                assert len(mails) == 1, f"{address} got {len(mails)} {kind} e-mails, not one"
                body = mails[0].get_content()
                assert reference in body, body
                assert association["later"] not in body, body
                assert other["cases"][kind][1] not in body, "the e-mail names the other's request"
            for address in association["silent"] + other[people]:
                assert all(
                    reference not in m.get_content() for m in live_stack.mails_to(address)
                ), f"{address} was told of {reference}"
        [committee_mail] = reminder_mails(live_stack, association["committee"][0], "due_soon")
        assert association["url"] in committee_mail.get_content()

        rows = live_stack.sql(
            sql.SQL("SELECT case_id, kind FROM {}.workflow_reminder ORDER BY kind").format(
                sql.Identifier(schema)
            )
        )
        assert rows == [
            (association["cases"]["due_soon"][0], "due_soon"),
            (association["cases"]["overdue"][0], "overdue"),
        ], f"Reminder rows in {schema}"


def test_a_concurrent_run_waits_for_the_other_runs_claim_and_skips_it(live_stack):
    """Another run has claimed one of two due requests and not committed yet: this run waits
    for it, then tells the committee of the other request only."""
    amal = live_setup(live_stack, "rem-amal", "جمعية الأمل", "Al-Amal Association", due_today=2)
    schema = amal["schema"]
    (claimed_id, claimed_reference), (_, free_reference) = amal["due_today"]
    today = LIVE_DAY

    with psycopg.connect(live_stack.database_url) as other_run:
        other_run.execute(
            sql.SQL(
                "INSERT INTO {}.workflow_reminder (case_id, kind, sent_at, recipients)"
                " VALUES (%s, 'due_soon', now(), '[]')"
            ).format(sql.Identifier(schema)),
            [claimed_id],
        )
        this_run = subprocess.Popen(
            [
                PYTHON,
                str(ROOT / "manage.py"),
                "shell",
                "-c",
                "import datetime, json; from django_tenants.utils import schema_context; "
                "from workflow.reminders import committee_reminders_send as send\n"
                f"with schema_context({schema!r}):\n"
                f"    print(json.dumps(send(on=datetime.date.fromisoformat({today.isoformat()!r}))))",
            ],
            cwd=live_stack.run_dir,
            env=live_stack.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            wait_logged(
                live_stack,
                "the run to wait on the other run's claim",
                lambda: (
                    live_stack.sql(
                        "SELECT 1 FROM pg_stat_activity WHERE datname = current_database()"
                        " AND wait_event_type = 'Lock' AND query LIKE %s",
                        ["INSERT INTO%workflow_reminder%"],
                    )
                    or this_run.poll() is not None
                ),
            )
            if this_run.poll() is not None:
                out, err = this_run.communicate()
                raise AssertionError(
                    f"the run ended ({this_run.returncode}) without waiting for the other run's "
                    f"claim:\n{out}\n{err}"
                )
            other_run.commit()
            out, err = this_run.communicate(timeout=60)
        finally:
            if this_run.poll() is None:
                this_run.kill()
                this_run.wait()
    assert this_run.returncode == 0, err
    assert json.loads(out.strip().splitlines()[-1]) == {"due_soon": 1, "overdue": 1}

    for address in amal["committee"]:
        [mail] = reminder_mails(live_stack, address, "due_soon")
        body = mail.get_content()
        assert free_reference in body and claimed_reference not in body, body
