"""Data-subject requests: recorded by staff, the person verified, then answered: a copy (ZIP
of data.json, report.html and the documents), a correction, a deletion that keeps the
statistics, or a refusal; the 30-day clock, its one extension and the dashboard."""

import datetime
import io
import json
import zipfile
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from common import clock as platform_clock
from privacy.anonymise import PLACEHOLDER_NAME
from privacy.models import DataSubjectRequest, LegalHold, RequestEvent
from tests.helpers import client_for, open_case, person, png_bytes, upload
from tests.privacy.conftest import in_schema, page
from workflow.models import Beneficiary, Case, CaseDocument, CaseEvent, CaseStatus, Survey

# What erasure must blank (the name and the national ID are replaced, not blanked).
PERSONAL_FIELDS = ("phone", "email", "city", "household_notes", "health_notes", "monthly_income")
DAY = datetime.timedelta(days=1)


def TODAY() -> datetime.date:
    """The day requests are received and counted on: Riyadh's, by the platform's clock."""
    return timezone.localdate(platform_clock.now())


def record(client, who: dict, *, kind: str = "copy", **changes) -> int:
    data = {
        "kind": kind,
        "requester_name": who["full_name"],
        "requester_national_id": who["national_id"],
        "requester_contact": who["phone"],
        "details": "أطلب نسخة من بياناتي",
        "received_on": TODAY().isoformat(),
        **changes,
    }
    response = client.post("/app/privacy/requests/new/", data)
    assert response.status_code == 302, page(response)[:3000]
    return int(response.url.rstrip("/").split("/")[-1])


def verify(client, request_id: int, national_id: str):
    return client.post(
        f"/app/privacy/requests/{request_id}/verify/?lang=en",
        {"national_id": national_id, "method_note": "بطاقة الهوية الوطنية في المقر"},
    )


def closed_case_with_document_and_survey(tenant, staff, who: dict, *, name: str) -> Case:
    case = open_case(tenant, who=who)
    response = staff.post(
        f"/app/cases/{case.pk}/documents/",
        {"kind": "id_copy", "file": upload(name, png_bytes(), "image/png")},
    )
    assert response.status_code == 302
    with in_schema(tenant):
        Case.objects.filter(pk=case.pk).update(
            status=CaseStatus.CLOSED,
            closed_at=timezone.now(),
            decided_on=TODAY(),
            decision_reason="مستحق للدعم",
        )
        CaseEvent.objects.create(
            case=case, action="close", from_status="service_delivered", to_status="closed",
            note=f"تم التواصل مع {who['full_name']}",
        )  # fmt: skip
        Survey.objects.create(
            case=case,
            token_hash=f"{case.pk:064d}",
            expires_at=timezone.now() + DAY,
            answered_at=timezone.now(),
            score=4,
            comment="شكرًا لكم يا فريق الجمعية",
        )
        return Case.objects.select_related("beneficiary").get(pk=case.pk)


# --- recording and the clock -------------------------------------------------------------------


def test_a_request_is_due_in_30_days_and_shows_on_the_dashboard(alpha, alpha_policy, staff):
    who = person(60)
    fresh = record(staff, who)
    late = record(staff, person(61), kind="access", received_on=(TODAY() - 33 * DAY).isoformat())

    with in_schema(alpha):
        dsr = DataSubjectRequest.objects.get(pk=fresh)
        assert (dsr.received_on, dsr.due_on) == (TODAY(), TODAY() + 30 * DAY)
        assert dsr.status == "received" and dsr.recorded_by == alpha.staff_email
        assert dsr.requester_national_id == who["national_id"]

    dashboard = staff.get("/app/?lang=en")
    body = dashboard.content.decode()
    text = page(dashboard)
    assert "30 days left" in text
    assert "overdue by 3 days" in text
    assert f'<tr id="request-{late}" class="late">' in body
    assert f'<tr id="request-{fresh}">' in body


def test_bad_input_is_refused_field_by_field_and_nothing_is_recorded(alpha, staff):
    future = staff.post(
        "/app/privacy/requests/new/?lang=en",
        {
            "kind": "erase-everything",
            "requester_name": "",
            "requester_national_id": "1\x00",
            "received_on": (TODAY() + DAY).isoformat(),
        },
    )
    assert future.status_code == 400
    errors = future.context["form"].errors
    assert set(errors) >= {"kind", "requester_name"}
    too_old = staff.post(
        "/app/privacy/requests/new/?lang=en",
        {
            "kind": "copy",
            "requester_name": "سارة",
            "requester_national_id": "1000000008",
            "received_on": (TODAY() + DAY).isoformat(),
        },
    )
    assert too_old.status_code == 400
    assert "cannot be in the future" in page(too_old)
    with in_schema(alpha):
        assert not DataSubjectRequest.objects.exists()


