"""The policy endpoints of CONTRACT.md: configure, validate, approve, publish, read."""

import datetime

import pytest
from django.db import DatabaseError, transaction
from django_tenants.utils import schema_context

from publishing.models import PolicyVersion
from tests.helpers import api_client, client_for, publish

DRAFT = "/api/v1/policy/draft/"


def test_new_association_has_a_draft_from_the_template_and_nothing_published(
    alpha, alpha_admin_api
):
    client, auth = alpha_admin_api
    draft = client.get(DRAFT, **auth).json()
    assert [s["key"] for s in draft["sections"]] == [
        "preamble", "general_objective", "objectives", "channels", "tools", "procedure",
        "responsibilities", "approval",
    ]  # fmt: skip
    assert len(draft["channels"]) == 8
    assert draft["committee_deadline"] == {
        "days": 10, "kind": "working", "wording_ar": "", "wording_en": "",
    }  # fmt: skip
    assert [step["step"] for step in draft["procedure"]] == [
        "receive", "verify", "refer", "declare", "decide", "register", "deliver",
    ]  # fmt: skip
    assert draft["decision_body"] == {"name_ar": "لجنة البحث", "name_en": "the research committee"}
    assert draft["approved"] is False
    assert client.get("/api/v1/policy/").status_code == 404
    assert client.get("/policy/").status_code == 404


def test_publishing_makes_version_1_that_the_api_returns_exactly(alpha):
    published = publish(
        alpha,
        data={
            "channels": [
                "interview",
                "phone",
                {"code": "whatsapp", "name_ar": "واتساب", "name_en": "WhatsApp"},
            ],
            "tools": [],
            "referral_roles": ["public_relations_officer"],
            "committee_deadline": {"kind": "calendar", "days": 14},
            "sections": [{"key": "tools", "included": False}],
        },
        approved_on=datetime.date(2023, 3, 20),
        meeting="12",
    )
    current = client_for(alpha).get("/api/v1/policy/").json()
    assert current == published
    assert current["version"] == 1
    assert [c["code"] for c in current["channels"]] == ["interview", "phone", "whatsapp"]
    assert current["channels"][2] == {
        "code": "whatsapp",
        "name_ar": "واتساب",
        "name_en": "WhatsApp",
    }
    assert current["committee_deadline"] == {
        "days": 14, "kind": "calendar", "wording_ar": "", "wording_en": "",
    }  # fmt: skip
    assert current["approval"] == {
        "meeting_number": "12",
        "session": "",
        "term": "",
        "approved_on": "2023-03-20",
        "approved_on_hijri": "1444-08-28",
        "chair_name": "د. سعد",
        "statement_ar": "",
        "statement_en": "",
        "effect_ar": "",
        "effect_en": "",
        "position": "end",
        "statement": "تم اعتماد هذه السياسة في اجتماع مجلس الإدارة رقم (12) "
        "بتاريخ 28/08/1444هـ الموافق 20/03/2023م",
    }
    assert current["association"]["name_ar"] == "جمعية ألفا الخيرية"
    keys = [s["key"] for s in current["sections"]]
    assert "tools" not in keys
    procedure = next(s for s in current["sections"] if s["key"] == "procedure")["body"]
    assert "مسؤول العلاقات العامة" in procedure
    assert "خلال 14 يومًا" in procedure
    channels = next(s for s in current["sections"] if s["key"] == "channels")["body"]
    assert "- واتساب" in channels
    approval = next(s for s in current["sections"] if s["key"] == "approval")["body"]
    assert (
        "تم اعتماد هذه السياسة في اجتماع مجلس الإدارة رقم (12) بتاريخ 28/08/1444هـ الموافق 20/03/2023م"
        in approval
    )


@pytest.mark.parametrize(
    ("day", "hijri"),
    [
        (datetime.date(2023, 3, 20), "1444-08-28"),
        (datetime.date(2024, 8, 14), "1446-02-10"),
        (datetime.date(2025, 4, 24), "1446-10-26"),
    ],
)
def test_approval_dates_of_the_seeds_are_shown_in_umm_al_qura(alpha, day, hijri):
    published = publish(alpha, approved_on=day)
    assert published["approval"]["approved_on_hijri"] == hijri


