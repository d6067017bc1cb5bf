"""Finding associations and acting on one from the console, through HTTP, each action logged."""

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from billing.models import Plan, Subscription
from console.models import OperatorAction
from tenants.models import Association, AssociationExport
from tests.console.conftest import OPERATOR
from tests.helpers import PASSWORD, client_for, open_case, person
from workflow import services as workflow_services
from workflow.models import OPEN_STATUSES, Case


def rows(page: str) -> str:
    return page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]


def test_search_finds_by_slug_name_and_email(console, alpha, beta):
    for query in ("alph", "ألفا", "ALPHA charity", "admin@alpha.example"):
        listed = rows(console.get("/console/", {"q": query, "lang": "en"}).content.decode())
        assert "Alpha Charity" in listed, query
        assert "Beta Society" not in listed, query


def test_filters_by_status_plan_created_and_activity(console, alpha, beta):
    Association.objects.filter(pk=beta.association.pk).update(status="suspended")
    listed = rows(console.get("/console/?status=suspended&lang=en").content.decode())
    assert "Beta Society" in listed and "Alpha Charity" not in listed

    pro = Plan.objects.get(code="pro")
    Subscription.objects.update_or_create(
        association=alpha.association, defaults={"plan": pro, "status": "active"}
    )
    listed = rows(console.get("/console/?plan=pro&lang=en").content.decode())
    assert "Alpha Charity" in listed and "Beta Society" not in listed
    assert "pro · Active" in listed

    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    listed = rows(console.get(f"/console/?created_from={tomorrow}&lang=en").content.decode())
    assert "No association matches." in listed

    # Last activity comes from the usage counted when an association's page is opened.
    client_for(alpha).post("/accounts/login/", {"login": alpha.admin_email, "password": PASSWORD})
    console.get("/console/associations/alpha/")
    console.get("/console/associations/beta/")
    with schema_context(beta.association.schema_name):
        from accounts.models import User

        User.objects.update(last_login=timezone.now() - datetime.timedelta(days=60))
    console.get("/console/associations/beta/")
    listed = rows(console.get("/console/?activity=active_7&lang=en").content.decode())
    assert "Alpha Charity" in listed and "Beta Society" not in listed
    listed = rows(console.get("/console/?activity=idle_30&lang=en").content.decode())
    assert "Beta Society" in listed and "Alpha Charity" not in listed


def test_bad_filter_values_are_ignored_not_a_crash(console, alpha):
    response = console.get("/console/?created_from=not-a-date&status=nope&page=zz&lang=en")
    assert response.status_code == 200
    assert "Enter a valid date." in response.content.decode()


def test_the_list_costs_the_same_queries_for_many_associations(
    console, alpha, django_assert_max_num_queries
):
    for number in range(60):
        Association.objects.create(
            schema_name=f"a_many_{number}",
            slug=f"many-{number}",
            name_ar="م",
            name_en=f"Many {number}",
        )
    with django_assert_max_num_queries(12):
        response = console.get("/console/?lang=en")
    page = response.content.decode()
    assert "Page 1 of 2" in page and "62 associations found." in page


def test_detail_shows_profile_plan_usage_and_policy_state(console, alpha, alpha_policy):
    page = console.get("/console/associations/alpha/?lang=en").content.decode()
    assert "Alpha Charity" in page and "جمعية ألفا الخيرية" in page
    usage = page.split('class="profile usage"', 1)[1].split("</dl>", 1)[0]
    assert "<dt>Members</dt><dd>2</dd>" in usage
    policy = page.split('class="profile policy-state"', 1)[1].split("</dl>", 1)[0]
    assert "<dt>Published version</dt><dd>1</dd>" in policy
    assert "<dt>Template version</dt><dd>1" in policy


def test_unknown_association_is_a_404(console):
    assert console.get("/console/associations/nobody/").status_code == 404


def test_suspend_needs_a_reason_then_suspends_and_reactivates_with_the_log(console, alpha):
    response = console.post(
        "/console/associations/alpha/suspend/?lang=en", {"reason": "  "}, follow=True
    )
    assert "Give the reason for the suspension." in response.content.decode()
    alpha.association.refresh_from_db()
    assert alpha.association.status == "trial"

    response = console.post(
        "/console/associations/alpha/suspend/?lang=en",
        {"reason": "Unpaid since March"},
        follow=True,
    )
    page = response.content.decode()
    assert "The association was suspended." in page
    assert "Reactivate" in page
    alpha.association.refresh_from_db()
    assert alpha.association.status == "suspended"
    # Its members can no longer sign in.
    admin = client_for(alpha)
    admin.post("/accounts/login/", {"login": alpha.admin_email, "password": PASSWORD})
    assert admin.get("/app/").status_code != 200

    response = console.post("/console/associations/alpha/reactivate/?lang=en", follow=True)
    assert "The association was reactivated." in response.content.decode()
    alpha.association.refresh_from_db()
    assert alpha.association.status == "trial"

    suspended, reactivated = OperatorAction.objects.filter(association_slug="alpha").order_by("id")
    assert (suspended.action, suspended.actor_email, suspended.ip_address) == (
        "association.suspended",
        OPERATOR,
        "127.0.0.1",
    )
    assert suspended.before == {"status": "trial"}
    assert suspended.after == {"status": "suspended", "reason": "Unpaid since March"}
    assert reactivated.before["status"] == "suspended" and reactivated.after == {"status": "trial"}
    audit = console.get("/console/audit/?association=alpha&lang=en").content.decode()
    assert "association.suspended" in audit and "Unpaid since March" in audit
    assert "association.reactivated" in audit


