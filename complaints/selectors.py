"""Reads of the complaints log: the list, its statistics, one person's complaints."""

from __future__ import annotations

import datetime

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncMonth

from accounts.models import User
from complaints.models import (
    DEFAULT_RESPONSE_DAYS,
    Complaint,
    ComplaintKind,
    ComplaintSettings,
    ComplaintStatus,
)


def complaint_list(*, status: str = "", kind: str = "") -> QuerySet[Complaint]:
    """Open complaints first, the soonest due first; then answered ones, newest first."""
    complaints = Complaint.objects.all()
    if status:
        complaints = complaints.filter(status=status)
    if kind:
        complaints = complaints.filter(kind=kind)
    return complaints.order_by("-status", "due_on", "-created_at", "-id")


def complaint_statistics(*, today: datetime.date) -> list[dict]:
    """Per month received and channel: complaints, suggestions, answered, answered on time,
    and open past their deadline on `today`; newest month first, one query."""
    on_time = Q(status=ComplaintStatus.ANSWERED, answered_at__date__lte=F("due_on"))
    rows = (
        Complaint.objects.annotate(month=TruncMonth("received_on"))
        .values("month", "channel_code", "channel_name_ar", "channel_name_en")
        .annotate(
            complaints=Count("pk", filter=Q(kind=ComplaintKind.COMPLAINT)),
            suggestions=Count("pk", filter=Q(kind=ComplaintKind.SUGGESTION)),
            answered=Count("pk", filter=Q(status=ComplaintStatus.ANSWERED)),
            on_time=Count("pk", filter=on_time),
            overdue=Count("pk", filter=Q(status=ComplaintStatus.OPEN, due_on__lt=today)),
        )
        .order_by("-month", "channel_code")
    )
    return [dict(row) for row in rows]


def complaints_of_person(*, phone: str, case_ids: list[int]) -> QuerySet[Complaint]:
    """The complaints a person filed from their mobile, or that are about their cases."""
    mine = Q(case_id__in=case_ids) | (Q(phone=phone) if phone else Q(pk__in=[]))
    return Complaint.objects.filter(mine).order_by("created_at", "id")


def complaint_assignees() -> list[str]:
    """Who a complaint may be given to: the active admins and staff, by e-mail."""
    return list(
        User.objects.filter(is_active=True, role__in=[User.Role.ADMIN, User.Role.STAFF])
        .order_by("email")
        .values_list("email", flat=True)
    )


def complaint_response_days() -> int:
    """The working days the association gives itself to answer (10 until it sets its own)."""
    row = ComplaintSettings.objects.first()
    return row.response_working_days if row else DEFAULT_RESPONSE_DAYS