def test_verification_needs_the_same_national_id_and_a_known_beneficiary(
    alpha, alpha_policy, staff
):
    who = person(62)
    case = open_case(alpha, who=who)
    request_id = record(staff, who)

    wrong = verify(staff, request_id, person(63)["national_id"])
    assert wrong.status_code == 400
    assert "not the one the request was made under" in page(wrong)
    invalid = verify(staff, request_id, "1234567890")
    assert invalid.status_code == 400
    with in_schema(alpha):
        dsr = DataSubjectRequest.objects.get(pk=request_id)
        assert (dsr.status, dsr.beneficiary_id, dsr.verified_at) == ("received", None, None)

    unknown = record(staff, person(64))
    nobody = verify(staff, unknown, person(64)["national_id"])
    assert nobody.status_code == 400
    assert "No beneficiary has this national ID" in page(nobody)

    # Typed in Arabic-Indic digits, it is the same number.
    shown = who["national_id"].translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    right = verify(staff, request_id, shown)
    assert right.status_code == 302
    with in_schema(alpha):
        dsr = DataSubjectRequest.objects.get(pk=request_id)
        assert dsr.status == "verified"
        assert dsr.beneficiary_id == case.beneficiary_id
        assert dsr.verified_by == alpha.staff_email
        assert "بطاقة الهوية" in dsr.verification_note


def test_the_answer_is_extended_once_only_and_with_a_reason(alpha, staff):
    request_id = record(staff, person(65))
    no_reason = staff.post(f"/app/privacy/requests/{request_id}/extend/?lang=en", {"reason": ""})
    assert no_reason.status_code == 400

    extended = staff.post(
        f"/app/privacy/requests/{request_id}/extend/", {"reason": "ننتظر مستندات من جهة أخرى"}
    )
    assert extended.status_code == 302
    again = staff.post(
        f"/app/privacy/requests/{request_id}/extend/?lang=en", {"reason": "مرة ثانية"}
    )
    assert again.status_code == 400
    assert "extended once already" in page(again)

    with in_schema(alpha):
        dsr = DataSubjectRequest.objects.get(pk=request_id)
        assert dsr.due_on == TODAY() + 60 * DAY
        assert dsr.extension_reason == "ننتظر مستندات من جهة أخرى"
    detail = page(staff.get(f"/app/privacy/requests/{request_id}/?lang=en"))
    assert "ننتظر مستندات من جهة أخرى" in detail
    assert "60 days left" in detail
    assert "Extend by 30 days" not in detail


def test_a_refusal_keeps_its_reason_and_closes_the_request(alpha, staff):
    request_id = record(staff, person(66))
    response = staff.post(
        f"/app/privacy/requests/{request_id}/refuse/", {"reason": "لم يحضر صاحب الطلب للتحقق"}
    )
    assert response.status_code == 302
    detail = staff.get(f"/app/privacy/requests/{request_id}/?lang=en")
    assert "لم يحضر صاحب الطلب للتحقق" in page(detail)
    assert "What you can do now" not in page(detail)
    assert f'id="request-{request_id}"' not in staff.get("/app/").content.decode()


def test_committee_and_referral_members_do_not_handle_requests(alpha, members):
    for role in ("committee", "referral"):
        client = client_for(alpha, email=members[role])
        assert client.get("/app/privacy/requests/").status_code == 403
        assert client.post("/app/privacy/requests/new/", {}).status_code == 403
        assert 'id="privacy-clock-title"' not in client.get("/app/").content.decode()


# --- a copy -----------------------------------------------------------------------------------


