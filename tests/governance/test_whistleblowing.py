"""Whistleblowing (issue 16): once the policy is published, anyone reports a concern, named or
not, and follows it through a private link; only the officers an admin designated read reports
(every read in the access trail, with none of the report's words); no other admin, member,
association or the console sees them; the association's export leaves their words out."""

import html
import re

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from accounts.models import User
from audit.models import AccessRecord
from common.pg_tools import pg_program
from governance.models import WhistleblowingMessage, WhistleblowingReport
from governance.whistleblowing import EXPORT_EXCLUDED_TABLES
from tenants.schema_sql import schema_dump
from tests.console.conftest import console, operator_secret  # noqa: F401
from tests.helpers import client_for
from tests.publishing.test_policy_kinds import publish_kind

CONCERN = "ALPHA-CONCERN: صرف مبلغ من حساب الجمعية لمورد يملكه أحد أعضاء المجلس"


def _text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def _officer(tenant, email):
    """The tenant's admin designates `email` as the whistleblowing officer (HTTP)."""
    with schema_context(tenant.association.schema_name):
        member = User.objects.get(email=email)
    admin = client_for(tenant, email=tenant.admin_email)
    response = admin.post(
        "/app/settings/policies/whistleblowing/officers/", {"officers": [member.pk]}
    )
    assert response.status_code == 302, _text(response)
    return client_for(tenant, email=email)


@pytest.fixture
def published(alpha):
    return publish_kind(alpha, "whistleblowing")


def _report(tenant, **fields) -> tuple[str, object]:
    """File a report from the public form; its follow-up path and the reporter's client."""
    reporter = client_for(tenant)
    response = reporter.post("/whistleblowing/", {"text": CONCERN, **fields})
    assert response.status_code == 302, _text(response)
    return response["Location"], reporter


def test_the_form_opens_only_once_the_policy_is_published_and_is_linked(alpha):
    closed = client_for(alpha).get("/whistleblowing/?lang=en")
    assert closed.status_code == 404 and "Whistleblowing reports are not open" in _text(closed)
    assert client_for(alpha).post("/whistleblowing/", {"text": CONCERN}).status_code == 404
    publish_kind(alpha, "whistleblowing")
    assert (
        'href="/whistleblowing/"'
        in client_for(alpha).get("/policies/whistleblowing/").content.decode()
    )
    assert 'href="/whistleblowing/"' in client_for(alpha).get("/governance/").content.decode()
    form = client_for(alpha).get("/whistleblowing/")
    assert form.status_code == 200 and "يمكنكم الإبلاغ دون ذكر أسمائكم" in _text(form)


def test_an_anonymous_report_reaches_only_the_officer_and_every_read_is_recorded(
    alpha, beta, published, members
):
    path, reporter = _report(alpha)
    assert path.startswith("/whistleblowing/W") and "?token=" in path
    page = reporter.get(path)
    assert page.status_code == 200 and CONCERN in _text(page)
    with schema_context(alpha.association.schema_name):
        report = WhistleblowingReport.objects.get()
        message = report.messages.get()
        assert (message.reporter_name, message.reporter_contact) == ("", "")
        # No column of either table holds the reporter's address.
        assert not any("ip" in f.name.split("_") for f in WhistleblowingMessage._meta.fields)
        assert not any("ip" in f.name.split("_") for f in WhistleblowingReport._meta.fields)
    # Before any designation nobody reads it: not the admin, not staff, not the committee.
    for email in (alpha.admin_email, alpha.staff_email, members["committee"]):
        member = client_for(alpha, email=email)
        assert member.get("/app/whistleblowing/").status_code == 404
        assert member.get(f"/app/whistleblowing/{report.pk}/").status_code == 404
    officer = _officer(alpha, members["committee"])
    listing = officer.get("/app/whistleblowing/")
    assert listing.status_code == 200 and report.reference in _text(listing)
    assert 'id="nav-side-whistleblowing_reports"' in listing.content.decode()
    detail = officer.get(f"/app/whistleblowing/{report.pk}/")
    assert detail.status_code == 200 and CONCERN in _text(detail)
    # The admin who designated the officer still reads nothing, nor does beta's own officer.
    admin = client_for(alpha, email=alpha.admin_email)
    assert admin.get(f"/app/whistleblowing/{report.pk}/").status_code == 404
    assert "app-nav-whistleblowing_reports" not in admin.get("/app/").content.decode()
    beta_officer = _officer(beta, beta.staff_email)
    assert beta_officer.get(f"/app/whistleblowing/{report.pk}/").status_code == 404
    assert report.reference not in _text(beta_officer.get("/app/whistleblowing/"))
    assert "No report has been received." in _text(beta_officer.get("/app/whistleblowing/?lang=en"))
    # The trail has the officer's two reads, with no word of the report; the admin reads the
    # trail and learns who read which report, nothing more.
    with schema_context(alpha.association.schema_name):
        reads = list(AccessRecord.objects.filter(object_type="whistleblowingreport").order_by("pk"))
    assert [(r.actor_email, r.action) for r in reads] == [
        (members["committee"], "search"),
        (members["committee"], "view"),
    ]
    assert reads[1].object_id == str(report.pk) and reads[1].detail == {}
    trail = (
        admin.get("/app/audit/").content.decode()
        + b"".join(admin.get("/app/audit/export.csv").streaming_content).decode()
    )
    assert members["committee"] in trail and "ALPHA-CONCERN" not in trail


