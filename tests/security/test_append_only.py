"""The append-only and immutable tables refuse every way of changing them in SQL: UPDATE and
DELETE (row triggers) and TRUNCATE (statement triggers, which row triggers do not cover)."""

from __future__ import annotations

from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.models import User
from audit.services import access_record
from console.services import operator_action_record
from governance.models import Disclosure
from privacy.notice import notice_publish
from reporting.models import StatisticsPublication

# table → the words of its trigger's refusal (so a refusal for another reason fails the test)
ASSOCIATION_TABLES = {
    "audit_accessrecord": "an access record cannot be changed or deleted",
    "privacy_privacynoticeversion": "a published privacy notice cannot be changed or deleted",
    "reporting_statisticspublication": "published statistics cannot be changed or deleted",
    "governance_disclosure": "a signed disclosure cannot be changed or deleted",
}
PUBLIC_TABLES = {
    "console_operatoraction": "the operators' audit log cannot be changed or deleted",
}
STATEMENTS = ("TRUNCATE {} CASCADE", "DELETE FROM {}", "UPDATE {} SET id = id")


def _refused(table: str, message: str) -> list[str]:
    """The statements that went through (none may)."""
    went_through = []
    quoted = connection.ops.quote_name(table)
    for statement in STATEMENTS:
        sql = statement.format(quoted)
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql)
                # An empty table gives row triggers nothing to fire on: only TRUNCATE is proven
                # there; the other two are proven on the rows the services wrote.
                if cursor.rowcount == 0 and not sql.startswith("TRUNCATE"):
                    went_through.append(f"{sql}: no rows to refuse (the test needs one)")
                    continue
            went_through.append(sql)
        except DatabaseError as error:
            if message not in str(error):
                went_through.append(f"{sql}: refused for another reason: {error}")
    return went_through


def _one_row_each(alpha) -> None:
    operator_action_record(actor_email="ops@x.example", action="test", summary="row")
    with schema_context(alpha.association.schema_name):
        admin = User.objects.get(email=alpha.admin_email)
        access_record(actor=admin, action="search", object_type="case")
        notice_publish(actor_email=alpha.admin_email)
        # The row as the service writes it; tests/reporting publish them from cases.
        StatisticsPublication.objects.create(
            number=1, year=2025, published_at=timezone.now(), published_by="a@x.example", content={}
        )
        # As governance.disclosures.disclosure_sign writes it (tests/governance sign by HTTP).
        Disclosure.objects.create(
            year=2026,
            member_email=admin.email,
            role="admin",
            signed_name="x",
            declared=True,
            no_conflict=True,
            policy_version=1,
            signed_at=timezone.now(),
        )
        # The disclosure's foreign-key check is deferred: run it now, or TRUNCATE meets the
        # pending check instead of the table's own refusal.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_append_only_tables_refuse_update_delete_and_truncate(alpha):
    _one_row_each(alpha)
    with schema_context(alpha.association.schema_name):
        for table, message in ASSOCIATION_TABLES.items():
            assert _refused(table, message) == [], table
    with schema_context("public"):
        for table, message in PUBLIC_TABLES.items():
            assert _refused(table, message) == [], table
