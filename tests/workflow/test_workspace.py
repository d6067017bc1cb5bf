"""The staff workspace for cases (/app/): dashboard, list and search, case page, documents,
beneficiary page, CSV export; and beta's admin reaching for every one of alpha's ids."""

import csv
import datetime
import io
from pathlib import Path

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from common import clock as platform_clock
from publishing.models import Holiday
from tests.helpers import (
    BENEFICIARY,
    NEW_CASE,
    client_for,
    national_id,
    open_case,
    person,
    png_bytes,
    upload,
)
from workflow import services
from workflow.deadlines import working_days_between
from workflow.models import Beneficiary, Case, CaseDocument, CaseEvent, CaseStatus

DAY = datetime.timedelta(days=1)


def platform_today() -> datetime.date:
    """The day in Riyadh on the platform's clock (stopped by the `clock` fixture): the day the
    workspace counts deadlines from, whenever the test runs."""
    return timezone.localdate(platform_clock.now())


# --- Dashboard -------------------------------------------------------------------------------


def _due_soon_bounds(today: datetime.date, holidays=()) -> tuple[datetime.date, datetime.date]:
    """The last day still 'within two working days' and the first day past it, counted by hand."""
    day = today
    while working_days_between(start=today, end=day + DAY, holidays=holidays) <= 2:
        day += DAY
    return day, day + DAY


def test_dashboard_counts_states_due_soon_overdue_and_the_on_time_rate(alpha, alpha_policy, staff):
    today = platform_today()
    last_soon, first_later = _due_soon_bounds(today)
    committee = {"status": CaseStatus.IN_COMMITTEE}
    open_case(alpha, who=person(1))  # received
    open_case(alpha, who=person(2), status=CaseStatus.REFERRED)
    open_case(alpha, who=person(3), committee_due_on=today - 3 * DAY, **committee)  # overdue
    open_case(alpha, who=person(4), committee_due_on=today - DAY, **committee)  # overdue
    open_case(alpha, who=person(5), committee_due_on=today, **committee)  # due soon
    open_case(alpha, who=person(6), committee_due_on=last_soon, **committee)  # due soon
    open_case(alpha, who=person(7), committee_due_on=first_later, **committee)  # not yet
    due = today - 10 * DAY
    decided = {"committee_due_on": due}
    open_case(alpha, who=person(8), status="accepted", decided_on=due, **decided)  # on time
    open_case(alpha, who=person(9), status="closed", decided_on=due + DAY, **decided)  # late
    open_case(alpha, who=person(10), status="rejected", decided_on=due - DAY, **decided)  # on time
    open_case(alpha, who=person(11), status="accepted", decided_on=due)  # asap: no deadline
    open_case(alpha, who=person(12), status="withdrawn")

    response = staff.get("/app/?lang=en")

    assert response.status_code == 200
    dashboard = response.context["dashboard"]
    figures = dashboard["figures"]
    assert dict(figures.open_by_status) == {
        "received": 1,
        "referred": 1,
        "in_committee": 5,
        "accepted": 2,
        "rejected": 1,
        "registered": 0,
        "service_delivered": 0,
    }
    assert figures.open_total == 10
    assert (figures.overdue, figures.due_soon) == (2, 2)
    assert figures.due_soon_until == last_soon
    assert (figures.decided, figures.decided_on_time) == (3, 2)
    assert dashboard["on_time_percent"] == 67
    page = response.content.decode()
    assert '<bdi dir="ltr">67%</bdi>' in page
    assert 'data-status="in_committee">5<' in page
    # The bars are plain HTML: the largest state fills its bar, no script anywhere.
    assert '<span class="w-100"></span>' in page
    assert "<script" not in page
    # The figures link to the list of the very cases they count.
    overdue_list = staff.get(
        f"/app/cases/?status=in_committee&due_before={(today - DAY).isoformat()}"
    )
    assert overdue_list.context["page"].paginator.count == 2
    soon_list = staff.get(
        f"/app/cases/?status=in_committee&due_after={today.isoformat()}"
        f"&due_before={last_soon.isoformat()}"
    )
    assert soon_list.context["page"].paginator.count == 2


