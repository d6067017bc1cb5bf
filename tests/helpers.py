"""What tests share that is not a fixture: the two associations' shape, clients, a published
policy, beneficiaries and cases made through the services, uploads, TOTP codes, PDF text.

Test files import from here (and the live stack's from tests/live.py), never from one another;
a package's own helpers stay in its conftest or a module beside its tests.
"""

from __future__ import annotations

import datetime
import io
import re
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context
from PIL import Image
from stdnum import luhn

from accounts.models import User
from accounts.tokens import api_token_create
from publishing.forms import PolicyForm
from publishing.selectors import policy_draft_get
from tenants.models import Association
from workflow import services as workflow_services
from workflow.models import Case
from workspace.provisioning import association_provision

PASSWORD = "Correct-horse-2026"

POLICY = {
    "channels": ["interview", "phone", "website"],
    "referral_roles": ["social_researcher", "competent_officer"],
    "committee_deadline": {"kind": "working", "days": 10},
}

BENEFICIARY = {
    "national_id": "1000000008",
    "full_name": "محمد أحمد",
    "phone": "0512345678",
    "email": "mohammed@example.com",
    "city": "تبوك",
}

# The staff's new-case form (/app/cases/new/), filled as staff type it.
NEW_CASE = {
    "channel": "phone",
    "kind": "request",
    "national_id": "٢٠٠٠٠٠٠٠٠٦",  # typed in Arabic-Indic digits
    "full_name": "فاطمة علي",
    "phone": "0551234567",
    "summary": "طلب سلة غذائية",
    "consent": "on",
}

# The public request form (/request/), filled as a beneficiary would.
REQUEST_FORM = {
    "kind": "request",
    "national_id": "1000000008",
    "full_name": "محمد أحمد",
    "phone": "0512345678",
    "email": "mohammed@example.com",
    "city": "تبوك",
    "summary": "أحتاج إلى ترميم منزلي في حي السليمانية.",
    "consent": "on",
}

# The association's settings form (/app/settings/), the letterhead as an admin types it.
SETTINGS_FORM = {
    "name_ar": "جمعية ألفا الخيرية",
    "name_en": "Alpha Charity",
    "license_number": "1520",
    "supervising_authority": "وزارة الموارد البشرية",
    "address": "حي الروضة، جدة",
    "postal_code": "23435",
    "license_label_ar": "تصريح رقم",
    "license_label_en": "Permit No.",
    "phones": "٠١٢ ٦٦٥ ٤٣٢١\n0551234567",  # Arabic-Indic digits and spaces, as people type them
    "emails": "info@alpha.example\nalpha@gmail.example",
    "digits": "latin",
    "website": "alpha.example",
    "social_x": "@alpha_sa",
    "social_instagram": "",
    "social_snapchat": "",
    "bank-TOTAL_FORMS": "2",
    "bank-INITIAL_FORMS": "0",
    "bank-MIN_NUM_FORMS": "0",
    "bank-MAX_NUM_FORMS": "10",
    "bank-0-iban": "sa32 1000 0000 0000 0012 3456",
    "bank-0-bank_name": "",
    "bank-0-holder_name": "جمعية ألفا",
    "bank-1-iban": "",
    "bank-1-bank_name": "",
    "bank-1-holder_name": "",
}


@dataclass(frozen=True)
class Tenant:
    association: Association
    host: str
    admin_email: str
    staff_email: str


def client_for(tenant: Tenant | None, *, email: str | None = None) -> Client:
    """A test client on the tenant's host (the platform host for None), signed in as `email`."""
    client = Client(HTTP_HOST=tenant.host if tenant else "localhost")
    if email:
        with schema_context(tenant.association.schema_name):
            client.force_login(User.objects.get(email=email))
    return client


def api_client(tenant: Tenant, email: str) -> tuple[Client, dict]:
    """A client with the API token of `email` in `tenant`."""
    with schema_context(tenant.association.schema_name):
        _token, key = api_token_create(user=User.objects.get(email=email), name="tests")
    return client_for(tenant), {"HTTP_AUTHORIZATION": f"Token {key}"}


def staff_api(tenant: Tenant) -> tuple[Client, dict]:
    return api_client(tenant, tenant.staff_email)


