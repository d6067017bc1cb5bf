"""/governance/: the one page a reviewer opens; the bylaws' upload; the transparency self-score."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from catalog.models import PolicyKind
from common.hijri import hijri_with_gregorian
from common.i18n import current_language
from common.validation import errors_onto_form
from governance.forms import BylawsForm
from governance.selectors import bylaws_current, transparency_checklist
from governance.services import bylaws_upload
from publishing.selectors import policies_standing
from reporting.selectors import governance_reports
from tenants.permissions import admin_required


def _published_policies(language: str) -> list[dict]:
    """Each published policy with the meeting that approved its version in force and its
    history, in the standard's order."""
    policies = []
    for standing in policies_standing():
        if standing.latest is None:
            continue
        approval = standing.latest.content.get("approval") or {}
        approved_on = approval.get("approved_on")
        policies.append(
            {
                "kind": standing.kind,
                "title": standing.title,
                "beneficiary": standing.kind == PolicyKind.BENEFICIARY,
                "version": standing.latest,
                "meeting": approval.get("meeting_number") or approval.get("session") or "",
                "approved_on": hijri_with_gregorian(
                    datetime.date.fromisoformat(approved_on), language
                )
                if approved_on
                else "",
                "versions": standing.versions,
            }
        )
    return policies


def governance_page(request):
    """Every published policy with its approval and history, the bylaws, the complaints
    channel, and the transparency checklist: public, Arabic first."""
    language = current_language()
    context = {
        "policies": _published_policies(language),
        "bylaws": bylaws_current(),
        "checklist": transparency_checklist(),
        "reports": governance_reports(),
    }
    return render(request, "governance/governance.html", context)


def governance_bylaws(request):
    """The bylaws' PDF, from the association's own folder (its newest upload)."""
    bylaws = bylaws_current()
    if bylaws is None:
        raise Http404
    try:
        handle = bylaws.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    return FileResponse(
        handle,
        content_type="application/pdf",
        filename=f"{request.association.slug}-bylaws.pdf",
    )


@admin_required
@require_http_methods(["GET", "POST"])
def governance_settings(request):
    """The bylaws' upload: a PDF of at most 5 MB, refused with why (400), nothing kept."""
    form = BylawsForm(*((request.POST, request.FILES) if request.method == "POST" else ()))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                bylaws_upload(upload=form.cleaned_data["file"], actor_email=request.user.email)
            except ValidationError as error:
                errors_onto_form(form, error)
            else:
                messages.success(request, _("The bylaws are published on your governance page."))
                return redirect("governance_settings")
        status = 400
    return render(
        request,
        "governance/settings.html",
        {"form": form, "bylaws": bylaws_current()},
        status=status,
    )


@admin_required
def transparency(request):
    """The self-score with what is missing and the step that fixes it."""
    return render(request, "governance/transparency.html", {"checklist": transparency_checklist()})
