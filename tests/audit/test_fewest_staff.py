"""Fewest staff (PDPL): health, income and household details reach only admins, staff and the
committee — on the pages, in the API and in the CSV export; committee members reach only cases
that went to the committee, referral holders only cases referred to their role now."""

import csv
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.helpers import api_client, client_for, open_case, person, png_bytes, upload
from workflow.models import Beneficiary, CaseDocument, CaseStatus

HEALTH = "مرض مزمن يحتاج علاجًا شهريًا"
HOUSEHOLD = "أسرة من سبعة أفراد، الأب متوفى"
INCOME = Decimal("2750.50")
SEES = {"admin": True, "staff": True, "committee": True, "referral": False}


@pytest.fixture
def sensitive_case(alpha, alpha_policy):
    """A case every role can open: with the committee, and its beneficiary's sensitive details."""
    case = open_case(alpha, who=person(1), status=CaseStatus.IN_COMMITTEE)
    with schema_context(alpha.association.schema_name):
        Beneficiary.objects.filter(pk=case.beneficiary_id).update(
            health_notes=HEALTH, household_notes=HOUSEHOLD, monthly_income=INCOME
        )
    return case


def _referred(alpha, case):
    """Put the case with the social researcher, so that the referral holder may open it."""
    with schema_context(alpha.association.schema_name):
        type(case).objects.filter(pk=case.pk).update(
            status=CaseStatus.REFERRED, referral_role_code="social_researcher"
        )


@pytest.mark.parametrize("role", ["admin", "staff", "committee", "referral"])
def test_sensitive_details_on_the_pages_only_for_the_roles_that_need_them(
    alpha, sensitive_case, members, role
):
    if role == "referral":
        _referred(alpha, sensitive_case)
    client = client_for(alpha, email=members[role])
    for url in (
        f"/app/cases/{sensitive_case.pk}/?lang=en",
        f"/app/beneficiaries/{sensitive_case.beneficiary_id}/?lang=en",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert person(1)["full_name"] in page
        for shown in (HEALTH, HOUSEHOLD, "2750.50", "Health details", "Monthly income (SAR)"):
            assert (shown in page) == SEES[role], (url, shown)


@pytest.mark.parametrize("role", ["admin", "staff", "committee", "referral"])
def test_sensitive_details_in_the_api_only_for_the_roles_that_need_them(
    alpha, sensitive_case, members, role
):
    if role == "referral":
        _referred(alpha, sensitive_case)
    client, auth = api_client(alpha, members[role])
    detail = client.get(f"/api/v1/cases/{sensitive_case.pk}/", **auth).json()["beneficiary"]
    listed = client.get("/api/v1/cases/", **auth).json()["results"][0]["beneficiary"]
    for beneficiary in (detail, listed):
        assert beneficiary["national_id"] == person(1)["national_id"]
        if SEES[role]:
            assert beneficiary["health_notes"] == HEALTH
            assert beneficiary["household_notes"] == HOUSEHOLD
            assert beneficiary["monthly_income"] == "2750.50"
        else:
            assert not {"health_notes", "household_notes", "monthly_income"} & set(beneficiary)
            assert HEALTH not in str(beneficiary)


def test_sensitive_details_in_the_csv_export_for_admins_the_only_exporters(
    alpha, sensitive_case, members
):
    admin = client_for(alpha, email=members["admin"])
    body = b"".join(admin.get("/app/cases/export.csv?lang=en").streaming_content)
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][-3:] == ["Household details", "Health details", "Monthly income (SAR)"]
    assert rows[1][-3:] == [HOUSEHOLD, HEALTH, "2750.50"]
    for role in ("staff", "committee", "referral"):
        response = client_for(alpha, email=members[role]).get("/app/cases/export.csv")
        assert response.status_code == 403, role


