"""Limits hold when the requests at the limit arrive together: on the live stack (gunicorn's
two processes and their threads, one PostgreSQL), eight simultaneous case openings on a plan
of three open cases leave exactly three (and of two racing for a place freed after, one gets
it), eight simultaneous invitations on a plan of three seats leave exactly three members, four
sign-ups of one address make one association, and deliveries of one Stripe event at once apply
it once."""

from __future__ import annotations

import json
import subprocess
import threading

import psycopg
from django.utils import translation
from django.utils.translation import gettext

from tests.billing.fake_stripe import (
    PRICES,
    SECRET_KEY,
    WEBHOOK_SECRET,
    event,
    signed,
    subscription_object,
)
from tests.live import PYTHON, ROOT, LiveStack, live_stack_running
from workflow.models import OPEN_STATUSES

SLUG = "limit-race"
SIMULTANEOUS = 8
LIMIT = 3
OPEN = [str(status) for status in OPEN_STATUSES]


def tight_association(slug: str, limit: int) -> None:
    """Run in the live stack (manage.py shell): an association with a published policy on a
    plan of `limit` open cases and `limit` members (its admin takes one seat); prints JSON."""
    import datetime

    from django_tenants.utils import schema_context

    from accounts.tokens import api_token_create
    from billing.models import Plan
    from billing.services import subscription_plan_set
    from publishing.services import policy_draft_approve, policy_draft_update, policy_publish
    from workspace.provisioning import association_provision

    association, admin = association_provision(
        slug=slug,
        name_ar="جمعية الحد",
        name_en="Al-Hadd Society",
        admin_email=f"admin@{slug}.example",
        admin_password="Hadd-wa-Qadr-2026",
        admin_name="",
    )
    plan = Plan.objects.create(
        code=f"tight-{slug}",
        name_ar="محدودة",
        name_en="Tight",
        max_members=limit,
        max_open_cases=limit,
        is_public=False,
    )
    subscription_plan_set(association=association, plan=plan)
    with schema_context(association.schema_name):
        policy_draft_update(
            data={
                "channels": ["interview"],
                "referral_roles": ["social_researcher"],
                "committee_deadline": {"kind": "working", "days": 10},
            }
        )
        policy_draft_approve(
            meeting_number="1", approved_on=datetime.date(2025, 1, 1), chair_name="د. سعد"
        )
        policy_publish(actor_email=admin.email)
        token = api_token_create(user=admin, name="race")[1]
    print(json.dumps({"token": token, "schema": association.schema_name}))


def _national_ids(count: int) -> list[str]:
    """Valid national IDs (their check digit holds), different from each other."""
    from django.core.exceptions import ValidationError

    from common.saudi import normalize_national_id

    found = []
    for number in range(1_000_000_000, 1_000_001_000):
        try:
            found.append(normalize_national_id(str(number)))
        except ValidationError:
            continue
        if len(found) == count:
            return found
    raise AssertionError("not enough valid national IDs in the range")