def test_a_holiday_brings_a_committee_date_within_two_working_days(alpha, alpha_policy, staff):
    today = platform_today()
    _last_soon, first_later = _due_soon_bounds(today)
    open_case(alpha, status=CaseStatus.IN_COMMITTEE, committee_due_on=first_later)
    assert staff.get("/app/").context["dashboard"]["figures"].due_soon == 0

    next_working_day = next(
        today + n * DAY for n in range(1, 8) if (today + n * DAY).weekday() not in (4, 5)
    )
    with schema_context(alpha.association.schema_name):
        Holiday.objects.create(day=next_working_day, name="إجازة")

    assert staff.get("/app/").context["dashboard"]["figures"].due_soon == 1


def test_dashboard_has_no_rate_before_any_decision_and_its_queries_do_not_grow(
    alpha, alpha_policy, staff
):
    open_case(alpha, who=person(1))
    with CaptureQueriesContext(connection) as few:
        response = staff.get("/app/")
    assert response.context["dashboard"]["on_time_percent"] is None
    for n in range(2, 12):
        open_case(
            alpha, who=person(n), status=CaseStatus.IN_COMMITTEE, committee_due_on=platform_today()
        )
    with CaptureQueriesContext(connection) as many:
        staff.get("/app/")
    assert len(many) == len(few)


def test_dashboard_shows_satisfaction_by_channel(alpha, alpha_policy, staff):
    from workflow.models import Survey

    now = timezone.now()
    for n, (channel, score) in enumerate([("interview", 5), ("interview", 4), ("phone", 2)]):
        case = open_case(alpha, who=person(n + 1), channel=channel, status="closed")
        with schema_context(alpha.association.schema_name):
            Survey.objects.create(
                case=case,
                token_hash=f"{n:064d}",
                expires_at=now + datetime.timedelta(days=30),
                answered_at=now,
                score=score,
            )

    response = staff.get("/app/?lang=en")

    rows = {
        row["channel"]: (row["answers"], row["score"])
        for row in response.context["dashboard"]["satisfaction"]
    }
    assert rows == {"In-person interview": (2, 4.5), "Phone calls": (1, 2.0)}


# --- The list: filters, search, query budget ---------------------------------------------------


def _references(response) -> set[str]:
    return {case.reference for case in response.context["page"].object_list}


def test_list_filters_by_state_channel_and_due_date(alpha, alpha_policy, staff):
    today = platform_today()
    received = open_case(alpha, who=person(1))
    by_phone = open_case(alpha, who=person(2), channel="phone")
    waiting = open_case(
        alpha, who=person(3), status=CaseStatus.IN_COMMITTEE, committee_due_on=today + 5 * DAY
    )
    late = open_case(
        alpha, who=person(4), status=CaseStatus.IN_COMMITTEE, committee_due_on=today - DAY
    )

    assert _references(staff.get("/app/cases/")) == {
        c.reference for c in (received, by_phone, waiting, late)
    }
    assert _references(staff.get("/app/cases/?status=in_committee")) == {
        waiting.reference,
        late.reference,
    }
    assert _references(staff.get("/app/cases/?channel=phone")) == {by_phone.reference}
    assert _references(staff.get(f"/app/cases/?due_before={today.isoformat()}")) == {late.reference}
    assert _references(staff.get(f"/app/cases/?due_after={today.isoformat()}")) == {
        waiting.reference
    }
    # A filter that makes no sense is shown as an error and filters nothing.
    response = staff.get("/app/cases/?status=nonsense")
    assert response.status_code == 200
    assert len(_references(response)) == 4
    assert response.context["form"].errors["status"]


def test_search_finds_by_reference_national_id_mobile_or_name(alpha, alpha_policy, staff):
    first = open_case(alpha, who=person(1, full_name="نورة عبدالله السبيعي"))
    second = open_case(alpha, who=person(2, full_name="خالد محمد"))
    third = open_case(alpha, who=person(2))  # the same person again: their second case

    def found(q):
        return _references(staff.get("/app/cases/", {"q": q}))

    assert found(first.reference) == {first.reference}
    assert found(first.reference.lower().replace("-", "")) == {first.reference}
    assert found(national_id(2)) == {second.reference, third.reference}
    arabic_digits = national_id(1).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert found(arabic_digits) == {first.reference}
    assert found("0550000001") == {first.reference}
    assert found("+966550000001") == {first.reference}
    assert found("٠٥٥٠٠٠٠٠٠٢") == {second.reference, third.reference}
    assert found("السبيعي") == {first.reference}
    assert found("نورة") == {first.reference}
    assert found("1000000000") == set()  # a near-miss ID finds nothing
    assert found("لا أحد") == set()