def test_a_copy_is_one_zip_of_everything_about_the_person_and_nothing_else(
    alpha, alpha_policy, staff, media
):
    who = person(70, email="person70@example.com")
    case = closed_case_with_document_and_survey(alpha, staff, who, name="هوية-70.png")
    second = open_case(alpha, who=who, channel="phone")
    stranger = person(71)
    closed_case_with_document_and_survey(alpha, staff, stranger, name="stranger.png")
    request_id = record(staff, who)

    before = staff.get(f"/app/privacy/requests/{request_id}/export.zip")
    assert before.status_code == 404  # not before the person is verified
    assert verify(staff, request_id, who["national_id"]).status_code == 302

    response = staff.get(f"/app/privacy/requests/{request_id}/export.zip")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = archive.namelist()
    assert names[:2] == ["data.json", "report.html"]
    [document_name] = [name for name in names if name.startswith("documents/")]
    assert document_name.startswith(f"documents/{case.reference}/")
    assert archive.read(document_name) == png_bytes()

    data = json.loads(archive.read("data.json"))
    assert data["beneficiary"]["national_id"] == who["national_id"]
    assert data["beneficiary"]["email"] == "person70@example.com"
    assert {c["reference"] for c in data["cases"]} == {case.reference, second.reference}
    closed = next(c for c in data["cases"] if c["reference"] == case.reference)
    assert [e["action"] for e in closed["events"]] == ["open", "document_added", "close"]
    assert closed["survey"]["score"] == 4 and closed["survey"]["comment"]
    assert "token_hash" not in closed["survey"] and "status_token_hash" not in closed
    assert closed["documents"][0]["file_in_archive"] == document_name
    assert len(data["consents"]) == 2
    report = archive.read("report.html").decode()
    assert '<html lang="ar" dir="rtl">' in report
    assert "<style>" in report and "<script" not in report and "http" not in report
    assert who["full_name"] in report and case.reference in report
    assert "شكرًا لكم يا فريق الجمعية" in report

    everything = b"".join(archive.read(name) for name in names).decode("utf-8", "replace")
    for secret in (stranger["national_id"], stranger["full_name"], "stranger.png"):
        assert secret not in everything

    with in_schema(alpha):
        downloads = RequestEvent.objects.filter(request_id=request_id, action="downloaded")
        assert list(downloads.values_list("actor_email", flat=True)) == [alpha.staff_email]
    detail = page(staff.get(f"/app/privacy/requests/{request_id}/?lang=en"))
    assert "Data downloaded" in detail

    done = staff.post(
        f"/app/privacy/requests/{request_id}/complete/", {"outcome_note": "سلمت النسخة يدويًا"}
    )
    assert done.status_code == 302
    assert staff.get(f"/app/privacy/requests/{request_id}/export.zip").status_code == 404


# --- a correction ------------------------------------------------------------------------------


def test_a_correction_goes_through_the_intake_checks_and_is_kept_on_the_request(
    alpha, alpha_policy, staff
):
    who = person(72, city="جدة")
    case = open_case(alpha, who=who)
    request_id = record(staff, who, kind="correction")
    assert staff.get(f"/app/privacy/requests/{request_id}/correct/").status_code == 404
    verify(staff, request_id, who["national_id"])
    form = staff.get(f"/app/privacy/requests/{request_id}/correct/")
    assert form.status_code == 200
    assert form.context["form"]["city"].value() == "جدة"

    bad = staff.post(
        f"/app/privacy/requests/{request_id}/correct/?lang=en",
        {"full_name": who["full_name"], "phone": "0112345678", "city": "الرياض"},
    )
    assert bad.status_code == 400
    assert "mobile" in page(bad).lower()
    with in_schema(alpha):
        assert Beneficiary.objects.get(pk=case.beneficiary_id).city == "جدة"

    good = staff.post(
        f"/app/privacy/requests/{request_id}/correct/",
        {"full_name": who["full_name"], "phone": "0559998887", "city": "الرياض"},
    )
    assert good.status_code == 302
    with in_schema(alpha):
        person_now = Beneficiary.objects.get(pk=case.beneficiary_id)
        assert (person_now.phone, person_now.city) == ("+966559998887", "الرياض")
        event = RequestEvent.objects.get(request_id=request_id, action="corrected")
        assert event.data["changes"]["city"] == {"from": "جدة", "to": "الرياض"}
        assert event.data["changes"]["phone"]["to"] == "+966559998887"
    detail = page(staff.get(f"/app/privacy/requests/{request_id}/?lang=en"))
    assert "Details corrected" in detail and "الرياض" in detail


# --- a deletion -------------------------------------------------------------------------------


