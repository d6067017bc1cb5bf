"""The operators' audit log page: searchable, filterable by date, read-only."""

import datetime

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from console.models import OperatorAction
from console.services import operator_action_record
from tests.security.routes import PLATFORM_URLCONF, routes


@pytest.fixture
def entries(db):
    old = operator_action_record(
        actor_email="first@mustafid.example",
        action="association.suspended",
        association_slug="alpha",
        summary="Unpaid",
        before={"status": "trial"},
        after={"status": "suspended", "reason": "لم تسدد الرسوم"},
        ip_address="10.0.0.1",
    )
    # created_at is stamped on insert and the append-only trigger forbids moving it: the old
    # entry is inserted with its date.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO console_operatoraction (created_at, actor_email, action,"
            " association_slug, summary, after) VALUES (%s, %s, %s, %s, %s, %s)",
            [
                timezone.now() - datetime.timedelta(days=40),
                "second@mustafid.example",
                "plan.assigned",
                "beta",
                "pro",
                '{"plan": "pro"}',
            ],
        )
    return old


def test_search_by_text_actor_action_association_and_date(console, entries):
    def listed(query: str) -> str:
        page = console.get(f"/console/audit/?{query}&lang=en").content.decode()
        return page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]

    assert "association.suspended" in listed("q=تسدد")  # text inside before/after
    assert "plan.assigned" not in listed("q=تسدد")
    assert "plan.assigned" in listed("actor=second@")
    assert "association.suspended" in listed("action=association.")
    assert "plan.assigned" in listed("association=beta")
    today = timezone.localdate().isoformat()
    recent = listed(f"date_from={today}")
    assert "association.suspended" in recent and "plan.assigned" not in recent
    older = listed(f"date_to={(timezone.localdate() - datetime.timedelta(days=30)).isoformat()}")
    assert "plan.assigned" in older and "association.suspended" not in older
    # Before and after are shown, Arabic as written, with the operator's address.
    assert (
        "&quot;status&quot;: &quot;trial&quot;" in recent
        and "لم تسدد الرسوم" in recent
        and "10.0.0.1" in recent
    )


def test_the_log_has_no_way_to_change_it(console, entries):
    assert console.post("/console/audit/", {"id": entries.pk}).status_code == 405
    # The list is the only route to the log (read from the resolver, not guessed).
    audit_routes = [r.pattern for r in routes(PLATFORM_URLCONF) if "audit" in r.pattern]
    assert audit_routes == ["/console/audit/"]
    with pytest.raises(DatabaseError), transaction.atomic():
        OperatorAction.objects.filter(pk=entries.pk).update(summary="changed")
    with pytest.raises(DatabaseError), transaction.atomic():
        OperatorAction.objects.filter(pk=entries.pk).delete()
    assert OperatorAction.objects.get(pk=entries.pk).summary == "Unpaid"
