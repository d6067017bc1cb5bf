"""Alpha's secrets, made through the services: what beta (or anyone) must never get back.

`world` builds one of each thing alpha owns (a case with its beneficiary, a document, a survey,
links and tokens of every kind, a logo), each carrying a marker that no page of beta's, and no
page of the platform, may ever show.
"""

from __future__ import annotations

import datetime
import io
import secrets
from dataclasses import dataclass, field

import pytest
from allauth.account.forms import default_token_generator as allauth_tokens
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_tenants.utils import schema_context
from PIL import Image, PngImagePlugin

from accounts.models import User
from accounts.tokens import api_token_create
from common import clock as platform_clock
from tests.helpers import POLICY, Tenant, publish

NATIONAL_ID = "1098765439"
NAME = "زينب السرّية ALPHAVICTIM"
SUMMARY = "ALPHA-SUMMARY-7c1e: تفاصيل سرية عن دخل الأسرة وصحتها"
HEALTH = "ALPHA-HEALTH-4b2d"
POLICY_EXTRA = "ALPHA-POLICY-EXTRA-91fa"
DOCUMENT_BYTES = b"%PDF-1.4\n% ALPHA-DOCUMENT-BYTES-e83b\n%%EOF\n"
LOGO_TEXT = "ALPHA-LOGO-BYTES-55d0"
INVITED_NAME = "ALPHA-INVITEE-2f6a"
REQUESTER_DETAILS = "ALPHA-SUBJECT-REQUEST-0d9c"
HOLD_REASON = "ALPHA-LEGAL-HOLD-6e3b"
# The token of alpha's unconfirmed subscriber's confirmation link (workflow.policy_notice).
CONFIRM = "alpha-confirm-token-3c9a"
BREACH_SUMMARY = "ALPHA-BREACH-a41f"
COMPLAINT_TEXT = "ALPHA-COMPLAINT-3c7e"
BYLAWS_TEXT = "ALPHA-BYLAWS-5b2d"
BOARD_DECISIONS = "ALPHA-BOARD-DECISIONS-5d2b"
DISCLOSED_INTEREST = "ALPHA-DISCLOSED-INTEREST-8e1c"
WHISTLEBLOWING_TEXT = "ALPHA-WHISTLEBLOWING-REPORT-6f0a"


@dataclass
class World:
    alpha: Tenant
    schema: str
    case_id: int
    reference: str
    status_token: str
    beneficiary_id: int
    document_id: int
    document_path: str  # inside alpha's media folder
    logo_path: str
    policy_number: int
    section_key: str
    survey_token: str
    handoff_token: str
    join_uid: str
    join_token: str
    reset_uid: str
    reset_key: str
    confirm_key: str
    api_token: str
    session_cookie: str
    # Ids and tokens of other features' objects, added by their providers (routes.py).
    extra: dict[str, object] = field(default_factory=dict)

    def markers(self) -> dict[str, bytes]:
        """What must never come back to someone outside alpha, by what it is."""
        texts = {
            "beneficiary name": NAME,
            "national ID": NATIONAL_ID,
            "case summary": SUMMARY,
            "health notes": HEALTH,
            "policy extra text": POLICY_EXTRA,
            "invited member's name": INVITED_NAME,
            "data subject request": REQUESTER_DETAILS,
            "legal hold": HOLD_REASON,
            "breach": BREACH_SUMMARY,
            "complaint": COMPLAINT_TEXT,
            "board's decisions": BOARD_DECISIONS,
            "disclosed interest": DISCLOSED_INTEREST,
            "whistleblowing report": WHISTLEBLOWING_TEXT,
            "case reference": self.reference,
            "status token": self.status_token,
            "survey token": self.survey_token,
            "handoff token": self.handoff_token,
            "API token": self.api_token,
            "alpha's name": self.alpha.association.name_en,
            "alpha's Arabic name": self.alpha.association.name_ar,
        }
        found = {name: text.encode() for name, text in texts.items()}
        found["document bytes"] = b"ALPHA-DOCUMENT-BYTES-e83b"
        found["logo bytes"] = LOGO_TEXT.encode()
        found["bylaws bytes"] = BYLAWS_TEXT.encode()
        return found