def test_deletion_erases_the_person_and_keeps_the_statistics(
    alpha, alpha_policy, staff, media, django_capture_on_commit_callbacks
):
    who = person(80, email="person80@example.com", city="تبوك", household_size="5",
                 household_notes="أسرة من خمسة أفراد")  # fmt: skip
    case = closed_case_with_document_and_survey(alpha, staff, who, name="هوية-80.png")
    with in_schema(alpha):
        Beneficiary.objects.filter(pk=case.beneficiary_id).update(
            health_notes="مرض مزمن", monthly_income=Decimal("3500.00")
        )
        [document] = CaseDocument.objects.filter(case=case)
        stored = media / alpha.association.schema_name / document.file.name
    assert stored.is_file()
    figures_before = staff.get("/app/").context["dashboard"]["figures"]
    request_id = record(staff, who, kind="deletion")
    verify(staff, request_id, who["national_id"])

    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(f"/app/privacy/requests/{request_id}/delete/")

    assert response.status_code == 302
    assert not stored.exists()
    with in_schema(alpha):
        erased = Beneficiary.objects.get(pk=case.beneficiary_id)
        assert erased.full_name == PLACEHOLDER_NAME
        assert erased.national_id.startswith("X") and len(erased.national_id) == 10
        assert erased.household_size == 5  # a statistic
        # Written out, not read from the code under test: a new field of a beneficiary fails
        # here until someone decides whether erasure blanks it.
        assert {f.name for f in Beneficiary._meta.concrete_fields} == {
            "id", "created_at", "updated_at", "household_size", "full_name", "national_id",
            "language", *PERSONAL_FIELDS,
        }  # fmt: skip
        assert erased.language == "ar"  # back to the default: it said something of the person
        for name in PERSONAL_FIELDS:
            assert getattr(erased, name) in ("", None), name
        kept = Case.objects.get(pk=case.pk)
        assert (kept.status, kept.channel_code, kept.decided_on) == ("closed", "interview", TODAY())
        assert kept.summary == kept.decision_reason == ""
        assert not CaseEvent.objects.filter(case=case).exclude(note="").exists()
        assert not CaseDocument.objects.filter(case=case).exists()
        survey = Survey.objects.get(case=case)
        assert (survey.score, survey.comment) == (4, "")
        dsr = DataSubjectRequest.objects.get(pk=request_id)
        assert dsr.status == "completed"
        assert who["national_id"] not in (dsr.requester_national_id, dsr.requester_name)
    figures_after = staff.get("/app/").context["dashboard"]["figures"]
    assert figures_after.open_by_status == figures_before.open_by_status
    assert figures_after.satisfaction == figures_before.satisfaction
    assert figures_after.decided == figures_before.decided

    beneficiary_page = page(staff.get(f"/app/beneficiaries/{case.beneficiary_id}/?lang=en"))
    assert PLACEHOLDER_NAME in beneficiary_page
    assert "Personal data erased" in beneficiary_page
    assert "Ended with the erasure" in beneficiary_page and "In force" not in beneficiary_page
    for gone in (who["full_name"], who["national_id"], "5555", "person80@example.com"):
        assert gone not in beneficiary_page
    assert "Personal data erased" in page(staff.get(f"/app/privacy/requests/{request_id}/?lang=en"))
    # The person is no longer found by their national ID.
    assert who["national_id"] not in page(staff.get(f"/app/cases/?q={who['national_id']}"))