def test_english_sections_on_lang_en(alpha):
    publish(alpha)
    english = client_for(alpha).get("/api/v1/policy/?lang=en").json()
    procedure = next(s for s in english["sections"] if s["key"] == "procedure")
    assert procedure["title"] == "Dealing with Beneficiaries"
    assert "within 10 working days" in procedure["body"]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (
            {"committee_deadline": {"kind": "working", "days": 0}},
            "committee_deadline",
            "between 1 and 90",
        ),
        (
            {"committee_deadline": {"kind": "working", "days": 91}},
            "committee_deadline",
            "between 1 and 90",
        ),
        (
            {"committee_deadline": {"kind": "weekly", "days": 3}},
            "committee_deadline",
            "working, calendar or asap",
        ),
        ({"channels": ["interview", "interview"]}, "channels", "appears twice"),
        (
            {"channels": [{"code": "sms", "name_ar": "رسائل"}]},
            "channels",
            "both Arabic and English",
        ),
        (
            {"channels": [{"code": "Bad Code!", "name_ar": "x", "name_en": "y"}]},
            "channels",
            "not a valid code",
        ),
        ({"channels": "interview"}, "channels", "list"),
        ({"sections": [{"key": "procedure", "included": False}]}, "sections", "cannot be left out"),
        ({"sections": [{"key": "nonsense"}]}, "sections", "Unknown section"),
        (
            {"sections": [{"key": "preamble", "extra_ar": "نص"}]},
            "sections",
            "both Arabic and English",
        ),
        ({"version": 7}, "version", "cannot be changed"),
    ],
)
def test_bad_draft_changes_are_refused_with_a_named_field_and_change_nothing(
    alpha, alpha_admin_api, change, field, message
):
    client, auth = alpha_admin_api
    before = client.get(DRAFT + "?lang=ar", **auth).json()
    response = client.patch(DRAFT + "?lang=en", change, content_type="application/json", **auth)
    assert response.status_code == 400
    assert message in " ".join(response.json()[field])
    assert client.get(DRAFT + "?lang=ar", **auth).json() == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"channels": []}, "channels"),
        ({"referral_roles": []}, "referral_roles"),
        ({"committee_deadline": {"kind": "working", "days": None}}, "committee_deadline"),
        ({"tools": []}, "tools"),
    ],
)
def test_incomplete_draft_can_be_saved_but_not_approved(alpha, alpha_admin_api, change, field):
    client, auth = alpha_admin_api
    assert client.patch(DRAFT, change, content_type="application/json", **auth).status_code == 200
    approval = {"meeting_number": "1", "approved_on": "2024-01-10", "chair_name": "x"}
    response = client.post(DRAFT + "approve/", approval, content_type="application/json", **auth)
    assert response.status_code == 400
    assert field in response.json()
    assert (
        client.post(DRAFT + "publish/", {}, content_type="application/json", **auth).status_code
        == 400
    )
    assert not _versions(alpha)


def _versions(tenant):
    with schema_context(tenant.association.schema_name):
        return list(PolicyVersion.objects.values_list("number", flat=True))


def test_asap_needs_no_days_and_reads_as_soon_as_possible(alpha):
    published = publish(alpha, data={"committee_deadline": {"kind": "asap", "days": 5}})
    assert published["committee_deadline"] == {
        "days": None, "kind": "asap", "wording_ar": "", "wording_en": "",
    }  # fmt: skip
    procedure = next(s for s in published["sections"] if s["key"] == "procedure")["body"]
    assert "في أسرع وقت ممكن" in procedure


def test_any_change_after_approval_clears_it_and_publishing_is_refused(alpha, alpha_admin_api):
    client, auth = alpha_admin_api
    approval = {"meeting_number": "3", "approved_on": "2024-08-14", "chair_name": "x"}
    assert client.post(
        DRAFT + "approve/", approval, content_type="application/json", **auth
    ).json()["approved"]
    client.patch(DRAFT, {"channels": ["phone"]}, content_type="application/json", **auth)
    assert client.get(DRAFT, **auth).json()["approved"] is False
    response = client.post(DRAFT + "publish/", {}, content_type="application/json", **auth)
    assert response.status_code == 400
    assert "approval" in response.json()


