"""The export-delete-restore round trip on the live stack, shared by its tests: what seeds the
associations (run by `manage.py shell` in the stack), and how their rows are read back."""

from __future__ import annotations

from pathlib import Path

from psycopg import sql

OPERATOR = "operator@mustafid.example"
PDF = b"%PDF-1.4\n% a case document of the round trip\n%%EOF\n"

SEED = """
import datetime, json
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context
from publishing.services import policy_draft_approve, policy_draft_update, policy_publish
from accounts.models import User
from tenants.models import BankAccount
from workspace.provisioning import association_provision
from workflow.documents import case_document_add
from workflow.services import case_open, case_transition

PASSWORD, PDF = {password!r}, {pdf!r}
POLICY = {policy!r}
PERSON = {person!r}
found = {{}}
for slug, name_ar, name_en in {associations!r}:
    association, admin = association_provision(
        slug=slug, name_ar=name_ar, name_en=name_en,
        admin_email="admin@" + slug + ".example", admin_password=PASSWORD,
    )
    BankAccount.objects.create(association=association, iban="SA0380000000608010167519")
    with schema_context(association.schema_name):
        staff = User.objects.create_user("staff@" + slug + ".example", PASSWORD, role="staff")
        User.objects.create_user("committee@" + slug + ".example", PASSWORD, role="committee")
        policy_draft_update(data=POLICY)
        policy_draft_approve(
            meeting_number="7", approved_on=datetime.date(2024, 8, 14), chair_name="د. سعد"
        )
        policy_publish(actor_email=admin.email)
        case, _token = case_open(
            channel="phone", beneficiary=PERSON, summary="ترميم منزل " + slug,
            consent=True, actor=staff,
        )
        document = case_document_add(
            case=case, kind="report", actor=staff,
            upload=SimpleUploadedFile("report.pdf", PDF, content_type="application/pdf"),
        )
        case_open(
            channel="interview", beneficiary=PERSON, summary="اقتراح " + slug,
            consent=True, actor=staff, kind="suggestion",
        )
    found[slug] = {{"case": case.pk, "document": document.pk, "file": document.file.name}}
print(json.dumps(found))
"""

SNAPSHOT_QUERIES = {
    "members": "SELECT email, role, password, is_active FROM {}.accounts_user ORDER BY email",
    "policy": "SELECT number, published_by, content::text FROM {}.publishing_policyversion "
    "ORDER BY number",
    "cases": "SELECT id, reference, kind, status, summary, channel_code "
    "FROM {}.workflow_case ORDER BY id",
    "events": "SELECT case_id, action, to_status, actor_email FROM {}.workflow_caseevent "
    "ORDER BY id",
    "documents": "SELECT id, case_id, file, size, original_name FROM {}.workflow_casedocument "
    "ORDER BY id",
    "beneficiaries": "SELECT national_id, full_name FROM {}.workflow_beneficiary ORDER BY id",
}


def subscription(stack, slug: str) -> list[tuple]:
    return stack.sql(
        "SELECT p.code, s.status, s.trial_ends_at FROM billing_subscription s "
        "JOIN billing_plan p ON p.id = s.plan_id "
        "JOIN tenants_association a ON a.id = s.association_id WHERE a.slug = %s",
        [slug],
    )


def snapshot(stack, schema: str) -> dict:
    return {
        name: stack.sql(sql.SQL(query).format(sql.Identifier(schema)))
        for name, query in SNAPSHOT_QUERIES.items()
    }


def shell(stack, code: str) -> str:
    return stack.manage("shell", "-c", code).stdout.strip().splitlines()[-1]


def local_dir(stack) -> Path:
    return Path(stack.env["MUSTAFID_LOCAL_DIR"])
