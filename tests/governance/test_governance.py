"""/governance/ (issue 16, items 2 and 5): every published policy with its approval and history,
the bylaws (an uploaded PDF), the complaints link and the transparency self-score, in the
workspace with what is missing and in the console across associations."""

import html
import re

from django_tenants.utils import schema_context

from governance.models import Bylaws
from publishing.models import PolicyDraft
from tests.console.conftest import console, operator_secret  # noqa: F401
from tests.helpers import POLICY, client_for, publish, upload
from tests.publishing.test_policy_kinds import MEETING, publish_kind

PDF = b"%PDF-1.4\n% the bylaws of alpha\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def _bylaws(tenant, content=PDF, name="bylaws.pdf", content_type="application/pdf"):
    admin = client_for(tenant, email=tenant.admin_email)
    return admin.post(
        "/app/settings/governance/?lang=en", {"file": upload(name, content, content_type)}
    )


def test_governance_lists_each_published_policy_with_its_meeting_hijri_date_and_history(
    alpha, media
):
    publish(alpha, data=POLICY, meeting="7")
    publish_kind(alpha, "fundraising")
    publish_kind(alpha, "fundraising", section_purpose_extra_ar="أ", section_purpose_extra_en="a")
    page = client_for(alpha).get("/governance/")
    text = _text(page)
    assert page.status_code == 200
    assert "سياسة تنظيم العلاقة مع المستفيدين" in text
    assert "سياسة جمع التبرعات" in text
    # The fundraising policy's approval: meeting 12/03 on 10/02/1446 AH, version 2 with v1 below.
    fundraising = text[text.index("سياسة جمع التبرعات") :]
    assert "الإصدار 2" in fundraising and "12/03" in fundraising and "10/02/1446هـ" in fundraising
    assert 'href="/policies/fundraising/1/"' in page.content.decode()
    assert "سياسة الإبلاغ عن المخالفات" not in text.split("قائمة الشفافية")[0]  # not published
    english = _text(client_for(alpha).get("/governance/?lang=en"))
    assert "Fundraising Policy" in english and "10 Safar 1446 AH" in english
    assert "Send a suggestion or a complaint" in english


def test_the_home_page_and_the_footer_link_to_governance(alpha):
    page = client_for(alpha).get("/").content.decode()
    assert 'href="/governance/" id="home-governance"' in page
    assert (
        'id="footer-governance">' in page and 'href="/governance/" id="footer-governance"' in page
    )


