"""The breach register: admins record a breach and whom they told; the 72-hour clock for the
regulator shows on the page; the admins are reminded at 24 and 60 hours, once each; the times
must follow each other; nobody else sees it, beta least of all."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone
from django_tenants.utils import schema_context

from breaches.models import Breach, BreachReminder
from breaches.reminders import breach_reminders_send
from breaches.tasks import breach_reminders_dispatch_task
from tests.helpers import client_for

HOUR = datetime.timedelta(hours=1)


def moment(value: datetime.datetime) -> str:
    """As a datetime-local input sends it, in Riyadh time."""
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def form(**changes) -> dict:
    now = timezone.now()
    return {
        "summary": "أُرسل ملف فيه أسماء المستفيدين إلى عنوان بريد خاطئ",
        "happened_at": moment(now - 30 * HOUR),
        "found_at": moment(now - 10 * HOUR),
        "found_by": "مسؤول علاقات المستفيدين",
        "data_kinds": "الأسماء وأرقام الهوية",
        "people_affected": "42",
        "containment": "طُلب من المستلم حذف الملف",
        **changes,
    }


def only_breach(tenant) -> Breach:
    with schema_context(tenant.association.schema_name):
        return Breach.objects.get()


def test_an_admin_records_a_breach_and_sees_the_regulators_clock(alpha, admin):
    response = admin.post("/app/breaches/new/", form())
    assert response.status_code == 302
    breach = only_breach(alpha)
    assert response["Location"] == f"/app/breaches/{breach.pk}/"
    assert (breach.people_affected, breach.recorded_by) == (42, alpha.admin_email)
    assert breach.regulator_due_at == breach.found_at + 72 * HOUR

    page = admin.get(f"/app/breaches/{breach.pk}/?lang=en").content.decode()
    # Found ten hours ago (to the minute the form holds): 61 or 62 whole hours are left.
    assert breach.hours_left() in (61, 62)
    assert f"{breach.hours_left()} hours left to tell the regulator" in page
    assert "overdue" not in page
    listing = admin.get("/app/breaches/?lang=en").content.decode()
    assert f"{breach.hours_left()} hours left to tell the regulator" in listing
    assert "42 people affected" in listing
    arabic = admin.get("/app/breaches/?lang=ar").content.decode()
    assert '<html lang="ar" dir="rtl">' in arabic
    assert "هـ" in arabic  # the Hijri date of when it was found


def test_an_overdue_clock_is_red_and_a_told_regulator_stops_it(alpha, admin):
    now = timezone.now()
    admin.post(
        "/app/breaches/new/",
        form(found_at=moment(now - 80 * HOUR), happened_at=moment(now - 90 * HOUR)),
    )
    breach = only_breach(alpha)
    page = admin.get("/app/breaches/?lang=en").content.decode()
    assert f'id="breach-clock-{breach.pk}"' in page
    assert 'class="breach-clock overdue"' in page
    assert 'class="clock-figure late"' in page
    assert f"Overdue by {-breach.hours_left()} hours" in page
    assert -breach.hours_left() in (8, 9)

    told = form(
        found_at=moment(now - 80 * HOUR),
        happened_at=moment(now - 90 * HOUR),
        regulator_notified_at=moment(now - HOUR),
        regulator_notice="بوابة سدايا، المرجع 2026-118",
        people_notified_at=moment(now - HOUR),
        others_notified="مجلس الإدارة",
        closed="on",
    )
    assert admin.post(f"/app/breaches/{breach.pk}/", told).status_code == 302
    breach = only_breach(alpha)
    assert breach.closed_at is not None
    assert breach.regulator_notice == "بوابة سدايا، المرجع 2026-118"
    page = admin.get(f"/app/breaches/{breach.pk}/?lang=en").content.decode()
    assert "The regulator (SDAIA) was told" in page
    assert "Overdue" not in page
    assert "المرجع 2026-118" in page
    # Reopened: unticking "closed" clears it.
    told.pop("closed")
    admin.post(f"/app/breaches/{breach.pk}/", told)
    assert only_breach(alpha).closed_at is None


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"happened_at": "2026-01-02T10:00", "found_at": "2026-01-01T10:00"},
            "found_at",
            "A breach is found after it happened",
        ),
        (
            {"regulator_notified_at": "2020-01-01T10:00"},
            "regulator_notified_at",
            "Nobody is told of a breach before it is found",
        ),
        (
            {"people_notified_at": "2020-01-01T10:00"},
            "people_notified_at",
            "Nobody is told of a breach before it is found",
        ),
        ({"found_at": "2999-01-01T10:00"}, "found_at", "This time is in the future."),
        ({"found_at": "yesterday"}, "found_at", "Enter a valid date/time."),
        ({"summary": "  "}, "summary", "This field is required."),
        ({"people_affected": "-3"}, "people_affected", "greater than or equal to 0"),
    ],
)
def test_impossible_times_are_refused_with_a_clear_error_and_nothing_is_saved(
    alpha, admin, changes, field, message
):
    response = admin.post("/app/breaches/new/?lang=en", form(**changes))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert message in response.content.decode()
    with schema_context(alpha.association.schema_name):
        assert not Breach.objects.exists()


def test_an_impossible_change_leaves_the_record_as_it_was(alpha, admin):
    admin.post("/app/breaches/new/", form())
    breach = only_breach(alpha)
    response = admin.post(
        f"/app/breaches/{breach.pk}/?lang=en",
        form(found_at=moment(breach.happened_at - HOUR), summary="تغيير"),
    )
    assert response.status_code == 400
    assert "A breach is found after it happened" in response.content.decode()
    assert only_breach(alpha).summary == breach.summary
    assert admin.get("/app/breaches/999999/").status_code == 404


def test_only_admins_reach_the_register(alpha, admin, members):
    admin.post("/app/breaches/new/", form())
    breach = only_breach(alpha)
    for role in ("staff", "committee", "referral"):
        client = client_for(alpha, email=members[role])
        for url in ("/app/breaches/", "/app/breaches/new/", f"/app/breaches/{breach.pk}/"):
            assert client.get(url).status_code == 403, (role, url)
        assert client.post(f"/app/breaches/{breach.pk}/", form(summary="x")).status_code == 403
    assert client_for(alpha).get("/app/breaches/").status_code == 302
    assert only_breach(alpha).summary == breach.summary


def test_beta_admin_sees_none_of_alphas_breaches(alpha, beta, admin):
    admin.post("/app/breaches/new/", form())
    breach = only_breach(alpha)
    intruder = client_for(beta, email=beta.admin_email)
    assert breach.summary not in intruder.get("/app/breaches/").content.decode()
    assert intruder.get(f"/app/breaches/{breach.pk}/").status_code == 404
    assert intruder.post(f"/app/breaches/{breach.pk}/", form(summary="x")).status_code == 404
    assert only_breach(alpha).summary == breach.summary


# --- Reminders -----------------------------------------------------------------------------------


def _record(tenant, *, found_hours_ago: float, **fields) -> Breach:
    now = timezone.now()
    with schema_context(tenant.association.schema_name):
        return Breach.objects.create(
            summary="تسرب",
            happened_at=now - (found_hours_ago + 1) * HOUR,
            found_at=now - found_hours_ago * HOUR,
            found_by="x",
            data_kinds="الأسماء",
            recorded_by=tenant.admin_email,
            **fields,
        )


def _send(tenant, *, at: datetime.datetime) -> int:
    with schema_context(tenant.association.schema_name):
        return breach_reminders_send(now=at)


def test_admins_are_reminded_at_24_and_60_hours_each_once(alpha, members):
    breach = _record(alpha, found_hours_ago=0)
    found = breach.found_at
    assert _send(alpha, at=found + 23 * HOUR) == 0
    assert _send(alpha, at=found + 24 * HOUR) == 1
    assert _send(alpha, at=found + 25 * HOUR) == 0  # the 24-hour reminder was sent
    assert len(mail.outbox) == 1
    first = mail.outbox[0]
    assert first.to == [alpha.admin_email]  # admins only: not staff, committee or referral
    assert "48" in first.subject
    assert f"/app/breaches/{breach.pk}/" in first.body
    assert "SDAIA" in first.body and "سدايا" in first.body
    assert _send(alpha, at=found + 60 * HOUR) == 1
    assert _send(alpha, at=found + 61 * HOUR) == 0
    assert _send(alpha, at=found + 100 * HOUR) == 0
    assert len(mail.outbox) == 2
    assert "12" in mail.outbox[1].subject
    with schema_context(alpha.association.schema_name):
        assert sorted(BreachReminder.objects.values_list("kind", flat=True)) == ["24h", "60h"]


def test_a_breach_recorded_late_gets_one_reminder_not_two(alpha):
    breach = _record(alpha, found_hours_ago=0)
    assert _send(alpha, at=breach.found_at + 70 * HOUR) == 1
    assert len(mail.outbox) == 1
    assert _send(alpha, at=breach.found_at + 71 * HOUR) == 0


def test_no_reminder_once_the_regulator_is_told_or_the_breach_closed(alpha):
    told = _record(alpha, found_hours_ago=30, regulator_notified_at=timezone.now())
    closed = _record(alpha, found_hours_ago=30, closed_at=timezone.now())
    assert _send(alpha, at=timezone.now()) == 0
    assert mail.outbox == []
    with schema_context(alpha.association.schema_name):
        assert not BreachReminder.objects.filter(breach__in=[told, closed]).exists()


def test_a_failed_send_is_retried_next_run_not_lost(alpha, monkeypatch):
    import common.reminders

    breach = _record(alpha, found_hours_ago=25)

    def broken(**_kwargs):
        raise OSError("mail server away")

    monkeypatch.setattr(common.reminders, "send_mail", broken)
    with pytest.raises(OSError):
        _send(alpha, at=timezone.now())
    monkeypatch.undo()
    assert _send(alpha, at=timezone.now()) == 1
    assert len(mail.outbox) == 1
    assert breach.pk


def test_the_hourly_dispatch_reminds_each_association_of_its_own_breaches(
    alpha, beta, tasks_inline
):
    _record(alpha, found_hours_ago=25)
    assert breach_reminders_dispatch_task.apply().get() == sorted(
        [alpha.association.schema_name, beta.association.schema_name]
    )
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [alpha.admin_email]
    assert beta.admin_email not in mail.outbox[0].to
    with schema_context(beta.association.schema_name):
        assert not BreachReminder.objects.exists()
