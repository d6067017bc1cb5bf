"""The counters behind the dashboard and the case list's count (workflow.CaseCount): kept exact
by the services that open and move cases, whatever the sequence, at the same time from several
processes, and per association; rebuilt from a fresh count by the migration and the command."""

from __future__ import annotations

import datetime
import importlib
import json
import threading

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import User
from tests.helpers import POLICY, client_for, open_case, person, publish
from tests.live import LiveStack
from tests.workflow.test_case_procedure import DEPARTMENT, ENQUIRY
from workflow import services
from workflow.models import Case, CaseCount, CaseStatus
from workflow.selectors import case_counts, case_counts_fresh
from workflow.transitions import TRANSITIONS

FILL = importlib.import_module("workflow.migrations.0007_casecount").FILL
# Every field any action asks for: which of them it reads is the procedure's business.
PROCEDURES = [POLICY, ENQUIRY, DEPARTMENT]
DATA = {"role": "social_researcher", "note": "تمت المتابعة", "signed_by": "المستفيد", "reason": "ر"}


def _counted() -> dict[str, int]:
    """The counters as stored, zeros left out."""
    return {key: n for key, n in case_counts().items() if n}


def _fresh() -> dict[str, int]:
    return {key: n for key, n in case_counts_fresh().items() if n}


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_after_random_openings_and_transitions_every_counter_equals_a_fresh_count(
    alpha, alpha_policy, members, clock, data
):
    """Each step opens a case, takes an action the case offers its member now (so that cases
    travel the whole procedure), tries any action at all (mostly refused: nothing may move),
    lets days pass (decisions after their due date count as late), or publishes a version with
    another procedure."""
    started = clock.at
    # Every example from the same start: its own savepoint, rolled back after it.
    with schema_context(alpha.association.schema_name), transaction.atomic():
        actors = [User.objects.get(email=members[role]) for role in ("staff", "committee")]
        actors.append(User.objects.get(email=members["referral"]))
        for _step in range(data.draw(st.integers(1, 40), label="steps")):
            kind = data.draw(
                st.sampled_from(["open", "offered", "offered", "offered", "any", "days", "publish"])
            )
            cases = list(Case.objects.order_by("id"))
            if kind == "open" or not cases:
                open_case(alpha, who=person(data.draw(st.integers(1, 5), label="person")))
            elif kind == "publish":
                # Cases run by the version they were opened under: enquiries answered, decisions
                # without a deadline, and the committee's side by side.
                publish(alpha, data=data.draw(st.sampled_from(PROCEDURES), label="procedure"))
            elif kind == "days":
                clock.at += datetime.timedelta(days=data.draw(st.integers(1, 30), label="days"))
            else:
                case = data.draw(st.sampled_from(cases[-6:]), label="case")
                actor = data.draw(st.sampled_from(actors), label="actor")
                offered = services.case_actions_for(case=case, actor=actor)
                choices = offered if kind == "offered" else sorted(TRANSITIONS)
                if not choices:
                    continue
                action = data.draw(st.sampled_from(choices), label="action")
                decision = data.draw(st.sampled_from([CaseStatus.ACCEPTED, CaseStatus.REJECTED]))
                try:
                    services.case_transition(
                        case_id=case.pk,
                        actor=actor,
                        action=action,
                        data={**DATA, "decision": decision},
                    )
                except ValidationError:
                    assert kind == "any", action  # an offered action is taken
            assert _counted() == _fresh()
        transaction.set_rollback(True)
    clock.at = started


def test_the_dashboard_and_the_list_read_the_counters_not_every_case(alpha, alpha_policy, staff):
    for n in range(3):
        open_case(alpha, who=person(n + 1))
    with CaptureQueriesContext(connection) as dashboard:
        page = staff.get("/app/?lang=en")
    with CaptureQueriesContext(connection) as listing:
        cases = staff.get("/app/cases/?lang=en")

    assert page.context["dashboard"]["figures"].open_by_status[0] == ("received", 3)
    assert 'id="case-count">3 cases<' in cases.content.decode()
    counts = [
        q["sql"]
        for q in dashboard.captured_queries + listing.captured_queries
        if "COUNT(" in q["sql"] and 'FROM "workflow_case"' in q["sql"]
    ]
    # Only the cases with the committee now are counted (on their own index), not every case.
    assert len(counts) == 1, counts
    assert """WHERE "workflow_case"."status" = 'in_committee'""" in counts[0]