def publish(tenant, *, data=None, approved_on=datetime.date(2024, 8, 14), meeting="5"):
    """Configure (optionally), approve and publish through the API; the published version."""
    client, auth = api_client(tenant, tenant.admin_email)
    if data:
        response = client.patch(
            "/api/v1/policy/draft/", data, content_type="application/json", **auth
        )
        assert response.status_code == 200, response.json()
    approval = {
        "meeting_number": meeting,
        "approved_on": approved_on.isoformat(),
        "chair_name": "د. سعد",
    }
    response = client.post(
        "/api/v1/policy/draft/approve/", approval, content_type="application/json", **auth
    )
    assert response.status_code == 200, response.json()
    response = client.post(
        "/api/v1/policy/draft/publish/", {}, content_type="application/json", **auth
    )
    assert response.status_code == 201, response.json()
    return response.json()


def throwaway(slug: str) -> Tenant:
    """An association of this test only (the test's transaction takes it away)."""
    association, _admin = association_provision(
        slug=slug,
        name_ar="جمعية جاما للتجربة",
        name_en="Gamma Trial Society",
        admin_email=f"admin@{slug}.example",
        admin_password=PASSWORD,
    )
    with schema_context(association.schema_name):
        User.objects.create_user(f"staff@{slug}.example", PASSWORD, role=User.Role.STAFF)
    return Tenant(
        association=association,
        host=f"{slug}.localhost",
        admin_email=f"admin@{slug}.example",
        staff_email=f"staff@{slug}.example",
    )


def national_id(n: int) -> str:
    """A valid national ID (Luhn) for every n."""
    body = f"1{n:08d}"
    return body + luhn.calc_check_digit(body)


def person(n: int, **changes) -> dict:
    return {
        "national_id": national_id(n),
        "full_name": f"مستفيد رقم {n}",
        "phone": f"055{n:07d}",
        **changes,
    }


def open_case(tenant, *, who: dict | None = None, channel: str = "interview", **fields) -> Case:
    """A case opened through the service, then put in the state the test needs."""
    with schema_context(tenant.association.schema_name):
        case, _token = workflow_services.case_open(
            channel=channel,
            beneficiary=who or BENEFICIARY,
            summary="طلب مساعدة سكنية",
            consent=True,
            actor=None,
        )
        if fields:
            Case.objects.filter(pk=case.pk).update(**fields)
            # Put there by hand, not by a transition: the counters are counted afresh.
            workflow_services.case_counts_rebuild()
        return Case.objects.select_related("beneficiary").get(pk=case.pk)


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (11, 110, 79)).save(buffer, format="PNG")
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


# Seconds a code must still have before its period ends: the server checks it a request (on a
# loaded machine, a browser's typing and submit) later, and takes no code of another period.
TOTP_MARGIN_SECONDS = 5


def totp_code(secret: str) -> str:
    """The TOTP code an authenticator app shows for `secret` now, or once a new period starts
    if this one is about to end."""
    left = mfa_settings.TOTP_PERIOD - time.time() % mfa_settings.TOTP_PERIOD
    if left < TOTP_MARGIN_SECONDS:
        time.sleep(left + 0.1)
    counter = next(iter(yield_hotp_counters_from_time()))
    return format_hotp_value(hotp_value(secret, counter))


def pdf_text(response) -> str:
    data = b"".join(response.streaming_content)
    assert data.startswith(b"%PDF-")
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()
    # pdftotext wraps right-to-left and left-to-right runs in invisible embedding marks.
    return re.sub("[\u202a-\u202e]", "", text)


def policy_editor_form(tenant: Tenant, **changes) -> dict:
    """The policy editor (/app/settings/policy/) as a browser posts it: every field with the
    value the page prefilled, then `changes` (a box that is not ticked is not sent)."""
    with schema_context(tenant.association.schema_name):
        form = PolicyForm(draft=policy_draft_get())
        values = {name: form[name].value() for name in form.fields}
    data = {}
    for name, value in {**values, **changes}.items():
        if value is True:
            data[name] = "on"
        elif value not in (False, None):
            data[name] = value
    return data


@contextmanager
def http_server(handler: type[BaseHTTPRequestHandler], host: str = "127.0.0.1") -> Iterator[str]:
    """A local HTTP server answering with `handler` (an outside service faked at its edge) for
    the block, on a free port; its base address."""
    server = ThreadingHTTPServer((host, 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
