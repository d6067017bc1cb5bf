"""The cases and requests endpoints of CONTRACT.md, through HTTP, with a second association."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context
from rest_framework.pagination import PageNumberPagination

from tests.helpers import BENEFICIARY, POLICY, api_client, client_for, open_case, person, publish
from workflow.models import Case, CaseStatus

CASES = "/api/v1/cases/"
OPEN = {
    "channel": "interview",
    "beneficiary": BENEFICIARY,
    "summary": "طلب ترميم منزل",
    "consent": True,
}


def _post(client, auth, path, data):
    return client.post(path, data, content_type="application/json", **auth)


def test_staff_open_a_case_and_get_the_contract_shape(alpha, alpha_policy):
    client, auth = api_client(alpha, alpha.staff_email)
    response = _post(client, auth, CASES, OPEN)
    assert response.status_code == 201
    case = response.json()
    assert case["status"] == "received"
    assert case["channel"] == {
        "code": "interview",
        "name_ar": "المقابلة الشخصية",
        "name_en": "In-person interview",
    }
    assert case["beneficiary"]["national_id"] == "1000000008"
    assert case["beneficiary"]["phone"] == "+966512345678"
    assert case["committee_due_on"] is None
    assert case["policy_version_opened"] == 1
    assert [e["action"] for e in case["events"]] == ["open"]
    assert len(case["reference"]) == 9
    listed = client.get(CASES, **auth).json()
    assert listed["count"] == 1 and listed["results"][0]["reference"] == case["reference"]


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"channel": "letters"}, {"channel"}),
        ({"consent": False}, {"consent"}),
        ({"consent": "yes"}, {"consent"}),
        (
            {"beneficiary": {**BENEFICIARY, "national_id": "1012345678"}},
            {"beneficiary.national_id"},
        ),
        ({"beneficiary": {**BENEFICIARY, "phone": "12"}}, {"beneficiary.phone"}),
        ({"beneficiary": "nobody"}, {"beneficiary"}),
        ({"summary": "x" * 5001}, {"summary"}),
        ({"kind": "praise"}, {"kind"}),
    ],
)
def test_bad_case_input_is_400_per_field_and_creates_nothing(alpha, alpha_policy, change, fields):
    client, auth = api_client(alpha, alpha.staff_email)
    response = _post(client, auth, CASES, {**OPEN, **change})
    assert response.status_code == 400
    assert fields <= set(response.json())
    assert client.get(CASES, **auth).json()["count"] == 0


def test_nothing_can_be_opened_before_the_policy_is_published(alpha):
    client, auth = api_client(alpha, alpha.staff_email)
    response = _post(client, auth, CASES, OPEN)
    assert response.status_code == 400
    assert "channel" in response.json()


def test_a_committee_member_cannot_open_cases(alpha, alpha_policy, members):
    client, auth = api_client(alpha, members["committee"])
    assert _post(client, auth, CASES, OPEN).status_code == 400


def test_transitions_over_http_with_conflict_detection(alpha, alpha_policy, members):
    client, auth = api_client(alpha, alpha.staff_email)
    case = _post(client, auth, CASES, OPEN).json()
    path = f"{CASES}{case['id']}/transitions/"
    verified = _post(client, auth, path, {"action": "verify", "version": case["version"]})
    assert verified.status_code == 200 and verified.json()["verified_at"]
    stale = _post(
        client, auth, path, {"action": "declare", "signed_by": "محمد", "version": case["version"]}
    )
    assert stale.status_code == 409
    assert client.get(f"{CASES}{case['id']}/", **auth).json()["declared_at"] is None
    missing = _post(client, auth, path, {"action": "declare"})
    assert missing.status_code == 400 and "signed_by" in missing.json()
    wrong_state = _post(client, auth, path, {"action": "register"})
    assert wrong_state.status_code == 400 and "action" in wrong_state.json()
    unknown = _post(client, auth, path, {"action": "teleport"})
    assert unknown.status_code == 400
    committee, committee_auth = api_client(alpha, members["committee"])
    # The committee does not reach a case before it is sent to the committee.
    assert _post(committee, committee_auth, path, {"action": "verify"}).status_code == 404


def test_second_association_gets_404_for_every_case_url_with_alphas_ids(alpha, beta, alpha_policy):
    client, auth = api_client(alpha, alpha.staff_email)
    case = _post(client, auth, CASES, OPEN).json()
    publish(beta, data=POLICY)
    thief, thief_auth = api_client(beta, beta.admin_email)
    assert thief.get(f"{CASES}{case['id']}/", **thief_auth).status_code == 404
    response = _post(thief, thief_auth, f"{CASES}{case['id']}/transitions/", {"action": "verify"})
    assert response.status_code == 404
    assert thief.get(CASES, **thief_auth).json()["count"] == 0
    status = thief.get(f"/api/v1/requests/{case['reference']}/?token=x")
    assert status.status_code == 404
    with schema_context(alpha.association.schema_name):
        from workflow.models import Case

        assert Case.objects.get(pk=case["id"]).verified_at is None


def test_public_request_gets_a_reference_and_a_private_status_link(alpha, beta, alpha_policy):
    cache.clear()
    response = client_for(alpha).post(
        "/api/v1/requests/",
        {"beneficiary": BENEFICIARY, "summary": "أحتاج مساعدة", "consent": True},
        content_type="application/json",
    )
    assert response.status_code == 201
    created = response.json()
    status = client_for(alpha).get(
        f"/api/v1/requests/{created['reference']}/?token={created['status_token']}"
    )
    assert status.json()["status"] == "received"
    assert status.json()["reference"] == created["reference"]
    assert (
        client_for(alpha).get(f"/api/v1/requests/{created['reference']}/?token=wrong").status_code
        == 404
    )
    other = client_for(beta).get(
        f"/api/v1/requests/{created['reference']}/?token={created['status_token']}"
    )
    assert other.status_code == 404
    staff, auth = api_client(alpha, alpha.staff_email)
    case = staff.get(CASES, **auth).json()["results"][0]
    assert case["channel"]["code"] == "website"


def test_public_requests_need_the_website_channel(alpha):
    publish(alpha, data={**POLICY, "channels": ["interview"]})
    response = client_for(alpha).post(
        "/api/v1/requests/",
        {"beneficiary": BENEFICIARY, "summary": "x", "consent": True},
        content_type="application/json",
    )
    assert response.status_code == 400 and "channel" in response.json()


def test_public_requests_are_rate_limited_per_address(alpha, alpha_policy):
    cache.clear()
    statuses = [
        client_for(alpha)
        .post(
            "/api/v1/requests/",
            {"beneficiary": BENEFICIARY, "summary": f"طلب {n}", "consent": True},
            content_type="application/json",
            REMOTE_ADDR="203.0.113.9",
        )
        .status_code
        for n in range(12)
    ]
    assert statuses[:10] == [201] * 10
    assert statuses[10:] == [429, 429]
    other = client_for(alpha).post(
        "/api/v1/requests/", {"beneficiary": BENEFICIARY, "summary": "x", "consent": True},
        content_type="application/json", REMOTE_ADDR="203.0.113.10",
    )  # fmt: skip
    assert other.status_code == 201


def test_the_hours_limit_holds_to_its_last_second_and_ends_on_the_hour(alpha, alpha_policy, clock):
    def post(n: int) -> int:
        return (
            client_for(alpha)
            .post(
                "/api/v1/requests/",
                {"beneficiary": BENEFICIARY, "summary": f"طلب {n}", "consent": True},
                content_type="application/json",
                REMOTE_ADDR="203.0.113.30",
            )
            .status_code
        )

    clock.at = datetime.datetime(2026, 9, 17, 9, 0, 0, tzinfo=datetime.UTC)
    assert [post(n) for n in range(10)] == [201] * 10
    clock.at = datetime.datetime(2026, 9, 17, 9, 59, 59, tzinfo=datetime.UTC)
    refused = client_for(alpha).post(
        "/api/v1/requests/?lang=en",
        {"beneficiary": BENEFICIARY, "summary": "x", "consent": True},
        content_type="application/json",
        REMOTE_ADDR="203.0.113.30",
    )
    assert refused.status_code == 429
    assert "throttled" in refused.json()["detail"].lower()
    # Free again on the hour, one second from now (not in another hour).
    assert refused["Retry-After"] == "1"
    clock.at = datetime.datetime(2026, 9, 17, 10, 0, 0, tzinfo=datetime.UTC)
    assert [post(n) for n in range(11)] == [201] * 10 + [429]
    with schema_context(alpha.association.schema_name):
        assert Case.objects.filter(channel_code="website").count() == 20


def test_a_forged_forwarded_for_header_does_not_escape_the_rate_limit(alpha, alpha_policy):
    cache.clear()
    statuses = [
        client_for(alpha)
        .post(
            "/api/v1/requests/",
            {"beneficiary": BENEFICIARY, "summary": "x", "consent": True},
            content_type="application/json",
            REMOTE_ADDR="203.0.113.20",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        )
        .status_code
        for n in range(11)
    ]
    assert statuses[-1] == 429


def test_nul_characters_are_refused_before_they_reach_the_database(alpha, alpha_policy):
    client, auth = api_client(alpha, alpha.staff_email)
    response = _post(client, auth, CASES, {**OPEN, "summary": "nul\x00byte"})
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]
    assert client.get(CASES + "?channel=a%00b", **auth).status_code == 400
    assert client.get(CASES, **auth).json()["count"] == 0


def test_an_online_request_cannot_change_a_known_beneficiarys_contact_details(alpha, alpha_policy):
    cache.clear()
    staff, auth = api_client(alpha, alpha.staff_email)
    _post(staff, auth, CASES, OPEN)
    impostor = {
        **BENEFICIARY,
        "full_name": "منتحل",
        "phone": "0598765432",
        "email": "thief@example.com",
    }
    response = client_for(alpha).post(
        "/api/v1/requests/",
        {"beneficiary": impostor, "summary": "x", "consent": True},
        content_type="application/json",
    )
    assert response.status_code == 201
    cases = staff.get(CASES, **auth).json()["results"]
    assert {c["beneficiary"]["email"] for c in cases} == {"mohammed@example.com"}
    online = staff.get(f"{CASES}{cases[0]['id']}/", **auth).json()
    assert online["events"][0]["data"]["unverified_details"]["email"] == "thief@example.com"


def test_what_the_schema_forbids_is_refused_by_name_and_changes_nothing(alpha, beta, alpha_policy):
    client, auth = api_client(alpha, alpha.staff_email)
    assert _post(client, auth, CASES, OPEN).status_code == 201
    for query, field, english, arabic in (
        ("status=", "status", "Unknown status.", "حالة غير معروفة."),
        ("channel=", "channel", "Unknown channel.", "قناة غير معروفة."),
        # Codes may hold a hyphen (home-visit), not capitals.
        ("channel=Carrier-Pigeon", "channel", "Unknown channel.", "قناة غير معروفة."),
        ("page=0", "page", "A page number, from 1.", "رقم صفحة، من 1 فأكثر."),
    ):
        refused = client.get(f"{CASES}?{query}", **auth)
        assert refused.status_code == 400, query
        assert refused.json() == {field: [arabic]}
        english_client, _auth = api_client(alpha, alpha.staff_email)
        assert english_client.get(f"{CASES}?{query}&lang=en", **auth).json() == {field: [english]}
    # A channel of the catalogue filters; beta sees none of alpha's cases through it.
    assert client.get(f"{CASES}?channel=interview", **auth).json()["count"] == 1
    thief, thief_auth = api_client(beta, beta.staff_email)
    assert thief.get(f"{CASES}?channel=interview", **thief_auth).json()["count"] == 0

    # A kind that is not one of the three, even a falsy one, is not taken for a request.
    for kind in (False, 0, []):
        response = _post(client, auth, CASES, {**OPEN, "kind": kind})
        assert response.status_code == 400 and "kind" in response.json(), kind
    # Bodies are JSON, the one type the schema offers for a nested beneficiary.
    form = client.post(CASES, {"channel": "interview", "summary": "x"}, **auth)
    assert form.status_code == 415
    assert client.get(CASES, **auth).json()["count"] == 1


def test_the_list_filters_by_the_associations_own_channel_too(alpha, beta):
    """Seed 001's «مناديب الجمعية» is its own channel, in no catalogue: its cases are found."""
    own = {"code": "branch_delegates", "name_ar": "مناديب الجمعية", "name_en": "Delegates"}
    publish(alpha, data={**POLICY, "channels": ["interview", own]})
    client, auth = api_client(alpha, alpha.staff_email)
    assert _post(client, auth, CASES, {**OPEN, "channel": "branch_delegates"}).status_code == 201
    assert _post(client, auth, CASES, OPEN).status_code == 201
    found = client.get(f"{CASES}?channel=branch_delegates", **auth).json()
    assert [case["channel"]["code"] for case in found["results"]] == ["branch_delegates"]
    thief, thief_auth = api_client(beta, beta.staff_email)
    assert thief.get(f"{CASES}?channel=branch_delegates", **thief_auth).json()["count"] == 0