def test_assign_plan_from_the_form(console, alpha):
    page = console.get("/console/associations/alpha/?lang=en").content.decode()
    assert '<option value="pro"' in page
    response = console.post(
        "/console/associations/alpha/plan/?lang=en", {"plan": "pro"}, follow=True
    )
    page = response.content.decode()
    assert "The plan was assigned." in page
    assert "(pro)" in page and "Active" in page
    subscription = Subscription.objects.get(association=alpha.association)
    assert (subscription.plan.code, subscription.status) == ("pro", "active")
    logged = OperatorAction.objects.get(action="plan.assigned", association_slug="alpha")
    assert logged.actor_email == OPERATOR and logged.after["plan"] == "pro"

    response = console.post(
        "/console/associations/alpha/plan/?lang=en", {"plan": "gold"}, follow=True
    )
    assert "Choose one of the plans." in response.content.decode()
    assert Subscription.objects.get(association=alpha.association).plan.code == "pro"


def test_export_starts_and_reports_its_progress(console, alpha):
    response = console.post("/console/associations/alpha/export/?lang=en", follow=True)
    page = response.content.decode()
    assert "The export started" in page
    export = AssociationExport.objects.get(association=alpha.association)
    assert f'data-poll="/console/associations/alpha/exports/{export.pk}/progress/"' in page
    progress = console.get(f"/console/associations/alpha/exports/{export.pk}/progress/?lang=en")
    assert progress.json() == {
        "status": "queued",
        "status_label": "Queued",
        "progress": 0,
        "step": "Waiting for the worker",
        "size": 0,
        "error": "",
        "download_url": None,
    }
    # Not finished: nothing to download yet; another association's address finds nothing.
    assert (
        console.get(f"/console/associations/alpha/exports/{export.pk}/download/").status_code == 404
    )
    assert (
        console.get(f"/console/associations/beta/exports/{export.pk}/progress/").status_code == 404
    )
    logged = OperatorAction.objects.get(action="association.export_requested")
    assert logged.association_slug == "alpha" and logged.after == {"export_id": export.pk}


def test_finished_export_is_downloaded_by_operators_only(console, alpha, tasks_inline):
    console.post("/console/associations/alpha/export/")
    export = AssociationExport.objects.get(association=alpha.association)
    assert export.status == "done", export.error
    progress = console.get(f"/console/associations/alpha/exports/{export.pk}/progress/").json()
    url = f"/console/associations/alpha/exports/{export.pk}/download/"
    assert (progress["status"], progress["progress"], progress["download_url"]) == (
        "done",
        100,
        url,
    )
    response = console.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content)[:2] == b"\x1f\x8b"  # gzip
    assert client_for(None).get(url).status_code == 302
    assert client_for(alpha, email=alpha.admin_email).get(url).status_code == 404


