"""Conflict of interest (issue 16): once the policy is published, every member signs a yearly
disclosure in the workspace and every board member through a personal link; a correction is a
new signed row; the register (admins) shows who disclosed what and who has not, with a CSV; the
self-score counts the policy at 100 only when this year's disclosures are all in."""

import html
import re

import pytest
from django.db import DatabaseError, transaction
from django_tenants.utils import schema_context

from governance.models import BoardMember, Disclosure
from tests.console.conftest import console, operator_secret  # noqa: F401
from tests.helpers import client_for
from tests.publishing.test_policy_kinds import publish_kind

KIND = "conflict-of-interest"
NO_CONFLICT = {"no_conflict": "on", "signed_name": "سارة العتيبي", "declared": "on"}
INTEREST = {
    "interest_1_kind": "financial",
    "interest_1_party": '=HYPERLINK("http://x")',
    "interest_1_description": "حصة في مورد أثاث يتعامل مع الجمعية",
    "signed_name": "سارة العتيبي",
    "declared": "on",
}


def _text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def _rows(tenant) -> list[Disclosure]:
    with schema_context(tenant.association.schema_name):
        return list(Disclosure.objects.order_by("pk"))


@pytest.fixture
def published(alpha):
    return publish_kind(alpha, KIND)


def test_nothing_to_sign_until_the_policy_is_published(alpha):
    staff = client_for(alpha, email=alpha.staff_email)
    page = staff.get("/app/disclosure/?lang=en")
    assert page.status_code == 200
    assert "has not published its conflict-of-interest policy yet" in _text(page)
    refused = staff.post("/app/disclosure/?lang=en", NO_CONFLICT)
    assert refused.status_code == 400
    assert "The conflict-of-interest policy is not published yet" in _text(refused)
    assert _rows(alpha) == []


def test_a_member_signs_and_a_correction_is_a_new_signed_row(alpha, published, clock):
    staff = client_for(alpha, email=alpha.staff_email)
    form = staff.get("/app/disclosure/")
    assert "الإفصاح عن تعارض المصالح لعام 2026" in _text(form)
    assert staff.post("/app/disclosure/", NO_CONFLICT).status_code == 302
    assert staff.post("/app/disclosure/", INTEREST).status_code == 302
    first, correction = _rows(alpha)
    assert (first.member_email, first.year, first.no_conflict) == (alpha.staff_email, 2026, True)
    assert (first.role, first.policy_version, first.signed_at) == ("staff", 1, clock.at)
    assert correction.interests == [
        {
            "kind": "financial",
            "party": '=HYPERLINK("http://x")',
            "description": "حصة في مورد أثاث يتعامل مع الجمعية",
        }
    ]
    # The member sees both signatures; the register shows the newest, in force, and counts two.
    assert "1 interest disclosed" in _text(staff.get("/app/disclosure/?lang=en"))
    admin = client_for(alpha, email=alpha.admin_email)
    register = _text(admin.get("/app/disclosures/?lang=en"))
    staff_row = register[register.index(alpha.staff_email) :]
    assert "حصة في مورد أثاث" in staff_row and "2 signatures this year" in staff_row
    assert "1 person has not disclosed for 2026 yet." in register  # the admin
    assert "Not disclosed yet" in register
    # Signed is signed: the database refuses to change or delete it.
    with schema_context(alpha.association.schema_name):
        for statement in (
            "UPDATE governance_disclosure SET signed_name = 'x'",
            "DELETE FROM governance_disclosure",
        ):
            with pytest.raises(DatabaseError, match="cannot be changed or deleted"):
                with transaction.atomic(), transaction.get_connection().cursor() as cursor:
                    cursor.execute(statement)
    assert len(_rows(alpha)) == 2


def test_a_bad_disclosure_says_what_is_wrong_in_both_languages_and_saves_nothing(alpha, published):
    staff = client_for(alpha, email=alpha.staff_email)
    both = staff.post("/app/disclosure/", {**INTEREST, "no_conflict": "on", "declared": ""})
    text = _text(both)
    assert both.status_code == 400
    assert "إما أن تقرّوا بعدم وجود تعارض في المصالح أو تذكروا مصالحكم" in text
    assert "ضعوا علامة على الإقرار لتوقيعه." in text
    nothing = staff.post("/app/disclosure/?lang=en", {"interest_2_kind": "gift"})
    text = _text(nothing)
    assert nothing.status_code == 400
    assert "This field is required." in text  # the signed name, the party, the description
    assert "Tick the declaration to sign it." in text
    assert 'id="id_interest_2_party-errors"' in nothing.content.decode()
    markup = staff.post("/app/disclosure/?lang=en", {**NO_CONFLICT, "signed_name": "<b>سارة</b>"})
    assert markup.status_code == 400 and "Write plain text, without < or >." in _text(markup)
    assert 'value="&lt;b&gt;سارة&lt;/b&gt;"' in markup.content.decode()  # kept as typed
    assert _rows(alpha) == []


