"""The published policy prints the association's letterhead and its board's approval as they
write them, on the page and on every page of the PDF; a later change alters nothing published;
versions published before these fields read exactly as they did."""

import datetime
import json
import re
import subprocess
from pathlib import Path

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from publishing.models import PolicyDraft, PolicyVersion
from tests.e2e.chromium import page_screenshot
from tests.helpers import api_client, client_for
from tests.live import ROOT

DATA = Path(__file__).parent / "data"
ARTEFACTS = ROOT / "test-output" / "letterhead"
DRAFT = "/api/v1/policy/draft/"
LETTERHEAD = {
    "license_label_ar": "تصريح رقم",
    "license_label_en": "Permit No.",
    "license_number": "5031",
    "supervising_authority": "وزارة الموارد البشرية والتنمية الاجتماعية",
    "address": "",  # seed 001: a postal code and no street address
    "postal_code": "47913",
    "phones": ["0555127571", "0112345678"],
    "emails": ["info@alpha.example", "alpha.bc@gmail.example"],
    "website": "https://alpha.example",
    "social_handles": {"x": "alpha_6647", "snapchat": "alpha.snap"},
    "bank_accounts": [
        {"bank_name": "", "iban": "SA7880000430608010666626"},
        {"bank_name": "", "iban": "SA7810000041900000503101"},
        {"bank_name": "", "iban": "SA0505000068202777809000"},
    ],
    "basmala": True,
    "reference_header": True,
}
# Every line the letterhead prints, as pdftotext and the page give it back.
PRINTED = [
    "بسم الله الرحمن الرحيم",
    "المملكة العربية السعودية",
    "جمعية ألفا الخيرية",
    "وزارة الموارد البشرية والتنمية الاجتماعية",
    "تصريح رقم",
    "الرمز البريدي",
    "info@alpha.example",
    "alpha.bc@gmail.example",
    "alpha.example",
    "X: @alpha_6647",
    "Snapchat: @alpha.snap",
    "مصرف الراجحي",
    "البنك الأهلي السعودي",
    "مصرف الإنماء",
    "SA78 8000 0430 6080 1066 6626",
    "SA78 1000 0041 9000 0050 3101",
    "SA05 0500 0068 2027 7780 9000",
    "الرقم:",
    "التاريخ:",
    "المرفقات:",
]
LONG_EXTRA = "".join(
    f"<p>فقرة إضافية رقم {n} تشرح حقوق المستفيد وواجباته بالتفصيل.</p>" for n in range(60)
)
APPROVAL = {
    "meeting_number": "25/02",
    "term": "الأولى",
    "approved_on_hijri": "1446-10-26",
    "statement_ar": "تم اعتمادها باجتماع مجلس الإدارة رقم ({meeting_number}) في دورته ({term}) "
    "بتاريخ {hijri} الموافق {gregorian}",
    "effect_ar": "وتعتبر نافذة من تاريخ اعتمادها",
    "position": "title",
}


def _api(tenant):
    return api_client(tenant, tenant.admin_email)


def _post(client, auth, path, data):
    return client.post(path, data, content_type="application/json", **auth)


def _publish(tenant, approval, *, long=False):
    client, auth = _api(tenant)
    if long:
        extra = {"key": "preamble", "extra_ar": LONG_EXTRA, "extra_en": "<p>More.</p>"}
        response = client.patch(
            DRAFT, {"sections": [extra]}, content_type="application/json", **auth
        )
        assert response.status_code == 200, response.json()
    response = _post(client, auth, DRAFT + "approve/", approval)
    assert response.status_code == 200, response.json()
    response = _post(client, auth, DRAFT + "publish/", {})
    assert response.status_code == 201, response.json()
    return response.json()


@pytest.fixture
def letterhead(alpha):
    client, auth = _api(alpha)
    response = client.patch(
        "/api/v1/association/", LETTERHEAD, content_type="application/json", **auth
    )
    assert response.status_code == 200, response.json()