def _logo() -> SimpleUploadedFile:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", LOGO_TEXT)
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), "green").save(buffer, format="PNG", pnginfo=info)
    return SimpleUploadedFile("logo.png", buffer.getvalue(), content_type="image/png")


def build_world(alpha: Tenant) -> World:
    from accounts.services import login_handoff_make, member_invite
    from publishing.services import policy_draft_ensure
    from tenants.services import association_profile_update
    from workflow import services
    from workflow.documents import case_document_add
    from workflow.models import Survey
    from workflow.tokens import token_hash

    schema = alpha.association.schema_name
    with schema_context(schema):
        first_section = policy_draft_ensure().sections[0]["key"]
    version = publish(
        alpha,
        data={
            **POLICY,
            "sections": [
                {"key": first_section, "extra_ar": POLICY_EXTRA, "extra_en": POLICY_EXTRA}
            ],
        },
    )
    association = association_profile_update(association=alpha.association, data={"logo": _logo()})
    with schema_context(schema):
        admin = User.objects.get(email=alpha.admin_email)
        staff = User.objects.get(email=alpha.staff_email)
        case, status_token = services.case_open(
            channel="interview",
            beneficiary={
                "national_id": NATIONAL_ID,
                "full_name": NAME,
                "phone": "0598765432",
                "email": "alpha-victim@example.org",
                "city": "تبوك",
                "health_notes": HEALTH,
            },
            summary=SUMMARY,
            consent=True,
            actor=staff,
        )
        document = case_document_add(
            case=case,
            upload=SimpleUploadedFile("report.pdf", DOCUMENT_BYTES, "application/pdf"),
            kind="report",
            actor=staff,
        )
        survey_token = secrets.token_urlsafe(24)
        Survey.objects.create(
            case=case,
            token_hash=token_hash(survey_token),
            expires_at=timezone.now() + datetime.timedelta(days=30),
        )
        invited = member_invite(
            email="invitee@alpha.example",
            role="staff",
            full_name=INVITED_NAME,
            invited_by=admin,
            base_url=association.url(""),
        )
        address, _ = EmailAddress.objects.get_or_create(
            user=admin, email=admin.email, defaults={"primary": True}
        )
        api_row, api_key = api_token_create(user=admin, name="world")
        world = World(
            alpha=alpha,
            schema=schema,
            case_id=case.pk,
            reference=case.reference,
            status_token=status_token,
            beneficiary_id=case.beneficiary_id,
            document_id=document.pk,
            document_path=document.file.name,
            logo_path=association.logo.name.removeprefix(f"{schema}/"),
            policy_number=version["version"],
            section_key=first_section,
            survey_token=survey_token,
            handoff_token=login_handoff_make(user=admin),
            join_uid=urlsafe_base64_encode(force_bytes(invited.pk)),
            join_token=default_token_generator.make_token(invited),
            reset_uid=user_pk_to_url_str(admin),
            reset_key=allauth_tokens.make_token(admin),
            confirm_key=EmailConfirmationHMAC(address).key,
            api_token=api_key,
            session_cookie="",
        )
        world.extra["token_id"] = api_row.pk
        world.extra["member_id"] = invited.pk
        world.extra.update(_privacy_and_breaches(admin=admin, beneficiary=case.beneficiary))
        world.extra.update(_complaint(staff=staff, case=case))
        world.extra.update(_sms(case=case))
        world.extra.update(_governance(alpha))
        world.extra.update(_reporting(admin=admin))
        world.extra.update(_disclosures_and_whistleblowing(admin=admin))
        signed_in = Client(HTTP_HOST=alpha.host)
        signed_in.force_login(admin)
        world.session_cookie = signed_in.cookies["sessionid"].value
    world.extra.update(_console(alpha))
    return world