def test_deletion_is_refused_with_its_reason_for_an_open_case_or_a_legal_hold(
    alpha, alpha_policy, staff, admin
):
    open_one = person(81)
    case = open_case(alpha, who=open_one)
    request_id = record(staff, open_one, kind="deletion")
    verify(staff, request_id, open_one["national_id"])
    response = staff.post(f"/app/privacy/requests/{request_id}/delete/?lang=en")
    assert response.status_code == 302
    shown = page(staff.get(f"/app/privacy/requests/{request_id}/?lang=en"))
    assert "Refused" in shown and "has an open case" in shown
    with in_schema(alpha):
        assert Beneficiary.objects.get(pk=case.beneficiary_id).full_name == open_one["full_name"]
        assert DataSubjectRequest.objects.get(pk=request_id).refusal_reason

    held = person(82)
    held_case = open_case(alpha, who=held, status=CaseStatus.CLOSED, closed_at=timezone.now())
    assert (
        staff.post(
            f"/app/privacy/beneficiaries/{held_case.beneficiary_id}/holds/", {"reason": "x"}
        ).status_code
        == 403
    )
    assert (
        admin.post(
            f"/app/privacy/beneficiaries/{held_case.beneficiary_id}/holds/",
            {"reason": "قضية منظورة أمام المحكمة"},
        ).status_code
        == 302
    )
    request_id = record(staff, held, kind="deletion")
    verify(staff, request_id, held["national_id"])
    detail = page(staff.get(f"/app/privacy/requests/{request_id}/?lang=en"))
    assert "A legal hold is in force" in detail
    staff.post(f"/app/privacy/requests/{request_id}/delete/")
    shown = page(staff.get(f"/app/privacy/requests/{request_id}/?lang=en"))
    assert "A legal hold is set" in shown
    with in_schema(alpha):
        assert Beneficiary.objects.get(pk=held_case.beneficiary_id).full_name == held["full_name"]
        hold = LegalHold.objects.get(beneficiary_id=held_case.beneficiary_id)

    # Released, the data may go on the next request.
    assert admin.post(f"/app/privacy/holds/{hold.pk}/release/").status_code == 302
    again = record(staff, held, kind="deletion")
    verify(staff, again, held["national_id"])
    staff.post(f"/app/privacy/requests/{again}/delete/")
    with in_schema(alpha):
        assert Beneficiary.objects.get(pk=held_case.beneficiary_id).full_name == PLACEHOLDER_NAME


# --- another association ------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["admin", "staff"])
def test_beta_cannot_see_download_or_act_on_alphas_requests_or_holds(
    alpha, beta, alpha_policy, staff, admin, media, who
):
    person_a = person(90)
    case = closed_case_with_document_and_survey(alpha, staff, person_a, name="alpha.png")
    request_id = record(staff, person_a, kind="copy")
    verify(staff, request_id, person_a["national_id"])
    deletion = record(staff, person_a, kind="deletion")
    admin.post(f"/app/privacy/beneficiaries/{case.beneficiary_id}/holds/", {"reason": "حجز"})
    with in_schema(alpha):
        hold = LegalHold.objects.get()
    intruder = client_for(beta, email=beta.admin_email if who == "admin" else beta.staff_email)

    for path in (
        f"/app/privacy/requests/{request_id}/",
        f"/app/privacy/requests/{request_id}/export.zip",
        f"/app/privacy/requests/{request_id}/correct/",
        f"/app/beneficiaries/{case.beneficiary_id}/",
    ):
        assert intruder.get(path).status_code == 404, path
    for path, data in (
        (f"/app/privacy/requests/{deletion}/verify/", {"national_id": person_a["national_id"], "method_note": "x"}),
        (f"/app/privacy/requests/{request_id}/extend/", {"reason": "x"}),
        (f"/app/privacy/requests/{request_id}/refuse/", {"reason": "x"}),
        (f"/app/privacy/requests/{request_id}/complete/", {"outcome_note": "x"}),
        (f"/app/privacy/requests/{deletion}/delete/", {}),
        (f"/app/privacy/beneficiaries/{case.beneficiary_id}/holds/", {"reason": "x"}),
        (f"/app/privacy/holds/{hold.pk}/release/", {}),
    ):  # fmt: skip
        status = intruder.post(path, data).status_code
        assert status == (403 if who == "staff" and "holds" in path else 404), path
    listing = intruder.get("/app/privacy/requests/")
    assert person_a["full_name"] not in page(listing)
    assert person_a["full_name"] not in page(intruder.get("/app/"))

    with in_schema(alpha):
        assert DataSubjectRequest.objects.get(pk=request_id).status == "verified"
        assert DataSubjectRequest.objects.get(pk=deletion).status == "received"
        assert not RequestEvent.objects.filter(action__in=["downloaded", "extended"]).exists()
        assert LegalHold.objects.get().released_at is None


def test_the_request_list_costs_the_same_queries_for_many_requests(alpha, staff):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = staff.get("/app/privacy/requests/")
        assert response.status_code == 200
        return len(captured.captured_queries)

    for n in range(3):
        record(staff, person(200 + n))
    few = queries()
    for n in range(3, 30):
        record(staff, person(200 + n))
    assert queries() == few
    assert page(staff.get("/app/privacy/requests/?lang=en")).count("30 days left") == 30
