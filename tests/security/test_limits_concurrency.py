"""Limits hold when the requests at the limit arrive together: on the live stack (gunicorn's
two processes and their threads, one PostgreSQL), eight simultaneous case openings on a plan
of three open cases leave exactly three, eight simultaneous invitations on a plan of three
seats leave exactly three members, and four sign-ups of one address make one association."""

from __future__ import annotations

import json
import subprocess
import threading

from django.utils import translation
from django.utils.translation import gettext

from tests.live import PYTHON, ROOT, LiveStack

SLUG = "limit-race"
SIMULTANEOUS = 8
LIMIT = 3


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
    ids = _national_ids(SIMULTANEOUS)

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

    statuses = _together(SIMULTANEOUS, open_case)
    assert sorted(statuses) == [201] * LIMIT + [400] * (SIMULTANEOUS - LIMIT), statuses
    [(open_cases,)] = live_stack.sql(f'SELECT count(*) FROM "{schema}".workflow_case')
    assert open_cases == LIMIT

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
