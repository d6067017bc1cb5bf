"""Reads of the access trail: the admins' search."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet

from audit.models import AccessRecord
from common.saudi import ascii_digits
from workflow.models import Beneficiary


def access_records(
    *,
    member: str | None = None,
    beneficiary: str | None = None,
    case_reference: str | None = None,
    action: str | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> QuerySet[AccessRecord]:
    """Access records newest first. `beneficiary` is an exact national ID or a part of the name;
    dates are days in the association's time zone, both included."""
    records = AccessRecord.objects.order_by("-at", "-id")
    if member:
        records = records.filter(actor_email__icontains=member.strip())
    if beneficiary and (beneficiary := beneficiary.strip()):
        digits = ascii_digits(beneficiary).replace(" ", "")
        people = (
            Beneficiary.objects.filter(national_id=digits)
            if digits.isdigit()
            else Beneficiary.objects.filter(full_name__icontains=beneficiary)
        )
        records = records.filter(beneficiary_id__in=people.values("pk"))
    if case_reference:
        compact = ascii_digits(case_reference).upper().replace("-", "").strip()
        reference = f"{compact[:4]}-{compact[4:]}" if len(compact) == 8 else compact
        records = records.filter(case_reference=reference)
    if action:
        records = records.filter(action=action)
    if date_from:
        records = records.filter(at__date__gte=date_from)
    if date_to:
        records = records.filter(at__date__lte=date_to)
    return records


def beneficiary_names(*, ids) -> dict[int, str]:
    """The names of the beneficiaries among `ids` that still exist, in one query."""
    wanted = {pk for pk in ids if pk is not None}
    return dict(Beneficiary.objects.filter(pk__in=wanted).values_list("pk", "full_name"))
