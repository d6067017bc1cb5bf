"""The public statistics and satisfaction feedback pages, and the admin's screens that preview,
publish and report."""

from __future__ import annotations

import io

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.i18n import current_language
from common.validation import errors_onto_form
from reporting import selectors, services
from reporting.documents import satisfaction_report_pdf
from reporting.forms import BoardDecisionsForm, PeriodForm, ReportYearForm
from reporting.presentation import period_label, satisfaction_view, statistics_view
from tenants.permissions import admin_required


@require_GET
def statistics_public(request, number: int):
    publication = selectors.statistics_publication_get(number=number)
    if publication is None:
        raise Http404
    return render(
        request,
        "reporting/statistics_public.html",
        {"publication": publication, "view": statistics_view(publication.content)},
    )


@require_GET
def satisfaction_public(request, year: int):
    report = selectors.satisfaction_report_get(year=year, published=True)
    if report is None:
        raise Http404
    return render(
        request,
        "reporting/satisfaction_public.html",
        {"report": report, "view": satisfaction_view(report.content)},
    )


def _statistics_page(request, form: PeriodForm, preview: dict | None):
    return render(
        request,
        "reporting/statistics.html",
        {
            "form": form,
            "preview": preview,
            "publications": [
                (publication, period_label(publication.year, publication.quarter))
                for publication in selectors.statistics_publications()
            ],
        },
        status=400 if form.errors else 200,
    )


@admin_required
@require_GET
def statistics(request):
    """The publications so far, and the preview of the period asked for (?year=&quarter=)."""
    if "year" not in request.GET:
        return _statistics_page(request, PeriodForm(), None)
    form = PeriodForm(request.GET)
    preview = None
    if form.is_valid():
        try:
            period = services.statistics_period_check(**form.cleaned_data)
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            content = services.statistics_compute(period=period)
            preview = statistics_view(content)
            preview["empty"] = services.statistics_is_empty(content)
    return _statistics_page(request, form, preview)


@admin_required
@require_POST
def statistics_publish(request):
    form = PeriodForm(request.POST)
    if form.is_valid():
        try:
            publication = services.statistics_publish(
                **form.cleaned_data, actor_email=request.user.email
            )
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, _("The statistics were published."))
            return redirect("statistics_public", number=publication.number)
    return _statistics_page(request, form, None)


def _reports_page(request, form: ReportYearForm):
    return render(
        request,
        "reporting/reports.html",
        {"form": form, "reports": selectors.satisfaction_reports()},
        status=400 if form.errors else 200,
    )


@admin_required
@require_http_methods(["GET", "POST"])
def satisfaction_reports(request):
    """The yearly reports so far, and the form that prepares the next one."""
    if request.method == "GET":
        return _reports_page(request, ReportYearForm())
    form = ReportYearForm(request.POST)
    if form.is_valid():
        try:
            report = services.satisfaction_report_prepare(
                year=form.cleaned_data["year"], actor_email=request.user.email
            )
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, _("The report was prepared: table it at the board meeting."))
            return redirect("satisfaction_report", year=report.year)
    return _reports_page(request, form)


def _report_or_404(year: int):
    report = selectors.satisfaction_report_get(year=year)
    if report is None:
        raise Http404
    return report


@admin_required
@require_http_methods(["GET", "POST"])
def satisfaction_report(request, year: int):
    """The report, its PDF, and the form that records the board's decisions and publishes them."""
    report = _report_or_404(year)
    form = BoardDecisionsForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.satisfaction_report_publish(
                report=report,
                meeting=form.cleaned_data["meeting"],
                meeting_date=form.cleaned_data["meeting_date"],
                decisions=form.cleaned_data["decisions"],
                actor_email=request.user.email,
            )
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, _("The board's decisions were recorded and published."))
            return redirect(reverse("satisfaction_report", args=[report.year]))
    return render(
        request,
        "reporting/report.html",
        {"report": report, "view": satisfaction_view(report.content), "form": form},
        status=400 if form.errors else 200,
    )


@admin_required
@require_GET
def satisfaction_report_pdf_view(request, year: int):
    report = _report_or_404(year)
    language = current_language()
    return FileResponse(
        io.BytesIO(satisfaction_report_pdf(report=report, language=language)),
        content_type="application/pdf",
        as_attachment=True,
        filename=f"{request.association.slug}-satisfaction-{report.year}-{language}.pdf",
    )