def _bulk_cases(tenant, count: int, start: int = 0) -> None:
    with schema_context(tenant.association.schema_name):
        now = timezone.now()
        for n in range(start, start + count):
            beneficiary = Beneficiary.objects.create(
                national_id=national_id(100 + n), full_name=f"م {n}", phone=f"+96655{n:07d}"
            )
            Case.objects.create(
                reference=f"BULK-{n:04d}",
                beneficiary=beneficiary,
                channel_code="interview",
                channel_name_ar="المقابلة",
                channel_name_en="Interview",
                summary="طلب",
                policy_version_opened=1,
                consent_given_at=now,
            )
        # Made round the services, as an import would: the counters are counted afresh.
        services.case_counts_rebuild()


def test_case_list_queries_do_not_grow_with_the_cases_and_pages_hold_fifty(
    alpha, alpha_policy, staff, django_assert_max_num_queries
):
    _bulk_cases(alpha, 2)
    with CaptureQueriesContext(connection) as two:
        assert staff.get("/app/cases/").status_code == 200
    _bulk_cases(alpha, 58, start=2)
    with django_assert_max_num_queries(len(two)):
        first_page = staff.get("/app/cases/")
    with django_assert_max_num_queries(len(two)):
        second_page = staff.get("/app/cases/?page=2")
    assert len(first_page.context["page"].object_list) == 50
    assert len(second_page.context["page"].object_list) == 10
    assert first_page.context["page"].paginator.count == 60
    assert 'rel="next"' in first_page.content.decode()
    assert len(two) <= 10, [query["sql"] for query in two.captured_queries]


# --- The case page: only the actions this member may take now ------------------------------------


def _actions(client, case) -> set[str]:
    response = client.get(f"/app/cases/{case.pk}/")
    assert response.status_code == 200
    shown = {action["name"] for action in response.context["actions"]}
    page = response.content.decode()
    for action in ("verify", "refer", "declare", "submit_to_committee", "decide", "withdraw"):
        assert (f'id="action-{action}"' in page) == (action in shown), action
    return shown


def test_case_page_shows_only_the_actions_of_this_role_now(alpha, alpha_policy, members):
    clients = {role: client_for(alpha, email=email) for role, email in members.items()}
    received = open_case(alpha, who=person(1))
    assert _actions(clients["staff"], received) == {"verify", "refer", "declare", "withdraw"}
    # Before the committee stage, committee members and referral holders do not reach the case.
    for role in ("committee", "referral"):
        assert clients[role].get(f"/app/cases/{received.pk}/").status_code == 404, role

    ready = open_case(alpha, who=person(2), verified_at=timezone.now(), declared_at=timezone.now())
    assert _actions(clients["staff"], ready) == {"refer", "submit_to_committee", "withdraw"}

    waiting = open_case(alpha, who=person(3), status=CaseStatus.IN_COMMITTEE)
    assert _actions(clients["committee"], waiting) == {"decide"}
    assert _actions(clients["staff"], waiting) == {"withdraw"}
    assert _actions(clients["admin"], waiting) == {"decide", "withdraw"}

    referred = open_case(
        alpha, who=person(4), status=CaseStatus.REFERRED, referral_role_code="social_researcher"
    )
    assert _actions(clients["referral"], referred) == {"answer_referral"}
    # A holder of another referral role does not reach it at all.
    assert clients["other_referral"].get(f"/app/cases/{referred.pk}/").status_code == 404
    decided = open_case(alpha, who=person(5), status=CaseStatus.ACCEPTED)
    assert _actions(clients["committee"], decided) == set()
    assert "no-actions" in clients["committee"].get(f"/app/cases/{decided.pk}/").content.decode()


