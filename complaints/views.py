"""Complaints and suggestions: the public form and status page, and the staff's log."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common import clock
from common.access_trail import AccessAction, access_record
from common.private_links import private_link, status_link_opens
from common.validation import errors_onto_form
from complaints import selectors, services
from complaints.forms import (
    AnswerForm,
    AssignForm,
    ComplaintFilterForm,
    ComplaintForm,
    DeadlineForm,
    StaffComplaintForm,
)
from complaints.models import Complaint
from publishing.selectors import policy_published
from tenants.permissions import admin_required, member_required
from workflow.api import public_submission_exceeded
from workflow.permissions import opens_cases
from workflow.public_views import submissions_refused


def _status_path(complaint: Complaint, token: str) -> str:
    path = reverse("complaint_status", args=[complaint.reference])
    return f"{path}?{urlencode({'token': token})}"


@require_http_methods(["GET", "POST"])
def complaint_form(request):
    """Anyone may send a complaint or a suggestion, whatever channels the policy publishes."""
    form = ComplaintForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if public_submission_exceeded(request):
            return submissions_refused(request)
        if form.is_valid():
            data = form.cleaned_data
            try:
                complaint, token = services.complaint_file(
                    kind=data["kind"],
                    name=data["name"],
                    phone=data["phone"],
                    text=data["text"],
                    consent=data["consent"],
                    actor=None,
                )
            except ValidationError as error:
                errors_onto_form(form, error)
            else:
                messages.success(
                    request, _("It was sent. Note its reference and keep this page's link.")
                )
                return redirect(_status_path(complaint, token))
    return render(
        request,
        "complaints/public/form.html",
        {"form": form, "response_days": selectors.complaint_response_days()},
        status=400 if form.errors else 200,
    )


@private_link
@require_GET
def complaint_status(request, reference: str):
    """Where a complaint stands and the association's answer, for whoever holds the link."""
    complaint = status_link_opens(request, reference, services.complaint_for_token)
    if isinstance(complaint, HttpResponse):
        return complaint
    return render(request, "complaints/public/status.html", {"complaint": complaint})


def _staff(view):
    """Beneficiary relations staff and admins: whoever opens cases keeps the complaints log."""

    @wraps(view)
    @member_required
    def wrapped(request, *args, **kwargs):
        if not opens_cases(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


@_staff
@require_GET
def complaint_list(request):
    form = ComplaintFilterForm(request.GET or None)
    filters = form.filters()
    access_record(
        actor=request.user, action=AccessAction.SEARCH, object_type="complaint", detail=filters
    )
    return render(
        request,
        "complaints/app/list.html",
        {
            "form": form,
            "complaints": selectors.complaint_list(**filters)[:200],
            "statistics": selectors.complaint_statistics(today=timezone.localdate(clock.now())),
            "today": timezone.localdate(clock.now()),
            "response_days": selectors.complaint_response_days(),
        },
    )


@_staff
@require_http_methods(["GET", "POST"])
def complaint_new(request):
    policy = policy_published()
    channels = policy.content["channels"] if policy else []
    form = StaffComplaintForm(request.POST or None, channels=channels)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            complaint, token = services.complaint_file(
                kind=data["kind"],
                name=data["name"],
                phone=data["phone"],
                text=data["text"],
                consent=data["consent"],
                channel=data["channel"],
                case_reference=data["case_reference"],
                language=data["language"],
                actor=request.user,
            )
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            link = request.association.url(_status_path(complaint, token))
            messages.success(
                request,
                _(
                    "%(reference)s was logged. The person reads the answer at %(url)s (this "
                    "link is shown once)."
                )
                % {"reference": complaint.reference, "url": link},
            )
            return redirect("complaint_detail", complaint_id=complaint.pk)
    return render(
        request,
        "complaints/app/new.html",
        {"form": form, "has_policy": policy is not None},
        status=400 if form.errors else 200,
    )


def _complaint_page(request, complaint: Complaint, *, assign=None, answer=None, status=200):
    return render(
        request,
        "complaints/app/detail.html",
        {
            "complaint": complaint,
            "assign_form": assign
            or AssignForm(
                initial={"assignee": complaint.assignee_email},
                assignees=selectors.complaint_assignees(),
            ),
            "answer_form": answer or AnswerForm(),
            "today": timezone.localdate(clock.now()),
        },
        status=status,
    )


def _complaint_or_404(request, complaint_id, *, record=AccessAction.VIEW) -> Complaint:
    try:
        return services.complaint_get_for(
            actor=request.user, complaint_id=complaint_id, record=record
        )
    except Complaint.DoesNotExist as error:
        raise Http404 from error


@_staff
@require_GET
def complaint_detail(request, complaint_id: int):
    return _complaint_page(request, _complaint_or_404(request, complaint_id))


@_staff
@require_POST
def complaint_assign(request, complaint_id: int):
    complaint = _complaint_or_404(request, complaint_id, record=None)
    form = AssignForm(request.POST, assignees=selectors.complaint_assignees())
    if form.is_valid():
        try:
            services.complaint_assign(
                complaint_id=complaint.pk,
                actor=request.user,
                assignee_email=form.cleaned_data["assignee"],
            )
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, _("The assignment was saved."))
            return redirect("complaint_detail", complaint_id=complaint.pk)
    return _complaint_page(request, complaint, assign=form, status=400)


@_staff
@require_POST
def complaint_answer(request, complaint_id: int):
    complaint = _complaint_or_404(request, complaint_id, record=None)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            services.complaint_answer(
                complaint_id=complaint.pk, actor=request.user, outcome=form.cleaned_data["outcome"]
            )
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, _("The answer was recorded."))
            return redirect("complaint_detail", complaint_id=complaint.pk)
    return _complaint_page(request, complaint, answer=form, status=400)


@admin_required
@require_http_methods(["GET", "POST"])
def complaint_settings(request):
    """The association's own deadline for answering complaints (10 working days by default)."""
    initial = {"response_working_days": selectors.complaint_response_days()}
    form = DeadlineForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            days = services.complaint_response_days_set(
                days=form.cleaned_data["response_working_days"]
            )
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(
                request,
                ngettext(
                    "New complaints are to be answered within %(days)s working day.",
                    "New complaints are to be answered within %(days)s working days.",
                    days,
                )
                % {"days": days},
            )
            return redirect("complaint_settings")
    return render(
        request, "complaints/app/settings.html", {"form": form}, status=400 if form.errors else 200
    )