def _pdf_pages(tenant, path="/policy.pdf", *, keep: str = "") -> list[str]:
    response = client_for(tenant).get(path)
    data = b"".join(response.streaming_content)
    assert data.startswith(b"%PDF-")
    if keep:  # kept as a test artefact, to look at
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        (ARTEFACTS / keep).write_bytes(data)
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()
    # pdftotext wraps right-to-left and left-to-right runs in invisible embedding marks and
    # ends each page with a form feed.
    text = re.sub("[\u202a-\u202e\u200e\u200f]", "", text)
    return [page for page in text.split("\f") if page.strip()]


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_the_page_prints_every_letterhead_element_and_the_approval_under_the_title(
    alpha, letterhead
):
    published = _publish(alpha, APPROVAL)
    page = client_for(alpha).get("/policy/").content.decode()
    for printed in PRINTED:
        assert printed in page, printed
    assert "تصريح رقم <bdi>5031</bdi>" in page
    assert "الرمز البريدي <bdi>47913</bdi>" in page
    # Phones as Saudis write them, isolated left to right.
    assert '<bdi dir="ltr">055 512 7571</bdi>' in page
    assert '<bdi dir="ltr">011 234 5678</bdi>' in page
    assert "+966" not in page
    # The approval, in the board's own words, under the title and before the first section.
    statement = (
        "تم اعتمادها باجتماع مجلس الإدارة رقم (25/02) في دورته (الأولى) بتاريخ 26/10/1446هـ "
        "الموافق 24/04/2025م، وتعتبر نافذة من تاريخ اعتمادها"
    )
    assert statement in page
    assert page.index("سياسة تنظيم العلاقة مع المستفيدين</h1>") < page.index(statement)
    assert page.index(statement) < page.index("1. تمهيد")
    # No chair was given: no empty chair line.
    assert "رئيس مجلس الإدارة:" not in page
    approval = published["approval"]
    assert approval["approved_on"] == "2025-04-24"
    assert approval["approved_on_hijri"] == "1446-10-26"
    assert (approval["meeting_number"], approval["term"], approval["session"]) == (
        "25/02",
        "الأولى",
        "",
    )
    assert approval["position"] == "title" and approval["statement"] == statement
    association = published["association"]
    assert association["license_label_ar"] == "تصريح رقم"
    assert association["phones"] == ["+966555127571", "+966112345678"]
    assert len(association["bank_accounts"]) == 3 and association["basmala"] is True