def test_case_page_shows_the_case_its_policy_versions_due_date_and_timeline(
    alpha, alpha_policy, staff
):
    due = datetime.date(2025, 4, 24)  # 26 Shawwal 1446
    case = open_case(
        alpha, status=CaseStatus.IN_COMMITTEE, committee_due_on=due, policy_version_committee=1
    )
    page = staff.get(f"/app/cases/{case.pk}/").content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert f'<bdi dir="ltr">{case.reference}</bdi>' in page
    assert "محمد أحمد" in page
    # The mobile as Saudis write it, isolated; dialled in full.
    assert '<a href="tel:+966512345678"><bdi dir="ltr">051 234 5678</bdi></a>' in page
    assert "26/10/1446هـ الموافق 24/04/2025م" in page
    assert 'href="/policy/1/"' in page
    assert "المقابلة" in page  # the channel, as the published policy named it
    english = staff.get(f"/app/cases/{case.pk}/?lang=en").content.decode()
    assert '<html lang="en" dir="ltr">' in english
    assert "26 Shawwal 1446 AH (24 April 2025)" in english
    assert "Case opened" in english


def test_details_typed_online_that_differ_are_shown_for_staff_to_verify(alpha, alpha_policy, staff):
    open_case(alpha, who=person(1))
    online = open_case(alpha, who=person(1, phone="0559999999"), channel="website")
    page = staff.get(f"/app/cases/{online.pk}/?lang=en").content.decode()
    assert "Typed online and different from the registry" in page
    assert "<bdi>+966559999999</bdi>" in page
    assert online.beneficiary.phone == "+966550000001"  # the registry is unchanged