def test_a_board_member_signs_through_a_personal_link_that_a_new_one_replaces(
    alpha, beta, published
):
    admin = client_for(alpha, email=alpha.admin_email)
    refused = admin.post("/app/disclosures/board/?lang=en", {"full_name": "", "email": "x@"})
    assert refused.status_code == 400
    assert "Enter a valid e-mail address." in _text(refused)
    added = admin.post(
        "/app/disclosures/board/",
        {"full_name": "م. خالد الدوسري", "email": "k@board.example"},
        follow=True,
    )
    link = re.search(r"http://alpha\.localhost[^ ]*/disclosure/([\w-]+)/", _text(added))
    assert link, _text(added)
    path = f"/disclosure/{link.group(1)}/"
    visitor = client_for(alpha)
    page = visitor.get(path)
    assert page.status_code == 200 and "م. خالد الدوسري" in _text(page)
    assert page["X-Robots-Tag"] == "noindex, nofollow"
    assert visitor.post(path, {**NO_CONFLICT, "signed_name": "خالد الدوسري"}).status_code == 302
    [signed] = _rows(alpha)
    assert (signed.role, signed.member_email, signed.no_conflict) == ("board", "", True)
    register = _text(admin.get("/app/disclosures/?lang=en"))
    assert "م. خالد الدوسري" in register and "Board member" in register
    # The link is alpha's only, and a wrong one is a 404 like any private link.
    assert client_for(beta).get(path).status_code == 404
    assert client_for(alpha).get("/disclosure/not-a-token/").status_code == 404
    with schema_context(alpha.association.schema_name):
        board_member = BoardMember.objects.get()
    renewed = admin.post(f"/app/disclosures/board/{board_member.pk}/link/", follow=True)
    assert "/disclosure/" in _text(renewed)
    assert client_for(alpha).get(path).status_code == 404  # the old link stopped
    new_path = re.search(r"/disclosure/[\w-]+/", _text(renewed)).group(0)
    assert client_for(alpha).get(new_path).status_code == 200
    # A board member who leaves is no longer due, and their link stops; what one signed stays.
    admin.post("/app/disclosures/board/", {"full_name": "عضو غادر المجلس", "email": ""})
    register = _text(admin.get("/app/disclosures/?lang=en"))
    assert "3 people have not disclosed for 2026 yet." in register  # admin, staff, the new one
    with schema_context(alpha.association.schema_name):
        leaving = BoardMember.objects.get(full_name="عضو غادر المجلس")
    left = admin.post(f"/app/disclosures/board/{leaving.pk}/remove/?lang=en", follow=True)
    assert "is no longer asked to disclose" in _text(left)
    register = _text(admin.get("/app/disclosures/?lang=en"))
    assert "2 people have not disclosed" in register and "عضو غادر المجلس" not in register
    admin.post(f"/app/disclosures/board/{board_member.pk}/remove/")
    assert client_for(alpha).get(new_path).status_code == 404
    assert "م. خالد الدوسري" in _text(admin.get("/app/disclosures/?lang=en"))  # signed, kept
    assert admin.post(f"/app/disclosures/board/{leaving.pk}/remove/").status_code == 404


def test_the_register_is_for_admins_and_its_csv_cannot_become_formulas(alpha, beta, published):
    staff = client_for(alpha, email=alpha.staff_email)
    staff.post("/app/disclosure/", INTEREST)
    assert staff.get("/app/disclosures/").status_code == 403
    assert staff.get("/app/disclosures/export.csv").status_code == 403
    admin = client_for(alpha, email=alpha.admin_email)
    response = admin.get("/app/disclosures/export.csv?year=2026&lang=en")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    csv = b"".join(response.streaming_content).decode()
    assert csv.startswith("\ufeffYear,Signed name,E-mail,Role")
    assert "'=HYPERLINK" in csv and ",=HYPERLINK" not in csv
    assert "حصة في مورد أثاث" in csv and alpha.staff_email in csv
    assert admin.get("/app/disclosures/?year=1990").status_code == 404
    assert admin.get("/app/disclosures/?year=abc").status_code == 404
    # Beta's admin has a register of its own people only.
    beta_admin = client_for(beta, email=beta.admin_email)
    register = _text(beta_admin.get("/app/disclosures/?lang=en"))
    assert alpha.staff_email not in register and beta.staff_email in register
    beta_csv = b"".join(beta_admin.get("/app/disclosures/export.csv").streaming_content).decode()
    assert "حصة في مورد أثاث" not in beta_csv and alpha.staff_email not in beta_csv


def test_the_self_score_counts_the_policy_only_once_everyone_disclosed(alpha, published):
    admin = client_for(alpha, email=alpha.admin_email)
    page = _text(admin.get("/app/transparency/?lang=en"))
    row = page[page.index("Conflict of Interest Policy") :]
    assert "Published; 2 of the people concerned have not disclosed for 2026." in row
    assert row.index("50%") < row.index("Whistleblowing Policy")
    admin.post("/app/disclosure/", NO_CONFLICT)
    client_for(alpha, email=alpha.staff_email).post("/app/disclosure/", NO_CONFLICT)
    page = _text(admin.get("/app/transparency/?lang=en"))
    row = page[page.index("Conflict of Interest Policy") :]
    assert "Published, with the board's approval." in row
    assert row.index("100%") < row.index("Whistleblowing Policy")


def test_the_console_counts_the_policy_met_only_with_the_years_disclosures(
    alpha,
    published,
    console,  # noqa: F811
):
    def met() -> str:
        text = _text(console.get("/console/transparency/?lang=en"))
        return re.search(r"Conflict of Interest Policy (\d+)", text).group(1)

    assert met() == "0"  # published, but alpha's admin and staff have not disclosed
    for email in (alpha.admin_email, alpha.staff_email):
        client_for(alpha, email=email).post("/app/disclosure/", NO_CONFLICT)
    assert met() == "1"
    assert "سارة العتيبي" not in _text(console.get("/console/transparency/"))
