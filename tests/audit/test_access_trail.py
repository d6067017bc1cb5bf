"""The access trail: every read and write of a beneficiary's record, case or document by a member
makes exactly one record (who, what, which object, from where); the database refuses to change
or delete one; admins search and export it; and beta never sees alpha's trail nor alpha beta's."""

import csv
import datetime
import io

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from audit.models import AccessRecord
from tests.audit.conftest import records
from tests.helpers import api_client, client_for, open_case, person, png_bytes, upload
from workflow.models import CaseDocument, CaseStatus

IP = "203.0.113.7"


def member_client(tenant, email):
    client = client_for(tenant, email=email)
    client.defaults["REMOTE_ADDR"] = IP
    return client


def only_new(tenant, before: int) -> AccessRecord:
    """The one record made since there were `before`; fails if there is not exactly one."""
    new = records(tenant)[before:]
    assert len(new) == 1, [(r.action, r.object_type, r.path) for r in new]
    return new[0]


def test_each_read_of_a_case_beneficiary_or_document_makes_one_record(alpha, alpha_policy, media):
    case = open_case(alpha, who=person(1))
    staff = member_client(alpha, alpha.staff_email)
    staff.post(
        f"/app/cases/{case.pk}/documents/",
        {"kind": "id_copy", "file": upload("id.png", png_bytes(), "image/png")},
    )
    with schema_context(alpha.association.schema_name):
        document = CaseDocument.objects.get()

    reads = [
        (f"/app/cases/{case.pk}/", "view", "case", str(case.pk)),
        (
            f"/app/beneficiaries/{case.beneficiary_id}/",
            "view",
            "beneficiary",
            str(case.beneficiary_id),
        ),
        (
            f"/app/cases/{case.pk}/documents/{document.pk}/",
            "download",
            "document",
            str(document.pk),
        ),
        (f"/api/v1/cases/{case.pk}/", "view", "case", str(case.pk)),
    ]
    client, auth = api_client(alpha, alpha.staff_email)
    for path, action, object_type, object_id in reads:
        before = len(records(alpha))
        if path.startswith("/api/"):
            response = client.get(path, REMOTE_ADDR=IP, **auth)
        else:
            response = staff.get(path)
        assert response.status_code == 200, path
        record = only_new(alpha, before)
        assert (record.actor_email, record.actor_role) == (alpha.staff_email, "staff"), path
        assert (record.action, record.object_type, record.object_id) == (
            action,
            object_type,
            object_id,
        ), path
        assert record.beneficiary_id == case.beneficiary_id, path
        assert record.ip_address == IP, path
        assert record.path == path
        if object_type != "beneficiary":
            assert record.case_reference == case.reference, path


def test_list_search_and_export_are_recorded_with_what_was_asked(alpha, alpha_policy):
    case = open_case(alpha, who=person(1))
    staff = member_client(alpha, alpha.staff_email)
    before = len(records(alpha))
    assert staff.get("/app/cases/", {"q": case.reference, "status": "received"}).status_code == 200
    record = only_new(alpha, before)
    assert (record.action, record.object_type) == ("search", "case")
    assert record.detail == {"q": case.reference, "status": "received", "page": 1}

    client, auth = api_client(alpha, alpha.staff_email)
    before = len(records(alpha))
    assert client.get("/api/v1/cases/?status=received", **auth).json()["count"] == 1
    record = only_new(alpha, before)
    assert (record.action, record.detail["status"]) == ("search", "received")

    admin = member_client(alpha, alpha.admin_email)
    before = len(records(alpha))
    response = admin.get("/app/cases/export.csv?channel=interview")
    b"".join(response.streaming_content)
    record = only_new(alpha, before)
    assert (record.action, record.actor_email, record.detail) == (
        "export",
        alpha.admin_email,
        {"channel": "interview"},
    )