def test_staff_record_the_sensitive_details_and_others_cannot(alpha, sensitive_case, members):
    url = f"/app/beneficiaries/{sensitive_case.beneficiary_id}/sensitive/"
    staff = client_for(alpha, email=members["staff"])
    page = staff.get(f"/app/beneficiaries/{sensitive_case.beneficiary_id}/").content.decode()
    assert 'id="sensitive-form"' in page
    response = staff.post(
        url, {"household_notes": "أسرة من ثمانية", "health_notes": "", "monthly_income": "٣٠٠٠"}
    )
    assert response.status_code == 302
    with schema_context(alpha.association.schema_name):
        beneficiary = Beneficiary.objects.get(pk=sensitive_case.beneficiary_id)
    assert (beneficiary.household_notes, beneficiary.health_notes, beneficiary.monthly_income) == (
        "أسرة من ثمانية",
        "",
        Decimal("3000.00"),
    )
    committee = client_for(alpha, email=members["committee"])
    assert (
        'id="sensitive-form"'
        not in committee.get(
            f"/app/beneficiaries/{sensitive_case.beneficiary_id}/"
        ).content.decode()
    )
    assert committee.post(url, {"health_notes": "x"}).status_code == 403
    # The referral holder may not even know the person exists while nothing is referred to them.
    assert client_for(alpha, email=members["referral"]).post(url, {}).status_code == 404
    with schema_context(alpha.association.schema_name):
        assert Beneficiary.objects.get(pk=sensitive_case.beneficiary_id).health_notes == ""