def test_approval_in_the_future_or_incomplete_is_refused(alpha, alpha_admin_api):
    client, auth = alpha_admin_api
    future = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    response = client.post(
        DRAFT + "approve/", {"meeting_number": "3", "approved_on": future, "chair_name": "x"},
        content_type="application/json", **auth,
    )  # fmt: skip
    assert response.status_code == 400
    assert "approved_on" in response.json()
    response = client.post(
        DRAFT + "approve/", {"approved_on": "yesterday"}, content_type="application/json", **auth
    )
    assert set(response.json()) == {"approved_on"}
    # Neither a number nor a session, and no date: both said. The chair may be left out.
    response = client.post(DRAFT + "approve/", {}, content_type="application/json", **auth)
    assert set(response.json()) == {"meeting_number", "approved_on"}


def test_stale_revision_is_a_conflict_and_changes_nothing(alpha, alpha_admin_api):
    client, auth = alpha_admin_api
    revision = client.get(DRAFT, **auth).json()["revision"]
    client.patch(
        DRAFT,
        {"channels": ["phone"], "revision": revision},
        content_type="application/json",
        **auth,
    )
    stale = client.patch(
        DRAFT,
        {"channels": ["letters"], "revision": revision},
        content_type="application/json",
        **auth,
    )
    assert stale.status_code == 409
    assert [c["code"] for c in client.get(DRAFT, **auth).json()["channels"]] == ["phone"]


def test_published_versions_stay_readable_and_cannot_be_changed(alpha):
    publish(alpha)
    publish(alpha, data={"channels": ["letters"]}, meeting="6")
    client = client_for(alpha)
    versions = client.get("/api/v1/policy/versions/").json()
    assert [v["version"] for v in versions] == [2, 1]
    assert [c["code"] for c in client.get("/api/v1/policy/").json()["channels"]] == ["letters"]
    first = client.get("/api/v1/policy/versions/1/").json()
    assert len(first["channels"]) == 8
    assert first["approval"]["meeting_number"] == "5"
    with schema_context(alpha.association.schema_name):
        with pytest.raises(DatabaseError, match="cannot be changed"), transaction.atomic():
            PolicyVersion.objects.filter(number=1).update(content={})
        with pytest.raises(DatabaseError, match="cannot be changed"), transaction.atomic():
            PolicyVersion.objects.filter(number=1).delete()


@pytest.mark.parametrize("role_email", ["staff", "anonymous"])
def test_only_admins_reach_the_draft(alpha, role_email):
    if role_email == "anonymous":
        client, auth = client_for(alpha), {}
    else:
        client, auth = api_client(alpha, alpha.staff_email)
    assert client.get(DRAFT, **auth).status_code in (401, 403)
    response = client.patch(DRAFT, {"channels": ["phone"]}, content_type="application/json", **auth)
    assert response.status_code in (401, 403)
    assert client.post(
        DRAFT + "publish/", {}, content_type="application/json", **auth
    ).status_code in (401, 403)
    admin, admin_auth = api_client(alpha, alpha.admin_email)
    assert len(admin.get(DRAFT, **admin_auth).json()["channels"]) == 8


def test_another_associations_admin_cannot_touch_alphas_policy(alpha, beta):
    publish(alpha)
    beta_admin, beta_auth = api_client(beta, beta.admin_email)
    # Beta's token on alpha's host is unknown there.
    alpha_host = client_for(alpha)
    assert (
        alpha_host.patch(
            DRAFT, {"channels": []}, content_type="application/json", **beta_auth
        ).status_code
        == 401
    )
    # On its own host, beta only ever sees its own (unpublished) policy.
    assert beta_admin.get("/api/v1/policy/").status_code == 404
    assert beta_admin.get("/api/v1/policy/versions/1/").status_code == 404
    assert beta_admin.get("/policy/1/").status_code == 404
    assert client_for(beta).get("/api/v1/policy/versions/").json() == []
