"""Members' roles and referral roles, given by the admin: on the members page (at invitation and
later) and through /api/v1/members/; beta's admin reaching for alpha's members."""

import re

import pytest
from django_tenants.utils import schema_context

from accounts.models import User
from billing.models import Plan
from tests.conftest import PASSWORD, client_for
from tests.publishing.conftest import api_client, publish
from tests.workflow.conftest import POLICY

MEMBERS = "/api/v1/members/"
HOLDER = "holder@alpha.example"


@pytest.fixture(autouse=True)
def _published(alpha):
    """Alpha publishes two referral roles: social_researcher and competent_officer."""
    return publish(alpha, data=POLICY)


def _members(tenant) -> dict[str, tuple]:
    """Every member of `tenant`: e-mail → (role, referral roles, active)."""
    with schema_context(tenant.association.schema_name):
        return {
            user.email: (user.role, user.referral_roles, user.is_active)
            for user in User.objects.all()
        }


def _holder(tenant, email=HOLDER, codes=("social_researcher",), role="referral") -> User:
    with schema_context(tenant.association.schema_name):
        return User.objects.create_user(email, PASSWORD, role=role, referral_roles=list(codes))


def _admin_page(tenant):
    return client_for(tenant, email=tenant.admin_email)


def _roles_post(client, member: User, role: str, codes=(), lang="en"):
    prefix = f"member-{member.pk}"
    return client.post(
        f"/app/members/{member.pk}/roles/?lang={lang}",
        {f"{prefix}-role": role, f"{prefix}-referral_roles": list(codes)},
    )


# --- The members page ------------------------------------------------------------------------


def test_admin_invites_a_referral_holder_choosing_roles_named_in_the_pages_language(
    alpha, mailoutbox
):
    admin = _admin_page(alpha)
    arabic = admin.get("/app/members/").content.decode()
    assert 'name="referral_roles" value="social_researcher"' in arabic
    assert "مسؤول البحث الاجتماعي" in arabic and "المسؤول المختص" in arabic
    english = admin.get("/app/members/?lang=en").content.decode()
    assert "Social Research Officer" in english and "Officer in Charge" in english
    # Public relations is in the catalogue but not in alpha's policy: it is not offered.
    assert "public_relations_officer" not in english

    response = admin.post(
        "/app/members/",
        {
            "email": "sara@alpha.example",
            "full_name": "سارة",
            "role": "referral",
            "referral_roles": ["competent_officer"],
        },
    )
    assert response.status_code == 302
    assert _members(alpha)["sara@alpha.example"] == ("referral", ["competent_officer"], False)
    assert mailoutbox[-1].to == ["sara@alpha.example"]
    page = admin.get("/app/members/?lang=ar").content.decode()
    row = page[page.index("sara@alpha.example") :]
    assert "المسؤول المختص" in row[: row.index("</tr>")]


@pytest.mark.parametrize(
    ("role", "codes", "english", "arabic"),
    [
        ("referral", [], "Choose at least one referral role", "اختر جهة إحالة واحدة على الأقل"),
        (
            "staff",
            ["social_researcher"],
            "Only a referral role holder answers for referral roles",
            "لا يجيب عن جهات الإحالة إلا مسؤول الإحالة",
        ),
    ],
)
def test_an_invitation_with_roles_that_do_not_fit_keeps_what_was_typed_and_sends_nothing(
    alpha, mailoutbox, role, codes, english, arabic
):
    before = _members(alpha)
    typed = {"email": "sara@alpha.example", "full_name": "سارة", "role": role}
    for lang, message in (("en", english), ("ar", arabic)):
        response = _admin_page(alpha).post(
            f"/app/members/?lang={lang}", {**typed, "referral_roles": codes}
        )
        page = response.content.decode()
        assert response.status_code == 200
        assert message in page
        assert 'value="sara@alpha.example"' in page and 'value="سارة"' in page
        assert f'<option value="{role}" selected>' in page
        for code in codes:  # the ticked boxes stay ticked
            assert re.search(f'name="referral_roles" value="{code}"[^>]* checked', page)
    assert _members(alpha) == before
    assert mailoutbox == []


