"""The admins' breach register (/app/breaches/): the record and the regulator's 72-hour clock."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from breaches import selectors, services
from breaches.forms import BreachForm
from breaches.models import Breach
from common.validation import errors_onto_form
from tenants.permissions import admin_required


def clock(breach: Breach, now) -> dict:
    """The regulator's clock as the pages show it."""
    hours_left = breach.hours_left(now)
    return {
        "breach": breach,
        "due_at": breach.regulator_due_at,
        "told": breach.regulator_notified_at is not None,
        "hours_left": hours_left,
        "overdue": breach.regulator_notified_at is None and hours_left < 0,
        "hours_late": -hours_left,
    }


@admin_required
@require_GET
def breach_list(request):
    now = timezone.now()
    return render(
        request,
        "breaches/breach_list.html",
        {"items": [clock(breach, now) for breach in selectors.breach_list()]},
    )


@admin_required
@require_http_methods(["GET", "POST"])
def breach_new(request):
    form = BreachForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            breach = services.breach_record(
                actor=request.user, data=form.cleaned_data, closed=form.cleaned_data["closed"]
            )
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, _("The breach was recorded."))
            return redirect("breach_detail", breach_id=breach.pk)
    return render(
        request,
        "breaches/breach_form.html",
        {"form": form, "item": None},
        status=400 if form.errors else 200,
    )


@admin_required
@require_http_methods(["GET", "POST"])
def breach_detail(request, breach_id: int):
    try:
        breach = selectors.breach_get(breach_id=breach_id)
    except Breach.DoesNotExist as error:
        raise Http404 from error
    if request.method == "POST":
        form = BreachForm(request.POST)
        if form.is_valid():
            try:
                services.breach_update(
                    breach_id=breach.pk,
                    actor=request.user,
                    data=form.cleaned_data,
                    closed=form.cleaned_data["closed"],
                )
            except ValidationError as error:
                errors_onto_form(form, error)
            else:
                messages.success(request, _("The breach's record was saved."))
                return redirect("breach_detail", breach_id=breach.pk)
    else:
        initial = {field: getattr(breach, field) for field in services.FIELDS}
        form = BreachForm(initial={**initial, "closed": breach.closed_at is not None})
    return render(
        request,
        "breaches/breach_form.html",
        {"form": form, "item": clock(breach, timezone.now())},
        status=400 if form.errors else 200,
    )