def _case_counts(queries) -> list[str]:
    return [
        q["sql"] for q in queries if "COUNT(" in q["sql"] and 'FROM "workflow_case"' in q["sql"]
    ]


def test_the_list_pages_through_every_case_counted_by_the_counters(
    alpha, alpha_policy, beta, members, monkeypatch
):
    monkeypatch.setattr(PageNumberPagination, "page_size", 2)
    opened = [open_case(alpha, who=person(n)) for n in (1, 2)]
    opened.append(open_case(alpha, who=person(3), status=CaseStatus.IN_COMMITTEE))
    client, auth = api_client(alpha, alpha.staff_email)

    with CaptureQueriesContext(connection) as first_queries:
        first = client.get(CASES, **auth).json()
    assert first["count"] == 3 and len(first["results"]) == 2
    assert first["previous"] is None and first["next"].endswith("?page=2")
    assert not _case_counts(first_queries.captured_queries)
    second = client.get(f"{CASES}?page=2", **auth).json()
    assert second["count"] == 3 and second["next"] is None and len(second["results"]) == 1
    listed = [case["reference"] for case in first["results"] + second["results"]]
    assert sorted(listed) == sorted(case.reference for case in opened)
    assert client.get(f"{CASES}?page=3", **auth).status_code == 404

    with CaptureQueriesContext(connection) as status_queries:
        committee_cases = client.get(f"{CASES}?status=in_committee", **auth).json()
    assert committee_cases["count"] == 1
    assert committee_cases["results"][0]["reference"] == opened[2].reference
    assert not _case_counts(status_queries.captured_queries)
    # What the counters do not tell is counted: a channel, a member who sees part of the cases.
    assert client.get(f"{CASES}?channel=interview", **auth).json()["count"] == 3
    committee, committee_auth = api_client(alpha, members["committee"])
    assert committee.get(CASES, **committee_auth).json()["count"] == 1
    thief, thief_auth = api_client(beta, beta.admin_email)
    assert thief.get(CASES, **thief_auth).json() == {
        "count": 0,
        "next": None,
        "previous": None,
        "results": [],
    }