def test_admin_changes_a_members_role_and_referral_roles_later(alpha):
    holder = _holder(alpha)
    admin = _admin_page(alpha)
    page = admin.get("/app/members/?lang=en").content.decode()
    assert f'action="/app/members/{holder.pk}/roles/"' in page

    response = _roles_post(admin, holder, "referral", ["social_researcher", "competent_officer"])
    assert response.status_code == 302
    assert _members(alpha)[HOLDER] == (
        "referral",
        ["social_researcher", "competent_officer"],
        True,
    )
    assert (
        "The roles of holder@alpha.example were saved."
        in admin.get("/app/members/?lang=en").content.decode()
    )

    # Another role: the referral roles go with an explicit unticking, never silently.
    response = _roles_post(admin, holder, "committee", ["social_researcher"])
    page = response.content.decode()
    assert response.status_code == 200
    assert "Only a referral role holder answers for referral roles" in page
    assert "<details open>" in page
    assert '<option value="committee" selected>' in page  # what was chosen is kept
    assert _members(alpha)[HOLDER][:2] == ("referral", ["social_researcher", "competent_officer"])

    assert _roles_post(admin, holder, "committee").status_code == 302
    assert _members(alpha)[HOLDER] == ("committee", [], True)


def test_the_last_administrator_stays_one(alpha):
    admin = _admin_page(alpha)
    with schema_context(alpha.association.schema_name):
        me = User.objects.get(email=alpha.admin_email)
    response = _roles_post(admin, me, "staff")
    assert "This is the last administrator" in response.content.decode()
    assert "هذا آخر مدير" in _roles_post(admin, me, "staff", lang="ar").content.decode()
    client, auth = api_client(alpha, alpha.admin_email)
    refused = client.patch(
        f"{MEMBERS}{me.pk}/?lang=en", {"role": "staff"}, content_type="application/json", **auth
    )
    assert refused.status_code == 400
    assert "last administrator" in refused.json()["role"][0]
    assert _members(alpha)[alpha.admin_email][0] == "admin"

    # An invited admin who never signed in does not run the association: still refused.
    _holder(alpha, "second@alpha.example", codes=(), role="admin")
    with schema_context(alpha.association.schema_name):
        User.objects.filter(email="second@alpha.example").update(is_active=False)
    assert _roles_post(admin, me, "staff").status_code == 200
    with schema_context(alpha.association.schema_name):
        User.objects.filter(email="second@alpha.example").update(is_active=True)
    # With a second active admin, the first may step down.
    assert _roles_post(admin, me, "staff").status_code == 302
    assert _members(alpha)[alpha.admin_email][0] == "staff"


def test_another_associations_member_id_on_the_page_is_404(alpha, beta):
    holder = _holder(alpha)
    with schema_context(beta.association.schema_name):
        assert not User.objects.filter(pk=holder.pk).exists()
    response = _roles_post(_admin_page(beta), holder, "admin")
    assert response.status_code == 404
    assert _members(alpha)[HOLDER] == ("referral", ["social_researcher"], True)


# --- The API ---------------------------------------------------------------------------------


def _api(tenant, email=None):
    client, auth = api_client(tenant, email or tenant.admin_email)

    def call(method, path, data=None):
        return getattr(client, method)(path, data, content_type="application/json", **auth)

    return call


def test_api_lists_invites_and_changes_members(alpha, mailoutbox):
    api = _api(alpha)
    listed = api("get", MEMBERS).json()
    assert {m["email"] for m in listed} == {alpha.admin_email, alpha.staff_email}
    staff = next(m for m in listed if m["email"] == alpha.staff_email)
    assert set(staff) == {"id", "email", "full_name", "role", "referral_roles"}
    assert (staff["role"], staff["referral_roles"]) == ("staff", [])

    response = api(
        "post",
        MEMBERS,
        {
            "email": "Huda@Alpha.example",
            "full_name": "هدى",
            "role": "referral",
            "referral_roles": ["social_researcher"],
        },
    )
    assert response.status_code == 201
    invited = response.json()
    assert invited["email"] == "huda@alpha.example"
    assert (invited["role"], invited["referral_roles"]) == ("referral", ["social_researcher"])
    assert mailoutbox[-1].to == ["huda@alpha.example"]
    assert "/app/join/" in mailoutbox[-1].body
    assert "huda@alpha.example" in {m["email"] for m in api("get", MEMBERS).json()}

    path = f"{MEMBERS}{invited['id']}/"
    response = api("patch", path, {"referral_roles": ["competent_officer", "social_researcher"]})
    assert response.status_code == 200
    assert response.json()["referral_roles"] == ["competent_officer", "social_researcher"]
    response = api("patch", path, {"role": "committee", "referral_roles": []})
    assert (response.json()["role"], response.json()["referral_roles"]) == ("committee", [])
    assert _members(alpha)["huda@alpha.example"] == ("committee", [], False)