@pytest.fixture
def doomed(db):
    from workspace.provisioning import association_provision

    association, _admin = association_provision(
        slug="doomed", name_ar="جمعية مؤقتة", name_en="Doomed", admin_email="a@doomed.example",
        admin_password=PASSWORD,
    )  # fmt: skip
    # Its rows' deferred checks run now, as a commit would: PostgreSQL drops no table with
    # checks still pending in the transaction.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    # A finished export on disk (the export itself is the lifecycle's tests' subject; pg_dump
    # cannot see a schema this test's transaction has not committed).
    root = Path(settings.EXPORTS_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    archive = root / "doomed-test.tar.gz"
    archive.write_bytes(b"archive")
    AssociationExport.objects.create(
        association=association, association_slug="doomed", schema_name=association.schema_name,
        status="done", progress=100, step="done", file=archive.name, size=7,
        requested_by=OPERATOR, finished_at=timezone.now(),
    )  # fmt: skip
    yield association
    archive.unlink(missing_ok=True)


def test_delete_with_a_wrong_slug_changes_nothing_then_the_right_one_deletes(console, doomed):
    page = console.get("/console/associations/doomed/delete/?lang=en").content.decode()
    assert "Latest export" in page and "Done" in page and "Download" in page

    response = console.post(
        "/console/associations/doomed/delete/?lang=en", {"confirm_slug": "doome"}
    )
    assert response.status_code == 200
    assert (
        "Type the association" in response.content.decode()
        and "“doomed”" in response.content.decode()
    )
    assert Association.objects.filter(slug="doomed").exists()
    assert not OperatorAction.objects.filter(action="association.deleted").exists()

    response = console.post(
        "/console/associations/doomed/delete/?lang=en", {"confirm_slug": "doomed"}, follow=True
    )
    assert "The association doomed was deleted." in response.content.decode()
    assert not Association.objects.filter(slug="doomed").exists()
    logged = OperatorAction.objects.get(action="association.deleted")
    assert logged.association_slug == "doomed" and logged.before["name_en"] == "Doomed"
    assert console.get("/console/associations/doomed/").status_code == 404


def test_delete_without_an_export_is_refused(console, alpha):
    response = console.post(
        "/console/associations/alpha/delete/?lang=en", {"confirm_slug": "alpha"}
    )
    assert "Export the association first" in response.content.decode()
    assert Association.objects.filter(slug="alpha").exists()


def test_console_actions_need_post_and_an_operator(console, alpha, beta):
    assert console.get("/console/associations/alpha/suspend/").status_code == 405
    beta_admin = client_for(beta, email=beta.admin_email)
    assert (
        beta_admin.post("/console/associations/alpha/suspend/", {"reason": "x"}).status_code == 404
    )
    alpha.association.refresh_from_db()
    assert alpha.association.status == "trial"


def test_daily_job_counts_every_associations_usage_for_the_list(console, alpha, beta, members):
    from accounts.models import User
    from console.models import AssociationUsageSnapshot
    from console.tasks import usage_snapshots_refresh

    with schema_context(alpha.association.schema_name):
        alpha_members = User.objects.count()
    assert alpha_members > 2  # the members fixture added some
    assert usage_snapshots_refresh() == Association.objects.count()
    assert (
        AssociationUsageSnapshot.objects.get(association=alpha.association).members == alpha_members
    )
    assert AssociationUsageSnapshot.objects.get(association=beta.association).members == 2
    listed = rows(console.get("/console/?q=alpha&lang=en").content.decode())
    assert f'<td data-field="members">{alpha_members}</td>' in listed


def test_usage_shows_the_counters_which_equal_a_fresh_count(console, alpha, alpha_policy, beta):
    from accounts.models import User

    cases = [open_case(alpha, who=person(n)) for n in range(1, 4)]
    with schema_context(alpha.association.schema_name):
        staff = User.objects.get(email=alpha.staff_email)
        workflow_services.case_transition(
            case_id=cases[0].pk, actor=staff, action="withdraw", data={"reason": "انسحب"}
        )
        fresh_open = Case.objects.filter(status__in=OPEN_STATUSES).count()
        fresh_total = Case.objects.count()
    assert (fresh_open, fresh_total) == (2, 3)

    with CaptureQueriesContext(connection) as page_queries:
        page = console.get("/console/associations/alpha/?lang=en").content.decode()
    assert f"<dt>Open cases</dt><dd>{fresh_open}</dd>" in page
    assert f"<dt>All cases</dt><dd>{fresh_total}</dd>" in page
    counted = [q["sql"] for q in page_queries.captured_queries if "COUNT(" in q["sql"]]
    assert not [q for q in counted if 'FROM "workflow_case"' in q], counted
    # Beta's figures are its own: none of alpha's cases.
    beta_page = console.get("/console/associations/beta/?lang=en").content.decode()
    assert "<dt>Open cases</dt><dd>0</dd>" in beta_page
    assert "<dt>All cases</dt><dd>0</dd>" in beta_page


def test_the_list_counts_members_and_open_cases_without_opening_each_association(
    console, alpha, alpha_policy, beta, members
):
    from console.models import AssociationUsageSnapshot
    from tests.helpers import open_case, person

    open_case(alpha, who=person(1))
    open_case(alpha, who=person(2))
    open_case(alpha, who=person(3), status="closed")
    assert not AssociationUsageSnapshot.objects.exists()  # no association's page was opened
    listed = rows(console.get("/console/?lang=en").content.decode())
    alpha_row = next(row for row in listed.split("<tr>") if "Alpha Charity" in row)
    beta_row = next(row for row in listed.split("<tr>") if "Beta Society" in row)
    # Alpha: its admin, staff and the members fixture's three; two cases open, one closed.
    assert '<td data-field="members">5</td>' in alpha_row
    assert '<td data-field="open_cases">2</td>' in alpha_row
    assert '<td data-field="members">2</td>' in beta_row
    assert '<td data-field="open_cases">0</td>' in beta_row