def test_each_write_makes_one_record_naming_what_changed(alpha, alpha_policy, media):
    staff = member_client(alpha, alpha.staff_email)
    before = len(records(alpha))
    response = staff.post(
        "/app/cases/new/",
        {
            "channel": "phone",
            "kind": "request",
            "national_id": person(3)["national_id"],
            "full_name": "فاطمة علي",
            "phone": "0551234567",
            "summary": "طلب",
            "consent": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    opened = only_new(alpha, before)
    assert (opened.action, opened.object_type, opened.detail) == (
        "create",
        "case",
        {"channel": "phone"},
    )
    case_id = int(opened.object_id)

    before = len(records(alpha))
    staff.post(f"/app/cases/{case_id}/transitions/", {"action": "verify", "version": 1})
    verified = only_new(alpha, before)
    assert (verified.action, verified.object_id, verified.detail) == (
        "update",
        str(case_id),
        {"transition": "verify"},
    )

    before = len(records(alpha))
    staff.post(
        f"/app/cases/{case_id}/documents/",
        {"kind": "report", "file": upload("r.png", png_bytes(), "image/png")},
    )
    uploaded = only_new(alpha, before)
    assert (uploaded.action, uploaded.object_type) == ("create", "document")
    assert uploaded.case_reference == opened.case_reference

    before = len(records(alpha))
    staff.post(
        f"/app/beneficiaries/{opened.beneficiary_id}/sensitive/",
        {"household_notes": "", "health_notes": "سكري", "monthly_income": "2500"},
    )
    edited = only_new(alpha, before)
    assert (edited.action, edited.object_type, edited.detail) == (
        "update",
        "beneficiary",
        {"fields": ["health_notes", "monthly_income"]},
    )
    assert "سكري" not in str(edited.detail)  # the trail names fields, never their values

    client, auth = api_client(alpha, alpha.staff_email)
    before = len(records(alpha))
    response = client.post(
        f"/api/v1/cases/{case_id}/transitions/",
        {"action": "declare", "signed_by": "فاطمة علي"},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 200
    declared = only_new(alpha, before)
    assert (declared.action, declared.detail) == ("update", {"transition": "declare"})
    assert all(r.ip_address for r in records(alpha))


def test_a_refused_write_or_a_signed_out_visit_records_nothing(alpha, alpha_policy, members):
    case = open_case(alpha)
    before = len(records(alpha))
    assert client_for(alpha).get(f"/app/cases/{case.pk}/").status_code == 302
    committee = member_client(alpha, members["committee"])
    assert committee.get(f"/app/cases/{case.pk}/").status_code == 404  # not at the committee yet
    staff = member_client(alpha, alpha.staff_email)
    response = staff.post(
        f"/app/cases/{case.pk}/transitions/", {"action": "submit_to_committee", "version": 1}
    )
    # Refused (neither verified nor declared): back to the case page with the reason.
    assert response.status_code == 302
    assert response["Location"].startswith(f"/app/cases/{case.pk}/")
    assert len(records(alpha)) == before


def test_the_database_refuses_to_change_or_delete_an_access_record(alpha, beta, alpha_policy):
    case = open_case(alpha)
    member_client(alpha, alpha.staff_email).get(f"/app/cases/{case.pk}/")
    beta_admin = member_client(beta, beta.admin_email)
    assert beta_admin.get("/app/cases/").status_code == 200
    for tenant in (alpha, beta):  # the trigger lives in each association's own schema
        with schema_context(tenant.association.schema_name):
            record = AccessRecord.objects.order_by("-id").first()
            for statement in (
                AccessRecord.objects.filter(pk=record.pk).update,
                AccessRecord.objects.filter(pk=record.pk).delete,
            ):
                with pytest.raises(DatabaseError, match="cannot be changed or deleted"):
                    with transaction.atomic():
                        if statement.__name__ == "update":
                            statement(actor_email="someone@else.example")
                        else:
                            statement()
            with pytest.raises(DatabaseError), transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("DELETE FROM audit_accessrecord")
            after = AccessRecord.objects.get(pk=record.pk)
            assert after.actor_email == record.actor_email


# --- The admins' page --------------------------------------------------------------------------


def _seed(alpha, members) -> dict:
    """Reads and writes by three members on two beneficiaries' cases."""
    first = open_case(alpha, who=person(1, full_name="نورة السبيعي"))
    second = open_case(alpha, who=person(2, full_name="خالد محمد"), status=CaseStatus.IN_COMMITTEE)
    member_client(alpha, alpha.staff_email).get(f"/app/cases/{first.pk}/")
    member_client(alpha, alpha.staff_email).get(f"/app/beneficiaries/{second.beneficiary_id}/")
    member_client(alpha, members["committee"]).get(f"/app/cases/{second.pk}/")
    member_client(alpha, alpha.admin_email).get("/app/cases/", {"q": "نورة"})
    return {"first": first, "second": second}


def _shown(response) -> list[tuple[str, str, str]]:
    return [
        (row["record"].actor_email, row["record"].action, row["record"].object_type)
        for row in response.context["rows"]
    ]


def test_admins_search_the_trail_by_member_beneficiary_case_action_and_dates(
    alpha, alpha_policy, members
):
    cases = _seed(alpha, members)
    admin = client_for(alpha, email=alpha.admin_email)

    everything = admin.get("/app/audit/?lang=en")
    assert everything.status_code == 200
    assert len(_shown(everything)) == 4
    page = everything.content.decode()
    assert "committee@alpha.example" in page
    assert IP in page
    assert "خالد محمد" in page  # the beneficiary named beside their id

    assert _shown(admin.get("/app/audit/", {"member": "committee"})) == [
        ("committee@alpha.example", "view", "case")
    ]
    second = cases["second"]
    by_national_id = _shown(admin.get("/app/audit/", {"beneficiary": person(2)["national_id"]}))
    assert sorted(by_national_id) == sorted(
        [(alpha.staff_email, "view", "beneficiary"), ("committee@alpha.example", "view", "case")]
    )
    assert _shown(admin.get("/app/audit/", {"beneficiary": "السبيعي"})) == [
        (alpha.staff_email, "view", "case")
    ]
    reference = cases["first"].reference.lower().replace("-", "")
    assert _shown(admin.get("/app/audit/", {"case_reference": reference})) == [
        (alpha.staff_email, "view", "case")
    ]
    assert _shown(admin.get("/app/audit/", {"action": "search"})) == [
        (alpha.admin_email, "search", "case")
    ]
    today = timezone.localdate()
    assert len(_shown(admin.get("/app/audit/", {"date_from": today.isoformat()}))) == 4
    yesterday = (today - datetime.timedelta(days=1)).isoformat()
    assert _shown(admin.get("/app/audit/", {"date_to": yesterday})) == []
    # A filter that makes no sense is shown as an error and filters nothing.
    response = admin.get("/app/audit/", {"action": "erase", "date_from": "tomorrow"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"action", "date_from"}
    assert len(_shown(response)) == 4
    assert second.reference in admin.get("/app/audit/").content.decode()


def test_the_trail_is_paginated(alpha, alpha_policy):
    case = open_case(alpha)
    staff = client_for(alpha, email=alpha.staff_email)
    for _ in range(52):
        staff.get(f"/app/cases/{case.pk}/")
    admin = client_for(alpha, email=alpha.admin_email)
    first = admin.get("/app/audit/")
    assert len(first.context["rows"]) == 50
    assert 'rel="next"' in first.content.decode()
    assert len(admin.get("/app/audit/?page=2").context["rows"]) == 2


def test_the_trail_exports_as_csv_and_the_export_is_recorded(alpha, alpha_policy, members):
    _seed(alpha, members)
    admin = member_client(alpha, alpha.admin_email)
    response = admin.get("/app/audit/export.csv?lang=en&member=alpha.example")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == [
        "When", "Member", "Role", "Action", "Object", "Object ID", "Beneficiary ID",
        "Case reference", "IP address", "Path", "Detail",
    ]  # fmt: skip
    # The export first (it is recorded before it is written), then the rest, newest first.
    assert rows[1][1:5] == [alpha.admin_email, "admin", "Exported", "access_record"]
    assert rows[1][8:10] == [IP, "/app/audit/export.csv"]
    assert len(rows) == 1 + 1 + 4
    assert rows[2][10] == '{"page": 1, "q": "نورة"}'  # the search, as it was typed
    committee = [row for row in rows if row[1] == "committee@alpha.example"]
    assert [row[3] for row in committee] == ["Viewed"]
    filtered = admin.get("/app/audit/export.csv?action=search")
    lines = b"".join(filtered.streaming_content).decode("utf-8-sig").splitlines()
    assert len(lines) == 1 + 1  # the one search


def test_members_who_are_not_admins_get_no_trail(alpha, alpha_policy, members):
    for role in ("staff", "committee", "referral"):
        client = client_for(alpha, email=members[role])
        assert client.get("/app/audit/").status_code == 403, role
        assert client.get("/app/audit/export.csv").status_code == 403, role
    assert client_for(alpha).get("/app/audit/").status_code == 302
    assert (
        "/app/audit/" not in client_for(alpha, email=members["staff"]).get("/app/").content.decode()
    )
    assert "/app/audit/" in client_for(alpha, email=members["admin"]).get("/app/").content.decode()


def test_beta_sees_none_of_alphas_trail_and_alphas_never_mentions_beta(alpha, beta, alpha_policy):
    case = open_case(alpha)
    member_client(alpha, alpha.staff_email).get(f"/app/cases/{case.pk}/")
    beta_admin = member_client(beta, beta.admin_email)
    # Beta's admin reaches for alpha's case by its id and reference: nothing there, nothing shown.
    assert beta_admin.get(f"/app/cases/{case.pk}/").status_code == 404
    assert beta_admin.get("/app/cases/", {"q": case.reference}).status_code == 200

    page = beta_admin.get("/app/audit/").content.decode()
    assert alpha.staff_email not in page
    export = b"".join(beta_admin.get("/app/audit/export.csv").streaming_content).decode()
    assert alpha.staff_email not in export
    assert all(r.actor_email == beta.admin_email for r in records(beta))
    assert {r.actor_email for r in records(alpha)} == {alpha.staff_email}
    assert beta_admin.get(f"/app/audit/?case_reference={case.reference}").context["rows"] == []


def test_behind_our_proxy_the_address_it_saw_is_recorded_not_a_forged_one(
    alpha, alpha_policy, settings
):
    case = open_case(alpha)
    staff = client_for(alpha, email=alpha.staff_email)
    forged = {"HTTP_X_FORWARDED_FOR": "10.9.9.9, 198.51.100.23", "REMOTE_ADDR": "127.0.0.1"}
    staff.get(f"/app/cases/{case.pk}/", **forged)
    assert records(alpha)[-1].ip_address == "127.0.0.1"  # the header is not believed by default
    settings.TRUST_X_FORWARDED_FOR = True
    staff.get(f"/app/cases/{case.pk}/", **forged)
    assert records(alpha)[-1].ip_address == "198.51.100.23"  # what our proxy appended, last