def test_the_follow_up_link_carries_answers_and_information_and_a_wrong_token_is_refused(
    alpha, beta, published, members
):
    path, reporter = _report(alpha, name="سالم", contact="0501234567")
    officer = _officer(alpha, members["committee"])
    with schema_context(alpha.association.schema_name):
        report = WhistleblowingReport.objects.get()
    detail = _text(officer.get(f"/app/whistleblowing/{report.pk}/"))
    assert "سالم" in detail and "0501234567" in detail
    answered = officer.post(
        f"/app/whistleblowing/{report.pk}/", {"text": "نحتاج تاريخ الصرف التقريبي."}
    )
    assert answered.status_code == 302
    assert "نحتاج تاريخ الصرف التقريبي." in _text(reporter.get(path))
    assert reporter.post(path, {"text": "في شهر رجب تقريبًا."}).status_code == 302
    assert "في شهر رجب تقريبًا." in _text(officer.get(f"/app/whistleblowing/{report.pk}/"))
    empty = reporter.post(path + "&lang=en", {"text": "  "})
    assert empty.status_code == 400 and "This field is required." in _text(empty)
    # Closed: the reporter reads that, and can add nothing more.
    officer.post(f"/app/whistleblowing/{report.pk}/", {"text": "", "close": "on"})
    closed = reporter.get(path + "&lang=en")
    assert "The officer closed this report." in _text(closed)
    late = reporter.post(path + "&lang=en", {"text": "شيء آخر"})
    assert late.status_code == 400 and "This report is closed" in _text(late)
    # A wrong token, a wrong reference, or alpha's link on beta's host: the same 404.
    reference, token = re.match(r"/whistleblowing/([^/]+)/\?token=(.+)", path).groups()
    assert client_for(alpha).get(f"/whistleblowing/{reference}/?token=x{token}").status_code == 404
    assert client_for(alpha).get(f"/whistleblowing/WXXX-XXXX/?token={token}").status_code == 404
    assert client_for(alpha).get(f"/whistleblowing/{reference}/").status_code == 404
    assert client_for(beta).get(path).status_code == 404
    with schema_context(alpha.association.schema_name):
        assert WhistleblowingMessage.objects.count() == 3


def test_a_bad_report_is_refused_by_field_and_the_form_is_rate_limited(alpha, published):
    visitor = client_for(alpha)
    empty = visitor.post("/whistleblowing/?lang=en", {"text": " ", "name": "x" * 201})
    text = _text(empty)
    assert empty.status_code == 400
    assert "This field is required." in text and "At most 200 characters." in text
    arabic = client_for(alpha).post("/whistleblowing/", {"text": ""})
    assert arabic.status_code == 400 and "هذا الحقل مطلوب" in _text(arabic)
    for _attempt in range(8):
        visitor.post("/whistleblowing/", {"text": ""})
    refused = visitor.post("/whistleblowing/", {"text": CONCERN})
    assert refused.status_code == 429 and refused["Retry-After"]
    with schema_context(alpha.association.schema_name):
        assert not WhistleblowingReport.objects.exists()


def test_only_an_admin_designates_officers_and_at_least_one(alpha, published, members):
    staff = client_for(alpha, email=alpha.staff_email)
    assert staff.get("/app/settings/policies/whistleblowing/officers/").status_code == 403
    admin = client_for(alpha, email=alpha.admin_email)
    none = admin.post("/app/settings/policies/whistleblowing/officers/?lang=en", {})
    assert none.status_code == 400 and "Designate at least one officer." in _text(none)
    unknown = admin.post(
        "/app/settings/policies/whistleblowing/officers/", {"officers": ["999999"]}
    )
    assert unknown.status_code == 400
    _officer(alpha, members["committee"])
    with schema_context(alpha.association.schema_name):
        assert list(
            User.objects.filter(whistleblowing_officer=True).values_list("email", flat=True)
        ) == [members["committee"]]
        change = AccessRecord.objects.get(object_type="whistleblowing_officers")
    assert change.actor_email == alpha.admin_email
    assert change.detail == {"officers": [members["committee"]]}


def test_the_console_shows_no_report(alpha, published, console):  # noqa: F811
    _report(alpha)
    for path in ("/console/", "/console/transparency/", "/console/associations/alpha/"):
        response = console.get(path)
        assert "ALPHA-CONCERN" not in response.content.decode(), path


def test_the_export_keeps_no_word_of_a_report(db, tmp_path):
    """pg_dump as the export runs it, on committed rows (a schema of this test's own)."""
    if pg_program("pg_dump") is None:
        pytest.skip("pg_dump is not installed")
    schema = "wb_export_probe"
    table = EXPORT_EXCLUDED_TABLES[0]
    setup = connection.get_new_connection(connection.get_connection_params())
    setup.autocommit = True
    try:
        with setup.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")
            cursor.execute(f"CREATE TABLE {schema}.{table} (text text)")
            cursor.execute(f"CREATE TABLE {schema}.governance_whistleblowingreport (ref text)")
            cursor.execute(f"INSERT INTO {schema}.{table} VALUES ('ALPHA-CONCERN words')")
            cursor.execute(
                f"INSERT INTO {schema}.governance_whistleblowingreport VALUES ('WREF-KEPT')"
            )
        target = tmp_path / "schema.sql"
        schema_dump(schema_name=schema, target=target, without_rows_of=EXPORT_EXCLUDED_TABLES)
        dump = target.read_text()
    finally:
        with setup.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        setup.close()
    assert f"CREATE TABLE {schema}.{table}" in dump
    assert "WREF-KEPT" in dump and "ALPHA-CONCERN" not in dump