def test_a_member_who_sees_part_of_the_cases_still_gets_counts_of_that_part(
    alpha, alpha_policy, members
):
    open_case(alpha, who=person(1))
    open_case(alpha, who=person(2), status=CaseStatus.IN_COMMITTEE)
    committee = client_for(alpha, email=members["committee"])

    figures = committee.get("/app/").context["dashboard"]["figures"]
    listing = committee.get("/app/cases/?lang=en").content.decode()

    assert dict(figures.open_by_status)["received"] == 0
    assert dict(figures.open_by_status)["in_committee"] == 1
    assert 'id="case-count">1 case<' in listing


def test_betas_counters_never_move_when_alphas_cases_do(alpha, alpha_policy, beta):
    with schema_context(beta.association.schema_name):
        before = case_counts()
    case = open_case(alpha, who=person(1))
    with schema_context(alpha.association.schema_name):
        staff = User.objects.get(email=alpha.staff_email)
        services.case_transition(case_id=case.pk, actor=staff, action="withdraw", data=DATA)
        assert _counted() == {"withdrawn": 1}
    with schema_context(beta.association.schema_name):
        assert case_counts() == before
    beta_page = client_for(beta, email=beta.staff_email).get("/app/?lang=en")
    assert beta_page.context["dashboard"]["figures"].open_total == 0
    assert dict(beta_page.context["dashboard"]["figures"].open_by_status)["received"] == 0


def test_the_migration_counts_the_cases_already_there(alpha, alpha_policy):
    open_case(alpha, who=person(1))
    open_case(alpha, who=person(2), status=CaseStatus.CLOSED, answered_at=timezone.now())
    due, late = datetime.date(2026, 9, 1), datetime.date(2026, 9, 2)
    open_case(alpha, who=person(3), status="accepted", committee_due_on=due, decided_on=due)
    open_case(alpha, who=person(4), status="rejected", committee_due_on=due, decided_on=late)
    with schema_context(alpha.association.schema_name):
        CaseCount.objects.all().delete()
        with connection.cursor() as cursor:
            cursor.execute(FILL)
        assert _counted() == {
            "received": 1,
            "closed": 1,
            "closed_answered": 1,
            "accepted": 1,
            "rejected": 1,
            "decided": 2,
            "decided_on_time": 1,
        }
        assert _counted() == _fresh()


def test_the_command_counts_afresh_what_was_changed_by_hand(alpha, alpha_policy, beta, staff):
    case = open_case(alpha, who=person(1))
    with schema_context(alpha.association.schema_name):
        Case.objects.filter(pk=case.pk).update(status=CaseStatus.REFERRED)  # not a transition
    assert dict(staff.get("/app/").context["dashboard"]["figures"].open_by_status)["referred"] == 0

    out = _command(schema=alpha.association.schema_name)

    assert out == f"{alpha.association.schema_name}: 1 cases, 1 open\n"
    assert dict(staff.get("/app/").context["dashboard"]["figures"].open_by_status)["referred"] == 1
    assert beta.association.schema_name in _command()
    with pytest.raises(CommandError, match="No association has the schema 'nobody'"):
        _command(schema="nobody")


def _command(**options) -> str:
    import io

    out = io.StringIO()
    call_command("case_counts_rebuild", stdout=out, **options)
    return out.getvalue()


# --- at the same time, from several processes (the live stack: gunicorn and PostgreSQL) -------

SLUG = "counts-race"
SIMULTANEOUS = 12