def test_bylaws_are_a_pdf_of_at_most_5_mb_served_from_the_associations_own_folder(
    alpha, beta, media
):
    assert client_for(alpha).get("/governance/bylaws.pdf").status_code == 404
    refused = _bylaws(alpha, b"MZ\x90\x00 not a pdf", name="bylaws.pdf")
    assert refused.status_code == 400
    assert "Upload the bylaws as a PDF file." in _text(refused)
    too_big = _bylaws(alpha, b"%PDF-" + b"0" * (5 * 1024 * 1024))
    assert too_big.status_code == 400 and "at most 5 MB" in _text(too_big)
    nothing = client_for(alpha, email=alpha.admin_email).post("/app/settings/governance/", {})
    assert nothing.status_code == 400 and "اختاروا ملف اللائحة الأساسية" in _text(nothing)
    with schema_context(alpha.association.schema_name):
        assert not Bylaws.objects.exists()
    assert _bylaws(alpha, name="النظام.PDF").status_code == 302
    response = client_for(alpha).get("/governance/bylaws.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF
    with schema_context(alpha.association.schema_name):
        kept = Bylaws.objects.get()
        assert f"/{alpha.association.schema_name}/bylaws/" in kept.file.path
    assert 'href="/governance/bylaws.pdf"' in client_for(alpha).get("/governance/").content.decode()
    # Beta has none of it: its page says so, its address is a 404.
    assert client_for(beta).get("/governance/bylaws.pdf").status_code == 404
    assert "لم تُنشر اللائحة الأساسية بعد." in _text(client_for(beta).get("/governance/"))
    # Only an admin uploads.
    staff = client_for(alpha, email=alpha.staff_email)
    assert (
        staff.post(
            "/app/settings/governance/", {"file": upload("b.pdf", PDF, "application/pdf")}
        ).status_code
        == 403
    )


def test_the_self_score_moves_from_zero_to_full_and_says_what_is_missing(alpha, beta, media):
    admin = client_for(alpha, email=alpha.admin_email)
    page = _text(admin.get("/app/transparency/?lang=en"))
    # A new association: only the complaints channel (every association has it) is met.
    assert "Transparency self-score: 11% across the 9 practices" in page
    assert "Upload the bylaws' PDF in the governance settings." in page
    assert "Nothing to publish yet: statistics are of an ended quarter with cases." in page
    # The board approved one policy but it is not published: 50 for it.
    admin.get("/app/settings/policies/volunteers/")
    admin.post("/app/settings/policies/volunteers/approve/", {**MEETING, "revision": 1})
    page = _text(admin.get("/app/transparency/?lang=en"))
    assert "Approved by the board, not yet published." in page
    assert "Transparency self-score: 16%" in page  # (100 + 50) / 9
    _bylaws(alpha)
    publish(alpha, data=POLICY)
    admin.post(
        "/app/settings/policies/",
        {
            "kinds": [
                "conflict-of-interest",
                "whistleblowing",
                "data-privacy",
                "document-retention",
                "fundraising",
            ],
            **MEETING,
        },
    )
    with schema_context(alpha.association.schema_name):
        revision = PolicyDraft.of_every_kind.get(kind="volunteers").revision
    admin.post("/app/settings/policies/volunteers/publish/", {"revision": revision})
    # Published is not yet practised: the conflict-of-interest policy waits for this year's
    # disclosures of the two members (tests/governance/test_disclosures.py).
    page = _text(admin.get("/app/transparency/?lang=en"))
    assert "Transparency self-score: 94%" in page  # (8 x 100 + 50) / 9
    signed = {"no_conflict": "on", "signed_name": "مدير ألفا", "declared": "on"}
    for email in (alpha.admin_email, alpha.staff_email):
        assert client_for(alpha, email=email).post("/app/disclosure/", signed).status_code == 302
    page = _text(admin.get("/app/transparency/?lang=en"))
    assert "Transparency self-score: 100%" in page and "Every practice is met." in page
    assert "Approved on 10 Safar 1446 AH (14 August 2024)" in page
    public = _text(client_for(alpha).get("/governance/?lang=en"))
    assert "Every practice is met." in public and "What is missing" not in public
    # Beta's score is its own: alpha's policies and bylaws count nowhere else.
    beta_admin = client_for(beta, email=beta.admin_email)
    assert "Transparency self-score: 11%" in _text(beta_admin.get("/app/transparency/?lang=en"))
    assert (
        "Fundraising Policy"
        not in _text(client_for(beta).get("/governance/?lang=en")).split("Transparency checklist")[
            0
        ]
    )


def test_the_console_shows_the_distribution_across_associations_and_no_association_data(
    alpha,
    beta,
    media,
    console,  # noqa: F811
):
    _bylaws(alpha)
    publish_kind(alpha, "fundraising")
    page = console.get("/console/transparency/?lang=en")
    text = _text(page)
    assert page.status_code == 200
    bands = re.search(r"Associations (.*?) Associations meeting", text).group(1)
    # Alpha: bylaws, fundraising and complaints = 300 / 9 = 33 %; beta: complaints only, 11 %.
    assert "0–24 1" in bands and "25–49 1" in bands and "100 0" in bands
    assert "The bylaws 1" in text and "Fundraising Policy 1" in text
    assert "A complaints channel and its log 2" in text
    assert "جمعية ألفا" not in text and "Alpha" not in text