INVITE = {"email": "new@alpha.example", "full_name": "جديد", "role": "staff"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"email": "not-an-address"}, "email"),
        ({"email": 5}, "email"),
        ({"role": "operator"}, "role"),
        ({"role": ["admin"]}, "role"),
        ({"role": "referral", "referral_roles": []}, "referral_roles"),
        ({"role": "referral", "referral_roles": ["public_relations_officer"]}, "referral_roles"),
        ({"role": "referral", "referral_roles": "social_researcher"}, "referral_roles"),
        ({"role": "referral", "referral_roles": [5]}, "referral_roles"),
        ({"referral_roles": ["social_researcher"]}, "referral_roles"),
        ({"full_name": "ن" * 201}, "full_name"),
        ({"full_name": {"x": 1}}, "full_name"),
        ({"is_superuser": True}, "is_superuser"),
    ],
)
def test_bad_invitations_are_400_per_field_and_create_nothing(alpha, mailoutbox, change, field):
    before = _members(alpha)
    response = _api(alpha)("post", f"{MEMBERS}?lang=en", {**INVITE, **change})
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert _members(alpha) == before
    assert mailoutbox == []


def test_api_errors_are_in_arabic_by_default(alpha):
    response = _api(alpha)("post", MEMBERS, {**INVITE, "role": "referral"})
    assert "اختر جهة إحالة واحدة على الأقل" in response.json()["referral_roles"][0]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"role": "operator"}, "role"),
        ({"referral_roles": []}, "referral_roles"),
        ({"referral_roles": ["public_relations_officer"]}, "referral_roles"),
        ({"referral_roles": None, "role": "staff"}, "referral_roles"),
        ({"referral_roles": {"code": "social_researcher"}}, "referral_roles"),
        ({"email": "stolen@alpha.example"}, "email"),
    ],
)
def test_bad_changes_are_400_per_field_and_change_nothing(alpha, data, field):
    holder = _holder(alpha)
    before = _members(alpha)
    response = _api(alpha)("patch", f"{MEMBERS}{holder.pk}/?lang=en", data)
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert _members(alpha) == before


def test_an_unknown_member_id_is_404(alpha):
    assert _api(alpha)("patch", f"{MEMBERS}999999/", {"role": "staff"}).status_code == 404


@pytest.mark.parametrize("role", ["staff", "committee", "referral"])
def test_only_admins_use_the_members_api(alpha, role, mailoutbox):
    holder = _holder(alpha)
    email = f"{role}-api@alpha.example"
    _holder(alpha, email, codes=["social_researcher"] if role == "referral" else [], role=role)
    before = _members(alpha)
    api = _api(alpha, email)
    assert api("get", MEMBERS).status_code == 403
    assert api("post", MEMBERS, INVITE).status_code == 403
    assert api("patch", f"{MEMBERS}{holder.pk}/", {"role": "admin"}).status_code == 403
    # Nor may they make themselves admin.
    with schema_context(alpha.association.schema_name):
        me = User.objects.get(email=email)
    assert api("patch", f"{MEMBERS}{me.pk}/", {"role": "admin"}).status_code == 403
    anonymous = client_for(alpha)
    assert anonymous.get(MEMBERS).status_code in (401, 403)
    assert _members(alpha) == before
    assert mailoutbox == []


def test_a_second_association_cannot_list_or_change_the_firsts_members(alpha, beta):
    holder = _holder(alpha)
    with schema_context(beta.association.schema_name):
        assert not User.objects.filter(pk=holder.pk).exists()  # the id means nothing in beta
    before = _members(alpha)
    beta_api = _api(beta)
    listed = beta_api("get", MEMBERS).json()
    assert {m["email"] for m in listed} == {beta.admin_email, beta.staff_email}
    response = beta_api("patch", f"{MEMBERS}{holder.pk}/", {"role": "admin"})
    assert response.status_code == 404
    assert HOLDER not in response.content.decode()
    # Alpha's admin key on beta's host is nobody.
    alpha_key_on_beta = api_client(alpha, alpha.admin_email)[1]
    stranger = client_for(beta).get(MEMBERS, **alpha_key_on_beta)
    assert stranger.status_code == 401
    assert _members(alpha) == before


def test_the_plans_member_limit_holds_for_api_invitations(alpha, mailoutbox):
    seats = len(_members(alpha))
    Plan.objects.filter(code="trial").update(max_members=seats)
    before = _members(alpha)
    response = _api(alpha)("post", f"{MEMBERS}?lang=en", INVITE)
    assert response.status_code == 400
    assert f"allows {seats} members" in str(response.json())
    assert _members(alpha) == before
    assert mailoutbox == []


def test_the_api_is_documented_in_the_schema(alpha):
    schema = client_for(alpha).get("/api/schema/?format=json").json()
    members = schema["paths"]["/api/v1/members/"]
    assert {"get", "post"} <= set(members)
    assert "patch" in schema["paths"]["/api/v1/members/{member_id}/"]
    invite = members["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    name = invite.rsplit("/", 1)[1]
    assert {"email", "full_name", "role", "referral_roles"} <= set(
        schema["components"]["schemas"][name]["properties"]
    )