@pytest.mark.parametrize(
    ("income", "message"),
    [
        ("a lot", "Enter the monthly income in riyals"),
        ("-5", "Enter the monthly income in riyals"),
        ("12.345", "At most two decimals"),
        ("NaN", "Enter the monthly income in riyals"),
    ],
)
def test_a_bad_income_is_refused_clearly_and_nothing_changes(
    alpha, sensitive_case, members, income, message
):
    staff = client_for(alpha, email=members["staff"])
    response = staff.post(
        f"/app/beneficiaries/{sensitive_case.beneficiary_id}/sensitive/?lang=en",
        {"household_notes": "", "health_notes": "جديد", "monthly_income": income},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    with schema_context(alpha.association.schema_name):
        assert Beneficiary.objects.get(pk=sensitive_case.beneficiary_id).health_notes == HEALTH


def test_staff_give_the_sensitive_details_when_opening_a_case_but_an_online_request_cannot(
    alpha, alpha_policy
):
    staff = client_for(alpha, email=alpha.staff_email)
    response = staff.post(
        "/app/cases/new/",
        {
            "channel": "phone",
            "kind": "request",
            "national_id": person(5)["national_id"],
            "full_name": "سارة",
            "phone": "0551234567",
            "summary": "طلب",
            "consent": "on",
            "health_notes": HEALTH,
            "monthly_income": "1200",
        },
    )
    assert response.status_code == 302
    client = client_for(alpha)
    online = client.post(
        "/api/v1/requests/",
        {
            "beneficiary": {**person(6), "health_notes": HEALTH, "monthly_income": "1"},
            "summary": "طلب",
            "consent": True,
        },
        content_type="application/json",
    )
    # The public endpoint names the fields it does not take, and opens nothing.
    assert online.status_code == 400
    assert set(online.json()) == {"beneficiary.health_notes", "beneficiary.monthly_income"}
    with schema_context(alpha.association.schema_name):
        by_staff = Beneficiary.objects.get(national_id=person(5)["national_id"])
        assert not Beneficiary.objects.filter(national_id=person(6)["national_id"]).exists()
    assert (by_staff.health_notes, by_staff.monthly_income) == (HEALTH, Decimal("1200.00"))


# --- Which cases each role reaches ----------------------------------------------------------------


@pytest.fixture
def spread(alpha, alpha_policy):
    """One case in each situation that decides who may see it."""
    return {
        "received": open_case(alpha, who=person(1)),
        "referred_social": open_case(
            alpha, who=person(2), status=CaseStatus.REFERRED, referral_role_code="social_researcher"
        ),
        "referred_officer": open_case(
            alpha, who=person(3), status=CaseStatus.REFERRED, referral_role_code="competent_officer"
        ),
        "in_committee": open_case(alpha, who=person(4), status=CaseStatus.IN_COMMITTEE),
        "closed": open_case(alpha, who=person(5), status=CaseStatus.CLOSED),
        # Withdrawn after the committee had it: the committee still sees what it decided on.
        "withdrawn_late": open_case(
            alpha, who=person(6), status=CaseStatus.WITHDRAWN, submitted_on=timezone.localdate()
        ),
        "withdrawn_early": open_case(alpha, who=person(7), status=CaseStatus.WITHDRAWN),
    }


VISIBLE = {
    "admin": {"received", "referred_social", "referred_officer", "in_committee", "closed",
              "withdrawn_late", "withdrawn_early"},
    "staff": {"received", "referred_social", "referred_officer", "in_committee", "closed",
              "withdrawn_late", "withdrawn_early"},
    "committee": {"in_committee", "closed", "withdrawn_late"},
    "referral": {"referred_social"},
    "other_referral": {"referred_officer"},
}  # fmt: skip


@pytest.mark.parametrize("role", list(VISIBLE))
def test_each_role_reaches_only_its_cases_everywhere(alpha, spread, members, media, role):
    staff = client_for(alpha, email=members["staff"])
    for case in spread.values():
        staff.post(
            f"/app/cases/{case.pk}/documents/",
            {"kind": "report", "file": upload("r.png", png_bytes(), "image/png")},
        )
    with schema_context(alpha.association.schema_name):
        documents = {doc.case_id: doc.pk for doc in CaseDocument.objects.all()}
    client = client_for(alpha, email=members[role])
    api, auth = api_client(alpha, members[role])
    expected = {spread[name].reference for name in VISIBLE[role]}

    listed = {case.reference for case in client.get("/app/cases/").context["page"].object_list}
    assert listed == expected
    api_listed = {row["reference"] for row in api.get("/api/v1/cases/", **auth).json()["results"]}
    assert api_listed == expected
    dashboard = client.get("/app/").context["dashboard"]["figures"]
    open_expected = sum(spread[name].is_open for name in VISIBLE[role])
    assert dashboard.open_total == open_expected
    for name, case in spread.items():
        visible = name in VISIBLE[role]
        found = client.get("/app/cases/", {"q": case.reference}).context["page"].paginator.count
        assert found == int(visible), (name, "search")
        code = 200 if visible else 404
        for url in (
            f"/app/cases/{case.pk}/",
            f"/app/beneficiaries/{case.beneficiary_id}/",
            f"/app/cases/{case.pk}/documents/{documents[case.pk]}/",
        ):
            assert client.get(url).status_code == code, (name, url)
        assert api.get(f"/api/v1/cases/{case.pk}/", **auth).status_code == code, (name, "api")
        if not visible:
            refused = client.post(
                f"/app/cases/{case.pk}/transitions/", {"action": "decide", "version": case.version}
            )
            assert refused.status_code == 404, name
    # Forbidden and missing are alike.
    assert client.get("/app/cases/999999/").status_code == 404


def test_a_referral_holder_loses_the_case_once_the_referral_is_answered(alpha, spread, members):
    case = spread["referred_social"]
    referral = client_for(alpha, email=members["referral"])
    response = referral.post(
        f"/app/cases/{case.pk}/transitions/",
        {"action": "answer_referral", "version": case.version, "note": "تمت الزيارة"},
    )
    assert response.status_code == 302
    assert referral.get(f"/app/cases/{case.pk}/").status_code == 404


def test_beta_admin_reaches_no_case_of_alpha_whatever_the_role_rules(alpha, beta, spread):
    intruder = client_for(beta, email=beta.admin_email)
    api, auth = api_client(beta, beta.admin_email)
    for case in spread.values():
        assert intruder.get(f"/app/cases/{case.pk}/").status_code == 404
        assert (
            intruder.get(f"/app/beneficiaries/{case.beneficiary_id}/sensitive/").status_code == 405
        )
        assert (
            intruder.post(f"/app/beneficiaries/{case.beneficiary_id}/sensitive/", {}).status_code
            == 404
        )
        assert api.get(f"/api/v1/cases/{case.pk}/", **auth).status_code == 404
    assert api.get("/api/v1/cases/", **auth).json()["count"] == 0