def _console(alpha: Tenant) -> dict[str, int]:
    """The console's export of alpha and a provisioning job (public rows, operators only)."""
    from console.lifecycle import association_export_start
    from console.services import provisioning_job_create

    export = association_export_start(association=alpha.association, actor_email="ops@x.example")
    job = provisioning_job_create(
        slug="gamma-security",
        name_ar="جمعية غاما",
        name_en="Gamma",
        admin_email="admin@gamma.example",
        admin_password="Correct-horse-2026",
        actor_email="ops@x.example",
    )
    return {"export_id": export.pk, "job_id": job.pk}


def _reporting(*, admin: User) -> dict[str, int]:
    """Alpha's published statistics and satisfaction report with the board's decisions. The
    world's cases are this year's, so the rows are written as the services write them."""
    from reporting.models import SatisfactionReport, StatisticsPublication
    from reporting.services import statistics_compute
    from reporting.statistics import Period

    publication = StatisticsPublication.objects.create(
        number=1,
        year=2025,
        published_at=timezone.now(),
        published_by=admin.email,
        content=statistics_compute(period=Period(2025)),
    )
    empty = {"channels": {}, "total": {"answers": 0}}
    report = SatisfactionReport.objects.create(
        year=2025,
        prepared_at=timezone.now(),
        prepared_by=admin.email,
        content={"year": 2025, "current": empty, "previous": empty, "channels": {}},
        board_meeting="7",
        board_date=datetime.date(2026, 2, 1),
        board_decisions=BOARD_DECISIONS,
        published_at=timezone.now(),
        published_by=admin.email,
    )
    return {"statistics_number": publication.number, "report_year": report.year}


def _disclosures_and_whistleblowing(*, admin: User) -> dict[str, object]:
    """Alpha's board member with their disclosure link and a disclosed interest, and a
    whistleblowing report with its follow-up link (alpha designates no officer here: no role of
    the authorisation table may read it). The policies' publication is the services' precondition: these rows are written as they write
    them (tests/governance publish and file through HTTP)."""
    from governance.disclosures import disclosure_year
    from governance.models import (
        BoardMember,
        Disclosure,
        WhistleblowingMessage,
        WhistleblowingReport,
    )
    from workflow.tokens import token_hash

    board_token = secrets.token_urlsafe(24)
    board_member = BoardMember.objects.create(
        full_name="عضو مجلس ألفا",
        added_at=timezone.now(),
        added_by=admin.email,
        link_token_hash=token_hash(board_token),
        link_issued_at=timezone.now(),
    )
    Disclosure.objects.create(
        year=disclosure_year(),  # as governance.disclosures.disclosure_sign files it
        board_member=board_member,
        role="board",
        signed_name="عضو مجلس ألفا",
        declared=True,
        no_conflict=False,
        interests=[{"kind": "financial", "party": DISCLOSED_INTEREST, "description": "x"}],
        policy_version=1,
        signed_at=timezone.now(),
    )
    report_token = secrets.token_urlsafe(24)
    report = WhistleblowingReport.objects.create(
        reference="WABC-DEFG",
        received_at=timezone.now(),
        token_hash=token_hash(report_token),
        last_message_at=timezone.now(),
    )
    WhistleblowingMessage.objects.create(
        report=report, author="reporter", text=WHISTLEBLOWING_TEXT, at=timezone.now()
    )
    return {
        "board_member_id": board_member.pk,
        "board_token": board_token,
        "report_id": report.pk,
        "report_reference": report.reference,
        "report_token": report_token,
    }