def test_staff_act_from_the_case_page_and_the_timeline_records_it(alpha, alpha_policy, staff):
    case = open_case(alpha)
    response = staff.post(
        f"/app/cases/{case.pk}/transitions/", {"action": "verify", "version": case.version}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/app/cases/{case.pk}/"
    response = staff.post(
        f"/app/cases/{case.pk}/transitions/",
        {"action": "refer", "version": case.version + 1, "role": "social_researcher", "note": "؟"},
    )
    assert response.status_code == 302
    with schema_context(alpha.association.schema_name):
        after = Case.objects.get(pk=case.pk)
        assert after.status == CaseStatus.REFERRED
        assert after.verified_at is not None
        assert after.version == case.version + 2
        # The referral is told to the beneficiary too (issue 15), and the timeline says so.
        assert list(after.events.values_list("action", flat=True)) == [
            "open",
            "verify",
            "refer",
            "beneficiary_told",
        ]
    page = staff.get(f"/app/cases/{case.pk}/?lang=en").content.decode()
    assert "Data verified" in page
    assert "Referred" in page
    assert "مسؤول البحث الاجتماعي" in staff.get(f"/app/cases/{case.pk}/?lang=ar").content.decode()


def test_a_stale_page_gets_a_conflict_and_nothing_changes(alpha, alpha_policy, staff):
    case = open_case(alpha)
    stale_version = case.version
    # Someone else verifies the case meanwhile.
    assert (
        staff.post(
            f"/app/cases/{case.pk}/transitions/", {"action": "verify", "version": stale_version}
        ).status_code
        == 302
    )

    response = staff.post(
        f"/app/cases/{case.pk}/transitions/?lang=en",
        {"action": "declare", "version": stale_version, "signed_by": "محمد أحمد"},
    )

    # The refusal redirects (a reload posts nothing again) to the page as it is now.
    assert response.status_code == 302
    assert response["Location"] == f"/app/cases/{case.pk}/"
    with schema_context(alpha.association.schema_name):
        after = Case.objects.get(pk=case.pk)
        assert after.declared_at is None
        assert after.version == stale_version + 1
        assert not CaseEvent.objects.filter(case=case, action="declare").exists()
    page = staff.get(response["Location"] + "?lang=en").content.decode()
    assert "The case changed meanwhile" in page
    assert f'name="version" value="{stale_version + 1}"' in page


def test_an_action_the_role_or_the_facts_forbid_changes_nothing(alpha, alpha_policy, members):
    case = open_case(alpha)
    committee = client_for(alpha, email=members["committee"])
    response = committee.post(
        f"/app/cases/{case.pk}/transitions/", {"action": "verify", "version": case.version}
    )
    assert response.status_code == 404  # the committee does not reach a case before its stage
    waiting = open_case(alpha, who=person(9), status=CaseStatus.IN_COMMITTEE)
    response = committee.post(
        f"/app/cases/{waiting.pk}/transitions/?lang=en",
        {"action": "withdraw", "version": waiting.version, "reason": "?", "confirm": "1"},
    )
    # The committee reaches it, but its role cannot withdraw: refused, back on the case page.
    assert response["Location"] == f"/app/cases/{waiting.pk}/#action-withdraw"
    page = committee.get(f"/app/cases/{waiting.pk}/?lang=en").content.decode()
    assert "Nothing was saved: Your role does not allow this action." in page
    staff = client_for(alpha, email=members["staff"])
    response = staff.post(
        f"/app/cases/{case.pk}/transitions/?lang=en",
        {"action": "withdraw", "version": case.version, "reason": "  "},
    )
    # Refused before it is even confirmed; the page after the redirect names the field.
    assert response["Location"] == f"/app/cases/{case.pk}/#action-withdraw"
    page = staff.get(f"/app/cases/{case.pk}/?lang=en").content.decode()
    assert "Nothing was saved" in page
    assert "This field is required." in page
    # Shown once: a reload of the case page is the plain page.
    assert (
        "This field is required."
        not in staff.get(f"/app/cases/{case.pk}/?lang=en").content.decode()
    )
    response = staff.post(
        f"/app/cases/{case.pk}/transitions/",
        {"action": "submit_to_committee", "version": case.version},
    )
    assert response.status_code == 302
    with schema_context(alpha.association.schema_name):
        after = Case.objects.get(pk=case.pk)
        assert (after.status, after.version, after.verified_at) == (
            CaseStatus.RECEIVED,
            case.version,
            None,
        )
        assert list(after.events.values_list("action", flat=True)) == ["open"]


# --- Opening a case from the workspace -----------------------------------------------------------


def test_staff_open_a_case_through_a_published_channel_with_consent(alpha, alpha_policy, staff):
    response = staff.post("/app/cases/new/", NEW_CASE)
    assert response.status_code == 302
    with schema_context(alpha.association.schema_name):
        case = Case.objects.get(beneficiary__national_id="2000000006")
        assert (case.channel_code, case.beneficiary.phone) == ("phone", "+966551234567")
        assert case.consent_given_at is not None
        assert case.events.get().actor_email == alpha.staff_email
    assert response["Location"] == f"/app/cases/{case.pk}/"
    page = staff.get(response["Location"]).content.decode()
    assert f"/request/{case.reference}/?token=" in page  # the status link, shown once


def test_a_case_needs_consent_and_a_published_channel(alpha, alpha_policy, staff):
    response = staff.post("/app/cases/new/?lang=en", {**NEW_CASE, "consent": ""})
    assert response.status_code == 400
    assert "consent to the processing of their data is required" in response.content.decode()
    response = staff.post("/app/cases/new/", {**NEW_CASE, "channel": "letters"})
    assert response.status_code == 400
    response = staff.post("/app/cases/new/", {**NEW_CASE, "national_id": "1000000000"})
    assert response.status_code == 400
    assert response.context["form"].errors["national_id"]
    with schema_context(alpha.association.schema_name):
        assert not Case.objects.exists()


def test_only_staff_and_admins_open_cases(alpha, alpha_policy, members):
    committee = client_for(alpha, email=members["committee"])
    assert committee.get("/app/cases/new/").status_code == 403
    assert committee.post("/app/cases/new/", NEW_CASE).status_code == 403
    assert client_for(alpha).get("/app/cases/new/").status_code == 302  # to the sign-in page


# --- Documents -----------------------------------------------------------------------------------


def test_staff_upload_a_png_and_members_download_it(alpha, alpha_policy, members, media):
    case = open_case(alpha)
    staff = client_for(alpha, email=members["staff"])
    image = png_bytes()

    response = staff.post(
        f"/app/cases/{case.pk}/documents/",
        {"kind": "id_copy", "file": upload("هوية.png", image, "image/png")},
    )

    assert response.status_code == 302
    with schema_context(alpha.association.schema_name):
        document = CaseDocument.objects.get(case=case)
    stored = Path(media) / alpha.association.schema_name / document.file.name
    assert stored.read_bytes() == image  # under the association's own folder
    assert document.file.name.startswith(f"cases/{case.pk}/")
    committee = client_for(alpha, email=members["committee"])
    url = f"/app/cases/{case.pk}/documents/{document.pk}/"
    assert committee.get(url).status_code == 404  # not before the case reaches the committee
    with schema_context(alpha.association.schema_name):
        Case.objects.filter(pk=case.pk).update(status=CaseStatus.IN_COMMITTEE)
    response = committee.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == image
    assert "private" in response["Cache-Control"]
    assert f'href="{url}"' in staff.get(f"/app/cases/{case.pk}/").content.decode()
    # Not for anyone signed out, and never through the public media path.
    assert client_for(alpha).get(url).status_code == 302
    public = f"/media/{alpha.association.schema_name}/{document.file.name}"
    assert client_for(alpha, email=members["staff"]).get(public).status_code == 404


def test_a_document_is_refused_by_its_content_or_size(alpha, alpha_policy, staff, media):
    case = open_case(alpha)
    fake_pdf = upload("report.pdf", b"just some text, not a PDF at all", "application/pdf")
    response = staff.post(
        f"/app/cases/{case.pk}/documents/?lang=en", {"kind": "report", "file": fake_pdf}
    )
    assert response.status_code == 400
    assert "Upload a PDF, PNG or JPEG file." in response.content.decode()

    too_big = upload("big.png", png_bytes() + b"\0" * (5 * 1024 * 1024), "image/png")
    response = staff.post(
        f"/app/cases/{case.pk}/documents/?lang=en", {"kind": "report", "file": too_big}
    )
    assert response.status_code == 400
    assert "A document is at most 5 MB." in response.content.decode()
    with schema_context(alpha.association.schema_name):
        assert not CaseDocument.objects.exists()
    assert not any(Path(media).rglob("*.*"))


def test_a_document_is_reached_only_through_its_own_case(alpha, alpha_policy, members, media):
    staff = client_for(alpha, email=members["staff"])
    case = open_case(alpha, who=person(1))
    other = open_case(alpha, who=person(2))
    staff.post(
        f"/app/cases/{case.pk}/documents/",
        {"kind": "report", "file": upload("r.png", png_bytes(), "image/png")},
    )
    with schema_context(alpha.association.schema_name):
        document = CaseDocument.objects.get()
    assert staff.get(f"/app/cases/{other.pk}/documents/{document.pk}/").status_code == 404
    assert staff.get(f"/app/cases/{case.pk}/documents/{document.pk + 1}/").status_code == 404
    committee = client_for(alpha, email=members["committee"])
    refused = committee.post(
        f"/app/cases/{case.pk}/documents/",
        {"kind": "report", "file": upload("r.png", png_bytes(), "image/png")},
    )
    assert refused.status_code == 404  # the committee does not reach a case before its stage
    # The referral holder adds a report while the case is referred to their role only.
    with schema_context(alpha.association.schema_name):
        Case.objects.filter(pk=case.pk).update(
            status=CaseStatus.REFERRED, referral_role_code="social_researcher"
        )
    for role, expected in (("referral", 302), ("other_referral", 404)):
        response = client_for(alpha, email=members[role]).post(
            f"/app/cases/{case.pk}/documents/",
            {"kind": "report", "file": upload("r.png", png_bytes(), "image/png")},
        )
        assert response.status_code == expected, role


# --- The beneficiary page ------------------------------------------------------------------------


def test_beneficiary_page_lists_all_their_cases_and_no_one_elses(alpha, alpha_policy, staff):
    first = open_case(alpha, who=person(1))
    second = open_case(alpha, who=person(1), status="closed")
    someone_else = open_case(alpha, who=person(2))
    response = staff.get(f"/app/beneficiaries/{first.beneficiary_id}/")
    assert response.status_code == 200
    assert {case.reference for case in response.context["cases"]} == {
        first.reference,
        second.reference,
    }
    page = response.content.decode()
    assert f'<bdi dir="ltr">{national_id(1)}</bdi>' in page
    assert someone_else.reference not in page
    assert staff.get("/app/beneficiaries/999999/").status_code == 404


# --- CSV export ----------------------------------------------------------------------------------


def test_admins_export_the_cases_as_csv_that_excel_reads_in_arabic(
    alpha, alpha_policy, admin, members
):
    case = open_case(alpha, who=person(1, full_name='=HYPERLINK("http://x")'))
    open_case(
        alpha, who=person(2), status=CaseStatus.IN_COMMITTEE, committee_due_on=platform_today()
    )

    response = admin.get("/app/cases/export.csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert len(rows) == 3
    by_reference = {row[0]: row for row in rows[1:]}
    row = by_reference[case.reference]
    assert row[4:7] == [national_id(1), '\'=HYPERLINK("http://x")', "+966550000001"]
    assert row[3] == "المقابلة الشخصية"
    assert "مستفيد رقم 2" in body.decode("utf-8-sig")
    english = admin.get("/app/cases/export.csv?lang=en")
    header = b"".join(english.streaming_content).decode("utf-8-sig").splitlines()[0]
    assert header == (
        "Reference,Kind,State,Channel,National ID / iqama,Name,Mobile,Created,Decision due,Decided,"
        "Household details,Health details,Monthly income (SAR)"
    )
    # Filters apply; staff and committee members get no export.
    filtered = admin.get("/app/cases/export.csv?status=in_committee")
    assert (
        len(list(csv.reader(io.StringIO(b"".join(filtered.streaming_content).decode("utf-8-sig")))))
        == 2
    )
    for role in ("staff", "committee"):
        assert (
            client_for(alpha, email=members[role]).get("/app/cases/export.csv").status_code == 403
        )
    assert client_for(alpha).get("/app/cases/export.csv").status_code == 302


# --- Isolation -----------------------------------------------------------------------------------


def test_beta_admin_reaches_none_of_alphas_cases_beneficiaries_or_documents(
    alpha, beta, alpha_policy, media
):
    case = open_case(alpha)
    alpha_staff = client_for(alpha, email=alpha.staff_email)
    alpha_staff.post(
        f"/app/cases/{case.pk}/documents/",
        {"kind": "id_copy", "file": upload("id.png", png_bytes(), "image/png")},
    )
    with schema_context(alpha.association.schema_name):
        document = CaseDocument.objects.get()
    intruder = client_for(beta, email=beta.admin_email)
    with schema_context(beta.association.schema_name):
        assert not Case.objects.exists()  # so any id below can only be alpha's

    gets = [
        f"/app/cases/{case.pk}/",
        f"/app/cases/{case.pk}/documents/{document.pk}/",
        f"/app/beneficiaries/{case.beneficiary_id}/",
    ]
    for url in gets:
        assert intruder.get(url).status_code == 404, url
    posts = {
        f"/app/cases/{case.pk}/transitions/": {"action": "verify", "version": case.version},
        f"/app/cases/{case.pk}/documents/": {
            "kind": "report",
            "file": upload("x.png", png_bytes(), "image/png"),
        },
    }
    for url, data in posts.items():
        assert intruder.post(url, data).status_code == 404, url
    for url in (
        "/app/cases/",
        f"/app/cases/?q={case.reference}",
        f"/app/cases/?q={BENEFICIARY['national_id']}",
        "/app/cases/export.csv",
        "/app/",
    ):
        response = intruder.get(url)
        assert response.status_code == 200, url
        content = (
            b"".join(response.streaming_content) if response.streaming else response.content
        ).decode("utf-8-sig")
        assert BENEFICIARY["full_name"] not in content, url
        if "?q=" in url:  # the search term is echoed in the form; it finds nothing
            assert response.context["page"].paginator.count == 0, url
        else:
            assert case.reference not in content, url
    assert (
        intruder.get(f"/media/{alpha.association.schema_name}/{document.file.name}").status_code
        == 404
    )
    with schema_context(alpha.association.schema_name):
        after = Case.objects.get(pk=case.pk)
        assert (after.version, after.verified_at) == (case.version, None)
        assert CaseDocument.objects.count() == 1
