"""Committee reminders on the live stack (a real worker), shared by the reminder and fault tests:
an association with requests due on LIVE_DAY, the dispatch, and what the worker logged and sent."""

from __future__ import annotations

import datetime
import itertools
import json

from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.models import User
from tests.live import LiveStack
from workflow.models import Beneficiary, Case, CaseStatus

THU = datetime.date(2026, 9, 17)  # Saudi weekend: Friday 18 and Saturday 19 September

_references = itertools.count(1)


def case_due(
    due: datetime.date | None, *, status: str = CaseStatus.IN_COMMITTEE, prefix: str = "REM"
) -> Case:
    """A request in the current association's schema, with the committee's due date `due`."""
    beneficiary, _ = Beneficiary.objects.get_or_create(
        national_id="1000000008", defaults={"full_name": "محمد أحمد", "phone": "+966512345678"}
    )
    return Case.objects.create(
        reference=f"{prefix}-{next(_references):04d}",
        beneficiary=beneficiary,
        status=status,
        channel_code="interview",
        channel_name_ar="المقابلة",
        channel_name_en="Interview",
        summary="طلب ترميم",
        policy_version_opened=1,
        consent_given_at=timezone.now(),
        committee_due_on=due,
    )


LIVE_PASSWORD = "Sabr-wa-Amal-2026"
# The day the live tests remind for, given to the setup and to the dispatch: a run that crosses
# midnight in Riyadh reminds for the same day it set up.
LIVE_DAY = THU
REMINDER_SUBJECTS = {
    "due_soon": "Decisions due soon",
    "overdue": "Decisions overdue",
}


def live_association_with_due_requests(
    slug: str, name_ar: str, name_en: str, due_today: int = 1
) -> None:
    """Run in the live stack (manage.py shell): an association whose committee has requests due
    on LIVE_DAY, one overdue and one not yet due; prints what the test needs as JSON."""
    from workspace.provisioning import association_provision

    association, _admin = association_provision(
        slug=slug,
        name_ar=name_ar,
        name_en=name_en,
        admin_email=f"admin@{slug}.example",
        admin_password=LIVE_PASSWORD,
        admin_name="",
    )
    today = LIVE_DAY
    prefix = slug.rsplit("-", 1)[-1][:4].upper()  # references that differ between associations
    with schema_context(association.schema_name):
        for name in ("committee", "committee2"):
            User.objects.create_user(f"{name}@{slug}.example", None, role="committee")
        User.objects.create_user(f"gone@{slug}.example", None, role="committee", is_active=False)
        User.objects.create_user(f"staff@{slug}.example", None, role="staff")
        due = [case_due(today, prefix=prefix) for _ in range(due_today)]
        late = case_due(today - datetime.timedelta(days=7), prefix=prefix)
        later = case_due(today + datetime.timedelta(days=30), prefix=prefix)
    print(
        json.dumps(
            {
                "schema": association.schema_name,
                "url": association.url(f"/app/cases/{due[0].pk}/"),
                "due_today": [[case.pk, case.reference] for case in due],
                "cases": {
                    "due_soon": [due[0].pk, due[0].reference],
                    "overdue": [late.pk, late.reference],
                },
                "later": later.reference,
                "committee": [f"committee@{slug}.example", f"committee2@{slug}.example"],
                "admins": [f"admin@{slug}.example"],
                "silent": [f"gone@{slug}.example", f"staff@{slug}.example"],
            }
        )
    )


def live_setup(
    stack: LiveStack, slug: str, name_ar: str, name_en: str, *, due_today: int = 1
) -> dict:
    result = stack.manage(
        "shell",
        "-c",
        "from tests.workflow.live_reminders import live_association_with_due_requests as make; "
        f"make({slug!r}, {name_ar!r}, {name_en!r}, {due_today})",
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def wait_logged(stack: LiveStack, what: str, predicate, timeout: float = 60):
    """`stack.wait_for` with the processes' logs in the failure (this directory's conftest does
    not install the live stack's report hook)."""
    try:
        return stack.wait_for(what, predicate, timeout=timeout)
    except AssertionError as error:
        raise AssertionError(f"{error}\n{stack.logs_tail()}") from None


def worker_reminder_runs(stack: LiveStack, schema: str) -> list[str]:
    """The reminder runs the worker logged in `schema`, as their messages."""
    runs = []
    for line in stack.log("worker").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if (
            isinstance(record, dict)
            and record.get("logger") == "workflow.reminders"
            and record.get("schema") == schema
            and record["message"].startswith("committee reminders on")
        ):
            runs.append(record["message"])
    return runs


def reminder_mails(stack: LiveStack, address: str, kind: str) -> list:
    return [m for m in stack.mails_to(address) if REMINDER_SUBJECTS[kind] in str(m["Subject"])]


def dispatch_reminders(stack: LiveStack) -> None:
    sent = stack.manage(
        "shell",
        "-c",
        "from workflow.tasks import committee_reminders_dispatch_task as task; "
        f"print(task.delay(on={LIVE_DAY.isoformat()!r}).id)",
    )
    task_id = sent.stdout.strip().splitlines()[-1]
    wait_logged(
        stack,
        f"the worker to finish dispatch {task_id}",
        lambda: [m for m in stack.log_messages("worker") if f"[{task_id}] succeeded" in m],
    )