def _complaint(*, staff: User, case) -> dict[str, object]:
    """Alpha's complaint about its case (complaints/), and its private status link."""
    from complaints.services import complaint_file

    complaint, token = complaint_file(
        kind="complaint",
        name=NAME,
        phone="0598765432",
        text=COMPLAINT_TEXT,
        consent=True,
        actor=staff,
        channel="interview",
        case_reference=case.reference,
    )
    return {
        "complaint_id": complaint.pk,
        "complaint_reference": complaint.reference,
        "complaint_token": token,
    }


def _sms(*, case) -> dict[str, object]:
    """Alpha's text message to its beneficiary, and its opt-out link (notifications/)."""
    from notifications.models import SmsMessage
    from notifications.services import opt_out_token

    message = SmsMessage.objects.create(
        event_key=f"case:{case.pk}:received",
        kind="request_received",
        category="awareness",
        recipient="+966598765432",
        text=SUMMARY,
        encoding="ucs2",
        segments=2,
        status="sent",
    )
    from workflow.models import PolicyNotice, UpdateSubscriber
    from workflow.policy_notice import email_stop_token

    # Someone who asked alpha to be told of updates, and alpha's notice to them.
    UpdateSubscriber.objects.create(email="reader@alpha.example", consent_at=timezone.now())
    notice = PolicyNotice.objects.create(number=1, address="reader@alpha.example")
    # Someone who asked and has not confirmed yet, and their confirmation link's token.
    from workflow.tokens import token_hash

    UpdateSubscriber.objects.create(
        phone="+966598765433", consent_at=timezone.now(), confirm_token_hash=token_hash(CONFIRM)
    )
    return {
        "sms_id": message.pk,
        "sms_stop_token": opt_out_token(message),
        "updates_stop_token": email_stop_token("reader@alpha.example"),
        "updates_confirm_token": CONFIRM,
        "notice_id": notice.pk,
    }


def _governance(alpha: Tenant) -> dict[str, object]:
    """Alpha's fundraising policy, published with its extra text, and its bylaws."""
    from governance.services import bylaws_upload
    from publishing.services import kind_draft_update, policies_approve

    kind = "fundraising"
    kind_draft_update(
        kind=kind,
        data={"sections": [{"key": "purpose", "extra_ar": POLICY_EXTRA, "extra_en": POLICY_EXTRA}]},
    )
    policies_approve(
        kinds=[kind],
        actor_email=alpha.admin_email,
        meeting_number="5",
        approved_on=datetime.date(2024, 8, 14),
    )
    bylaws_upload(
        upload=SimpleUploadedFile(
            "bylaws.pdf", b"%PDF-1.4 " + BYLAWS_TEXT.encode(), "application/pdf"
        ),
        actor_email=alpha.admin_email,
    )
    return {"policy_kind": kind}


def _privacy_and_breaches(*, admin: User, beneficiary) -> dict[str, int]:
    """Alpha's data subject request, legal hold and breach (privacy/ and breaches/)."""
    from breaches.services import breach_record
    from privacy.holds import legal_hold_set
    from privacy.subject_requests import subject_request_record

    request = subject_request_record(
        kind="access",
        requester_name=NAME,
        requester_national_id=NATIONAL_ID,
        requester_contact="alpha-victim@example.org",
        details=REQUESTER_DETAILS,
        received_on=timezone.localdate(platform_clock.now()),
        actor=admin,
    )
    hold = legal_hold_set(beneficiary=beneficiary, reason=HOLD_REASON, actor=admin)
    now = timezone.now()
    breach = breach_record(
        actor=admin,
        data={
            "summary": BREACH_SUMMARY,
            "found_by": "admin",
            "data_kinds": "names",
            "happened_at": now - datetime.timedelta(hours=2),
            "found_at": now - datetime.timedelta(hours=1),
        },
    )
    return {"request_id": request.pk, "hold_id": hold.pk, "breach_id": breach.pk}


@pytest.fixture
def world(alpha, settings, tmp_path) -> World:
    settings.MEDIA_ROOT = str(tmp_path)
    return build_world(alpha)
