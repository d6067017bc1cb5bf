"""The admins' access trail (/app/audit/): search, pages, and a CSV export that is itself
recorded."""

from __future__ import annotations

import json

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from django_tenants.utils import tenant_context

from accounts.models import User
from audit import selectors
from audit.forms import AccessFilterForm
from audit.models import AccessAction
from audit.services import access_record
from common.csv_export import csv_lines, csv_response
from tenants.permissions import admin_required

PAGE_SIZE = 50

CSV_COLUMNS = (
    gettext_lazy("When"),
    gettext_lazy("Member"),
    gettext_lazy("Role"),
    gettext_lazy("Action"),
    gettext_lazy("Object"),
    gettext_lazy("Object ID"),
    gettext_lazy("Beneficiary ID"),
    gettext_lazy("Case reference"),
    gettext_lazy("IP address"),
    gettext_lazy("Path"),
    gettext_lazy("Detail"),
)


@admin_required
@require_GET
def access_record_list(request):
    form = AccessFilterForm(request.GET or None)
    paginator = Paginator(selectors.access_records(**form.filters()), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    records = list(page.object_list)
    names = selectors.beneficiary_names(ids=[record.beneficiary_id for record in records])
    roles = dict(User.Role.choices)
    return render(
        request,
        "audit/access_records.html",
        {
            "form": form,
            "page": page,
            "rows": [
                {
                    "record": record,
                    "role": roles.get(record.actor_role, record.actor_role),
                    "beneficiary_name": names.get(record.beneficiary_id, ""),
                    "detail": json.dumps(record.detail, ensure_ascii=False, sort_keys=True)
                    if record.detail
                    else "",
                }
                for record in records
            ],
        },
    )


@admin_required
@require_GET
def access_records_csv(request):
    """The records the filters select, streamed; the export is recorded first, so it is in it."""
    form = AccessFilterForm(request.GET or None)
    filters = form.filters()
    access_record(
        actor=request.user,
        action=AccessAction.EXPORT,
        object_type="access_record",
        detail=filters,
    )
    records = selectors.access_records(**filters)
    association = request.association
    titles = [str(title) for title in CSV_COLUMNS]
    actions = {value: str(label) for value, label in AccessAction.choices}

    def rows():
        # Streamed after the view returns: stay in this association's schema.
        with tenant_context(association):
            for record in records.iterator(chunk_size=1000):
                yield (
                    timezone.localtime(record.at).isoformat(timespec="seconds"),
                    record.actor_email,
                    record.actor_role,
                    actions.get(record.action, record.action),
                    record.object_type,
                    record.object_id,
                    record.beneficiary_id,
                    record.case_reference,
                    record.ip_address,
                    record.path,
                    json.dumps(record.detail, ensure_ascii=False, sort_keys=True),
                )

    stamp = timezone.localdate().isoformat()
    return csv_response(
        csv_lines(titles, rows()), filename=f"{association.slug}-access-{stamp}.csv"
    )