def counts_association(slug: str) -> None:
    """Run in the live stack (manage.py shell): an association with a published policy, and API
    tokens of its admin and of a referral holder; prints JSON."""
    from django_tenants.utils import schema_context

    from accounts.models import User
    from accounts.tokens import api_token_create
    from publishing.services import policy_draft_approve, policy_draft_update, policy_publish
    from workspace.provisioning import association_provision

    association, admin = association_provision(
        slug=slug,
        name_ar="جمعية العد",
        name_en="Al-Add Society",
        admin_email=f"admin@{slug}.example",
        admin_password="Add-wa-Hisab-2026",
        admin_name="",
    )
    with schema_context(association.schema_name):
        policy_draft_update(
            data={"channels": ["interview"], "referral_roles": ["social_researcher"]}
        )
        policy_draft_approve(
            meeting_number="1", approved_on=datetime.date(2025, 1, 1), chair_name="د. سعد"
        )
        policy_publish(actor_email=admin.email)
        holder = User.objects.create_user(
            f"referral@{slug}.example", None, role="referral", referral_roles=["social_researcher"]
        )
        tokens = {"admin": api_token_create(user=admin, name="race")[1]}
        tokens["referral"] = api_token_create(user=holder, name="race")[1]
    print(json.dumps({**tokens, "schema": association.schema_name}))


def _together(sends) -> list[int]:
    """Every `send()` from its own thread, released at the same instant; their status codes."""
    start, statuses = threading.Barrier(len(sends)), [0] * len(sends)

    def run(i: int) -> None:
        start.wait()
        statuses[i] = sends[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(sends))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_simultaneous_transitions_and_openings_leave_the_counters_exact(live_stack: LiveStack):
    made = live_stack.manage(
        "shell",
        "-c",
        f"from tests.workflow.test_case_counts import counts_association; "
        f"counts_association({SLUG!r})",
    )
    assert made.returncode == 0, made.stderr
    setup = json.loads(made.stdout.strip().splitlines()[-1])
    http = live_stack.http(SLUG)
    admin = {"Authorization": f"Token {setup['admin']}"}
    referral = {"Authorization": f"Token {setup['referral']}"}

    def case_body(n: int) -> dict:
        return {
            "channel": "interview",
            "beneficiary": person(n),
            "summary": "طلب مساعدة",
            "consent": True,
        }

    ids = []
    for n in range(1, SIMULTANEOUS + 1):
        created = http.post("/api/v1/cases/", json=case_body(n), headers=admin)
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
    referred, received = ids[: SIMULTANEOUS // 2], ids[SIMULTANEOUS // 2 :]
    for case_id in referred:
        moved = http.post(
            f"/api/v1/cases/{case_id}/transitions/",
            json={"action": "refer", "role": "social_researcher"},
            headers=admin,
        )
        assert moved.status_code == 200, moved.text

    def move(case_id: int, body: dict, headers: dict):
        return lambda: (
            live_stack.http(SLUG)
            .post(f"/api/v1/cases/{case_id}/transitions/", json=body, headers=headers)
            .status_code
        )

    def opening(n: int):
        return lambda: (
            live_stack.http(SLUG)
            .post("/api/v1/cases/", json=case_body(n), headers=admin)
            .status_code
        )

    # Rows locked in opposite orders: referred → received beside received → referred.
    sends = [move(i, {"action": "answer_referral", "note": "تم"}, referral) for i in referred]
    half = len(received) // 2
    sends += [
        move(i, {"action": "refer", "role": "social_researcher"}, admin) for i in received[:half]
    ]
    sends += [move(i, {"action": "withdraw", "reason": "انسحب"}, admin) for i in received[half:]]
    sends += [opening(SIMULTANEOUS + n) for n in range(1, 5)]
    statuses = _together(sends)

    assert sorted(statuses) == sorted([200] * (len(sends) - 4) + [201] * 4), statuses
    schema = setup["schema"]
    stored = dict(live_stack.sql(f'SELECT key, n FROM "{schema}".workflow_casecount WHERE n <> 0'))
    fresh = dict(
        live_stack.sql(f'SELECT status, count(*) FROM "{schema}".workflow_case GROUP BY 1')
    )
    assert stored == fresh  # no enquiry is answered here: every key is a state
    assert stored == {
        "received": len(referred) + 4,
        "referred": half,
        "withdrawn": len(received) - half,
    }