def _together(count: int, send) -> list[int]:
    """`send(i)` from `count` threads released at the same instant; their status codes."""
    start, statuses = threading.Barrier(count), [0] * count

    def run(i: int) -> None:
        start.wait()
        statuses[i] = send(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_simultaneous_openings_and_invitations_at_the_limit_leave_exactly_the_limit(
    live_stack: LiveStack,
):
    made = live_stack.manage(
        "shell",
        "-c",
        "from tests.security.test_limits_concurrency import tight_association; "
        f"tight_association({SLUG!r}, {LIMIT})",
    )
    assert made.returncode == 0, made.stderr
    setup = json.loads(made.stdout.strip().splitlines()[-1])
    schema = setup["schema"]
    ids = _national_ids(SIMULTANEOUS + 2)

    def open_case(i: int) -> int:
        http = live_stack.http(SLUG)
        body = {
            "channel": "interview",
            "beneficiary": {
                "national_id": ids[i],
                "full_name": f"مستفيد {i}",
                "phone": "0512345678",
            },
            "summary": "طلب مساعدة",
            "consent": True,
        }
        headers = {"Authorization": f"Token {setup['token']}"}
        return http.post("/api/v1/cases/", json=body, headers=headers).status_code

    def open_counted() -> tuple[int, int]:
        """The open cases as the limit reads them (the counters), and counted afresh."""
        [(counted,)] = live_stack.sql(
            f'SELECT coalesce(sum(n), 0) FROM "{schema}".workflow_casecount WHERE key = ANY(%s)',
            [OPEN],
        )
        [(fresh,)] = live_stack.sql(
            f'SELECT count(*) FROM "{schema}".workflow_case WHERE status = ANY(%s)', [OPEN]
        )
        return counted, fresh

    statuses = _together(SIMULTANEOUS, open_case)
    assert sorted(statuses) == [201] * LIMIT + [400] * (SIMULTANEOUS - LIMIT), statuses
    [(open_cases,)] = live_stack.sql(f'SELECT count(*) FROM "{schema}".workflow_case')
    assert open_cases == LIMIT
    assert open_counted() == (LIMIT, LIMIT)

    # One case withdrawn frees one place; two openings race for it: one gets it.
    http = live_stack.http(SLUG)
    auth = {"Authorization": f"Token {setup['token']}"}
    [first_id] = live_stack.sql(f'SELECT min(id) FROM "{schema}".workflow_case')[0]
    withdrawn = http.post(
        f"/api/v1/cases/{first_id}/transitions/",
        json={"action": "withdraw", "reason": "انسحب"},
        headers=auth,
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert open_counted() == (LIMIT - 1, LIMIT - 1)
    last_slot = _together(2, lambda i: open_case(SIMULTANEOUS + i))
    assert sorted(last_slot) == [201, 400], last_slot
    assert open_counted() == (LIMIT, LIMIT)

    # Invitations: separate processes calling the service at once (each its own transaction).
    def invite(email: str) -> str:
        return (
            "from django_tenants.utils import schema_context; "
            "from accounts.models import User; from accounts.services import member_invite\n"
            f"with schema_context({schema!r}):\n"
            "    try:\n"
            f"        member_invite(email={email!r}, role='staff', full_name='x',"
            f" invited_by=User.objects.get(email='admin@{SLUG}.example'), base_url='http://x')\n"
            "        print('invited')\n"
            "    except Exception as error:\n"
            "        print(type(error).__name__)\n"
        )

    processes = [
        subprocess.Popen(
            [PYTHON, str(ROOT / "manage.py"), "shell", "-c", invite(f"m{i}@{SLUG}.example")],
            cwd=live_stack.run_dir,
            env=live_stack.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(SIMULTANEOUS)
    ]
    outcomes = [p.communicate(timeout=120)[0].strip().splitlines()[-1] for p in processes]
    assert sorted(outcomes) == ["PlanLimitReached"] * (SIMULTANEOUS - LIMIT + 1) + ["invited"] * (
        LIMIT - 1
    ), outcomes
    [(members,)] = live_stack.sql(f'SELECT count(*) FROM "{schema}".accounts_user')
    assert members == LIMIT


def test_simultaneous_sign_ups_of_one_address_make_one_association(live_stack: LiveStack):
    slug = "same-slug"

    def sign_up(i: int) -> str:
        return (
            "from django.core.exceptions import ValidationError; "
            "from workspace.provisioning import association_provision\n"
            "try:\n"
            f"    association_provision(slug={slug!r}, name_ar='جمعية {i}', name_en='Society {i}',"
            f" admin_email='admin{i}@same.example', admin_password='Nakhla-Tamr-2026-{i}')\n"
            "    print('created')\n"
            "except ValidationError as error:\n"
            "    print(error.message_dict['slug'][0])\n"
        )

    processes = [
        subprocess.Popen(
            [PYTHON, str(ROOT / "manage.py"), "shell", "-c", sign_up(i)],
            cwd=live_stack.run_dir,
            env={**live_stack.env, "LANGUAGE_CODE": "en"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(4)
    ]
    results = [p.communicate(timeout=180) for p in processes]
    outcomes = sorted(
        out.strip().splitlines()[-1] if out.strip() else err[-500:] for out, err in results
    )
    with translation.override("ar"):
        taken = gettext("This address is already taken.")
    assert outcomes == ["created"] + [taken] * 3, outcomes
    assert "Traceback" not in "".join(err for _out, err in results)
    assert live_stack.sql("SELECT count(*) FROM tenants_association WHERE slug = %s", [slug]) == [
        (1,)
    ]


DELIVERIES = 4  # within gunicorn's threads, so that all of them are answered at once
STRIPE_ENV = {
    "STRIPE_SECRET_KEY": SECRET_KEY,
    "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
    "STRIPE_PRICES": ",".join(f"{plan}:{price}" for plan, price in PRICES.items()),
}


def test_simultaneous_deliveries_of_one_stripe_event_apply_it_once(tmp_path):
    """Stripe retries a delivery it thinks was lost while the first is still being answered:
    deliveries of one event arrive together, one records it, the others are told it is a
    duplicate, none fails, and the worker applies it once."""
    with live_stack_running(tmp_path, extra_env=STRIPE_ENV) as stack:
        made = stack.manage(
            "shell",
            "-c",
            "import json; from workspace.provisioning import association_provision\n"
            "association, _ = association_provision(slug='stripe-race', name_ar='جمعية السباق',"
            " name_en='Al-Sibaq Society', admin_email='admin@stripe-race.example',"
            " admin_password='Sibaq-wa-Fawz-2026', admin_name='')\n"
            "print(association.schema_name)",
        )
        assert made.returncode == 0, made.stderr
        schema = made.stdout.strip().splitlines()[-1]
        payload = event(
            "customer.subscription.updated",
            subscription_object(
                subscription_id="sub_race",
                customer="cus_race",
                status="active",
                price=PRICES["pro"],
                schema=schema,
                slug="stripe-race",
            ),
        )
        body, header = signed(payload)

        def deliver() -> tuple[int, dict]:
            response = stack.http().post(
                "/billing/stripe/webhook/",
                data=body,
                headers={"Stripe-Signature": header, "Content-Type": "application/json"},
            )
            json_body = response.headers.get("Content-Type") == "application/json"
            return response.status_code, response.json() if json_body else response.text[-300:]

        # An earlier delivery's insert of the event, not committed yet: the simultaneous
        # deliveries all wait on its key; when it gives way one of them inserts, and the
        # others meet that one's committed row.
        with psycopg.connect(stack.database_url) as earlier:
            earlier.execute(
                "INSERT INTO billing_stripeevent (event_id, type, created, payload, received_at,"
                " outcome) VALUES (%s, %s, %s, %s, now(), '')",
                [payload["id"], payload["type"], payload["created"], json.dumps(payload)],
            )
            answers: list = [None] * DELIVERIES
            threads = [
                threading.Thread(target=lambda i=i: answers.__setitem__(i, deliver()))
                for i in range(DELIVERIES)
            ]
            for thread in threads:
                thread.start()
            try:
                stack.wait_for(
                    f"{DELIVERIES} deliveries to wait on the same event",
                    lambda: (
                        stack.sql(
                            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                            " AND wait_event_type = 'Lock' AND query LIKE %s",
                            ["INSERT INTO%billing_stripeevent%"],
                        )[0][0]
                        == DELIVERIES
                    ),
                    timeout=60,
                )
            finally:
                earlier.rollback()
                for thread in threads:
                    thread.join()

        assert sorted(status for status, _ in answers) == [200] * DELIVERIES, answers
        assert {answer["received"] for _, answer in answers} == {payload["id"]}
        assert sorted(answer["duplicate"] for _, answer in answers) == [False] + [True] * (
            DELIVERIES - 1
        ), answers
        assert "Traceback" not in stack.log("gunicorn")
        stack.wait_for(
            "the worker to apply the event",
            lambda: stack.sql(
                "SELECT outcome FROM billing_stripeevent WHERE processed_at IS NOT NULL"
            ),
            timeout=60,
        )
        assert stack.sql("SELECT event_id, outcome FROM billing_stripeevent") == [
            (payload["id"], "stripe-race: pro active")
        ]
        applied = [m for m in stack.log_messages("worker") if f"stripe event {payload['id']}" in m]
        assert len(applied) == 1, applied
        assert stack.sql(
            "SELECT p.code, s.status, s.stripe_subscription_id, s.stripe_customer_id"
            " FROM billing_subscription s JOIN billing_plan p ON p.id = s.plan_id"
            " JOIN tenants_association a ON a.id = s.association_id WHERE a.slug = 'stripe-race'"
        ) == [("pro", "active", "sub_race", "cus_race")]