def test_every_pdf_page_carries_the_letterhead_its_foot_and_its_page_number(
    alpha, letterhead, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    _publish(alpha, APPROVAL, long=True)
    pages = _pdf_pages(alpha, keep="latin-digits.pdf")
    assert len(pages) >= 3
    for number, text in enumerate(pages, 1):
        flat = _flat(text)
        for printed in [*PRINTED, "055 512 7571", "011 234 5678", "5031", "47913"]:
            assert printed in flat, (number, printed)
        # pdftotext moves the space of a right-to-left run around its digits.
        assert re.search(rf"صفحة\s*{number}\s*من\s*{len(pages)}\b", flat), number


def test_arabic_indic_digits_for_dates_numbers_and_phones(alpha, letterhead, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    client, auth = _api(alpha)
    client.patch(
        "/api/v1/association/", {"digits": "arabic"}, content_type="application/json", **auth
    )
    _publish(alpha, {**APPROVAL, "position": "end"}, long=True)
    page = client_for(alpha).get("/policy/").content.decode()
    # A left-to-right mark follows each space of a phone in Arabic-Indic digits.
    assert "٠٥٥ \u200e٥١٢ \u200e٧٥٧١" in page
    page = page.replace("\u200e", "")
    assert "٢٦/١٠/١٤٤٦هـ الموافق ٢٤/٠٤/٢٠٢٥م" in page
    assert "(٢٥/٠٢)" in page
    assert '<bdi dir="ltr">٠٥٥ ٥١٢ ٧٥٧١</bdi>' in page
    assert "تصريح رقم <bdi>٥٠٣١</bdi>" in page
    assert "<h2>١. تمهيد</h2>" in page
    assert "فقرة إضافية رقم ٥٩" in page
    # IBANs, e-mails and handles are Latin identifiers, whatever the digits.
    assert "SA78 8000 0430 6080 1066 6626" in page and "@alpha_6647" in page
    # The English page keeps Latin digits.
    english = client_for(alpha).get("/policy/?lang=en").content.decode()
    assert "24 April 2025" in english and "055 512 7571" in english
    pages = _pdf_pages(alpha, keep="arabic-digits.pdf")
    assert "٢٦/١٠/١٤٤٦هـ" in _flat(pages[-1]) or "٢٦/١٠/١٤٤٦هـ" in _flat(" ".join(pages))
    for number, text in enumerate(pages, 1):
        digits = str(number).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
        total = str(len(pages)).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
        assert re.search(rf"صفحة\s*{digits}\s*من\s*{total}", _flat(text))
        assert "٠٥٥ ٥١٢ ٧٥٧١" in _flat(text)


def test_a_later_letterhead_change_does_not_alter_the_published_page(alpha, letterhead):
    _publish(alpha, APPROVAL)
    client, auth = _api(alpha)
    response = client.patch(
        "/api/v1/association/",
        {"license_number": "9999", "phones": ["0126654321"], "bank_accounts": [], "basmala": False},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 200
    page = client_for(alpha).get("/policy/").content.decode()
    assert "تصريح رقم <bdi>5031</bdi>" in page and "9999" not in page
    assert "055 512 7571" in page and "012 665 4321" not in page
    assert "SA78 8000 0430 6080 1066 6626" in page and "بسم الله الرحمن الرحيم" in page
    published = client_for(alpha).get("/api/v1/policy/").json()["association"]
    assert published["license_number"] == "5031"


def test_session_and_chair_as_seed_000_and_001_write_them(alpha):
    published = _publish(
        alpha,
        {
            "session": "الرابعة",
            "approved_on": "2023-03-20",
            "chair_name": "أ. علي",
            "effect_ar": "وتعتبر نافذة من تاريخ اعتمادها",
        },
    )
    assert published["approval"]["statement"] == (
        "تم اعتماد هذه السياسة في اجتماع مجلس الإدارة بجلسته الرابعة المنعقدة بتاريخ "
        "28/08/1444هـ الموافق 20/03/2023م، وتعتبر نافذة من تاريخ اعتمادها"
    )
    assert published["approval"]["approved_on_hijri"] == "1444-08-28"
    page = client_for(alpha).get("/policy/").content.decode()
    assert "<p>رئيس مجلس الإدارة: أ. علي</p>" in page
    # At the end by default: the approval is the last section.
    assert page.index("بجلسته الرابعة") > page.index("تمهيد</h2>")


@pytest.mark.parametrize(
    ("approval", "fields", "message"),
    [
        (
            {"approved_on_hijri": "1446-01-30", "meeting_number": "1"},
            {"approved_on_hijri"},
            "has 29 days",
        ),
        (
            {"approved_on_hijri": "1446-13-01", "meeting_number": "1"},
            {"approved_on_hijri"},
            "between 1 and 12",
        ),
        (
            {"approved_on_hijri": "26/10/1446", "meeting_number": "1"},
            {"approved_on_hijri"},
            "YYYY-MM-DD",
        ),
        (
            {"approved_on_hijri": "1446-10-26", "approved_on": "2025-04-25", "meeting_number": "1"},
            {"approved_on", "approved_on_hijri"},
            "disagree",
        ),
        ({"approved_on": "2023-03-20"}, {"meeting_number"}, "or its session"),
        ({"approved_on": "2023-03-20", "session": "ا" * 101}, {"session"}, "At most 100"),
        (
            {"approved_on": "2023-03-20", "meeting_number": "<script>x</script>"},
            {"meeting_number"},
            "plain text",
        ),
        (
            {"approved_on": "2023-03-20", "meeting_number": "1", "statement_ar": "اعتمدت في {day}"},
            {"statement_ar"},
            "Unknown placeholder {day}",
        ),
        (
            {"approved_on": "2023-03-20", "meeting_number": "1", "effect_en": "<img src=x>"},
            {"effect_en"},
            "plain text",
        ),
        (
            {"approved_on": "2023-03-20", "meeting_number": "1", "position": "side"},
            {"position"},
            "end or under",
        ),
    ],
)
def test_a_bad_approval_is_refused_per_field_and_records_nothing(alpha, approval, fields, message):
    client, auth = _api(alpha)
    response = client.post(
        DRAFT + "approve/?lang=en", approval, content_type="application/json", **auth
    )
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == fields, errors
    assert message in " ".join(errors[next(iter(fields))]), errors
    with schema_context(alpha.association.schema_name):
        draft = PolicyDraft.objects.get()
        assert not draft.is_approved and draft.approval_meeting_number == ""


def test_a_non_existent_hijri_date_is_explained_in_arabic(alpha):
    client, auth = _api(alpha)
    response = _post(
        client, auth, DRAFT + "approve/", {"approved_on_hijri": "1446-01-30", "meeting_number": "1"}
    )
    assert response.status_code == 400
    assert "هذا التاريخ الهجري غير موجود" in response.json()["approved_on_hijri"][0]


def test_another_associations_admin_cannot_approve_here(alpha, beta):
    _client, beta_auth = _api(beta)
    response = _post(client_for(alpha), beta_auth, DRAFT + "approve/", APPROVAL)
    assert response.status_code in (401, 403)
    with schema_context(alpha.association.schema_name):
        assert not PolicyDraft.objects.get().is_approved


def test_the_editor_keeps_what_was_typed_when_the_approval_is_refused(alpha):
    admin = client_for(alpha, email=alpha.admin_email)
    with schema_context(alpha.association.schema_name):
        revision = PolicyDraft.objects.get().revision
    typed = {
        "revision": revision,
        "meeting_number": "25/02",
        "term": "الأولى",
        # The page's day and month selects and its year (30 Muharram 1446 does not exist).
        "approved_on_hijri_day": "30",
        "approved_on_hijri_month": "1",
        "approved_on_hijri_year": "1446",
        "statement_ar": "تم اعتمادها في دورته ({term}) بتاريخ {date}",
        "position": "title",
    }
    response = admin.post("/app/settings/policy/approve/", typed)
    assert response.status_code == 400
    page = response.content.decode()
    assert "هذا التاريخ الهجري غير موجود" in page
    assert 'value="25/02"' in page and 'value="الأولى"' in page
    assert '<option value="30" selected>' in page and '<option value="1" selected>' in page
    assert 'name="approved_on_hijri_year" value="1446"' in page
    assert "تم اعتمادها في دورته ({term}) بتاريخ {date}" in page
    assert (
        'value="title" checked' in page
        or 'checked value="title"' in page
        or re.search(r'value="title"[^>]*checked', page)
    )
    # The same form with a real date records it, both dates shown.
    response = admin.post(
        "/app/settings/policy/approve/",
        {**typed, "approved_on_hijri_day": "26", "approved_on_hijri_month": "10"},
    )
    assert response.status_code == 302
    page = admin.get("/app/settings/policy/").content.decode()
    assert "26/10/1446هـ الموافق 24/04/2025م" in page


def test_a_version_published_before_these_fields_renders_exactly_as_before(
    alpha, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    content = json.loads((DATA / "legacy_v1_content.json").read_text())
    with schema_context(alpha.association.schema_name):
        PolicyVersion.objects.create(
            number=1,
            published_at=timezone.make_aware(datetime.datetime(2023, 3, 21, 9)),
            published_by="admin@alpha.example",
            template_version=1,
            content=content,
        )
    for language in ("ar", "en"):
        page = client_for(alpha).get(f"/policy/?lang={language}").content.decode()
        article = re.search(r'<article class="policy".*?</article>', page, re.S).group(0)
        expected = (DATA / f"legacy_v1_article_{language}.html").read_text().strip()
        assert article == expected[expected.index("<article") :], language
    api = client_for(alpha).get("/api/v1/policy/").json()
    assert api["approval"]["statement"].startswith(
        "تم اعتماد هذه السياسة في اجتماع مجلس الإدارة رقم (5)"
    )
    assert api["association"]["phones"] == ["+966126654321"]
    # Its PDF keeps its old layout too: the registration line, the phone as it was, "1 / n".
    pages = _pdf_pages(alpha, keep="legacy.pdf")
    first = _flat(pages[0])
    assert "مسجلة في المركز الوطني لتنمية القطاع غير الربحي برقم" in first
    assert re.search(r"\b1 ?/ ?\d|\d/1\b", first)  # pdftotext may flip it inside Arabic
    assert "+966126654321" in _flat(pages[-1])


def _shown(html: str, width: int, screenshot: str) -> Path:
    return page_screenshot(html, width, ARTEFACTS / screenshot)


@pytest.mark.parametrize("width", [390, 1366])
def test_the_page_in_chromium(alpha, letterhead, width):
    """The served page in Chromium at a phone's and a desktop's width; the screenshots are
    kept under test-output/letterhead/ to look at."""
    _publish(alpha, APPROVAL)
    html = client_for(alpha).get("/policy/").content.decode()
    _shown(html, width, f"policy-ar-{width}.png")


def test_the_refused_approval_form_in_chromium(alpha):
    admin = client_for(alpha, email=alpha.admin_email)
    with schema_context(alpha.association.schema_name):
        revision = PolicyDraft.objects.get().revision
    response = admin.post(
        "/app/settings/policy/approve/",
        {"revision": revision, "meeting_number": "25/02", "approved_on_hijri": "1446-01-30"},
    )
    html = response.content.decode()
    assert "هذا التاريخ الهجري غير موجود" in html and 'value="25/02"' in html
    _shown(html, 1366, "approval-refused.png")
